"""ECS service deployments: following stages, traffic, hooks and alarms; continue, roll back."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from deployer.aws.errors import AwsError, aws_errors

SHIFTING = ("BLUE_GREEN", "LINEAR", "CANARY")
ACTIVE = ("PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS")
ROLLED_BACK = ("ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")
DEFAULT_BAKE_MINUTES = 15


def describe_service_deployment(client: Any, arn: str) -> dict[str, Any]:
    with aws_errors("ecs:DescribeServiceDeployments"):
        found = client.describe_service_deployments(serviceDeploymentArns=[arn])
    deployments = found.get("serviceDeployments", [])
    if not deployments:
        raise AwsError(f"Service deployment {arn} was not found.")
    return dict(deployments[0])


def continue_service_deployment(client: Any, arn: str, hook_id: str, action: str) -> None:
    """Answer a pause hook that is AWAITING_ACTION: CONTINUE or ROLLBACK."""
    with aws_errors("ecs:ContinueServiceDeployment"):
        client.continue_service_deployment(serviceDeploymentArn=arn, hookId=hook_id, action=action)


def stop_service_deployment(client: Any, arn: str) -> None:
    """Roll a running service deployment back to the revision it replaces."""
    with aws_errors("ecs:StopServiceDeployment"):
        client.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")


def running_service_deployment(client: Any, cluster: str, service: str, since: dt.datetime) -> str:
    """The ARN of the service's newest service deployment in progress created after `since`
    (a second's leeway), or ""."""
    with aws_errors("ecs:ListServiceDeployments"):
        listed = client.list_service_deployments(
            cluster=cluster, service=service, status=["PENDING", "IN_PROGRESS"]
        ).get("serviceDeployments", [])
    after = since - dt.timedelta(seconds=1)
    recent = [d for d in listed if d.get("createdAt") is None or d["createdAt"] >= after]
    newest: dict[str, Any] = max(recent, key=lambda d: d.get("createdAt") or since, default={})
    return str(newest.get("serviceDeploymentArn") or "")


def _percent(value: Any) -> str:
    return f"{float(value or 0):g}%"


def _hook_name(hook: dict[str, Any]) -> str:
    if hook.get("targetType") == "PAUSE":
        return "pause"
    return f"Lambda hook {str(hook.get('targetArn', '')).rsplit(':', 1)[-1]}"


@dataclass
class ServiceDeploymentWatch:
    """Follows the service's current service deployment: logs what changed, keeps a summary.

    `state()` is what the deployment page shows: status, stage, traffic split, bake time left,
    hooks and alarms that fired; `awaiting` is the hook id of a pause waiting for a decision.
    """

    client: Any
    log: Callable[[str, str], None]
    on_change: Callable[[dict[str, Any]], None] = lambda state: None
    clock: Callable[[], float] = time.monotonic
    # Service deployments created before this are an earlier deployment's: not followed.
    since: dt.datetime | None = None
    arn: str = ""
    last: dict[str, Any] = field(default_factory=dict)
    _told: dict[str, Any] = field(default_factory=dict)
    _bake_seen_at: float | None = None
    _earlier: set[str] = field(default_factory=set)

    def look(self, service: dict[str, Any]) -> None:
        """Given a DescribeServices answer: describe its current service deployment, if any."""
        arn = str(service.get("currentServiceDeployment") or "")
        strategy = (service.get("deploymentConfiguration") or {}).get("strategy")
        # A rolling deployment's progress is its task counts: no extra call for it.
        if not arn or arn in self._earlier or (strategy not in SHIFTING and arn != self.arn):
            return
        if arn == self.arn and self.last and self.last.get("status") not in ACTIVE:
            return  # ended: nothing changes any more
        described = describe_service_deployment(self.client, arn)
        created = described.get("createdAt")
        if arn != self.arn:
            if self.since is not None and created is not None and created < self.since:
                self._earlier.add(arn)
                return
            self.arn, self._told, self._bake_seen_at = arn, {}, None
        self.last = described
        self._tell(self.last)

    def refresh(self) -> None:
        """Look at the followed service deployment again (after the stack operation ended)."""
        if self.arn:
            self.last = describe_service_deployment(self.client, self.arn)
            self._tell(self.last)

    @property
    def strategy(self) -> str:
        configuration = self.last.get("deploymentConfiguration") or {}
        return str(configuration.get("strategy") or "ROLLING")

    @property
    def shifting(self) -> bool:
        # A service's first deployment has nothing to shift from: it only scales up.
        return self.strategy in SHIFTING and bool(self.last.get("sourceServiceRevisions"))

    @property
    def rolled_back(self) -> bool:
        return self.last.get("status") in ROLLED_BACK

    @property
    def reason(self) -> str:
        return str(
            self.last.get("statusReason") or (self.last.get("rollback") or {}).get("reason") or ""
        )

    def awaiting(self) -> dict[str, Any] | None:
        return next(
            (
                hook
                for hook in self.last.get("lifecycleHookDetails") or []
                if hook.get("status") == "AWAITING_ACTION"
            ),
            None,
        )

    def state(self) -> dict[str, Any]:
        last = self.last
        if not last:
            return {}
        target = last.get("targetServiceRevision") or {}
        alarms = last.get("alarms") or {}
        waiting = self.awaiting()
        return {
            "arn": self.arn,
            "strategy": self.strategy,
            "status": last.get("status", ""),
            "active": last.get("status") in ACTIVE,
            "stage": last.get("lifecycleStage", ""),
            "production": float(target.get("requestedProductionTrafficWeight") or 0),
            "test": float(target.get("requestedTestTrafficWeight") or 0),
            "bake_seconds_left": self._bake_left(),
            "hooks": [
                {
                    "id": hook.get("hookId", ""),
                    "name": _hook_name(hook),
                    "status": hook.get("status", ""),
                }
                for hook in last.get("lifecycleHookDetails") or []
            ],
            "awaiting": (waiting or {}).get("hookId", ""),
            "alarms_fired": list(alarms.get("triggeredAlarmNames") or []),
            "reason": self.reason,
        }

    def _bake_left(self) -> int | None:
        if self.last.get("lifecycleStage") != "BAKE_TIME" or self.last.get("status") not in ACTIVE:
            return None
        if self._bake_seen_at is None:
            self._bake_seen_at = self.clock()
        minutes = (self.last.get("deploymentConfiguration") or {}).get("bakeTimeInMinutes")
        total = float(DEFAULT_BAKE_MINUTES if minutes is None else minutes) * 60
        return max(0, round(total - (self.clock() - self._bake_seen_at)))

    def _tell(self, last: dict[str, Any]) -> None:
        """Log each change once: stage, traffic, hooks, alarms, the end."""
        changed = False
        name = self.arn.rsplit("/", 1)[-1]
        stage = last.get("lifecycleStage")
        if self.shifting and stage and stage != self._told.get("stage"):
            self._told["stage"] = stage
            self.log("info", f"ECS service deployment {name}: stage {stage}.")
            changed = True
        target = last.get("targetServiceRevision") or {}
        traffic = (
            target.get("requestedProductionTrafficWeight"),
            target.get("requestedTestTrafficWeight"),
        )
        if self.shifting and traffic != self._told.get("traffic"):
            self._told["traffic"] = traffic
            production = float(traffic[0] or 0)
            self.log(
                "info",
                f"Traffic: production {_percent(production)} new / "
                f"{_percent(100 - production)} old; test {_percent(traffic[1])} new.",
            )
            changed = True
        for hook in last.get("lifecycleHookDetails") or []:
            key = f"hook:{hook.get('hookId')}"
            status = hook.get("status")
            if status == self._told.get(key):
                continue
            self._told[key] = status
            changed = True
            text = f"Lifecycle {_hook_name(hook)} at {stage}: {status}"
            if status == "AWAITING_ACTION":
                self.log(
                    "warning",
                    f"{text}. Awaiting approval at {stage}: press Approve or Roll back on the "
                    "deployment page (or run continue_deployment).",
                )
            else:
                self.log("error" if status in ("FAILED", "TIMED_OUT") else "info", f"{text}.")
        fired = list((last.get("alarms") or {}).get("triggeredAlarmNames") or [])
        for alarm in fired:
            if f"alarm:{alarm}" not in self._told:
                self._told[f"alarm:{alarm}"] = True
                self.log("error", f"CloudWatch alarm {alarm} fired during {stage}.")
                changed = True
        status = last.get("status")
        if status != self._told.get("status"):
            self._told["status"] = status
            changed = True
            if status in ROLLED_BACK or status == "ROLLBACK_IN_PROGRESS":
                self.log("error", f"ECS service deployment {name} {status}: {self.reason}")
            elif status == "SUCCESSFUL" and self.shifting:
                self.log("info", f"ECS service deployment {name} SUCCESSFUL.")
            elif status == "STOPPED":
                self.log("warning", f"ECS service deployment {name} STOPPED: {self.reason}")
        if changed or self.last.get("lifecycleStage") == "BAKE_TIME":
            self.on_change(self.state())
