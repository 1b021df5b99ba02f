"""Conditionals, truthiness, each loops and calc."""

from __future__ import annotations

import pytest

from deployer.octostache import render


@pytest.mark.parametrize(
    ("value", "truthy"),
    [
        ("", False),
        ("0", False),
        ("false", False),
        (" False ", False),
        ("NO", False),
        ("no ", False),
        (" 0", True),
        ("00", True),
        ("true", True),
        ("anything", True),
    ],
)
def test_truthiness(value: str, truthy: bool) -> None:
    expected = "yes" if truthy else "no"
    assert render("#{if V}yes#{else}no#{/if}", {"V": value}) == expected


def test_missing_condition_is_false_and_unknown_equals_unknown() -> None:
    assert render("#{if Nope}yes#{else}no#{/if}", {}) == "no"
    assert render("#{if Nope == AlsoNope}same#{/if}", {}) == "same"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('#{if A == "x"}eq#{else}ne#{/if}', "eq"),
        ('#{if A != "x"}ne#{else}eq#{/if}', "eq"),
        ('#{if "x" == A}eq#{/if}', "eq"),
        ('#{if A == \\"x\\"}eq#{/if}', "eq"),
        ("#{if A == B}eq#{else}ne#{/if}", "eq"),
        ('#{if A == "X"}eq#{else}ne#{/if}', "ne"),
        ('#{ IF  A == "x" }eq#{/if}', "eq"),
        ('#{if A | ToUpper == "X"}eq#{/if}', "eq"),
        ("#{unless A}no#{else}yes#{/unless}", "yes"),
        ("#{unless Nope}shown#{/unless}", "shown"),
    ],
)
def test_conditionals(template: str, expected: str) -> None:
    assert render(template, {"A": "x", "B": "x"}) == expected


@pytest.mark.parametrize(
    ("level", "expected"),
    [("1", "one"), ("2", "two"), ("3", "other")],
)
def test_elseif_chain_picks_first_true_branch(level: str, expected: str) -> None:
    template = '#{if L == "1"}one#{elseif L == "2"}two#{else}other#{/if}'
    assert render(template, {"L": level}) == expected


def test_filter_operand_returning_null_echoes_the_block() -> None:
    template = '#{if A | Bogus == "x"}yes#{/if}'
    assert render(template, {"A": "x"}) == '#{if A | Bogus == "x" }yes#{/if}'


def test_each_over_indexed_children_in_first_defined_order() -> None:
    variables = {"S[b].Port": "2", "S[a].Port": "1", "S[b].Name": "B"}
    template = "#{each s in S}#{s}:#{s.Port};#{/each}"
    assert render(template, variables) == "b:2;a:1;"


def test_each_special_variables() -> None:
    template = (
        "#{each i in L}#{Octopus.Template.Each.Index}"
        "#{if Octopus.Template.Each.First}F#{/if}#{if Octopus.Template.Each.Last}L#{/if},#{/each}"
    )
    assert render(template, {"L": "a,b,c"}) == "0F,1,2L,"


def test_each_splits_on_commas_without_trimming() -> None:
    assert render("#{each i in L}[#{i}]#{/each}", {"L": "a, b"}) == "[a][ b]"


def test_each_over_missing_value_gives_nothing() -> None:
    assert render("x#{each i in Nope}#{i}#{/each}y", {}) == "xy"


def test_each_over_json_array_and_object() -> None:
    variables = {"Arr": '[{"N": "a"}, {"N": "b"}]', "Obj": '{"k1": {"V": 1}, "k2": "two"}'}
    assert render("#{each x in Arr}#{x.N}#{/each}", variables) == "ab"
    template = "#{each p in Obj}#{p}=#{p.Key}/#{p.Value};#{/each}"
    assert render(template, variables) == 'k1=k1/{"V":1};k2=k2/two;'
    assert render("#{each p in Obj}#{p.Value.V}#{/each}", variables) == "1#{p.Value.V}"


def test_nested_loops_see_outer_names() -> None:
    variables = {"Outer": "a,b", "Inner": "1,2", "Sep": "-"}
    template = "#{each o in Outer}#{each i in Inner}#{o}#{Sep}#{i} #{/each}#{/each}"
    assert render(template, variables) == "a-1 a-2 b-1 b-2 "


def test_inner_loop_index_shadows_outer() -> None:
    template = "#{each o in Outer}#{each i in Inner}#{Octopus.Template.Each.Index}#{/each}|#{/each}"
    assert render(template, {"Outer": "a,b", "Inner": "x,y,z"}) == "012|012|"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("#{calc 2+3}", "5"),
        ("#{calc {A}-7}", "-2"),
        ("#{calc 3/2}", "1.5"),
        ("#{calc {T}*14}", "1.4000000000000001"),
        ("#{calc 2+3*4}", "14"),
        ("#{calc (2+3)*4}", "20"),
        ("#{calc A*B}", "15"),
        ("#{calc {Missing}+1}", "#{Missing+1}"),
        ("#{calc {Word}+1}", "#{Word+1}"),
        ("#{calc 1/0}", "Infinity"),
        ("#{CALC 1+1}", "2"),
    ],
)
def test_calc(template: str, expected: str) -> None:
    assert render(template, {"A": "5", "B": "3", "T": "0.1", "Word": "abc"}) == expected


def test_calc_operand_with_dash_is_one_identifier() -> None:
    assert render("#{calc B-2}", {"B": "5", "B-2": "7"}) == "7"


ACTIONS = {
    "Octopus.Action[Package A].Name": "A",
    "Octopus.Action[Package B].Name": "B",
    "Octopus.Action[].Name": "Blank",
}


@pytest.mark.parametrize(
    "template",
    [
        "#{each a in Octopus.Action}#{a}-#{a.Name}#{/each}",
        "#{  each a in Octopus.Action}#{a}-#{a.Name}#{/each}",
        "#{each  a  in  Octopus.Action  }#{a}-#{a.Name}#{/each}",
        "#{each a in Octopus.Action}#{  a  }-#{a.Name}#{/each}",
    ],
)
def test_iteration_over_indexed_actions_ignores_whitespace(template: str) -> None:
    assert render(template, ACTIONS) == "Package A-APackage B-B-Blank"


def test_scoped_symbol_indexer_inside_iteration() -> None:
    variables = {
        "Octopus.Action[Action 1].StepName": "Step 1",
        "Octopus.Action[Action 2].StepName": "Step 2",
        "Octopus.Step[Step 1].Details": "Step 1 Details",
        "Octopus.Step[Step 2].Details": "Step 2 Details",
        "Octopus.Step[Step 1].Status": "Skipped",
        "Octopus.Step[Step 2].Status": "Running",
    }
    template = (
        "#{each action in Octopus.Action}"
        '#{if Octopus.Step[#{action.StepName}].Status != "Skipped"}'
        "#{Octopus.Step[#{action.StepName}].Details}#{/if}#{/each}"
    )
    assert render(template, variables) == "Step 2 Details"


def test_iteration_keys_with_nested_brackets() -> None:
    variables = {
        "Octopus.Action.Package[container[0]].Name": "A",
        "Octopus.Action.Package[container[1]].Name": "B",
    }
    template = "#{each a in Octopus.Action.Package}#{a}: #{a.Name} #{/each}"
    assert render(template, variables) == "container[0]: A container[1]: B "


COLLECTIONS = {
    "Simple[a]": "5",
    "Simple[b]": "7",
    "NoDirect[a].Name": "Alpha",
    "NoDirect[b].Name": "Beta",
    "Cert[a]": "Certificate-1",
    "Cert[a].Thumbprint": "AAA",
    "Cert[b]": "Certificate-2",
    "Cert[b].Thumbprint": "BBB",
    "Coll[a]": "val-a",
    "Coll[a].Key": "user-supplied",
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("#{each x in Simple}[#{x}|#{x.Key}]#{/each}", "[5|a][7|b]"),
        ("#{each x in NoDirect}[#{x}|#{x.Key}]#{/each}", "[a|a][b|b]"),
        ("#{each x in Cert}[#{x.Key}=#{x.Thumbprint}]#{/each}", "[a=AAA][b=BBB]"),
        ("#{each x in Coll}[#{x.Key}]#{/each} #{Coll[a].Key}", "[user-supplied] user-supplied"),
    ],
)
def test_indexed_items_answer_key_unless_a_key_variable_exists(
    template: str, expected: str
) -> None:
    assert render(template, COLLECTIONS) == expected


def test_item_values_are_evaluated_recursively() -> None:
    variables = {
        "PackageA_Name": "A",
        "Octopus.Action[Package A].Name": "#{PackageA_Name}",
        "Octopus.Action[].Name": "#{Nope}",
    }
    assert render("#{each a in Octopus.Action}#{a.Name}#{/each}", variables) == "A#{Nope}"
