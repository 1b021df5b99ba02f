"""ECS services in the sandbox run tasks, roll out deployments and fail the way Fargate does."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from deployer.sandbox.seed import SeedResult
from deployer.sandbox.server import SandboxServer

from .polling import failed_reasons, wait_until, watch_stack
from .templates import parameters, service_template

pytestmark = pytest.mark.slow
CLUSTER = "staging"


def register(ecs: Any, seeded: SeedResult, tag: str, family: str = "ecs-web", **extra: Any) -> str:
    definition = ecs.register_task_definition(
        family=family,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[
            {"name": "web", "image": f"{seeded.repository_uri}:{tag}", "essential": True, **extra}
        ],
    )
    return str(definition["taskDefinition"]["taskDefinitionArn"])


def create_service(
    ecs: Any, seeded: SeedResult, name: str, task_definition: str, breaker: bool = True
) -> None:
    ecs.create_service(
        cluster=CLUSTER,
        serviceName=name,
        taskDefinition=task_definition,
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": seeded.subnet_ids,
                "securityGroups": [seeded.security_group_id],
            }
        },
        deploymentConfiguration={
            "deploymentCircuitBreaker": {"enable": breaker, "rollback": breaker},
            "minimumHealthyPercent": 100,
            "maximumPercent": 200,
        },
    )


def describe(ecs: Any, name: str) -> dict[str, Any]:
    return dict(ecs.describe_services(cluster=CLUSTER, services=[name])["services"][0])


def rollout_finished(ecs: Any, name: str) -> dict[str, Any] | None:
    service = describe(ecs, name)
    deployments = service["deployments"]
    if len(deployments) == 1 and deployments[0]["rolloutState"] == "COMPLETED":
        return service
    return None


def test_service_tasks_move_from_provisioning_through_pending_to_running(
    ecs: Any, seeded: SeedResult
) -> None:
    create_service(ecs, seeded, "lifecycle", register(ecs, seeded, "1.0.0"))
    task_arn = wait_until(
        lambda: ecs.list_tasks(cluster=CLUSTER, serviceName="lifecycle")["taskArns"], "tasks"
    )[0]
    seen: list[str] = []

    def running() -> bool:
        status = ecs.describe_tasks(cluster=CLUSTER, tasks=[task_arn])["tasks"][0]["lastStatus"]
        if not seen or seen[-1] != status:
            seen.append(status)
        return status == "RUNNING"

    wait_until(running, "a running task")
    assert seen == ["PROVISIONING", "PENDING", "RUNNING"]
    service = wait_until(lambda: rollout_finished(ecs, "lifecycle"), "a finished rollout")
    assert (service["runningCount"], service["pendingCount"]) == (2, 0)
    task = ecs.describe_tasks(cluster=CLUSTER, tasks=[task_arn])["tasks"][0]
    assert task["launchType"] == "FARGATE"
    assert task["group"] == "service:lifecycle"
    assert task["startedBy"] == service["deployments"][0]["id"]


def test_health_checked_tasks_become_healthy(ecs: Any, seeded: SeedResult) -> None:
    health_check = {"command": ["CMD-SHELL", "true"], "interval": 10, "startPeriod": 20}
    definition = register(ecs, seeded, "1.0.0", family="healthy", healthCheck=health_check)
    create_service(ecs, seeded, "healthy", definition)
    wait_until(lambda: rollout_finished(ecs, "healthy"), "a finished rollout")
    arns = ecs.list_tasks(cluster=CLUSTER, serviceName="healthy")["taskArns"]
    tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"]
    assert [task["healthStatus"] for task in tasks] == ["HEALTHY", "HEALTHY"]


def test_list_tasks_filters_by_service(ecs: Any, seeded: SeedResult) -> None:
    create_service(ecs, seeded, "filter-a", register(ecs, seeded, "1.0.0"))
    create_service(ecs, seeded, "filter-b", register(ecs, seeded, "1.0.0"))
    wait_until(lambda: rollout_finished(ecs, "filter-a"), "service a")
    wait_until(lambda: rollout_finished(ecs, "filter-b"), "service b")
    a_tasks = set(ecs.list_tasks(cluster=CLUSTER, serviceName="filter-a")["taskArns"])
    b_tasks = set(ecs.list_tasks(cluster=CLUSTER, serviceName="filter-b")["taskArns"])
    assert len(a_tasks) == len(b_tasks) == 2
    assert not a_tasks & b_tasks


def test_update_creates_a_primary_deployment_and_drains_the_old_one(
    ecs: Any, seeded: SeedResult
) -> None:
    create_service(ecs, seeded, "rolling", register(ecs, seeded, "1.0.0"))
    first = wait_until(lambda: rollout_finished(ecs, "rolling"), "first rollout")
    old_tasks = set(ecs.list_tasks(cluster=CLUSTER, serviceName="rolling")["taskArns"])
    new_definition = register(ecs, seeded, "2.0.0")
    ecs.update_service(cluster=CLUSTER, service="rolling", taskDefinition=new_definition)
    during = describe(ecs, "rolling")
    assert [(d["status"], d["rolloutState"]) for d in during["deployments"]] == [
        ("PRIMARY", "IN_PROGRESS"),
        ("ACTIVE", "COMPLETED"),
    ]
    assert during["deployments"][0]["taskDefinition"] == new_definition
    done = wait_until(lambda: rollout_finished(ecs, "rolling"), "second rollout")
    assert done["deployments"][0]["id"] != first["deployments"][0]["id"]
    assert done["taskDefinition"] == new_definition
    running = set(ecs.list_tasks(cluster=CLUSTER, serviceName="rolling")["taskArns"])
    assert len(running) == 2
    assert not running & old_tasks
    stopped = ecs.describe_tasks(cluster=CLUSTER, tasks=list(old_tasks))["tasks"]
    assert {task["lastStatus"] for task in stopped} == {"STOPPED"}
    assert {task["stopCode"] for task in stopped} == {"ServiceSchedulerInitiated"}


def test_service_events_are_written_as_aws_writes_them(ecs: Any, seeded: SeedResult) -> None:
    create_service(ecs, seeded, "events", register(ecs, seeded, "1.0.0"))
    service = wait_until(lambda: rollout_finished(ecs, "events"), "rollout")
    messages = [event["message"] for event in reversed(service["events"])]
    assert messages[0].startswith("(service events) has started 2 tasks: (task ")
    assert messages[-1] == "(service events) has reached a steady state."
    assert any(m.endswith("deployment completed.") for m in messages)


def test_missing_image_stops_tasks_with_cannot_pull_error(ecs: Any, seeded: SeedResult) -> None:
    create_service(ecs, seeded, "no-image", register(ecs, seeded, "9.9.9"), breaker=False)

    def stopped_tasks() -> list[dict[str, Any]]:
        arns = ecs.list_tasks(cluster=CLUSTER, serviceName="no-image", desiredStatus="STOPPED")
        if not arns["taskArns"]:
            return []
        tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=arns["taskArns"])["tasks"]
        return [task for task in tasks if task["lastStatus"] == "STOPPED"]

    task = wait_until(stopped_tasks, "a stopped task")[0]
    assert task["stopCode"] == "TaskFailedToStart"
    assert task["stoppedReason"].startswith("CannotPullContainerError:")
    assert f"{seeded.repository_uri}:9.9.9" in task["stoppedReason"]
    assert task["containers"][0]["reason"].startswith("CannotPullContainerError:")
    wait_until(
        lambda: describe(ecs, "no-image")["deployments"][0]["failedTasks"] >= 4,
        "the scheduler to keep retrying",
    )
    assert describe(ecs, "no-image")["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    ecs.delete_service(cluster=CLUSTER, service="no-image", force=True)


def test_crash_tag_with_circuit_breaker_fails_and_rolls_back_the_deployment(
    ecs: Any, seeded: SeedResult
) -> None:
    good = register(ecs, seeded, "2.0.0")
    create_service(ecs, seeded, "crashing", good)
    wait_until(lambda: rollout_finished(ecs, "crashing"), "first rollout")
    ecs.update_service(
        cluster=CLUSTER, service="crashing", taskDefinition=register(ecs, seeded, "2.1.0-crash")
    )
    failed = wait_until(
        lambda: next(
            (d for d in describe(ecs, "crashing")["deployments"] if d["rolloutState"] == "FAILED"),
            None,
        ),
        "the circuit breaker",
    )
    assert failed["failedTasks"] >= 3
    assert failed["rolloutStateReason"].startswith(
        "ECS deployment circuit breaker: tasks failed to start."
    )
    service = wait_until(lambda: rollout_finished(ecs, "crashing"), "the rollback")
    assert service["taskDefinition"] == good
    crashed = ecs.list_tasks(cluster=CLUSTER, serviceName="crashing", desiredStatus="STOPPED")
    tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=crashed["taskArns"])["tasks"]
    exited = [task for task in tasks if task.get("stopCode") == "EssentialContainerExited"]
    assert exited
    assert exited[0]["stoppedReason"] == "Essential container in task exited"
    assert exited[0]["containers"][0]["exitCode"] == 1


def test_crash_through_cloudformation_fails_the_service_and_rolls_back_the_stack(
    aws_client: Any, ecs: Any, seeded: SeedResult
) -> None:
    cloudformation = aws_client("cloudformation")
    body = service_template(seeded, cluster=CLUSTER)
    base = parameters(LogGroupName="/ecs/cfn-crash")
    cloudformation.create_stack(
        StackName="cfn-crash", TemplateBody=body, Capabilities=["CAPABILITY_IAM"], Parameters=base
    )
    _, created = watch_stack(cloudformation, "cfn-crash")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in created["Outputs"]}
    cloudformation.update_stack(
        StackName="cfn-crash",
        TemplateBody=body,
        Capabilities=["CAPABILITY_IAM"],
        Parameters=[*base, *parameters(WebImage=f"{seeded.repository_uri}:2.1.0-crash")],
    )
    seen, _ = watch_stack(cloudformation, "cfn-crash")
    assert seen == [
        "UPDATE_IN_PROGRESS",
        "UPDATE_ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE",
    ]
    assert failed_reasons(cloudformation, "cfn-crash")["ServiceWeb"] == (
        "Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'."
    )
    service = ecs.describe_services(cluster=CLUSTER, services=[outputs["ServiceName"]])
    assert service["services"][0]["taskDefinition"] == outputs["TaskDefinitionArn"]


def test_crash_without_circuit_breaker_times_out_the_service_resource(
    aws_client: Any, sandbox: SandboxServer, seeded: SeedResult
) -> None:
    cloudformation = aws_client("cloudformation")
    request = urllib.request.Request(
        f"{sandbox.url}/moto-api/sandbox/config",
        data=json.dumps({"service_stabilization_timeout": 60}).encode(),
        method="POST",
    )
    urllib.request.urlopen(request).close()
    try:
        cloudformation.create_stack(
            StackName="cfn-no-breaker",
            TemplateBody=service_template(seeded, cluster=CLUSTER, circuit_breaker=False),
            Capabilities=["CAPABILITY_IAM"],
            Parameters=parameters(
                LogGroupName="/ecs/cfn-no-breaker",
                WebImage=f"{seeded.repository_uri}:2.1.0-crash",
            ),
        )
        seen, _ = watch_stack(cloudformation, "cfn-no-breaker")
    finally:
        request.data = json.dumps({"service_stabilization_timeout": 10800}).encode()
        urllib.request.urlopen(request).close()
    assert seen == ["CREATE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE"]
    reason = failed_reasons(cloudformation, "cfn-no-breaker")["ServiceWeb"]
    assert reason.endswith("did not stabilize.")


def test_run_task_runs_and_stays_running(ecs: Any, seeded: SeedResult) -> None:
    definition = register(ecs, seeded, "1.0.0", family="one-off")
    task_arn = ecs.run_task(
        cluster=CLUSTER,
        taskDefinition=definition,
        launchType="FARGATE",
        startedBy="migration",
        networkConfiguration={"awsvpcConfiguration": {"subnets": seeded.subnet_ids}},
    )["tasks"][0]["taskArn"]

    def status() -> str:
        return str(ecs.describe_tasks(cluster=CLUSTER, tasks=[task_arn])["tasks"][0]["lastStatus"])

    wait_until(lambda: status() == "RUNNING", "the task to run")
    assert status() == "RUNNING"
    assert task_arn in ecs.list_tasks(cluster=CLUSTER, startedBy="migration")["taskArns"]
    ecs.stop_task(cluster=CLUSTER, task=task_arn, reason="done")
    wait_until(lambda: status() == "STOPPED", "the task to stop")


def test_managed_tags_are_put_on_service_tasks(ecs: Any, seeded: SeedResult) -> None:
    ecs.create_service(
        cluster=CLUSTER,
        serviceName="tagged",
        taskDefinition=register(ecs, seeded, "1.0.0", family="tagged"),
        desiredCount=1,
        launchType="FARGATE",
        enableECSManagedTags=True,
        propagateTags="SERVICE",
        tags=[{"key": "team", "value": "web"}],
        networkConfiguration={"awsvpcConfiguration": {"subnets": seeded.subnet_ids}},
    )
    arns = wait_until(
        lambda: ecs.list_tasks(cluster=CLUSTER, serviceName="tagged")["taskArns"], "a task"
    )
    task = ecs.describe_tasks(cluster=CLUSTER, tasks=arns, include=["TAGS"])["tasks"][0]
    assert {"key": "team", "value": "web"} in task["tags"]
    assert {"key": "aws:ecs:serviceName", "value": "tagged"} in task["tags"]
