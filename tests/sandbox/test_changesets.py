"""Change sets and drift detection in the sandbox, in the shapes AWS documents."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from deployer.sandbox.seed import SeedResult

from .polling import wait_until, watch_stack
from .templates import parameters, service_template

pytestmark = pytest.mark.slow
CAPABILITIES = ["CAPABILITY_IAM"]
STACK = "review-web"


def _change_set(cloudformation: Any, name: str, body: str, **extra: Any) -> dict[str, Any]:
    """Create a change set, wait until it is computed, describe it and delete it."""
    given = [*extra.pop("Parameters", []), *parameters(LogGroupName=f"/ecs/{STACK}")]
    created = cloudformation.create_change_set(
        StackName=STACK,
        ChangeSetName=name,
        TemplateBody=body,
        Capabilities=CAPABILITIES,
        Parameters=given,
        **extra,
    )

    def computed() -> dict[str, Any] | None:
        described = cloudformation.describe_change_set(ChangeSetName=created["Id"])
        return None if described["Status"] == "CREATE_PENDING" else described

    described = wait_until(computed, f"change set {name}")
    cloudformation.delete_change_set(ChangeSetName=created["Id"])
    return dict(described)


def _by_id(described: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        change["ResourceChange"]["LogicalResourceId"]: change["ResourceChange"]
        for change in described["Changes"]
    }


@pytest.fixture(scope="module")
def stack(cloudformation: Any, seeded: SeedResult) -> dict[str, Any]:
    body = service_template(seeded)
    created = cloudformation.create_change_set(
        StackName=STACK,
        ChangeSetName="first",
        ChangeSetType="CREATE",
        TemplateBody=body,
        Capabilities=CAPABILITIES,
        Parameters=parameters(LogGroupName=f"/ecs/{STACK}"),
    )
    reviewed = cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]
    described = wait_until(
        lambda: (
            (d := cloudformation.describe_change_set(ChangeSetName=created["Id"]))["Status"]
            != "CREATE_PENDING"
            and d
        ),
        "the CREATE change set",
    )
    listed = cloudformation.list_change_sets(StackName=STACK)["Summaries"]
    cloudformation.delete_change_set(ChangeSetName="first", StackName=STACK)
    cloudformation.delete_stack(StackName=STACK)
    wait_until(
        lambda: (
            not cloudformation.describe_stacks()["Stacks"]
            or all(s["StackName"] != STACK for s in cloudformation.describe_stacks()["Stacks"])
        ),
        "the reviewed stack to go",
    )
    cloudformation.create_stack(
        StackName=STACK,
        TemplateBody=body,
        Capabilities=CAPABILITIES,
        Parameters=parameters(LogGroupName=f"/ecs/{STACK}"),
        Tags=[{"Key": "release", "Value": "1.0.0"}],
    )
    _, final = watch_stack(cloudformation, STACK)
    assert final["StackStatus"] == "CREATE_COMPLETE"
    return {"review": reviewed, "create": described, "listed": listed, "final": final}


def test_a_create_change_set_adds_every_resource_to_a_stack_under_review(
    stack: dict[str, Any],
) -> None:
    assert stack["review"]["StackStatus"] == "REVIEW_IN_PROGRESS"
    described = stack["create"]
    assert described["Status"] == "CREATE_COMPLETE"
    assert described["ExecutionStatus"] == "AVAILABLE"
    changes = _by_id(described)
    assert set(changes) == {
        "TaskExecutionRoleWeb",
        "AwsLogGroupWeb",
        "TaskDefinitionWeb",
        "ServiceWeb",
    }
    assert {change["Action"] for change in changes.values()} == {"Add"}
    assert [s["ChangeSetName"] for s in stack["listed"]] == ["first"]


def test_a_new_image_replaces_the_task_definition_and_modifies_the_service(
    cloudformation: Any, seeded: SeedResult, stack: dict[str, Any]
) -> None:
    described = _change_set(
        cloudformation,
        "image",
        service_template(seeded),
        Parameters=parameters(WebImage=f"{seeded.repository_uri}:1.1.0"),
        Tags=[{"Key": "release", "Value": "1.0.0"}],
    )
    changes = _by_id(described)
    assert set(changes) == {"TaskDefinitionWeb", "ServiceWeb"}
    definition = changes["TaskDefinitionWeb"]
    assert (definition["Action"], definition["Replacement"]) == ("Modify", "True")
    assert definition["Details"][0]["Target"] == {
        "Attribute": "Properties",
        "Name": "ContainerDefinitions",
        "RequiresRecreation": "Always",
    }
    assert definition["Details"][0]["ChangeSource"] == "ParameterReference"
    service = changes["ServiceWeb"]
    assert (service["Action"], service["Replacement"], service["Scope"]) == (
        "Modify",
        "False",
        ["Properties"],
    )
    detail = service["Details"][0]
    assert detail["Target"]["Name"] == "TaskDefinition"
    assert (detail["Evaluation"], detail["CausingEntity"]) == ("Dynamic", "TaskDefinitionWeb")


def test_stack_tags_alone_modify_tags_without_replacement(
    cloudformation: Any, seeded: SeedResult, stack: dict[str, Any]
) -> None:
    described = _change_set(
        cloudformation,
        "tags",
        service_template(seeded),
        Tags=[{"Key": "release", "Value": "1.0.1"}],
    )
    changes = _by_id(described)
    assert {c["Scope"][0] for c in changes.values()} == {"Tags"}
    assert {c["Replacement"] for c in changes.values()} == {"False"}
    assert "ServiceWeb" in changes and "TaskDefinitionWeb" in changes


def test_turning_managed_tags_off_replaces_the_service(
    cloudformation: Any, seeded: SeedResult, stack: dict[str, Any]
) -> None:
    template = json.loads(service_template(seeded))
    template["Resources"]["ServiceWeb"]["Properties"]["EnableECSManagedTags"] = False
    described = _change_set(
        cloudformation, "managed", json.dumps(template), Tags=[{"Key": "release", "Value": "1.0.0"}]
    )
    service = _by_id(described)["ServiceWeb"]
    assert service["Replacement"] == "True"
    assert service["Details"][0]["Target"]["Name"] == "EnableECSManagedTags"


def test_nothing_to_change_fails_the_change_set_with_aws_reason(
    cloudformation: Any, seeded: SeedResult, stack: dict[str, Any]
) -> None:
    described = _change_set(
        cloudformation,
        "same",
        service_template(seeded),
        Tags=[{"Key": "release", "Value": "1.0.0"}],
    )
    assert described["Status"] == "FAILED"
    assert described["StatusReason"].startswith("The submitted information didn't contain changes")
    assert described["Changes"] == []
    assert cloudformation.list_change_sets(StackName=STACK)["Summaries"] == []


def test_an_update_change_set_needs_an_existing_stack(
    cloudformation: Any, seeded: SeedResult
) -> None:
    with pytest.raises(ClientError, match="does not exist"):
        cloudformation.create_change_set(
            StackName="review-nowhere", ChangeSetName="x", TemplateBody=service_template(seeded)
        )


def _drift(cloudformation: Any) -> tuple[str, list[dict[str, Any]]]:
    detection = cloudformation.detect_stack_drift(StackName=STACK)["StackDriftDetectionId"]
    status = cloudformation.describe_stack_drift_detection_status(StackDriftDetectionId=detection)
    assert status["DetectionStatus"] == "DETECTION_COMPLETE"
    drifts = cloudformation.describe_stack_resource_drifts(
        StackName=STACK, StackResourceDriftStatusFilters=["MODIFIED", "DELETED"]
    )["StackResourceDrifts"]
    return status["StackDriftStatus"], drifts


def test_drift_detection_reports_changes_made_behind_the_stack(
    cloudformation: Any, ecs: Any, stack: dict[str, Any]
) -> None:
    assert _drift(cloudformation) == ("IN_SYNC", [])
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["final"]["Outputs"]}
    ecs.update_service(cluster="development", service=outputs["ServiceName"], desiredCount=3)
    status, drifts = _drift(cloudformation)
    assert status == "DRIFTED"
    assert [d["LogicalResourceId"] for d in drifts] == ["ServiceWeb"]
    assert drifts[0]["StackResourceDriftStatus"] == "MODIFIED"
    assert [
        (p["PropertyPath"], p["ExpectedValue"], p["ActualValue"])
        for p in drifts[0]["PropertyDifferences"]
    ] == [("/DesiredCount", "2", "3")]

    definition = ecs.describe_task_definition(taskDefinition=outputs["TaskDefinitionArn"])
    registered = ecs.register_task_definition(
        **{
            key: definition["taskDefinition"][key]
            for key in (
                "family",
                "containerDefinitions",
                "cpu",
                "memory",
                "networkMode",
                "executionRoleArn",
            )
        },
        requiresCompatibilities=["FARGATE"],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(
        cluster="development",
        service=outputs["ServiceName"],
        taskDefinition=registered,
        desiredCount=2,
    )
    _, drifts = _drift(cloudformation)
    paths = [p["PropertyPath"] for p in drifts[0]["PropertyDifferences"]]
    assert paths == ["/TaskDefinition"]
