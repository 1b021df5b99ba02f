"""Parse errors: returned unchanged by default, kept as text with halt_on_error=False."""

from __future__ import annotations

import pytest

from deployer.octostache import OctostacheError, parse, referenced_names, render
from deployer.octostache.errors import OctostacheParseError
from deployer.octostache.parser import parse_or_error


@pytest.mark.parametrize(
    "template",
    [
        "#{}",
        "#{ }",
        "Hello #{Name",
        "#{Name | Format 0.00}",
        "#{unless A}x#{elseif B}y#{/unless}",
        "#{/if}",
        "#{each x in Y}never closed",
    ],
)
def test_invalid_template_is_returned_unchanged(template: str) -> None:
    assert render(template + " #{Name}", {"Name": "Bob"}) == template + " #{Name}"


def test_parse_error_reports_its_position() -> None:
    with pytest.raises(OctostacheParseError) as raised:
        parse("line one\nab #{Name")
    error = raised.value
    assert isinstance(error, OctostacheError)
    assert error.line == 2
    assert error.offset > len("line one\n")
    assert error.column == error.offset - len("line one\n") + 1


def test_continuing_after_errors_keeps_bad_text_and_substitutes_the_rest() -> None:
    result = render("#{Name} #{ } #{Name}", {"Name": "Bob"}, halt_on_error=False)
    assert result == "Bob #{ } Bob"


def test_continuing_keeps_an_unclosed_token() -> None:
    assert render("#{Name} and #{Name", {"Name": "Bob"}, halt_on_error=False) == ("Bob and #{Name")


def test_parsing_is_cached_by_text() -> None:
    first = parse_or_error("cached #{Name}")
    assert parse_or_error("cached #{Name}") is first


def test_referenced_names_lists_paths_outside_loops() -> None:
    names = referenced_names(
        "#{A} #{B.C | ToUpper} #{if D == E}#{F}#{/if}"
        "#{each x in G}#{x.Name}#{H}#{Octopus.Template.Each.Index}#{/each}#{calc {I}+1}"
    )
    assert names == {"A", "B.C", "D", "E", "F", "G", "H", "I"}


def test_unparseable_template_references_nothing() -> None:
    assert referenced_names("#{A} #{B") == set()


def test_unparseable_variable_names_are_ignored() -> None:
    assert render("#{Good}", {"!!bad": "x", "Good": "ok"}) == "ok"


def test_keyword_prefix_without_space_is_a_plain_variable() -> None:
    assert render("#{iffy}#{eachy}#{calcs}", {"iffy": "1", "eachy": "2", "calcs": "3"}) == "123"


def test_many_unclosed_blocks_still_parse_as_plain_substitutions() -> None:
    template = "#{if a}" * 30 + "x"
    assert render(template, {}) == template


def test_nesting_beyond_the_limit_is_a_parse_error() -> None:
    with pytest.raises(OctostacheParseError):
        parse("#{if a}" * 60 + "x" + "#{/if}" * 60)


def test_nested_blocks_within_the_limit_render() -> None:
    assert render("#{if a}" * 30 + "x" + "#{/if}" * 30, {"a": "1"}) == "x"


def test_very_deep_variable_chains_raise_instead_of_crashing() -> None:
    chain = {f"V{n}": f"#{{V{n + 1}}}" for n in range(1000)}
    with pytest.raises(OctostacheError):
        render("#{V0}", chain)


def test_long_variable_chains_resolve() -> None:
    chain = {f"V{n}": f"#{{V{n + 1}}}" for n in range(60)}
    chain["V60"] = "end"
    assert render("#{V0}", chain) == "end"


def test_continuing_keeps_javascript_that_looks_like_a_token() -> None:
    script = 'a=function(e){return"#{"===e.substr(0,2)?void 0:e},i="#{Web.Root}";x="#{Wsf.Host}"'
    variables = {"Web.Root": "Subbed.Web.Root", "Wsf.Host": "Subbed.Wsf.Host"}
    expected = script.replace("#{Web.Root}", "Subbed.Web.Root")
    expected = expected.replace("#{Wsf.Host}", "Subbed.Wsf.Host")
    assert render(script, variables, halt_on_error=False) == expected
    assert render(script, variables) == script


def test_continuing_keeps_a_token_start_at_the_end() -> None:
    text = 'i="#{Web.Root}";return"#{'
    assert render(text, {"Web.Root": "R"}, halt_on_error=False) == 'i="R";return"#{'


@pytest.mark.parametrize(
    "template",
    ["#{Fo[o}", "#{each a in Action}", "#{a.}", "#{a | }"],
)
def test_reference_parse_error_examples_come_back_unchanged(template: str) -> None:
    variables = {"Foo": "Bar", "Fo[o]": "Bar", "Action[a]": "One", "a": "x"}
    assert render(template, variables) == template
