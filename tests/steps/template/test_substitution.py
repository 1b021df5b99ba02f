"""Substituting variables into a step: typed values, unresolved expressions, derived secrets."""

from __future__ import annotations

from steps.document.io import load_document
from steps.template.substitution import substitute_step

STEP = """
version: 1
name: Deploy web
target_roles: [web-cluster]
configuration: {task_definition_name: "#{Service}"}
task_size: {cpu: "#{Cpu}", memory: "#{Memory}"}
network: {security_group_ids: [sg-0123abcd], subnet_ids: "#{Subnets}"}
containers:
  - name: web
    image: {feed: docker-hub, package: nginx}
    environment:
      variables:
        - {name: TOKEN, value: "#{ApiToken | ToUpper}", type: plain}
"""

VARIABLES = {
    "Service": "web",
    "Cpu": "512",
    "Memory": "1024",
    "Subnets": "subnet-0000000a, subnet-0000000b",
    "ApiToken": "abc123xyz",
}


def test_expressions_become_typed_values() -> None:
    result = substitute_step(load_document(STEP), VARIABLES)
    assert result.ok, result.findings()
    assert result.document is not None
    assert result.document.task_size.cpu == 512
    assert result.document.network.subnet_ids == ["subnet-0000000a", "subnet-0000000b"]
    assert result.document.network.security_group_ids == ["sg-0123abcd"]
    assert result.document.configuration.task_definition_name == "web"


def test_an_unresolved_expression_names_the_field_and_the_expression() -> None:
    variables = {k: v for k, v in VARIABLES.items() if k != "Subnets"}
    result = substitute_step(load_document(STEP), variables)
    assert not result.ok
    assert any(
        finding.startswith("network.subnet_ids: #{Subnets} did not resolve")
        for finding in result.findings()
    )


def test_values_invalid_after_substitution_are_reported_by_the_validator() -> None:
    result = substitute_step(load_document(STEP), {**VARIABLES, "Memory": "3072", "Cpu": "256"})
    assert not result.ok
    assert any(f.startswith("task_size.memory:") for f in result.findings())


def test_a_value_of_the_wrong_type_is_reported_with_its_path() -> None:
    result = substitute_step(load_document(STEP), {**VARIABLES, "Cpu": "lots"})
    assert result.document is None
    assert "task_size.cpu: expected a whole number or an #{expression}, got 'lots'" in (
        result.findings()
    )


def test_an_empty_required_field_is_reported() -> None:
    result = substitute_step(load_document(STEP), {**VARIABLES, "Service": ""})
    assert any(f.startswith("configuration.task_definition_name:") for f in result.findings())


def test_values_derived_from_sensitive_variables_are_collected() -> None:
    result = substitute_step(load_document(STEP), VARIABLES, sensitive_names={"apitoken"})
    assert result.derived_secrets == {"ABC123XYZ"}
