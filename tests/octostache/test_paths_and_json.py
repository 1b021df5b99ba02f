"""Paths, indexers, recursive values, cycles and JSON-valued variables."""

from __future__ import annotations

import pytest

from deployer.octostache import OctostacheError, render


def test_values_are_evaluated_recursively() -> None:
    assert render("#{A}", {"A": "<#{B}>", "B": "#{C | ToUpper}", "C": "c"}) == "<C>"


def test_unresolved_tokens_inside_values_are_echoed() -> None:
    assert render("#{A}", {"A": "x#{Missing}y"}) == "x#{Missing}y"


def test_self_referencing_loop_names_the_cycle() -> None:
    with pytest.raises(OctostacheError, match=r"self referencing loop \(Foo -> Fox -> Foo\)"):
        render("#{Foo}", {"Foo": "#{Fox}", "Fox": "#{Foo}"})


def test_direct_self_reference_raises() -> None:
    with pytest.raises(OctostacheError, match="self referencing loop"):
        render("#{A}", {"A": "a#{a | ToUpper}"})


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("#{P[c[0].x].Reg}", "nested"),
        ("#{P[#{Key}].Reg}", "symbolic"),
        ("#{P[].Reg}", "empty"),
        ("#{P[*].Reg}", "nested"),
        ("#{p[C[0].X].reg}", "nested"),
    ],
)
def test_indexers(template: str, expected: str) -> None:
    variables = {
        "P[c[0].x].Reg": "nested",
        "P[k1].Reg": "symbolic",
        "P[].Reg": "empty",
        "Key": "k1",
    }
    assert render(template, variables) == expected


JSON = (
    '{Name: "Bob", "Age": 12, "Price": 15.21, "Tags": ["a", "b"],'
    ' "Nested": {"Bar": "11"}, "Nil": null}'
)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("#{J.Name}", "Bob"),
        ("#{J[Name]}", "Bob"),
        ("#{J.Age}", "12"),
        ("#{J.Price}", "15.21"),
        ("#{J.Tags[1]}", "b"),
        ("#{J.Tags[5]}", ""),
        ("#{J.Tags}", '["a","b"]'),
        ("#{J.Nested}", '{"Bar":"11"}'),
        ("#{J.Nested.Bar}", "11"),
        ("#{J.Missing}", ""),
        ("#{J.Nil}", ""),
        ("#{J.name}", ""),
        ("#{J.Tags.x}", "#{J.Tags.x}"),
    ],
)
def test_json_navigation(template: str, expected: str) -> None:
    assert render(template, {"J": JSON}) == expected


def test_defined_variables_win_over_json() -> None:
    assert render("#{J.Name}", {"J": JSON, "J.Name": "Alice"}) == "Alice"


def test_invalid_json_leaves_the_token_unresolved() -> None:
    assert render("#{J.Name}", {"J": "{not json"}) == "#{J.Name}"


def test_json_comes_from_the_evaluated_parent() -> None:
    assert render("#{J.Name}", {"J": '{"Name": "#{Who}"}', "Who": "Eve"}) == "Eve"


def test_json_null_property_with_filter_is_empty() -> None:
    assert render("Alpha#{Foo.Bar | ToUpper}bet", {"Foo": "{Bar: null}"}) == "Alphabet"


def test_json_boolean_prints_like_dotnet() -> None:
    assert render("#{J.On}", {"J": '{"On": true}'}) == "True"


def test_cycle_message_lists_every_variable_being_resolved() -> None:
    variables = {"Bar": "x#{Foo}", "Foo": "#{Fox}", "Fox": "#{Foo}"}
    with pytest.raises(OctostacheError, match=r"\(Bar -> Foo -> Fox -> Foo\)"):
        render("#{Bar}", variables)


def test_json_referring_to_its_own_properties_is_read_as_written() -> None:
    variables = {"Test": '{Name: "#{Test.Value}", Desc: "Monkey", Value: 12}'}
    assert render("#{Test.Name}", variables) == "12"


def test_json_keys_can_come_from_variables() -> None:
    variables = {"Prop": "Foo", "Val": "Bar", "Test": '{#{Prop}: "#{Val}"}'}
    assert render("#{Test[Foo]}|#{Test.Foo}|#{Test[#{Prop}]}", variables) == "Bar|Bar|Bar"


def test_json_deep_indexing_and_iteration() -> None:
    deep = '{"Hello": {"World": {"Foo": {"Bar": 12 }}}}'
    assert render("#{Test[Hello][World][Foo][Bar]}", {"Test": deep}) == "12"
    sizes = '{"Small": "11.5",  Large: 15.21}'
    template = "#{each size in Test}#{size}:#{size.Value},#{/each}"
    assert render(template, {"Test": sizes}) == "Small:11.5,Large:15.21,"
    numbers = '#{each n in Test}#{n}#{if Octopus.Template.Each.Last == "False"}-#{/if}#{/each}'
    assert render(numbers, {"Test": "[2,3,5,8]"}) == "2-3-5-8"
    assert render("Before:#{each n in Test.Blah}#{n}#{/each}:After", {"Test": "{Blah: null}"}) == (
        "Before::After"
    )
