"""Which variable value applies where, system variables, and masking of sensitive values."""

from __future__ import annotations

import pytest

from deployer.octostache import render
from deployer.projects.variables import (
    MASK,
    DeploymentFacts,
    Masker,
    PackageImage,
    VariableValue,
    conflicts,
    deployment_variables,
    effective_values,
    masker_for,
    name_problem,
    system_variables,
)

DEV, PROD = 1, 2


def value(name: str, text: str, *scope: int, sensitive: bool = False) -> VariableValue:
    return VariableValue(name, text, frozenset(scope), sensitive)


def test_a_scoped_value_wins_over_an_unscoped_one() -> None:
    values = [value("Cpu", "256"), value("Cpu", "1024", PROD)]
    assert effective_values(values, PROD)["Cpu"].value == "1024"
    assert effective_values(values, DEV)["Cpu"].value == "256"


def test_order_of_definition_does_not_matter() -> None:
    values = [value("Cpu", "1024", PROD), value("Cpu", "256")]
    assert effective_values(values, PROD)["Cpu"].value == "1024"


def test_a_value_scoped_elsewhere_does_not_apply() -> None:
    assert effective_values([value("Replicas", "3", PROD)], DEV) == {}


def test_names_are_case_insensitive_when_choosing() -> None:
    values = [value("cpu", "256"), value("CPU", "1024", PROD)]
    chosen = effective_values(values, PROD)
    assert [v.value for v in chosen.values()] == ["1024"]


def test_two_unscoped_values_conflict() -> None:
    assert conflicts([value("Cpu", "256"), value("cpu", "512")]) == [
        "Cpu has 2 values for all environments."
    ]


def test_overlapping_scopes_conflict_and_disjoint_ones_do_not() -> None:
    assert conflicts([value("Cpu", "1", DEV, PROD), value("Cpu", "2", PROD)])
    assert not conflicts([value("Cpu", "1", DEV), value("Cpu", "2", PROD), value("Cpu", "3")])


@pytest.mark.parametrize(
    ("name", "ok"),
    [("DbHost", True), ("Octopus.Foo[x].Bar", True), (" Db", False), ("Db ", False),
     ("A#{b}", False), ("", False)],
)  # fmt: skip
def test_variable_names(name: str, ok: bool) -> None:
    assert (name_problem(name) is None) is ok


def test_masking_inside_longer_strings() -> None:
    masker = masker_for([value("Password", "hunter22", sensitive=True), value("User", "bob")])
    assert masker.mask("connect bob:hunter22@db") == f"connect bob:{MASK}@db"


def test_masking_prefers_the_longest_secret() -> None:
    masker = Masker()
    masker.add("abc")
    masker.add("abcdef")
    assert masker.mask("xabcdefx") == f"x{MASK}x"


def test_masking_after_filters_needs_the_rendered_value() -> None:
    masker = masker_for([value("Password", "hunter22", sensitive=True)])
    rendered = render("#{Password | ToBase64}", {"Password": "hunter22"})
    assert rendered is not None
    assert masker.mask(rendered) == rendered  # the base64 form is not the secret itself…
    masker.add(rendered)
    assert masker.mask(f"token={rendered}") == f"token={MASK}"  # …until it is registered


def test_snapshot_keeps_sensitive_values_encrypted(db: None) -> None:
    secret = value("Password", "hunter22", PROD, sensitive=True)
    data = secret.to_snapshot()
    assert "hunter22" not in str(data)
    assert VariableValue.from_snapshot(data) == secret
    plain = value("Cpu", "256")
    assert plain.to_snapshot()["value"] == "256"
    assert VariableValue.from_snapshot(plain.to_snapshot()) == plain


FACTS = DeploymentFacts(
    project_name="Payments",
    project_id=7,
    environment_name="Production",
    environment_id=PROD,
    release_number="1.2.0",
    deployment_id=42,
    created_by="ada",
    step_name="Deploy web",
    machine_name="web-production",
    region="eu-west-1",
    cluster_name="production",
    images=(PackageImage("nginx", "docker.io/library/nginx:1.27", "docker.io", "1.27"),),
)


def test_system_variables_are_named_as_octopus_names_them() -> None:
    variables = system_variables(FACTS)
    assert variables["Octopus.Project.Name"] == "Payments"
    assert variables["Octopus.Environment.Id"] == "Environments-2"
    assert variables["Octopus.Deployment.Id"] == "Deployments-42"
    assert variables["Octopus.Action.Name"] == "Deploy web"
    assert variables["Octopus.Machine.Name"] == "web-production"
    assert variables["Octopus.Action.Aws.Ecs.ClusterName"] == "production"
    assert variables["Octopus.Action.Package[nginx].Image"] == "docker.io/library/nginx:1.27"
    assert variables["Octopus.Action.Package[nginx].PackageVersion"] == "1.27"
    assert render("#{Octopus.Action.Package[nginx].Registry}", variables) == "docker.io"


def test_deployment_variables_combine_project_and_system_values() -> None:
    values = [
        value("Cpu", "256"),
        value("Cpu", "1024", PROD),
        value("Pw", "s3cr3t", sensitive=True),
    ]
    variables, masker = deployment_variables(values, PROD, FACTS)
    assert render("#{Cpu} in #{Octopus.Environment.Name}", variables) == "1024 in Production"
    assert masker.mask("pw=s3cr3t") == f"pw={MASK}"
