"""Why a rollout failed, in words: stopped tasks and rollout facts in; cause, action, hint out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# ECS stops old tasks with this reason while it replaces them: a drain, never a failure.
DRAINED_PREFIX = "Scaling activity initiated by"

HINT_MEMORY = (
    "The container ran out of memory: raise the task's memory (Task size) or the container's "
    "memory hard limit."
)
HINT_PULL = (
    "ECS could not pull the image: check that the image and tag exist in the registry, the "
    "registry credentials (Repository credentials, or the task execution role for ECR), and that "
    "the subnets can reach the registry (a public IP, a NAT gateway, or VPC endpoints for ECR "
    "and S3)."
)
HINT_INIT = (
    "The task could not be set up before its containers started: usually the task execution "
    "role cannot read a secret (Secrets Manager or SSM Parameter Store) or the log group; check "
    "the role's permissions and that the secrets and the log group exist."
)
HINT_HEALTH = (
    "The health check failed: check the health check command works inside the image, and that "
    "its start period (or the service's health check grace period, with a load balancer) covers "
    "how long the application takes to start."
)
HINT_EXIT = (
    "The application exited on its own: read the container's log for the error, and check its "
    "command, environment variables and secrets."
)


@dataclass(frozen=True)
class RolloutFacts:
    """What happened to the rollout, as far as the deployment saw it."""

    # "circuit breaker", "crash-loop guard" or "CloudFormation": who stopped the rollout.
    stopped_by: str = ""
    # The task definition (ARN or family:revision) the service was returned to, if any.
    rolled_back_to: str = ""
    # With the crash-loop guard: how many tasks had stopped when it gave up.
    stopped_count: int = 0
    # The guard left the service as it was (its rollback setting is off).
    left_running: bool = False
    # A first deployment's stack was removed: there was no earlier task definition to return to.
    stack_removed: bool = False


@dataclass(frozen=True)
class Diagnosis:
    cause: str  # "Essential container in task exited: container web exit code 1"
    action: str  # "the circuit breaker rolled the service back to task definition web:3"
    hint: str  # what usually fixes that cause; may be empty

    def summary(self, code: str, detail: str = "") -> str:
        """Root cause first, then what ECS did, then the code (and AWS's own words)."""
        parts = [_sentence(self.cause)] if self.cause else []
        if self.action:
            parts.append(_sentence(self.action[0].upper() + self.action[1:]))
        parts.append(f"{code}: {detail}" if detail else code)
        return " ".join(parts)


def short_task_definition(reference: str) -> str:
    """`arn:aws:ecs:...:task-definition/web:3` -> `web:3`."""
    return reference.rsplit("/", 1)[-1]


def is_failure(task: Mapping[str, Any]) -> bool:
    """A task that stopped on its own (or was stopped for failing), not one drained by a rollout."""
    return task.get("lastStatus", "STOPPED") == "STOPPED" and not str(
        task.get("stoppedReason", "")
    ).startswith(DRAINED_PREFIX)


def task_cause(task: Mapping[str, Any]) -> str:
    """One stopped task's cause: the stopped reason, then the essential container that ended it."""
    reason = str(task.get("stoppedReason", "")).strip() or str(task.get("stopCode", "")).strip()
    containers = list(task.get("containers", []))
    exited = [
        c
        for c in containers
        if c.get("exitCode") not in (None, 0) and c.get("essential", True) is not False
    ]
    if exited:
        container = exited[0]
        detail = f"container {container.get('name', '?')} exit code {container['exitCode']}"
        extra = str(container.get("reason", "")).strip()
        if extra and extra not in reason:
            detail += f" ({extra})"
        return f"{reason}: {detail}" if reason else detail
    with_reason = [c for c in containers if str(c.get("reason", "")).strip()]
    if with_reason:
        container = with_reason[0]
        extra = str(container["reason"]).strip()
        if extra == reason or not reason:
            return f"{extra} (container {container.get('name', '?')})"
        return f"{reason}: container {container.get('name', '?')}: {extra}"
    return reason or "A task stopped without a reason"


def hint_for(tasks: Iterable[Mapping[str, Any]]) -> str:
    """The advice for the most telling cause among the stopped tasks."""
    text = []
    exit_codes = set()
    for task in tasks:
        text.append(str(task.get("stoppedReason", "")))
        text.append(str(task.get("stopCode", "")))
        for container in task.get("containers", []):
            text.append(str(container.get("reason", "")))
            if container.get("exitCode") is not None:
                exit_codes.add(container["exitCode"])
    words = " ".join(text).lower()
    if "outofmemory" in words:
        return HINT_MEMORY
    if "cannotpullcontainer" in words:
        return HINT_PULL
    if "resourceinitializationerror" in words:
        return HINT_INIT
    # Before exit code 137: a task stopped for failing its health check is killed, and its
    # container then exits 137 too.
    if "health check" in words:
        return HINT_HEALTH
    if 137 in exit_codes:
        return HINT_MEMORY
    if exit_codes - {0}:
        return HINT_EXIT
    return ""


def diagnose(stopped_tasks: Iterable[Mapping[str, Any]], facts: RolloutFacts) -> Diagnosis:
    """The root cause among the stopped tasks, what was done about it, and a hint."""
    failures = [task for task in stopped_tasks if is_failure(task)]
    causes = Counter(task_cause(task) for task in failures)
    cause = ""
    if causes:
        cause, count = causes.most_common(1)[0]
        if count > 1:
            cause += f" ({count} tasks)"
    return Diagnosis(cause=cause, action=_action(facts), hint=hint_for(failures))


def _action(facts: RolloutFacts) -> str:
    target = short_task_definition(facts.rolled_back_to) if facts.rolled_back_to else ""
    if facts.stopped_by == "crash-loop guard":
        what = (
            f"the crash-loop guard stopped the deployment after {facts.stopped_count} tasks stopped"
        )
        if target:
            return f"{what} and rolled the service back to task definition {target}"
        if facts.stack_removed:
            return f"{what} and removed the stack it was creating (nothing to roll back to)"
        if facts.left_running:
            return f"{what}; the service was left as it was (rollback is off)"
        return what
    if facts.stopped_by == "circuit breaker":
        if target:
            return f"the circuit breaker rolled the service back to task definition {target}"
        return "the circuit breaker stopped the deployment"
    if facts.stopped_by and target:
        return f"{facts.stopped_by} rolled the service back to task definition {target}"
    if target:
        return f"the service was rolled back to task definition {target}"
    return ""


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."
