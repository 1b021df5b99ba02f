"""Diagnosing a failed rollout from its stopped tasks: the cause, what ECS did, and a hint."""

from __future__ import annotations

from typing import Any

from deployer.aws.diagnosis import (
    HINT_EXIT,
    HINT_HEALTH,
    HINT_INIT,
    HINT_MEMORY,
    HINT_PULL,
    RolloutFacts,
    diagnose,
)

PREVIOUS = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3"


def task(stopped: str, stop_code: str = "EssentialContainerExited", **container: Any) -> dict:
    """A stopped task as DescribeTasks returns it, with one container named web."""
    return {
        "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/development/abc",
        "lastStatus": "STOPPED",
        "stopCode": stop_code,
        "stoppedReason": stopped,
        "containers": [{"name": "web", **container}],
    }


CRASH = task("Essential container in task exited", exitCode=1)
DRAINED = task(
    "Scaling activity initiated by (deployment ecs-svc/123)",
    stop_code="ServiceSchedulerInitiated",
    exitCode=0,
)


def test_a_crash_rolled_back_by_the_circuit_breaker() -> None:
    diagnosis = diagnose(
        [DRAINED, CRASH, CRASH, CRASH],
        RolloutFacts(stopped_by="circuit breaker", rolled_back_to=PREVIOUS),
    )
    assert (
        diagnosis.cause == "Essential container in task exited: container web exit code 1 (3 tasks)"
    )
    assert (
        diagnosis.action == "the circuit breaker rolled the service back to task definition web:3"
    )
    assert diagnosis.hint == HINT_EXIT
    assert diagnosis.summary(
        "ECS-Deployment-DeployFailed",
        "Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'.",
    ) == (
        "Essential container in task exited: container web exit code 1 (3 tasks). "
        "The circuit breaker rolled the service back to task definition web:3. "
        "ECS-Deployment-DeployFailed: Error occurred during operation 'ECS Deployment Circuit "
        "Breaker was triggered'."
    )


def test_running_out_of_memory_asks_for_more_memory() -> None:
    oom = task(
        "OutOfMemoryError: Container killed due to memory usage",
        exitCode=137,
        reason="OutOfMemoryError: Container killed due to memory usage",
    )
    diagnosis = diagnose([oom], RolloutFacts())
    assert diagnosis.cause == (
        "OutOfMemoryError: Container killed due to memory usage: container web exit code 137"
    )
    assert diagnosis.hint == HINT_MEMORY
    assert "raise the task's memory" in diagnosis.hint
    assert (
        diagnose([task("Essential container in task exited", exitCode=137)], RolloutFacts()).hint
        == HINT_MEMORY
    )


def test_an_image_that_cannot_be_pulled_names_the_tag_credentials_and_the_route() -> None:
    message = (
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to "
        "resolve ref docker.io/library/web:9.9.9: not found"
    )
    pull = task(message, stop_code="TaskFailedToStart", reason=message)
    diagnosis = diagnose([pull], RolloutFacts())
    assert diagnosis.cause == f"{message} (container web)"
    assert diagnosis.hint == HINT_PULL
    for words in ("tag", "credentials", "NAT gateway", "VPC endpoints"):
        assert words in diagnosis.hint


def test_a_secret_the_execution_role_cannot_read() -> None:
    reason = (
        "ResourceInitializationError: unable to pull secrets or registry auth: execution "
        "resource retrieval failed: unable to retrieve secret from asm: AccessDeniedException"
    )
    diagnosis = diagnose([task(reason, stop_code="TaskFailedToStart")], RolloutFacts())
    assert diagnosis.cause == reason
    assert diagnosis.hint == HINT_INIT
    assert "execution role" in diagnosis.hint and "log group" in diagnosis.hint


def test_failed_health_checks_point_at_the_command_and_its_grace_period() -> None:
    unhealthy = task(
        "Task failed container health checks", stop_code="TaskFailedToStart", exitCode=137
    )
    diagnosis = diagnose([unhealthy], RolloutFacts())
    assert diagnosis.hint == HINT_HEALTH
    assert "command" in diagnosis.hint and "grace period" in diagnosis.hint


def test_the_crash_loop_guard_says_what_it_did() -> None:
    rolled_back = diagnose(
        [CRASH],
        RolloutFacts(stopped_by="crash-loop guard", stopped_count=6, rolled_back_to=PREVIOUS),
    )
    assert rolled_back.action == (
        "the crash-loop guard stopped the deployment after 6 tasks stopped and rolled the "
        "service back to task definition web:3"
    )
    left = diagnose(
        [CRASH], RolloutFacts(stopped_by="crash-loop guard", stopped_count=6, left_running=True)
    )
    assert left.action.endswith("the service was left as it was (rollback is off)")


def test_drained_tasks_are_no_cause() -> None:
    diagnosis = diagnose([DRAINED], RolloutFacts())
    assert (diagnosis.cause, diagnosis.action, diagnosis.hint) == ("", "", "")
    assert diagnosis.summary("ECS-Deployment-RolloutFailed", "it failed") == (
        "ECS-Deployment-RolloutFailed: it failed"
    )
