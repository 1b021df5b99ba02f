"""The records of ECS service deployments the sandbox keeps, and their API views."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from deployer.sandbox.ecs_model import SimDeployment, SimService, failure_threshold
from deployer.sandbox.moto_state import ACCOUNT_ID

SHIFTING = ("BLUE_GREEN", "LINEAR", "CANARY")
STAGES = (
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRE_PRODUCTION_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
    "BAKE_TIME",
    "CLEAN_UP",
)
# Realistic durations in seconds (divided by the speed factor at run time).
STAGE_SECONDS = {"RECONCILE_SERVICE": 3.0, "TEST_TRAFFIC_SHIFT": 3.0}
PASSING_STAGE_SECONDS = 1.0
TRAFFIC_STEP_SECONDS = 3.0
LAMBDA_HOOK_SECONDS = 5.0
DEFAULT_BAKE_MINUTES = 15
DEFAULT_HOOK_TIMEOUT_MINUTES = 60
FINISHED = ("SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")


@dataclass
class HookRun:
    """One lifecycle hook invoked at one stage of one service deployment."""

    hook_id: str
    target_type: str  # PAUSE | AWS_LAMBDA
    target_arn: str
    stage: str
    timeout_action: str
    timeout_minutes: int
    expires_at: datetime
    deadline: float  # monotonic
    answer_at: float  # monotonic: when a Lambda hook answers
    status: str = "IN_PROGRESS"


@dataclass
class ServiceDeploymentRun:
    """What ListServiceDeployments / DescribeServiceDeployments report for one deployment."""

    arn: str
    service_arn: str
    cluster_arn: str
    strategy: str
    configuration: dict[str, Any]
    target_revision: str
    target_deployment: str  # SimDeployment id (green)
    source_revision: str = ""
    source_deployment: str = ""  # SimDeployment id (blue); "" on a first deployment
    created_at: datetime | None = None
    started_at: datetime | None = None
    updated_at: datetime | None = None
    finished_at: datetime | None = None
    stopped_at: datetime | None = None
    status: str = "IN_PROGRESS"
    status_reason: str = ""
    stage: str = ""
    stage_until: float = 0.0
    stage_work_done: bool = False
    traffic_steps: list[float] = field(default_factory=list)
    production_weight: float = 0.0  # percent of production traffic on the target revision
    test_weight: float = 0.0
    hooks: list[HookRun] = field(default_factory=list)
    rollback: dict[str, Any] | None = None
    triggered_alarms: list[str] = field(default_factory=list)
    blue_target_group: str = ""
    green_target_group: str = ""

    @property
    def shifting(self) -> bool:
        return self.strategy in SHIFTING and bool(self.source_deployment)

    @property
    def active(self) -> bool:
        return self.status not in FINISHED


def new_arn(region: str, service: SimService, kind: str) -> str:
    cluster = service.cluster_arn.rsplit("/", 1)[-1]
    number = uuid.uuid4().int % 10**19
    return f"arn:aws:ecs:{region}:{ACCOUNT_ID}:{kind}/{cluster}/{service.name}/{number:019d}"


def traffic_steps(strategy: str, configuration: dict[str, Any]) -> list[tuple[float, float]]:
    """(percent on the new revision, realistic bake seconds after it) for production traffic."""
    if strategy == "LINEAR":
        linear = configuration.get("linearConfiguration") or {}
        step = float(linear.get("stepPercent") or 10)
        bake = float(linear.get("stepBakeTimeInMinutes") or 0) * 60
        steps, percent = [], 0.0
        while percent < 100:
            percent = min(100.0, percent + step)
            steps.append((percent, bake if percent < 100 else 0.0))
        return steps
    if strategy == "CANARY":
        canary = configuration.get("canaryConfiguration") or {}
        bake = float(canary.get("canaryBakeTimeInMinutes") or 0) * 60
        return [(float(canary.get("canaryPercent") or 10), bake), (100.0, 0.0)]
    return [(100.0, 0.0)]


def brief_view(run: ServiceDeploymentRun) -> dict[str, Any]:
    view = {
        "serviceDeploymentArn": run.arn,
        "serviceArn": run.service_arn,
        "clusterArn": run.cluster_arn,
        "createdAt": run.created_at,
        "startedAt": run.started_at,
        "finishedAt": run.finished_at,
        "targetServiceRevisionArn": run.target_revision,
        "status": run.status,
        "statusReason": run.status_reason or None,
    }
    return {key: value for key, value in view.items() if value is not None}


def full_view(sim: Any, service: SimService, run: ServiceDeploymentRun) -> dict[str, Any]:
    green = find_deployment(service, run.target_deployment)
    blue = find_deployment(service, run.source_deployment)
    target = _revision(sim, service, run.target_revision, green)
    target["requestedProductionTrafficWeight"] = run.production_weight
    target["requestedTestTrafficWeight"] = run.test_weight
    view: dict[str, Any] = brief_view(run)
    view.pop("targetServiceRevisionArn")
    view.update(
        {
            "updatedAt": run.updated_at,
            "targetServiceRevision": target,
            "deploymentConfiguration": run.configuration,
            "lifecycleHookDetails": [_hook_view(hook) for hook in run.hooks],
        }
    )
    if run.source_revision:
        source = _revision(sim, service, run.source_revision, blue)
        source["requestedProductionTrafficWeight"] = 100.0 - run.production_weight
        source["requestedTestTrafficWeight"] = 100.0 - run.test_weight
        view["sourceServiceRevisions"] = [source]
    if run.stage:
        view["lifecycleStage"] = run.stage
    if run.stopped_at:
        view["stoppedAt"] = run.stopped_at
    if run.rollback:
        view["rollback"] = run.rollback
    breaker, _ = service.circuit_breaker()
    view["deploymentCircuitBreaker"] = {
        "status": (
            ("TRIGGERED" if "circuit breaker" in run.status_reason else "MONITORING")
            if breaker
            else "DISABLED"
        ),
        "failureCount": green.failed_tasks if green else 0,
        "threshold": failure_threshold(green.desired_count if green else 0),
    }
    alarms = run.configuration.get("alarms") or {}
    if alarms.get("alarmNames"):
        status = "DISABLED" if not alarms.get("enable", True) else "MONITORING"
        if run.triggered_alarms:
            status = "TRIGGERED"
        elif not run.active:
            status = "MONITORING_COMPLETE"
        view["alarms"] = {
            "status": status,
            "alarmNames": list(alarms["alarmNames"]),
            "triggeredAlarmNames": list(run.triggered_alarms),
        }
    return view


def _revision(
    sim: Any, service: SimService, arn: str, deployment: SimDeployment | None
) -> dict[str, Any]:
    running, pending = sim.deployment_counts(service, deployment) if deployment else (0, 0)
    return {
        "arn": arn,
        "requestedTaskCount": deployment.desired_count if deployment else 0,
        "runningTaskCount": running,
        "pendingTaskCount": pending,
    }


def find_deployment(service: SimService, deployment_id: str) -> SimDeployment | None:
    if not deployment_id:
        return None
    return next((d for d in service.deployments if d.id == deployment_id), None)


def _hook_view(hook: HookRun) -> dict[str, Any]:
    view = {
        "hookId": hook.hook_id,
        "targetType": hook.target_type,
        "status": hook.status,
        "expiresAt": hook.expires_at,
        "timeoutAction": hook.timeout_action,
    }
    if hook.target_arn:
        view["targetArn"] = hook.target_arn
    return view


def rollout_reason(service: SimService, run: ServiceDeploymentRun) -> str:
    deployment = next((d for d in service.deployments if d.id == run.target_deployment), None)
    return deployment.rollout_state_reason if deployment else ""


def arn_tail(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def strategy_error(region: str, spec: dict[str, Any], current: SimService | None) -> str:
    """Why ECS refuses the load balancers of a shifting strategy ("" when it accepts them)."""
    from deployer.sandbox.elb_traffic import rule_exists

    configuration = dict(current.deployment_configuration if current else {})
    configuration.update(spec.get("deploymentConfiguration") or {})
    strategy = str(configuration.get("strategy") or "ROLLING").upper()
    if strategy not in SHIFTING:
        return ""
    balancers = spec.get("loadBalancers")
    if balancers is None:
        balancers = current.load_balancers if current else []
    for balancer in balancers:
        advanced = balancer.get("advancedConfiguration") or {}
        missing = [
            key
            for key in ("alternateTargetGroupArn", "productionListenerRule", "roleArn")
            if not advanced.get(key)
        ]
        if missing:
            return (
                f"The {strategy} deployment strategy requires advancedConfiguration."
                f"{', advancedConfiguration.'.join(missing)} for target group "
                f"{balancer.get('targetGroupArn', '')}."
            )
        for key in ("productionListenerRule", "testListenerRule"):
            rule = str(advanced.get(key) or "")
            if rule and not rule_exists(region, rule):
                return f"Listener rule {rule} not found."
    return ""
