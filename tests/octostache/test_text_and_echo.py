"""Plain text, `#` escaping, the echo form of unresolved tokens and case-insensitive names."""

from __future__ import annotations

import pytest

from deployer.octostache import has_expression, render


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("no tokens here", "no tokens here"),
        ("#{Name}", "Bob"),
        ("##{Name}", "#{Name}"),
        ("###{Name}", "#Bob"),
        ("a # b", "a # b"),
        ("ends with #", "ends with #"),
        ("#x#{Name}", "#xBob"),
        ("Hello, #{Name}!", "Hello, Bob!"),
        ("# ## ### #{Name}", "# ## ### Bob"),
        ("###### hello #{Name}", "###### hello Bob"),
        ("####### world #{Name}", "####### world Bob"),
    ],
)
def test_hash_escaping_follows_the_reference(template: str, expected: str) -> None:
    assert render(template, {"Name": "Bob"}) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("#{Missing}", "#{Missing}"),
        ("#{ Foo|X }", "#{Foo | X}"),
        ("#{f | Substring 1 2}", '#{f | Substring "1" "2"}'),
        ("#{Foo | ToBazooka 6}", '#{Foo | ToBazooka "6"}'),
        ("#{ | NowDate 1 2}", '#{ | NowDate "1" "2"}'),
        ("#{A[x].B}", "#{A[x].B}"),
        ("#{A[#{I}].B}", "#{A[#{I}].B}"),
        ("#{Foo | Bogus #{Bar}}", "#{Foo | Bogus #{Bar}}"),
    ],
)
def test_unresolved_tokens_echo_in_normalised_form(template: str, expected: str) -> None:
    assert render(template, {"Foo": "Abc"} if "ToBazooka" in template else {}) == expected


def test_names_are_case_insensitive() -> None:
    assert render("#{name} #{NAME} #{nAmE}", {"Name": "Bob"}) == "Bob Bob Bob"


def test_none_value_counts_as_empty() -> None:
    assert render("[#{Name}]", {"Name": None}) == "[]"


def test_identifiers_keep_inner_spaces_and_allow_punctuation() -> None:
    variables = {"My Var": "1", "a-b:c/d~(e)@f": "2", "Octopus.Action[Step 1].Name": "3"}
    assert render("#{My Var}|#{a-b:c/d~(e)@f}|#{Octopus.Action[Step 1].Name}", variables) == (
        "1|2|3"
    )


def test_has_expression_detects_token_start() -> None:
    assert has_expression("x #{y}")
    assert not has_expression("x # {y}")


def test_null_filter_makes_the_whole_result_none() -> None:
    assert render("before #{Foo | null} after", {"Foo": "x"}) is None


def test_null_filter_name_must_be_lowercase() -> None:
    assert render("#{Foo | NULL}", {"Foo": "x"}) == "#{Foo | NULL}"


def test_null_inside_a_variable_value_empties_only_that_value() -> None:
    assert render("a#{Foo}b", {"Foo": "#{Bar | null}", "Bar": "x"}) == "ab"


def test_rendering_reflects_changes_to_the_same_mapping() -> None:
    variables = {"Name": "Bob"}
    assert render("#{Name}", variables) == "Bob"
    variables["Name"] = "Alice"
    assert render("#{Name}", variables) == "Alice"


def test_nested_tokens_are_separate_options() -> None:
    variables = {"foo": "abc", "regex": "b", "replacement": "x"}
    assert render("#{foo | Replace #{regex}#{replacement}}", variables) == "axc"


def test_option_token_after_a_space_is_a_parse_error_as_in_the_reference() -> None:
    template = "#{foo | Replace #{regex} #{replacement}}"
    assert render(template, {"foo": "abc", "regex": "b", "replacement": "x"}) == template
