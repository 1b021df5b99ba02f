"""CloudFormation in the sandbox as AWS documents it: async states, events, updates, failures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from deployer.sandbox.seed import SeedResult

from .polling import failed_reasons, resource_events, wait_until, watch_stack
from .templates import parameters, service_template

pytestmark = pytest.mark.slow
CAPABILITIES = ["CAPABILITY_IAM"]


def _own_log_group(name: str, body: str, extra: dict[str, Any]) -> dict[str, Any]:
    # Each stack gets its own log group name, so stacks in one sandbox do not clash.
    given = extra.pop("Parameters", [])
    if "AwsLogGroupWeb" in body and not any(p["ParameterKey"] == "LogGroupName" for p in given):
        given = [*given, *parameters(LogGroupName=f"/ecs/{name}")]
    if given:
        extra["Parameters"] = given
    return extra


def create(cloudformation: Any, name: str, body: str, **extra: Any) -> str:
    return str(
        cloudformation.create_stack(
            StackName=name,
            TemplateBody=body,
            Capabilities=CAPABILITIES,
            **_own_log_group(name, body, extra),
        )["StackId"]
    )


def update(cloudformation: Any, name: str, body: str, **extra: Any) -> None:
    cloudformation.update_stack(
        StackName=name,
        TemplateBody=body,
        Capabilities=CAPABILITIES,
        **_own_log_group(name, body, extra),
    )


def test_create_returns_at_once_and_progresses_to_complete(
    cloudformation: Any, seeded: SeedResult
) -> None:
    create(cloudformation, "create-states", service_template(seeded))
    first = cloudformation.describe_stacks(StackName="create-states")["Stacks"][0]
    assert first["StackStatus"] == "CREATE_IN_PROGRESS"
    seen, final = watch_stack(cloudformation, "create-states")
    assert seen[0] == "CREATE_IN_PROGRESS"
    assert seen[-1] == "CREATE_COMPLETE"
    assert {output["OutputKey"] for output in final["Outputs"]} == {
        "ServiceName",
        "TaskDefinitionArn",
        "LogGroup",
    }


def test_events_are_per_resource_with_ids_types_and_current_times(
    cloudformation: Any, seeded: SeedResult
) -> None:
    create(cloudformation, "create-events", service_template(seeded))
    watch_stack(cloudformation, "create-events")
    events = cloudformation.describe_stack_events(StackName="create-events")["StackEvents"]
    completes = {
        event["LogicalResourceId"]: event
        for event in events
        if event["ResourceStatus"] == "CREATE_COMPLETE"
    }
    assert {key: event["ResourceType"] for key, event in completes.items()} == {
        "TaskExecutionRoleWeb": "AWS::IAM::Role",
        "AwsLogGroupWeb": "AWS::Logs::LogGroup",
        "TaskDefinitionWeb": "AWS::ECS::TaskDefinition",
        "ServiceWeb": "AWS::ECS::Service",
        "create-events": "AWS::CloudFormation::Stack",
    }
    assert ":task-definition/web:" in completes["TaskDefinitionWeb"]["PhysicalResourceId"]
    assert (
        ":service/development/create-events-ServiceWeb-"
        in (completes["ServiceWeb"]["PhysicalResourceId"])
    )
    now = datetime.now(UTC)
    assert all(now - event["Timestamp"] < timedelta(minutes=1) for event in events)
    order = resource_events(cloudformation, "create-events")
    service_events = [status for logical, status in order if logical == "ServiceWeb"]
    assert service_events == ["CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "CREATE_COMPLETE"]
    reasons = [
        e.get("ResourceStatusReason") for e in events if e["LogicalResourceId"] == "ServiceWeb"
    ]
    assert "Resource creation Initiated" in reasons


def test_resources_keep_every_fargate_setting_and_stack_tags(
    cloudformation: Any, ecs: Any, seeded: SeedResult
) -> None:
    create(
        cloudformation,
        "create-fields",
        service_template(seeded),
        Tags=[{"Key": "Octopus.Project.Name", "Value": "Demo"}],
    )
    _, final = watch_stack(cloudformation, "create-fields")
    resources = cloudformation.describe_stack_resources(StackName="create-fields")["StackResources"]
    assert {r["LogicalResourceId"]: r["ResourceStatus"] for r in resources} == {
        "TaskExecutionRoleWeb": "CREATE_COMPLETE",
        "AwsLogGroupWeb": "CREATE_COMPLETE",
        "TaskDefinitionWeb": "CREATE_COMPLETE",
        "ServiceWeb": "CREATE_COMPLETE",
    }
    outputs = {output["OutputKey"]: output["OutputValue"] for output in final["Outputs"]}
    definition = ecs.describe_task_definition(
        taskDefinition=outputs["TaskDefinitionArn"], include=["TAGS"]
    )
    task = definition["taskDefinition"]
    assert (task["cpu"], task["memory"], task["networkMode"]) == ("256", "512", "awsvpc")
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert ":role/create-fields-TaskExecutionRoleWeb-" in task["executionRoleArn"]
    assert task["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-group"] == (
        "/ecs/create-fields"
    )
    assert {"key": "Octopus.Project.Name", "value": "Demo"} in definition["tags"]
    service = ecs.describe_services(
        cluster="development", services=[outputs["ServiceName"]], include=["TAGS"]
    )["services"][0]
    assert service["launchType"] == "FARGATE"
    assert service["networkConfiguration"]["awsvpcConfiguration"]["subnets"] == seeded.subnet_ids
    assert service["deploymentConfiguration"]["deploymentCircuitBreaker"] == {
        "enable": True,
        "rollback": True,
    }
    assert {"key": "Octopus.Project.Name", "value": "Demo"} in service["tags"]


def test_update_with_new_image_replaces_task_definition_and_repoints_service(
    cloudformation: Any, ecs: Any, seeded: SeedResult
) -> None:
    create(cloudformation, "update-image", service_template(seeded))
    _, before = watch_stack(cloudformation, "update-image")
    old_definition = {o["OutputKey"]: o["OutputValue"] for o in before["Outputs"]}[
        "TaskDefinitionArn"
    ]
    update(
        cloudformation,
        "update-image",
        service_template(seeded),
        Parameters=parameters(WebImage=f"{seeded.repository_uri}:2.0.0"),
    )
    seen, after = watch_stack(cloudformation, "update-image")
    assert seen == ["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_COMPLETE"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in after["Outputs"]}
    assert outputs["TaskDefinitionArn"] != old_definition
    reasons = failed_reasons(cloudformation, "update-image")
    assert reasons == {}
    events = cloudformation.describe_stack_events(StackName="update-image")["StackEvents"]
    assert any(
        "requires the creation of a new physical resource" in e.get("ResourceStatusReason", "")
        for e in events
        if e["LogicalResourceId"] == "TaskDefinitionWeb"
    )
    service = ecs.describe_services(cluster="development", services=[outputs["ServiceName"]])
    assert service["services"][0]["taskDefinition"] == outputs["TaskDefinitionArn"]
    image = ecs.describe_task_definition(taskDefinition=outputs["TaskDefinitionArn"])
    assert image["taskDefinition"]["containerDefinitions"][0]["image"].endswith(":2.0.0")
    old = ecs.describe_task_definition(taskDefinition=old_definition)["taskDefinition"]
    assert old["status"] == "INACTIVE"


def test_update_with_no_changes_is_refused_with_no_updates_error(
    cloudformation: Any, seeded: SeedResult
) -> None:
    create(cloudformation, "update-noop", service_template(seeded))
    watch_stack(cloudformation, "update-noop")
    with pytest.raises(ClientError) as raised:
        update(
            cloudformation,
            "update-noop",
            service_template(seeded),
            Parameters=parameters(DesiredCount="2"),
        )
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert raised.value.response["Error"]["Message"] == "No updates are to be performed."


def test_update_while_in_progress_is_refused(cloudformation: Any, seeded: SeedResult) -> None:
    create(cloudformation, "update-busy", service_template(seeded))
    with pytest.raises(ClientError) as raised:
        update(
            cloudformation,
            "update-busy",
            service_template(seeded),
            Parameters=parameters(DesiredCount="1"),
        )
    assert "CREATE_IN_PROGRESS state and can not be updated" in str(raised.value)
    watch_stack(cloudformation, "update-busy")


def test_invalid_fargate_size_fails_the_task_definition_and_rolls_back(
    cloudformation: Any, seeded: SeedResult
) -> None:
    create(
        cloudformation,
        "bad-size",
        service_template(seeded),
        Parameters=parameters(TaskDefinitionCPU="256", TaskDefinitionMemory="4096"),
    )
    seen, _ = watch_stack(cloudformation, "bad-size")
    assert seen == ["CREATE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE"]
    reason = failed_reasons(cloudformation, "bad-size")["TaskDefinitionWeb"]
    assert "No Fargate configuration exists for given values: 256 CPU, 4096 memory" in reason
    events = resource_events(cloudformation, "bad-size")
    assert ("bad-size", "ROLLBACK_IN_PROGRESS") in events
    assert ("TaskExecutionRoleWeb", "DELETE_COMPLETE") in events
    rollback_reason = next(
        e["ResourceStatusReason"]
        for e in cloudformation.describe_stack_events(StackName="bad-size")["StackEvents"]
        if e["ResourceStatus"] == "ROLLBACK_IN_PROGRESS"
    )
    assert rollback_reason.startswith(
        "The following resource(s) failed to create: [TaskDefinitionWeb]."
    )


def test_invalid_cpu_value_is_reported_as_aws_does(cloudformation: Any, seeded: SeedResult) -> None:
    create(
        cloudformation,
        "bad-cpu",
        service_template(seeded),
        Parameters=parameters(TaskDefinitionCPU="300"),
    )
    seen, _ = watch_stack(cloudformation, "bad-cpu")
    assert seen[-1] == "ROLLBACK_COMPLETE"
    assert (
        "Invalid 'cpu' setting for task."
        in failed_reasons(cloudformation, "bad-cpu")["TaskDefinitionWeb"]
    )


def test_missing_cluster_fails_the_service_and_rolls_back(
    cloudformation: Any, seeded: SeedResult
) -> None:
    create(cloudformation, "no-cluster", service_template(seeded, cluster="nowhere"))
    seen, _ = watch_stack(cloudformation, "no-cluster")
    assert seen[-1] == "ROLLBACK_COMPLETE"
    reason = failed_reasons(cloudformation, "no-cluster")["ServiceWeb"]
    assert "Cluster not found." in reason
    assert "HandlerErrorCode: NotFound" in reason


def test_unknown_subnet_fails_the_service(cloudformation: Any, seeded: SeedResult) -> None:
    broken = SeedResult(**{**seeded.__dict__, "subnet_ids": ["subnet-0000000000000000f"]})
    create(cloudformation, "bad-subnet", service_template(broken))
    seen, _ = watch_stack(cloudformation, "bad-subnet")
    assert seen[-1] == "ROLLBACK_COMPLETE"
    assert (
        "The subnet ID 'subnet-0000000000000000f' does not exist"
        in failed_reasons(cloudformation, "bad-subnet")["ServiceWeb"]
    )


MISSING_ROLE = "arn:aws:iam::123456789012:role/nobody-made-this-role"
TASK_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def make_role(aws_client: Any, name: str) -> str:
    """A role created through IAM, as an operator would before giving its ARN to a step."""
    role = aws_client("iam").create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(TASK_TRUST)
    )["Role"]
    return str(role["Arn"])


@pytest.mark.parametrize("property_name", ["ExecutionRoleArn", "TaskRoleArn"])
def test_a_role_that_does_not_exist_fails_the_task_definition_as_ecs_does(
    cloudformation: Any, seeded: SeedResult, property_name: str
) -> None:
    name = f"no-role-{property_name.lower()}"
    body = service_template(seeded, extra_task_properties={property_name: MISSING_ROLE})
    create(cloudformation, name, body)
    seen, _ = watch_stack(cloudformation, name)
    assert seen[-1] == "ROLLBACK_COMPLETE"
    reason = failed_reasons(cloudformation, name)["TaskDefinitionWeb"]
    assert "Invalid request provided: Create TaskDefinition: Role is not valid" in reason
    assert "HandlerErrorCode: InvalidRequest" in reason


def test_roles_that_exist_in_iam_are_accepted(
    aws_client: Any, cloudformation: Any, seeded: SeedResult
) -> None:
    task_role = make_role(aws_client, "given-task-role")
    execution_role = make_role(aws_client, "given-execution-role")
    body = service_template(
        seeded,
        with_execution_role=False,
        extra_task_properties={"TaskRoleArn": task_role, "ExecutionRoleArn": execution_role},
    )
    create(cloudformation, "given-roles", body)
    seen, _ = watch_stack(cloudformation, "given-roles")
    assert seen[-1] == "CREATE_COMPLETE"


def test_the_ecs_api_refuses_a_task_definition_with_an_unknown_role(aws_client: Any) -> None:
    ecs = aws_client("ecs")
    definition = {
        "family": "role-check",
        "containerDefinitions": [{"name": "web", "image": "nginx", "essential": True}],
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
    }
    with pytest.raises(ClientError) as raised:
        ecs.register_task_definition(executionRoleArn=MISSING_ROLE, **definition)
    assert raised.value.response["Error"]["Code"] == "ClientException"
    assert raised.value.response["Error"]["Message"] == "Role is not valid"
    role = make_role(aws_client, "api-execution-role")
    registered = ecs.register_task_definition(executionRoleArn=role, **definition)
    assert registered["taskDefinition"]["executionRoleArn"] == role


def test_unknown_resource_type_is_rejected_at_the_api_call(cloudformation: Any) -> None:
    body = json.dumps({"Resources": {"Thing": {"Type": "AWS::ECS::Servise", "Properties": {}}}})
    with pytest.raises(ClientError) as raised:
        cloudformation.create_stack(StackName="bad-type", TemplateBody=body)
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert "Unrecognized resource types: [AWS::ECS::Servise]" in str(raised.value)


def test_unknown_property_fails_the_resource_with_validation_reason(
    cloudformation: Any, seeded: SeedResult
) -> None:
    body = service_template(seeded, extra_task_properties={"Memroy": "512"})
    create(cloudformation, "bad-property", body)
    seen, _ = watch_stack(cloudformation, "bad-property")
    assert seen[-1] == "ROLLBACK_COMPLETE"
    reason = failed_reasons(cloudformation, "bad-property")["TaskDefinitionWeb"]
    assert "Properties validation failed for resource TaskDefinitionWeb" in reason
    assert "extraneous key [Memroy] is not permitted" in reason


def test_iam_resources_need_the_iam_capability(cloudformation: Any, seeded: SeedResult) -> None:
    with pytest.raises(ClientError) as raised:
        cloudformation.create_stack(StackName="no-caps", TemplateBody=service_template(seeded))
    assert raised.value.response["Error"]["Code"] == "InsufficientCapabilitiesException"


def test_delete_removes_everything_the_stack_created(
    cloudformation: Any, aws_client: Any, ecs: Any, seeded: SeedResult
) -> None:
    stack_id = create(cloudformation, "delete-all", service_template(seeded))
    _, final = watch_stack(cloudformation, "delete-all")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in final["Outputs"]}
    role = next(
        r["PhysicalResourceId"]
        for r in cloudformation.describe_stack_resources(StackName="delete-all")["StackResources"]
        if r["LogicalResourceId"] == "TaskExecutionRoleWeb"
    )
    cloudformation.delete_stack(StackName="delete-all")
    seen, gone = watch_stack(cloudformation, stack_id)
    assert seen == ["DELETE_IN_PROGRESS", "DELETE_COMPLETE"]
    with pytest.raises(ClientError):
        cloudformation.describe_stacks(StackName="delete-all")
    service = ecs.describe_services(cluster="development", services=[outputs["ServiceName"]])
    assert service["services"][0]["status"] == "INACTIVE"
    definition = ecs.describe_task_definition(taskDefinition=outputs["TaskDefinitionArn"])
    assert definition["taskDefinition"]["status"] == "INACTIVE"
    roles = [r["RoleName"] for r in aws_client("iam").list_roles()["Roles"]]
    assert role not in roles
    assert gone["StackStatus"] == "DELETE_COMPLETE"


def test_noecho_parameters_are_masked(cloudformation: Any) -> None:
    body = json.dumps(
        {
            "Parameters": {"Secret": {"Type": "String", "NoEcho": True, "Default": "hunter2"}},
            "Resources": {
                "Logs": {
                    "Type": "AWS::Logs::LogGroup",
                    "Properties": {
                        "LogGroupName": {"Fn::Join": ["-", ["/noecho", {"Ref": "AWS::Region"}]]}
                    },
                }
            },
            "Outputs": {"Name": {"Value": {"Ref": "Logs"}}},
        }
    )
    cloudformation.create_stack(StackName="noecho", TemplateBody=body)
    _, final = watch_stack(cloudformation, "noecho")
    assert final["Parameters"] == [{"ParameterKey": "Secret", "ParameterValue": "****"}]
    assert final["Outputs"][0]["OutputValue"] == "/noecho-us-east-1"


def test_failed_update_rolls_back_and_keeps_the_running_service(
    cloudformation: Any, ecs: Any, seeded: SeedResult
) -> None:
    create(cloudformation, "update-bad-size", service_template(seeded))
    _, before = watch_stack(cloudformation, "update-bad-size")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in before["Outputs"]}
    update(
        cloudformation,
        "update-bad-size",
        service_template(seeded),
        Parameters=parameters(TaskDefinitionMemory="8192"),
    )
    seen, after = watch_stack(cloudformation, "update-bad-size")
    assert seen == [
        "UPDATE_IN_PROGRESS",
        "UPDATE_ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE",
    ]
    assert (
        "No Fargate configuration exists"
        in failed_reasons(cloudformation, "update-bad-size")["TaskDefinitionWeb"]
    )
    assert after["Parameters"] == before["Parameters"]
    service = ecs.describe_services(cluster="development", services=[outputs["ServiceName"]])
    assert service["services"][0]["taskDefinition"] == outputs["TaskDefinitionArn"]
    assert service["services"][0]["runningCount"] == 2


def test_read_calls_answer_in_shapes_botocore_parses(
    cloudformation: Any, seeded: SeedResult
) -> None:
    stack_id = create(cloudformation, "read-shapes", service_template(seeded))
    watch_stack(cloudformation, "read-shapes")
    summaries = cloudformation.list_stacks(StackStatusFilter=["CREATE_COMPLETE"])
    assert stack_id in [summary["StackId"] for summary in summaries["StackSummaries"]]
    resources = cloudformation.list_stack_resources(StackName="read-shapes")
    assert len(resources["StackResourceSummaries"]) == 4
    detail = cloudformation.describe_stack_resource(
        StackName="read-shapes", LogicalResourceId="AwsLogGroupWeb"
    )["StackResourceDetail"]
    assert detail["PhysicalResourceId"] == "/ecs/read-shapes"
    template = cloudformation.get_template(StackName="read-shapes")["TemplateBody"]
    assert template["Resources"]["ServiceWeb"]["Type"] == "AWS::ECS::Service"
    validated = cloudformation.validate_template(TemplateBody=service_template(seeded))
    assert "ClusterName" in [p["ParameterKey"] for p in validated["Parameters"]]


def test_cancelled_update_rolls_back(cloudformation: Any, ecs: Any, seeded: SeedResult) -> None:
    body = service_template(seeded, circuit_breaker=False)
    create(cloudformation, "cancel-update", body)
    _, before = watch_stack(cloudformation, "cancel-update")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in before["Outputs"]}
    update(
        cloudformation,
        "cancel-update",
        body,
        Parameters=parameters(WebImage=f"{seeded.repository_uri}:2.1.0-crash"),
    )
    wait_until(
        lambda: (
            ("ServiceWeb", "UPDATE_IN_PROGRESS") in resource_events(cloudformation, "cancel-update")
        ),
        "the service update to start",
    )
    cloudformation.cancel_update_stack(StackName="cancel-update")
    seen, _ = watch_stack(cloudformation, "cancel-update")
    assert seen[-1] == "UPDATE_ROLLBACK_COMPLETE"
    assert failed_reasons(cloudformation, "cancel-update")["ServiceWeb"] == (
        "Resource update cancelled"
    )
    service = ecs.describe_services(cluster="development", services=[outputs["ServiceName"]])
    assert service["services"][0]["taskDefinition"] == outputs["TaskDefinitionArn"]
    with pytest.raises(ClientError, match="CancelUpdateStack cannot be called"):
        cloudformation.cancel_update_stack(StackName="cancel-update")


def test_intrinsic_functions_conditions_and_pseudo_parameters_resolve(
    cloudformation: Any,
) -> None:
    template = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Environment:
    Type: String
    AllowedValues: [Staging, Production]
  Ports:
    Type: CommaDelimitedList
    Default: "80,443"
  Retention:
    Type: Number
    Default: 7
Conditions:
  IsProduction: !Equals [!Ref Environment, Production]
  IsNotProduction: !Not [!Condition IsProduction]
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub "/intrinsics/${Environment}/${AWS::StackName}"
      RetentionInDays: !If [IsProduction, 30, !Ref Retention]
  ProductionOnly:
    Type: AWS::Logs::LogGroup
    Condition: IsProduction
    Properties:
      LogGroupName: /intrinsics/production-only
Outputs:
  Arn:
    Value: !GetAtt Logs.Arn
  Second:
    Value: !Select [1, !Ref Ports]
  Parts:
    Value: !Join ["+", !Split ["/", !Ref Logs]]
  Where:
    Value: !Sub
      - "${Region}:${AWS::AccountId}"
      - Region: !Ref AWS::Region
  Hidden:
    Condition: IsProduction
    Value: never
"""
    cloudformation.create_stack(
        StackName="intrinsics",
        TemplateBody=template,
        Parameters=parameters(Environment="Staging"),
    )
    _, final = watch_stack(cloudformation, "intrinsics")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in final["Outputs"]}
    assert outputs == {
        "Arn": "arn:aws:logs:us-east-1:123456789012:log-group:/intrinsics/Staging/intrinsics:*",
        "Second": "443",
        "Parts": "+intrinsics+Staging+intrinsics",
        "Where": "us-east-1:123456789012",
    }
    resources = cloudformation.list_stack_resources(StackName="intrinsics")
    assert [r["LogicalResourceId"] for r in resources["StackResourceSummaries"]] == ["Logs"]
    with pytest.raises(ClientError, match="must be one of AllowedValues"):
        cloudformation.create_stack(
            StackName="intrinsics-bad",
            TemplateBody=template,
            Parameters=parameters(Environment="Dev"),
        )
    with pytest.raises(ClientError, match=r"Parameters: \[Environment\] must have values"):
        cloudformation.create_stack(StackName="intrinsics-missing", TemplateBody=template)


def test_pull_failure_with_circuit_breaker_fails_the_create_and_removes_the_service(
    cloudformation: Any, ecs: Any, seeded: SeedResult
) -> None:
    create(
        cloudformation,
        "missing-image",
        service_template(seeded),
        Parameters=parameters(WebImage=f"{seeded.repository_uri}:9.9.9"),
    )
    seen, _ = watch_stack(cloudformation, "missing-image")
    assert seen == ["CREATE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE"]
    reason = failed_reasons(cloudformation, "missing-image")["ServiceWeb"]
    assert (
        reason == "Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'."
    )
    service_arn = next(
        e["PhysicalResourceId"]
        for e in cloudformation.describe_stack_events(StackName="missing-image")["StackEvents"]
        if e["LogicalResourceId"] == "ServiceWeb" and e["ResourceStatus"] == "DELETE_COMPLETE"
    )
    service = ecs.describe_services(cluster="development", services=[service_arn])["services"][0]
    assert service["status"] == "INACTIVE"
    deployment = service["deployments"][0]
    assert deployment["rolloutState"] == "FAILED"
    assert deployment["failedTasks"] >= 3
