"""ECS calls: checking a cluster, and following a service rollout to its end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from deployer.aws.errors import AwsError, aws_errors
from deployer.aws.polling import Poller
from deployer.aws.service_deployments import ServiceDeploymentWatch


@dataclass(frozen=True)
class ClusterCheck:
    """The outcome of looking a cluster up, worded for the person who pressed "Test connection"."""

    ok: bool
    message: str
    status: str = ""


def check_cluster(client: Any, cluster_name: str) -> ClusterCheck:
    try:
        with aws_errors("ecs:DescribeClusters"):
            response = client.describe_clusters(clusters=[cluster_name])
    except AwsError as exc:
        return ClusterCheck(ok=False, message=exc.message)
    clusters = [c for c in response.get("clusters", []) if c.get("clusterName") == cluster_name]
    status = clusters[0].get("status", "") if clusters else ""
    if status != "ACTIVE":
        return ClusterCheck(
            ok=False,
            message=f"Unable to find Cluster: {cluster_name}, or Cluster is Inactive",
            status=status,
        )
    cluster = clusters[0]
    return ClusterCheck(
        ok=True,
        status=status,
        message=(
            f"Cluster {cluster_name} is ACTIVE: {cluster.get('activeServicesCount', 0)} services, "
            f"{cluster.get('runningTasksCount', 0)} running tasks."
        ),
    )


class CrashLoop(Exception):
    """The new deployment's tasks keep stopping and none became healthy: stop waiting for it."""

    def __init__(self, task_definition: str, stopped: int, threshold: int, previous: str) -> None:
        super().__init__(
            f"{stopped} tasks of {task_definition.rsplit('/', 1)[-1]} stopped and none became "
            f"healthy (the crash-loop guard allows {threshold})."
        )
        self.task_definition = task_definition
        self.stopped = stopped
        self.threshold = threshold
        # The task definition the service ran before, to roll back to ("" on a first deploy).
        self.previous = previous


@dataclass
class RolloutResult:
    ok: bool
    message: str
    stopped_tasks: list[str] = field(default_factory=list)


@dataclass
class RolloutWatch:
    """Follows the ECS deployment one stack operation created until it completes or fails.

    Success means *our* deployment (found by task definition ARN) reached COMPLETED and its tasks
    run; FAILED, or another deployment being PRIMARY (a circuit-breaker rollback), is failure.
    """

    client: Any
    cluster: str
    service: str
    task_definition_arn: str
    log: Callable[[str, str], None]
    poller: Poller
    started_at: dt.datetime
    on_counts: Callable[[dict[str, int]], None] = lambda counts: None
    poll_seconds: float = 5.0
    seen_events: set[str] = field(default_factory=set)
    reported_tasks: set[str] = field(default_factory=set)
    # Every failed task reported (DescribeTasks shapes), for diagnosing the failure afterwards.
    failed_tasks: list[dict[str, Any]] = field(default_factory=list)
    # The crash-loop guard: desired count -> stopped tasks allowed; None leaves it off.
    crash_loop_threshold: Callable[[int], int] | None = None
    # ECS deployment id -> its failedTasks when the stopped tasks were last listed. Stopped tasks
    # are listed only when one of these rises: one DescribeServices answers everything else.
    failed_counts: dict[str, int] = field(default_factory=dict)
    # Tasks seen stopping but not STOPPED yet: listed again until their exit codes are known.
    stopping: set[str] = field(default_factory=set)
    # The last DescribeServices answer, for a caller that needs the service as last seen.
    last_service: dict[str, Any] | None = None
    # An answer already in hand (the look made while CloudFormation waited on the service):
    # the first tick uses it instead of asking again when it shows this rollout completed.
    answer: dict[str, Any] | None = None
    # Follows the service's ECS service deployment (stages, traffic, hooks, alarms), if given.
    service_deployment: ServiceDeploymentWatch | None = None
    _counts: dict[str, int] = field(default_factory=dict)
    # Set once a deployment has FAILED: the page keeps its counts rather than the rollback's.
    _failed_id: str = ""
    # Deployments already FAILED at the first look belong to an earlier deployment of ours.
    _failed_before: set[str] | None = None
    _listed_this_poll: bool = False

    def run(self) -> RolloutResult:
        phase = f"the rollout of service {self.service}"
        while True:
            result = self.tick()
            if result is not None:
                return result
            self.poller.wait(self.poll_seconds, phase, busy=self.ending_soon())

    def ending_soon(self) -> bool:
        """Whether the counts last seen say the rollout may end any moment (poll quickly)."""
        counts = self._counts
        if not counts:
            return True
        return counts["pending"] > 0 or (
            counts["desired"] > 0 and counts["running"] >= counts["desired"]
        )

    def tick(self) -> RolloutResult | None:
        """Look once: log what changed; the result when the rollout has ended, else None."""
        service = self._answer_in_hand() or self._look()
        deployments = service.get("deployments", [])
        if self._stopped_tasks_due(deployments):
            self._report_stopped_tasks()
        ours = next(
            (d for d in deployments if d.get("taskDefinition") == self.task_definition_arn), None
        )
        primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
        if ours is not None:
            self._update_counts(ours)
            self._guard(ours, deployments)
            state = ours.get("rolloutState", "")
            if state == "COMPLETED":
                result = self._check_running_tasks(ours)
                if not result.ok and int(ours.get("pendingCount", 0)) > 0:
                    # A new desired count on the same task definition: the deployment stays
                    # COMPLETED while ECS starts the extra tasks. Wait for them.
                    return None
                if not result.ok:
                    self._explain()
                return result
            if state == "FAILED":
                self._explain()
                return RolloutResult(
                    ok=False,
                    message=f"The ECS deployment failed: {ours.get('rolloutStateReason', '')}",
                    stopped_tasks=sorted(self.reported_tasks),
                )
        if primary is not None and primary.get("taskDefinition") != self.task_definition_arn:
            self._explain()
            return RolloutResult(
                ok=False,
                message=(
                    "The service rolled back to "
                    f"{primary.get('taskDefinition', 'an earlier task definition')}: "
                    "the new tasks did not become healthy."
                ),
                stopped_tasks=sorted(self.reported_tasks),
            )
        return None

    def watch_primary(self) -> None:
        """While CloudFormation updates the service: show the PRIMARY deployment's progress.

        The new task definition's ARN is not known until the stack says so, so this follows
        whichever deployment is PRIMARY and reports any task stopped since the deployment began.
        """
        service = self._look()
        deployments = service.get("deployments", [])
        if self._stopped_tasks_due(deployments):
            self._report_stopped_tasks(any_task_definition=True)
        primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
        shown = self._deployment_started_by_us(primary, deployments)
        if shown is not None:
            self._update_counts(shown)
        if primary is not None:
            self._guard(primary, deployments)

    def _deployment_started_by_us(
        self, primary: dict[str, Any] | None, deployments: list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        """The deployment whose counts the page shows: the PRIMARY, until one FAILED.

        A circuit breaker makes the previous deployment PRIMARY again; its healthy counts
        ("2 running, 0 failed") would hide the failure, so the failed deployment's stay.
        """
        failed_now = {
            str(d.get("id", "")) for d in deployments if d.get("rolloutState") == "FAILED"
        }
        if self._failed_before is None:
            self._failed_before = failed_now
        if not self._failed_id:
            failed = next(
                (
                    d
                    for d in deployments
                    if str(d.get("id", "")) in failed_now - self._failed_before
                ),
                None,
            )
            if failed is None:
                return primary
            self._failed_id = str(failed.get("id", ""))
        # Gone from the list once ECS drops it: the counts stay as last seen.
        return next((d for d in deployments if d.get("id") == self._failed_id), None)

    def primary_state(self) -> str:
        """The rollout state of the PRIMARY deployment as last seen ("" before any look);
        FAILED when any deployment failed (a circuit breaker may be rolling back already)."""
        deployments = (self.last_service or {}).get("deployments", [])
        if any(d.get("rolloutState") == "FAILED" for d in deployments):
            return "FAILED"
        primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
        return str((primary or {}).get("rolloutState", ""))

    def current_task_definition(self) -> str:
        """The task definition of the service's PRIMARY deployment: what it runs or moves to."""
        service = self._describe_service()
        primary = next(
            (d for d in service.get("deployments", []) if d.get("status") == "PRIMARY"), None
        )
        return str((primary or {}).get("taskDefinition") or service.get("taskDefinition", ""))

    def _guard(self, deployment: dict[str, Any], deployments: list[dict[str, Any]]) -> None:
        """Raise CrashLoop once the deployment's failed tasks reach the guard's threshold.

        ECS's `failedTasks` counts the deployment's tasks that stopped before they ran healthily
        and stops counting once one has: exactly "keep stopping, none became healthy".
        """
        if self.crash_loop_threshold is None or deployment.get("rolloutState") != "IN_PROGRESS":
            return
        failed = int(deployment.get("failedTasks", 0))
        threshold = self.crash_loop_threshold(int(deployment.get("desiredCount", 0)))
        if failed < threshold:
            return
        if not self._listed_this_poll:
            self._report_stopped_tasks(any_task_definition=True)
        new = deployment.get("taskDefinition")
        previous = next(
            (str(d["taskDefinition"]) for d in deployments if d.get("taskDefinition") != new), ""
        )
        raise CrashLoop(str(deployment.get("taskDefinition", "")), failed, threshold, previous)

    def _look(self) -> dict[str, Any]:
        """One poll's only DescribeServices: log new events and remember the answer."""
        self._listed_this_poll = False
        service = self._describe_service()
        self.last_service = service
        self._log_service_events(service)
        if self.service_deployment is not None:
            try:
                self.service_deployment.look(service)
            except AwsError as exc:
                # Progress is a courtesy: the deployment's own state decides the outcome.
                self.log("verbose", f"Could not read the service deployment: {exc.message}")
        return service

    def _answer_in_hand(self) -> dict[str, Any] | None:
        answer, self.answer = self.answer, None
        if answer is None:
            return None
        ours = next(
            (
                d
                for d in answer.get("deployments", [])
                if d.get("taskDefinition") == self.task_definition_arn
            ),
            None,
        )
        # Only a completed rollout is final; anything else may have moved on since.
        if ours is None or ours.get("rolloutState") != "COMPLETED" or self.stopping:
            return None
        if int(ours.get("runningCount", 0)) < int(ours.get("desiredCount", 0)):
            return None
        self._listed_this_poll = False
        self.last_service = answer
        return answer

    def _stopped_tasks_due(self, deployments: list[dict[str, Any]]) -> bool:
        """True when a deployment's failed count rose since the last listing, or tasks were
        still stopping then; records the counts."""
        rose = False
        for deployment in deployments:
            key = str(deployment.get("id") or deployment.get("taskDefinition", ""))
            failed = int(deployment.get("failedTasks", 0))
            if failed > self.failed_counts.get(key, 0):
                rose = True
            self.failed_counts[key] = max(failed, self.failed_counts.get(key, 0))
        return rose or bool(self.stopping)

    def _explain(self) -> None:
        """At a failed end: list the stopped tasks once, if this poll has not already."""
        if not self._listed_this_poll:
            self._report_stopped_tasks()

    def _describe_service(self) -> dict[str, Any]:
        with aws_errors("ecs:DescribeServices"):
            # Tags too: the last answer is what drift records, without asking again.
            response = self.client.describe_services(
                cluster=self.cluster, services=[self.service], include=["TAGS"]
            )
        services = response.get("services", [])
        if not services:
            raise AwsError(f"Service {self.service} was not found in cluster {self.cluster}.")
        return dict(services[0])

    def _update_counts(self, deployment: dict[str, Any]) -> None:
        counts = {
            "desired": int(deployment.get("desiredCount", 0)),
            "running": int(deployment.get("runningCount", 0)),
            "pending": int(deployment.get("pendingCount", 0)),
            "failed": int(deployment.get("failedTasks", 0)),
        }
        if counts != self._counts:
            self._counts = counts
            self.log(
                "info",
                "Tasks: {desired} desired, {running} running, {pending} pending, "
                "{failed} failed.".format(**counts),
            )
            self.on_counts(counts)

    def _log_service_events(self, service: dict[str, Any]) -> None:
        fresh = []
        for event in service.get("events", []):  # newest first
            created = event.get("createdAt")
            if event.get("id") in self.seen_events or (created and created < self.started_at):
                break
            fresh.append(event)
        for event in reversed(fresh):
            self.seen_events.add(event["id"])
            self.log("info", f"ECS: {event.get('message', '')}")

    def report_stopped_tasks(self, *, any_task_definition: bool = False) -> None:
        """Log each task of ours that stopped and was not reported yet.

        With `any_task_definition`, tasks stopped since the deployment began are reported
        whatever they ran: after a rollback the new task definition may be gone already.
        """
        self._report_stopped_tasks(any_task_definition=any_task_definition)

    def _report_stopped_tasks(self, *, any_task_definition: bool = False) -> None:
        self._listed_this_poll = True
        with aws_errors("ecs:ListTasks"):
            arns = self.client.list_tasks(
                cluster=self.cluster, serviceName=self.service, desiredStatus="STOPPED"
            ).get("taskArns", [])
        new = [arn for arn in arns if arn not in self.reported_tasks]
        self.stopping.clear()
        if not new:
            return
        with aws_errors("ecs:DescribeTasks"):
            tasks = self.client.describe_tasks(cluster=self.cluster, tasks=new[:100]).get(
                "tasks", []
            )
        for task in tasks:
            stopped_at = task.get("stoppedAt") or task.get("createdAt")
            ours = task.get("taskDefinitionArn") == self.task_definition_arn or (
                any_task_definition and stopped_at is not None and stopped_at >= self.started_at
            )
            if not ours:
                self.reported_tasks.add(task["taskArn"])
                continue
            if task.get("lastStatus") != "STOPPED":
                # Its exit codes are known once it has stopped: look again next poll.
                self.stopping.add(task["taskArn"])
                continue
            self.reported_tasks.add(task["taskArn"])
            # Old tasks drained by a rolling update stop too; only the others are failures.
            drained = str(task.get("stoppedReason", "")).startswith("Scaling activity initiated by")
            if not drained:
                self.failed_tasks.append(task)
            self.log("info" if drained else "error", describe_stopped_task(task))

    def _check_running_tasks(self, ours: dict[str, Any]) -> RolloutResult:
        # DescribeServices counts the deployment's own tasks (this task definition) that run.
        desired = int(ours.get("desiredCount", 0))
        running = int(ours.get("runningCount", 0))
        if running < desired:
            return RolloutResult(
                ok=False,
                message=f"The deployment completed but only {running} of {desired} tasks run.",
                stopped_tasks=sorted(self.reported_tasks),
            )
        return RolloutResult(
            ok=True,
            message=f"The ECS deployment completed: {running} of {desired} tasks running.",
        )


def scale_service(client: Any, cluster: str, service: str, desired_count: int) -> None:
    """Set a service's desired count (used to let a crash-looping creation settle)."""
    with aws_errors("ecs:UpdateService"):
        client.update_service(cluster=cluster, service=service, desiredCount=desired_count)


def roll_back_service(client: Any, cluster: str, service: str, task_definition: str) -> None:
    """Point a service back at the task definition it ran before."""
    with aws_errors("ecs:UpdateService"):
        client.update_service(cluster=cluster, service=service, taskDefinition=task_definition)


def describe_stopped_task(task: dict[str, Any]) -> str:
    """A stopped task as the log shows it: ARN, stop code, reason, each container's exit."""
    lines = [
        f"Task {task.get('taskArn', '')} stopped ({task.get('stopCode', 'unknown stop code')}): "
        f"{task.get('stoppedReason', '')}"
    ]
    for container in task.get("containers", []):
        exit_code = container.get("exitCode")
        reason = container.get("reason", "")
        lines.append(
            f"  container {container.get('name', '?')}: "
            f"exit code {exit_code if exit_code is not None else 'none'}"
            f"{f', {reason}' if reason else ''}"
        )
    return "\n".join(lines)


def service_of_stack(cloudformation: Any, stack_id: str) -> str | None:
    """The name of the ECS service a stack holds, if it still has one."""
    with aws_errors("cloudformation:DescribeStackResources"):
        resources = cloudformation.describe_stack_resources(StackName=stack_id)
    for resource in resources.get("StackResources", []):
        if resource.get("ResourceType") == "AWS::ECS::Service" and resource.get(
            "PhysicalResourceId"
        ):
            return str(resource["PhysicalResourceId"]).rsplit("/", 1)[-1]
    return None
