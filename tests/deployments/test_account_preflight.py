"""Pre-flight against the account: what a step refers to must exist before anything is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from deployer.deployments.account_preflight import account_findings
from deployer.deployments.models import Deployment
from deployer.projects.models import Project
from deployer.releases.models import Release
from deployer.sandbox.calls import CallLog
from deployer.sandbox.seed import SeedResult
from steps.models import Step
from targets.models import ClusterTarget
from tests.deployments.conftest import aws_client, log_text

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

READS = ("Describe", "List", "Get", "BatchGet")
MISSING_SUBNET = "subnet-0123456789abcdef0"


def writes(aws_calls: CallLog) -> list[str]:
    return [action for action in aws_calls.actions() if not action.startswith(READS)]


def no_stack_for(deployment: Deployment) -> bool:
    stacks = aws_client("cloudformation").list_stacks()["StackSummaries"]
    family = Step.objects.get().document["configuration"]["task_definition_name"]
    return not any(family.lower() in s["StackName"].lower() for s in stacks)


def test_a_release_of_a_missing_image_tag_fails_in_seconds_naming_the_tag(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment], aws_calls: CallLog
) -> None:
    deployment = deploy(release_with("9.9.9"))
    log = log_text(deployment)
    assert deployment.status == "failed", log
    assert deployment.failure_code == "ECS-Deploy-PreflightError"
    assert deployment.failure_reason == (
        "containers[0].image: tag 9.9.9 of demo/web does not exist in feed Sandbox ECR: push it, "
        "or create a release with a tag the feed has."
    )
    assert writes(aws_calls) == []
    assert no_stack_for(deployment)
    assert deployment.finished is not None and deployment.started is not None
    assert (deployment.finished - deployment.started).total_seconds() < 10


def test_every_finding_is_told_at_once_and_nothing_is_written(
    seeded: SeedResult,
    release_with: Callable[..., Release],
    deploy: Callable[..., Deployment],
    aws_calls: CallLog,
) -> None:
    region_account = "us-east-1:123456789012"
    instances = aws_client("elbv2").create_target_group(
        Name="preflight-instances", Protocol="HTTP", Port=80, VpcId=seeded.vpc_id
    )["TargetGroups"][0]["TargetGroupArn"]
    step = Step.objects.get()
    document = step.document
    document["network"]["subnet_ids"] = [seeded.subnet_ids[0], MISSING_SUBNET]
    document["task_execution_role"] = {"arn": "arn:aws:iam::123456789012:role/no-such-role"}
    document["containers"][0]["environment"] = {
        "variables": [
            {
                "name": "DB_PASSWORD",
                "type": "secret",
                "value": f"arn:aws:secretsmanager:{region_account}:secret:no-such-secret-AbCdEf",
            },
            {
                "name": "API_KEY",
                "type": "secret",
                "value": f"arn:aws:ssm:{region_account}:parameter/no/such/parameter",
            },
        ]
    }
    document["load_balancer_mappings"] = [
        {"container_name": "web", "container_port": 80, "target_group_arn": instances}
    ]
    step.save()
    aws_calls.clear()
    deployment = deploy(release_with("1.0.0"))
    log = log_text(deployment)
    assert deployment.status == "failed", log
    assert deployment.failure_code == "ECS-Deploy-PreflightError"
    for expected in (
        f"network.subnet_ids[1]: subnet {MISSING_SUBNET} does not exist in this account and region",
        "task_execution_role.arn: role arn:aws:iam::123456789012:role/no-such-role does not exist",
        "containers[0].environment.variables[0].value: secret "
        f"arn:aws:secretsmanager:{region_account}:secret:no-such-secret-AbCdEf does not exist "
        "in Secrets Manager",
        "containers[0].environment.variables[1].value: SSM parameter /no/such/parameter does "
        "not exist in us-east-1",
        "load_balancer_mappings[0].target_group_arn: target group preflight-instances has "
        "target type instance; Fargate tasks register by IP address: use a target group of "
        "type ip.",
    ):
        assert expected in log
    assert writes(aws_calls) == []
    assert no_stack_for(deployment)
    with pytest.raises(ClientError):
        aws_client("ssm").get_parameter(Name="/deployer/web/Development/DB_PASSWORD")


def test_each_check_can_be_turned_off_and_a_sound_step_has_no_findings(
    seeded: SeedResult, project: Project, settings: Any
) -> None:
    legacy = seeded.legacy_web
    assert legacy is not None
    step = Step.objects.get()
    document = step.to_document()
    target = ClusterTarget.objects.get(name="sandbox-development")
    images = [{"feed": "sandbox-ecr", "package": "demo/web", "tag": "1.1.0"}]
    notes: list[str] = []
    assert account_findings(document, target, images, notes) == []
    assert any(note.startswith("Image demo/web:1.1.0 in Sandbox ECR: sha256:") for note in notes)

    missing = [{"feed": "sandbox-ecr", "package": "demo/web", "tag": "0.0.0-nope"}]
    assert [f.field for f in account_findings(document, target, missing, [])] == [
        "containers[0].image"
    ]
    settings.PREFLIGHT_SKIP = frozenset({"images"})
    assert account_findings(document, target, missing, []) == []
