"""A sensitive variable in a container's environment deploys as an SSM SecureString secret."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
import yaml

from deployer.deployments.models import Deployment
from deployer.projects.models import Project, Variable
from deployer.releases.models import Release
from deployer.sandbox.server import SandboxServer
from steps.models import Step
from tests.deployments.conftest import log_text

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SENTINEL = "s3ntinel-Hunter2-93f1c"


def bind_secret(project: Project, variable: str, value: str = SENTINEL) -> None:
    """DB_PASSWORD=#{variable} in the step's container, the variable sensitive."""
    step = Step.objects.get(project=project)
    container = step.document["containers"][0]
    container.setdefault("environment", {})["variables"] = [
        {"name": "LOG_LEVEL", "value": "info", "type": "plain"},
        {"name": "DB_PASSWORD", "value": f"#{{{variable}}}", "type": "plain"},
    ]
    step.save()
    Variable.objects.create(project=project, name=variable, secret_value=value, is_sensitive=True)


def aws(sandbox: SandboxServer, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=sandbox.url,
        region_name="us-east-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )


def test_a_sensitive_environment_value_is_stored_in_ssm_and_read_through_secrets(
    project: Project,
    sandbox: SandboxServer,
    release_with: Callable[..., Release],
    deploy: Callable[..., Deployment],
) -> None:
    bind_secret(project, "DbPasswordA")
    deployment = deploy(release_with("1.0.0"))
    log = log_text(deployment)
    assert deployment.status == "success", log
    name = "/deployer/web/Development/DbPasswordA"
    parameter = aws(sandbox, "ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]
    assert parameter["Type"] == "SecureString"
    assert parameter["Value"] == SENTINEL
    arn = parameter["ARN"]
    assert f"Stored secret DbPasswordA in SSM Parameter Store as {name}" in log

    # What AWS received: the template, the task definition, the role's policy, the stack's tags.
    stack_name = deployment.outputs["Deploy web"]["CloudFormationStackName"]
    cloudformation = aws(sandbox, "cloudformation")
    body = cloudformation.get_template(StackName=stack_name)["TemplateBody"]
    body = body if isinstance(body, str) else json.dumps(body)
    assert SENTINEL not in body
    template = yaml.safe_load(body)
    definition = next(
        r for r in template["Resources"].values() if r["Type"] == "AWS::ECS::TaskDefinition"
    )
    container = definition["Properties"]["ContainerDefinitions"][0]
    assert container["Secrets"] == [{"Name": "DB_PASSWORD", "ValueFrom": arn}]
    assert container["Environment"] == [{"Name": "LOG_LEVEL", "Value": "info"}]
    role = next(r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role")
    statements = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert statements == [{"Effect": "Allow", "Action": ["ssm:GetParameters"], "Resource": [arn]}]
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    assert SENTINEL not in json.dumps(stack["Tags"])

    ecs = aws(sandbox, "ecs")
    task_definition = ecs.describe_task_definition(
        taskDefinition=deployment.outputs["Deploy web"]["TaskDefinitionFamily"]
    )["taskDefinition"]
    registered = task_definition["containerDefinitions"][0]
    assert registered["secrets"] == [{"name": "DB_PASSWORD", "valueFrom": arn}]
    assert SENTINEL not in json.dumps(task_definition, default=str)

    # The stored files show the parameter's ARN, not the value.
    artifacts = json.dumps(deployment.artifacts)
    assert SENTINEL not in artifacts
    assert arn in artifacts


def test_the_parameter_is_written_only_when_the_value_changes(
    project: Project,
    sandbox: SandboxServer,
    release_with: Callable[..., Release],
    deploy: Callable[..., Deployment],
) -> None:
    bind_secret(project, "DbPasswordB")
    name = "/deployer/web/Development/DbPasswordB"
    client = aws(sandbox, "ssm")
    first = deploy(release_with("1.0.0"))
    assert first.status == "success", log_text(first)
    assert client.get_parameter(Name=name)["Parameter"]["Version"] == 1

    again = deploy(release_with("1.0.0"))
    assert again.status == "success", log_text(again)
    assert client.get_parameter(Name=name)["Parameter"]["Version"] == 1
    assert f"Unchanged: secret DbPasswordB in SSM Parameter Store as {name}" in log_text(again)

    variable = Variable.objects.get(name="DbPasswordB")
    variable.secret_value = "a-new-password-2"
    variable.save()
    changed = deploy(release_with("1.0.0"))
    assert changed.status == "success", log_text(changed)
    parameter = client.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    assert parameter["Version"] == 2
    assert parameter["Value"] == "a-new-password-2"


def test_a_parameter_that_cannot_be_written_fails_the_deployment_naming_it(
    project: Project,
    sandbox: SandboxServer,
    release_with: Callable[..., Release],
    deploy: Callable[..., Deployment],
) -> None:
    bind_secret(project, "DbPasswordC")
    name = "/deployer/web/Development/DbPasswordC"
    aws(sandbox, "ssm").put_parameter(Name=name, Value="not ours", Type="String")
    deployment = deploy(release_with("1.0.0"))
    log = log_text(deployment)
    assert deployment.status == "failed", log
    assert deployment.failure_code == "ECS-Deployment-AwsError"
    assert f"Could not store DbPasswordC in SSM as {name}" in deployment.failure_reason
    assert "exists as a String, not a SecureString" in log
    assert SENTINEL not in log
    assert "Creating stack" not in log  # stopped before any stack operation
