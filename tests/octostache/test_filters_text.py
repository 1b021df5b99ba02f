"""Text filters and their option rules (bad or extra options echo the token)."""

from __future__ import annotations

import pytest

from deployer.octostache import OctostacheError, render

OCTO = "Octopus Deploy"


def one(template: str, value: str | None = OCTO) -> str | None:
    return render(template, {"foo": value} if value is not None else {})


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("#{foo | ToUpper}", "OCTOPUS DEPLOY"),
        ("#{foo|ToUpper|ToLower}", "octopus deploy"),
        ("#{foo | toupper}", "OCTOPUS DEPLOY"),
        ("#{foo | ToUpper x}", '#{foo | ToUpper "x"}'),
        ("#{foo | ToBazooka}", "#{foo | ToBazooka}"),
        ("#{foo | Substring 7}", "Octopus"),
        ("#{foo | Substring 8 6}", "Deploy"),
        ("#{foo | Substring 8 99}", "Deploy"),
        ("#{foo | Substring}", "#{foo | Substring}"),
        ("#{foo | Substring 1 2 3}", '#{foo | Substring "1" "2" "3"}'),
        ("#{foo | Substring a}", '#{foo | Substring "a"}'),
        ("#{foo | Substring -1}", '#{foo | Substring "-1"}'),
        ("#{foo | Substring 0 -1}", '#{foo | Substring "0" "-1"}'),
        ("#{foo | Substring 15 1}", '#{foo | Substring "15" "1"}'),
        ("#{foo | Substring 8 | Trim}", "Octopus"),
        ("#{foo | Truncate 7}", "Octopus..."),
        ('#{foo | Truncate 7 "!"}', "Octopus!"),
        ("#{foo | Truncate 50}", OCTO),
        ("#{foo | Truncate}", "#{foo | Truncate}"),
        ("#{foo | Truncate a}", '#{foo | Truncate "a"}'),
        ("#{foo | Truncate -1}", '#{foo | Truncate "-1"}'),
        ("#{foo | Trim Both}", '#{foo | Trim "Both"}'),
        ("#{foo | Append}", "#{foo | Append}"),
        ("#{ | Append}", "#{ | Append}"),
        ("#{|Append foo}", "foo"),
        ("#{|Prepend foo}", "foo"),
        ('#{foo | Append value1 " " value2}', OCTO + "value1 value2"),
        ('#{foo | Prepend " " #{foo} " " value}', " Octopus Deploy valueOctopus Deploy"),
        ("#{foo | Replace Deploy Rocks}", "Octopus Rocks"),
        ("#{foo | Replace o}", "Octpus Deply"),
        ("#{foo | Replace}", "#{foo | Replace}"),
        ('#{foo | Replace "[a-z]+" 1}', "O1 D1"),
        ('#{foo | Replace "^O" x}', "xctopus Deploy"),
        ('#{foo | Replace "(\\w+) (\\w+)" "$2 $1"}', "Deploy Octopus"),
        ('#{foo | Replace "(?<first>\\w+) (\\w+)" "${first}!"}', "Octopus!"),
        ('#{foo | Match "^Oct"}', "true"),
        ("#{foo | Match oct}", "false"),
        ("#{foo | Match a b}", '#{foo | Match "a" "b"}'),
        ("#{foo | StartsWith Oct}", "true"),
        ("#{foo | StartsWith oct}", "false"),
        ('#{foo | EndsWith "Deploy"}', "true"),
        ("#{foo | Contains pus}", "true"),
        ("#{foo | Contains}", "#{foo | Contains}"),
    ],
)
def test_text_filters(template: str, expected: str) -> None:
    assert one(template) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("#{foo | Trim}", "Octopus Deploy"),
        ("#{foo | Trim start}", "Octopus Deploy "),
        ("#{foo | Trim End}", " Octopus Deploy"),
    ],
)
def test_trim(template: str, expected: str) -> None:
    assert one(template, " Octopus Deploy ") == expected


LINES = "a\nb\nc"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("#{foo | Indent}", "    a\n    b\n    c"),
        ("#{foo | Indent 2}", "  a\n  b\n  c"),
        ("#{foo | Indent /3}", "a\n   b\n   c"),
        ("#{foo | Indent 3/2}", "   a\n  b\n  c"),
        ("#{foo | Indent //}", "//a\n//b\n//c"),
        ('#{foo | Indent "/* " " * "}', "/* a\n * b\n * c"),
        ('#{foo | Indent \\"# \\"}', "# a\n# b\n# c"),
        ("#{foo | Indent 255}", "\n".join(" " * 255 + line for line in "abc")),
        ("#{foo | Indent 256}", "256a\n256b\n256c"),
        ("#{foo | Indent 256/3}", "256/3a\n256/3b\n256/3c"),
        ("#{foo | Indent abc 123 def}", '#{foo | Indent "abc" "123" "def"}'),
        ("#{ | Indent}", "#{ | Indent}"),
    ],
)
def test_indent(template: str, expected: str) -> None:
    assert one(template, LINES) == expected


def test_indenting_empty_text_gives_empty_text() -> None:
    assert one("#{foo | Indent}", "") == ""


@pytest.mark.parametrize(
    ("template", "value", "expected"),
    [
        ("#{foo | ToBase64}", "Foo Bar", "Rm9vIEJhcg=="),
        ("#{foo | ToBase64 utf-8}", "Foo Bar", "Rm9vIEJhcg=="),
        ("#{foo | ToBase64 unicode}", "ab", "YQBiAA=="),
        ("#{foo | ToBase64 ascii}", "ab", '#{foo | ToBase64 "ascii"}'),
        ("#{foo | FromBase64}", "Rm9vIEJhcg==", "Foo Bar"),
        ("#{foo | FromBase64 unicode}", "YQBiAA==", "ab"),
    ],
)
def test_base64(template: str, value: str, expected: str) -> None:
    assert one(template, value) == expected


def test_bad_base64_raises() -> None:
    with pytest.raises(OctostacheError):
        one("#{foo | FromBase64}", "not base64!")


def test_filters_on_missing_variables_echo() -> None:
    for template in ("#{Foo.Bar | HtmlEscape}", "#{foo | ToUpper}", "#{Foo.Bar | Markdown}"):
        assert render(template, {}) == template
