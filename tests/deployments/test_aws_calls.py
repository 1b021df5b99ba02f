"""What a deployment asks AWS: cfn-lint overlaps the first read, and each poll asks once."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

import pytest

from deployer.aws.session import ClientFactory
from deployer.deployments.engine import DeploymentRun
from deployer.deployments.models import Deployment
from deployer.releases.models import Release
from deployer.sandbox.calls import CallLog
from steps.template import preflight
from targets.models import AwsAccount
from tests.deployments.conftest import log_text

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

READS = ("Describe", "List", "Get", "BatchGet")


def polls(aws_calls: CallLog) -> list[list[str]]:
    """The calls made between one poll's sleep and the next, in order.

    What comes before a deployment's first sleep (reading the stack, starting the operation,
    the first poll) is left out: it is not a poll.
    """
    segments: list[list[str]] = []
    current: list[str] | None = None
    for call in aws_calls.calls:
        if call.service == "mark":
            current = [] if call.action == "poll" else None
            if current is not None:
                segments.append(current)
        elif current is not None:
            current.append(call.action)
    return segments


@pytest.fixture
def poll_marks(aws_calls: CallLog, monkeypatch: pytest.MonkeyPatch) -> CallLog:
    """Marks in the call log where each of the deployment's polls waited."""
    sleep = DeploymentRun._sleep

    def marked(run: DeploymentRun, seconds: float) -> None:
        aws_calls.mark("poll")
        sleep(run, seconds)

    monkeypatch.setattr(DeploymentRun, "_sleep", marked)
    record = DeploymentRun._record_deployed_state

    def ended(run: DeploymentRun, *args: object) -> None:
        # What a step reads once its rollout is over (for drift checks) is not a poll.
        aws_calls.mark("end")
        record(run, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(DeploymentRun, "_record_deployed_state", ended)
    return aws_calls


def test_cfn_lint_runs_while_the_stack_is_read_and_its_errors_write_nothing(
    release_with: Callable[..., Release],
    deploy: Callable[..., Deployment],
    aws_calls: CallLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read_during_lint: list[bool] = []

    def lint_seeing_the_read(template_yaml: str) -> list[preflight.Finding]:
        # cfn-lint's verdict is replaced (no real template fails it once validated); the
        # run itself is what is tested: it must be under way while the stack is read.
        deadline = time.monotonic() + 20
        while "DescribeStacks" not in aws_calls.actions() and time.monotonic() < deadline:
            time.sleep(0.01)
        read_during_lint.append("DescribeStacks" in aws_calls.actions())
        return [
            preflight.Finding(
                source="cfn-lint",
                level="error",
                path="Resources/Serviceweb/Properties/DesiredCount",
                message="Simulated finding",
                rule="E3012",
            )
        ]

    monkeypatch.setattr(preflight, "_run_cfn_lint", lint_seeing_the_read)
    monkeypatch.setattr(preflight, "_lint_cache", OrderedDict())
    deployment = deploy(release_with("1.0.0"))
    log = log_text(deployment)
    assert deployment.status == "failed", log
    assert deployment.failure_code == "ECS-Deploy-ValidationError"
    assert "Resources/Serviceweb/Properties/DesiredCount: Simulated finding [E3012]" in log
    assert read_during_lint == [True]
    assert "DescribeStacks" in aws_calls.actions()
    writes = [action for action in aws_calls.actions() if not action.startswith(READS)]
    assert writes == [], writes
    assert "Creating stack" not in log


def test_each_poll_asks_each_thing_once_and_lists_no_tasks_when_none_fail(
    release_with: Callable[..., Release],
    deploy: Callable[..., Deployment],
    poll_marks: CallLog,
) -> None:
    created = deploy(release_with("1.0.0"))
    poll_marks.mark("deployment")
    updated = deploy(release_with("1.1.0"))
    assert created.status == updated.status == "success", log_text(updated)
    segments = polls(poll_marks)
    assert len(segments) > 4
    for segment in segments:
        assert len(segment) == len(set(segment)), segment  # nothing asked twice in a poll
        assert len(segment) <= 3, segment
    actions = poll_marks.actions()
    # Rollout counts, events and the end come from DescribeServices; no task had to be listed.
    for action in ("ListTasks", "DescribeTasks", "DescribeStackResources"):
        assert action not in actions
    assert "The ECS deployment completed: 2 of 2 tasks running." in log_text(updated)
    # Fewer calls, yet every service event of the update is in its log.
    outputs = updated.outputs["Deploy web"]
    ecs = ClientFactory(AwsAccount.objects.get()).client("ecs", "us-east-1")
    service = ecs.describe_services(
        cluster=outputs["ClusterName"], services=[outputs["ServiceName"]]
    )["services"][0]
    log = log_text(updated)
    assert updated.started is not None
    events = [e for e in service["events"] if e["createdAt"] >= updated.started]
    assert events
    for event in events:
        assert f"ECS: {event['message']}" in log


def test_stopped_tasks_are_listed_when_the_failed_count_rises_and_every_reason_is_told(
    release_with: Callable[..., Release],
    deploy: Callable[..., Deployment],
    poll_marks: CallLog,
) -> None:
    good = deploy(release_with("1.0.0"))
    assert good.status == "success", log_text(good)
    poll_marks.mark("deployment")
    crashed = deploy(release_with("2.1.0-crash"))
    log = log_text(crashed)
    assert crashed.status == "failed", log
    rises = len(
        {line for line in log.splitlines() if line.startswith("Tasks:") and "0 failed" not in line}
    )
    segments = polls(poll_marks)
    listed = poll_marks.actions().count("ListTasks")
    assert rises >= 1
    # Once per rise, once more for tasks still stopping then, and once to explain the end.
    assert 1 <= listed <= 2 * rises + 2, (listed, rises)
    assert listed < len(segments) // 2
    assert all(segment.count("DescribeServices") <= 1 for segment in segments[:-1])
    stopped = [line for line in log.splitlines() if " stopped (EssentialContainerExited)" in line]
    assert stopped, log
    assert crashed.failure_reason.startswith(
        "Essential container in task exited: container web exit code 1"
    )
