"""Where sensitive variables may be bound in a step, and the SSM parameters they become."""

from __future__ import annotations

import re

import pytest
import yaml

from deployer.projects.variables import Masker, VariableValue, masked_artifacts, sensitive_variables
from steps.document.io import document_to_data, load_document
from steps.template.builder import build_template
from steps.template.substitution import substitute_step
from steps.validation.secrets import (
    MAX_PARAMETER_NAME,
    binding_problems,
    export_form,
    parameter_name,
    secret_bindings,
    sensitive_closure,
)
from steps.validation.step import validate

SENTINEL = "Sentinel-pw-5512"

STEP = """
version: 1
name: Deploy web
configuration: {task_definition_name: web}
network: {security_group_ids: [sg-0123456789abcdef0], subnet_ids: [subnet-0123456789abcdef0]}
containers:
  - name: web
    image: {feed: docker-hub, package: nginx}
    environment:
      variables:
        - {name: LOG_LEVEL, value: info}
        - {name: DB_PASSWORD, value: "#{DbPassword}"}
"""

VARIABLES = {
    "DbPassword": SENTINEL,
    "DbUrl": "postgres://app:#{DbPassword}@db/app",
    "Region": "eu-west-1",
}
SENSITIVE = sensitive_closure(VARIABLES, {"DbPassword"})
# The AWS rule for a parameter name: these characters, `/` between levels, 1011 at most.
SSM_NAME = re.compile(r"(/[A-Za-z0-9_.-]+)+")


def step_with(path: str, value: str) -> dict[str, object]:
    """The STEP's data with one more field set, `containers.0.user` style."""
    data = document_to_data(load_document(STEP))
    *parents, last = path.split(".")
    node: object = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]  # type: ignore[index]
    node[int(last) if isinstance(node, list) else last] = value  # type: ignore[index]
    return data


def problems(data: dict[str, object]) -> list[str]:
    return [f"{path}: {message}" for path, message in binding_problems(data, SENSITIVE)]


def test_a_variable_reading_a_sensitive_one_is_sensitive_too() -> None:
    assert SENSITIVE == {"dbpassword": "DbPassword", "dburl": "DbPassword"}


def test_the_whole_value_of_a_plain_environment_variable_is_allowed_and_becomes_a_secret() -> None:
    data = document_to_data(load_document(STEP))
    assert problems(data) == []
    [binding] = secret_bindings(data, SENSITIVE)
    assert (binding.container, binding.name, binding.variable) == (
        "web",
        "DB_PASSWORD",
        "DbPassword",
    )
    assert binding.path == "containers[0].environment.variables[1]"


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("tags.tags", [{"key": "pw", "value": "#{DbPassword}"}], "tags.tags[0].value"),
        (
            "containers.0.environment.command",
            ["run", "#{DbPassword}"],
            "containers[0].environment.command[1]",
        ),
        (
            "containers.0.environment.entry_point",
            ["#{DbUrl}"],
            "containers[0].environment.entry_point[0]",
        ),
        ("containers.0.image.package", "nginx#{DbPassword}", "containers[0].image.package"),
        ("containers.0.user", "#{DbPassword}", "containers[0].user"),
        (
            "configuration.task_definition_name",
            "web-#{DbPassword}",
            "configuration.task_definition_name",
        ),
        (
            "containers.0.docker_labels",
            [{"key": "k", "value": "#{DbPassword}"}],
            "containers[0].docker_labels[0].value",
        ),
    ],
)
def test_anywhere_else_is_refused_naming_the_field_and_the_variable(
    path: str, value: object, field: str
) -> None:
    data = step_with(path, value)  # type: ignore[arg-type]
    [problem] = problems(data)
    assert problem.startswith(f"{field}: the ")
    assert "cannot be used here: AWS would receive its value in plain text" in problem
    assert "DbPassword" in problem


def test_a_variable_reading_a_sensitive_one_is_named_with_its_source() -> None:
    [problem] = problems(step_with("tags.tags", [{"key": "url", "value": "#{DbUrl}"}]))  # type: ignore[arg-type]
    assert "the variable DbUrl (it reads the sensitive variable DbPassword)" in problem


def test_other_text_or_filters_around_a_sensitive_value_are_refused() -> None:
    for value in ("pw=#{DbPassword}", "#{DbPassword | ToBase64}"):
        [problem] = problems(step_with("containers.0.environment.variables.1.value", value))
        assert problem.startswith("containers[0].environment.variables[1].value: ")
        assert "must be the whole value (#{DbPassword})" in problem


def test_a_secret_type_variable_cannot_take_a_sensitive_value() -> None:
    data = step_with("containers.0.environment.variables.1.type", "secret")
    [problem] = problems(data)
    assert "cannot be the value of a secret-type variable" in problem


def test_the_validator_applies_the_rule_when_told_what_is_sensitive() -> None:
    document = load_document(STEP.replace("value: info", 'value: "x#{DbPassword}"'))
    assert validate(document) == []
    [issue] = validate(document, SENSITIVE)
    assert issue.path == "containers[0].environment.variables[0].value"


def test_refusals_at_deploy_time_never_show_the_value() -> None:
    document = load_document(STEP.replace("value: info", 'value: "#{DbPassword | ToUpper}"'))
    result = substitute_step(document, VARIABLES, {"DbPassword"})
    assert not result.ok
    findings = "\n".join(result.findings())
    assert (
        "containers[0].environment.variables[0].value: the sensitive variable DbPassword"
        in findings
    )
    assert SENTINEL not in findings
    assert SENTINEL.upper() not in findings
    assert [b.variable for b in result.secret_bindings] == ["DbPassword"]


def test_parameter_names_follow_the_contract_and_aws_rules() -> None:
    assert (
        parameter_name("web", "Production", "DbPassword") == "/deployer/web/Production/DbPassword"
    )
    assert (
        parameter_name("web", "Production", "Db.Password-2_x")
        == "/deployer/web/Production/Db.Password-2_x"
    )
    spaced = parameter_name("web", "Production EU", "My Secret")
    underscored = parameter_name("web", "Production EU", "My_Secret")
    assert SSM_NAME.fullmatch(spaced) and SSM_NAME.fullmatch(underscored)
    assert spaced != underscored  # sanitising never makes two variables share a parameter
    assert spaced.startswith("/deployer/web/Production_EU-")
    long = parameter_name("w" * 100, "e" * 200, "Octopus.Action[x].Output." + "v" * 900)
    assert SSM_NAME.fullmatch(long)
    assert len(long) <= MAX_PARAMETER_NAME


def test_the_export_shows_the_secrets_form_with_cloudformations_own_account_and_region() -> None:
    document = load_document(STEP)
    shown = export_form(document, document, "web", None, SENSITIVE)
    template = build_template(shown)
    arn = {
        "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"
        "/deployer/web/#{Octopus.Environment.Name}/DbPassword"
    }
    container = template["Resources"]["TaskDefinitionweb"]["Properties"]["ContainerDefinitions"][0]
    assert container["Secrets"] == [{"Name": "DB_PASSWORD", "ValueFrom": arn}]
    assert container["Environment"] == [{"Name": "LOG_LEVEL", "Value": "info"}]
    role = template["Resources"]["TaskExecutionRoleweb"]["Properties"]
    statement = role["Policies"][0]["PolicyDocument"]["Statement"]
    assert statement == [{"Effect": "Allow", "Action": ["ssm:GetParameters"], "Resource": [arn]}]
    assert export_form(document, document, "web", None, {}) is document


def test_sensitive_variables_of_a_project_cover_every_scope() -> None:
    values = [
        VariableValue("DbPassword", SENTINEL, sensitive=True),
        VariableValue("DbUrl", "postgres://localhost", frozenset({1})),
        VariableValue("DbUrl", "postgres://app:#{DbPassword}@db", frozenset({2})),
        VariableValue("Plain", "x"),
    ]
    assert set(sensitive_variables(values)) == {"dbpassword", "dburl"}


def test_masking_covers_every_artifact_at_any_depth() -> None:
    masker = Masker()
    masker.add(SENTINEL)
    artifacts = {
        "Deploy web": {
            "template": f"Value: {SENTINEL}\n",
            "document": {"containers": [{"environment": {"variables": [{"value": SENTINEL}]}}]},
            "later": [{SENTINEL: (1, f"x{SENTINEL}")}],
        }
    }
    masked = masked_artifacts(artifacts, masker)
    assert SENTINEL not in yaml.safe_dump(masked)
    assert masked["Deploy web"]["template"] == "Value: ********\n"
    assert masked["Deploy web"]["later"] == [{"********": [1, "x********"]}]


def test_a_secret_ssm_cannot_store_is_refused_before_any_aws_call() -> None:
    document = load_document(STEP)
    empty = substitute_step(document, {**VARIABLES, "DbPassword": ""}, {"DbPassword"})
    assert (
        "containers[0].environment.variables[1].value: the sensitive variable DbPassword is "
        "empty in this environment"
    ) in "\n".join(empty.findings())
    huge = substitute_step(document, {**VARIABLES, "DbPassword": "x" * 4097}, {"DbPassword"})
    assert any("longer than SSM's 4096 bytes" in finding for finding in huge.findings())
    fine = substitute_step(document, {**VARIABLES, "DbPassword": "x" * 4096}, {"DbPassword"})
    assert fine.ok, fine.findings()


def test_a_variable_written_in_another_case_is_one_parameter() -> None:
    document = load_document(STEP.replace("#{DbPassword}", "#{dbpassword}"))
    result = substitute_step(document, VARIABLES, {"DbPassword"})
    assert result.ok, result.findings()
    assert [binding.variable for binding in result.secret_bindings] == ["DbPassword"]
