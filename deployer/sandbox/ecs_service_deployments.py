"""ECS service deployments: blue/green, linear and canary stages, traffic, hooks and alarms."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from deployer.sandbox.ecs_model import EcsError, SimDeployment, SimService, failure_threshold
from deployer.sandbox.moto_state import ACCOUNT_ID

if TYPE_CHECKING:
    from deployer.sandbox.ecs_sim import EcsSimulator

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


class ServiceDeploymentTracker:
    """Creates a service deployment per ECS deployment and drives the shifting strategies."""

    def __init__(self, simulator: EcsSimulator) -> None:
        self.sim = simulator
        # Lambda hook answers set by tests: function ARN (or "*") -> SUCCEEDED | FAILED.
        self.hook_answers: dict[str, str] = {}

    def reset(self) -> None:
        self.hook_answers.clear()

    # ---- creation ------------------------------------------------------------------------

    def start(
        self, service: SimService, deployment: SimDeployment, previous: SimDeployment | None
    ) -> ServiceDeploymentRun:
        """Record the service deployment of a new ECS deployment (every strategy has one)."""
        configuration = dict(service.deployment_configuration)
        strategy = str(configuration.get("strategy") or "ROLLING").upper()
        now = self.sim.clock.now()
        run = ServiceDeploymentRun(
            arn=new_arn(service.region, service, "service-deployment"),
            service_arn=service.arn,
            cluster_arn=service.cluster_arn,
            strategy=strategy,
            configuration=configuration,
            target_revision=new_arn(service.region, service, "service-revision"),
            target_deployment=deployment.id,
            created_at=now,
            started_at=now,
            updated_at=now,
        )
        failed = {d.id for d in service.deployments if d.rollout_state == "FAILED"}
        for earlier in service.service_deployments:
            if earlier.active and not earlier.shifting and earlier.target_deployment in failed:
                # A rolling deployment being rolled back: this new one is its rollback.
                self._finish(earlier, "ROLLBACK_SUCCESSFUL", _rollout_reason(service, earlier))
            elif earlier.active:
                self._finish(earlier, "STOPPED", "Superseded by a newer service deployment.")
        completed = previous if previous and previous.rollout_state == "COMPLETED" else None
        if completed is not None:
            run.source_deployment = completed.id
            source = next(
                (r for r in service.service_deployments if r.target_deployment == completed.id),
                None,
            )
            run.source_revision = source.target_revision if source else ""
        if run.shifting:
            run.traffic_steps = []
            run.blue_target_group, run.green_target_group = self._target_groups(service)
            self._enter(run, service, "RECONCILE_SERVICE")
        deployment.service_deployment_arn = run.arn
        service.service_deployments.insert(0, run)
        del service.service_deployments[20:]
        return run

    def _target_groups(self, service: SimService) -> tuple[str, str]:
        """(serving, idle): the target group production traffic goes to now, and the other."""
        from deployer.sandbox.elb_traffic import serving_target_group

        for balancer in service.load_balancers:
            advanced = balancer.get("advancedConfiguration") or {}
            main = str(balancer.get("targetGroupArn") or "")
            alternate = str(advanced.get("alternateTargetGroupArn") or "")
            if not alternate:
                continue
            rule = str(advanced.get("productionListenerRule") or "")
            serving = serving_target_group(service.region, rule, (main, alternate)) or main
            return serving, alternate if serving == main else main
        return "", ""

    # ---- the scheduler's tick ------------------------------------------------------------

    def owns(self, service: SimService) -> ServiceDeploymentRun | None:
        """The shifting service deployment in charge of this service now, if any."""
        for run in service.service_deployments:
            if run.active and run.shifting:
                return run
        return None

    def advance(self, service: SimService, run: ServiceDeploymentRun, moment: float) -> None:
        green = self._deployment(service, run.target_deployment)
        if green is None:
            self._finish(run, "STOPPED", "The service deployment's revision is gone.")
            return
        if run.status == "ROLLBACK_IN_PROGRESS":
            self._continue_rollback(service, run, green)
            return
        if self._rollback_cause(service, run, green):
            return
        if STAGES.index(run.stage) >= STAGES.index("SCALE_UP"):
            self._keep_scaled_up(service, green)
        if not run.stage_work_done:
            run.stage_work_done = self._stage_work(service, run, green, moment)
            if not run.stage_work_done:
                return
            self._start_hooks(service, run, moment)
        if not self._hooks_passed(service, run, moment):
            return
        if run.stage == "CLEAN_UP":
            self._complete(service, run, green)
            return
        self._enter(run, service, STAGES[STAGES.index(run.stage) + 1])

    def _enter(self, run: ServiceDeploymentRun, service: SimService, stage: str) -> None:
        from deployer.sandbox.ecs_model import monotonic

        run.stage = stage
        run.stage_work_done = False
        run.hooks = []
        run.updated_at = self.sim.clock.now()
        seconds = STAGE_SECONDS.get(stage, PASSING_STAGE_SECONDS)
        if stage == "BAKE_TIME":
            bake = run.configuration.get("bakeTimeInMinutes")
            seconds = float(DEFAULT_BAKE_MINUTES if bake is None else bake) * 60
        if stage == "PRODUCTION_TRAFFIC_SHIFT":
            run.traffic_steps = [
                value for step in traffic_steps(run.strategy, run.configuration) for value in step
            ]
            seconds = 0.0
        run.stage_until = monotonic() + self.sim.clock.scaled(seconds)

    def _stage_work(
        self, service: SimService, run: ServiceDeploymentRun, green: SimDeployment, moment: float
    ) -> bool:
        """Do (or go on with) the stage's own work; True once it is done."""
        from deployer.sandbox.elb_traffic import shift

        if run.stage == "SCALE_UP":
            tasks = [t for t in self.sim.service_tasks(service, green.id) if t.active]
            settled = sum(1 for task in tasks if self.sim._settled(task, moment))
            return settled >= green.desired_count
        if run.stage == "TEST_TRAFFIC_SHIFT" and run.test_weight < 100:
            run.test_weight = 100.0
            shift(service, run, "testListenerRule", 100.0)
        if run.stage == "PRODUCTION_TRAFFIC_SHIFT" and moment >= run.stage_until:
            if not run.traffic_steps:
                return True
            percent, bake = run.traffic_steps.pop(0), run.traffic_steps.pop(0)
            run.production_weight = percent
            shift(service, run, "productionListenerRule", percent)
            self.sim.add_event(
                service,
                f"(service {service.name}) shifted {percent:g}% of production traffic to "
                f"{_short(run.target_revision)}.",
            )
            run.stage_until = moment + self.sim.clock.scaled(TRAFFIC_STEP_SECONDS + bake)
            run.updated_at = self.sim.clock.now()
            return False
        if run.stage == "CLEAN_UP":
            blue = self._deployment(service, run.source_deployment)
            if blue is not None:
                blue.desired_count = 0
                alive = [t for t in self.sim.service_tasks(service, blue.id) if t.active]
                self.sim._stop_tasks(
                    service, alive, f"Scaling activity initiated by (deployment {green.id})"
                )
                if any(
                    t.last_status != "STOPPED" for t in self.sim.service_tasks(service, blue.id)
                ):
                    return False
        return moment >= run.stage_until

    def _keep_scaled_up(self, service: SimService, green: SimDeployment) -> None:
        # Blue/green runs the whole new revision beside the old one: maximumPercent does not apply.
        active = [t for t in self.sim.service_tasks(service, green.id) if t.active]
        if len(active) < green.desired_count:
            self.sim._start_tasks(service, green, green.desired_count - len(active))

    # ---- hooks ---------------------------------------------------------------------------

    def _start_hooks(self, service: SimService, run: ServiceDeploymentRun, moment: float) -> None:
        now = self.sim.clock.now()
        for hook in run.configuration.get("lifecycleHooks") or []:
            if run.stage not in (hook.get("lifecycleStages") or []):
                continue
            timeout = hook.get("timeoutConfiguration") or {}
            minutes = int(timeout.get("timeoutInMinutes") or DEFAULT_HOOK_TIMEOUT_MINUTES)
            pause = str(hook.get("targetType", "")).upper() == "PAUSE"
            run.hooks.append(
                HookRun(
                    hook_id=uuid.uuid4().hex,
                    target_type="PAUSE" if pause else "AWS_LAMBDA",
                    target_arn="" if pause else str(hook.get("hookTargetArn") or ""),
                    stage=run.stage,
                    timeout_action=str(timeout.get("action") or "ROLLBACK"),
                    timeout_minutes=minutes,
                    expires_at=now + timedelta(seconds=minutes * 60 / self.sim.clock.speed),
                    deadline=moment + self.sim.clock.scaled(minutes * 60),
                    answer_at=moment + self.sim.clock.scaled(LAMBDA_HOOK_SECONDS),
                    status="AWAITING_ACTION" if pause else "IN_PROGRESS",
                )
            )
            what = "pause" if pause else f"Lambda hook {hook.get('hookTargetArn')}"
            self.sim.add_event(service, f"(service {service.name}) {what} at {run.stage} started.")

    def _hooks_passed(self, service: SimService, run: ServiceDeploymentRun, moment: float) -> bool:
        for hook in run.hooks:
            if hook.status == "IN_PROGRESS" and moment >= hook.answer_at:
                answer = self.hook_answers.get(hook.target_arn) or self.hook_answers.get("*")
                hook.status = answer if answer in ("SUCCEEDED", "FAILED") else "SUCCEEDED"
                if hook.status == "FAILED":
                    self.roll_back(
                        service,
                        run,
                        f"Lifecycle hook {hook.target_arn} at {hook.stage} returned FAILED.",
                    )
                    return False
            if hook.status == "AWAITING_ACTION" and moment >= hook.deadline:
                hook.status = "TIMED_OUT"
                if hook.timeout_action == "ROLLBACK":
                    self.roll_back(
                        service,
                        run,
                        f"The pause at {hook.stage} timed out after {hook.timeout_minutes} "
                        "minutes; its timeout action is ROLLBACK.",
                    )
                    return False
        return all(hook.status in ("SUCCEEDED", "TIMED_OUT") for hook in run.hooks)

    def continue_deployment(self, arn: str, hook_id: str, action: str) -> str:
        """ContinueServiceDeployment: CONTINUE or ROLLBACK a hook that is AWAITING_ACTION."""
        service, run = self.find(arn)
        hook = next((h for h in run.hooks if h.hook_id == hook_id), None)
        if hook is None or hook.status != "AWAITING_ACTION":
            raise EcsError(
                "InvalidParameterException",
                f"The lifecycle hook {hook_id} of service deployment {arn} is not awaiting action.",
            )
        if action == "ROLLBACK":
            hook.status = "FAILED"
            self.roll_back(
                service, run, f"Rolled back by ContinueServiceDeployment at {hook.stage}."
            )
        else:
            hook.status = "SUCCEEDED"
            self.sim.add_event(
                service, f"(service {service.name}) pause at {hook.stage} continued."
            )
        return run.arn

    def stop_deployment(self, arn: str, stop_type: str) -> str:
        """StopServiceDeployment: ROLLBACK (the default) returns to the source revision."""
        service, run = self.find(arn)
        if not run.active or run.status == "ROLLBACK_IN_PROGRESS":
            raise EcsError(
                "InvalidParameterException",
                f"Service deployment {arn} is {run.status} and cannot be stopped.",
            )
        reason = "Rolled back by StopServiceDeployment."
        if run.shifting:
            if stop_type == "ABORT":
                self._finish(run, "STOPPED", "Stopped by StopServiceDeployment (ABORT).")
            else:
                self.roll_back(service, run, reason)
        elif stop_type == "ABORT":
            self._finish(run, "STOPPED", "Stopped by StopServiceDeployment (ABORT).")
        else:
            self.sim.roll_back_rolling(service, reason)
        return run.arn

    def find(self, arn: str) -> tuple[SimService, ServiceDeploymentRun]:
        for service in self.sim.services.values():
            for run in service.service_deployments:
                if run.arn == arn:
                    return service, run
        raise EcsError(
            "ServiceDeploymentNotFoundException", f"Service deployment {arn} was not found."
        )

    # ---- rollback and the end ------------------------------------------------------------

    def _rollback_cause(
        self, service: SimService, run: ServiceDeploymentRun, green: SimDeployment
    ) -> bool:
        breaker, _ = service.circuit_breaker()
        if breaker and green.failed_tasks >= failure_threshold(green.desired_count):
            self.roll_back(service, run, "ECS deployment circuit breaker: tasks failed to start.")
            return True
        alarms = run.configuration.get("alarms") or {}
        if not alarms.get("enable", True) or not alarms.get("alarmNames"):
            return False
        if STAGES.index(run.stage) < STAGES.index("SCALE_UP"):
            return False
        from deployer.sandbox.elb_traffic import alarms_in_alarm

        firing = alarms_in_alarm(service.region, list(alarms["alarmNames"]))
        new = [name for name in firing if name not in run.triggered_alarms]
        run.triggered_alarms.extend(new)
        if new and alarms.get("rollback"):
            names = ", ".join(new)
            self.roll_back(
                service, run, f"CloudWatch alarm {names} went into ALARM during {run.stage}."
            )
            return True
        return False

    def roll_back(self, service: SimService, run: ServiceDeploymentRun, reason: str) -> None:
        from deployer.sandbox.elb_traffic import shift

        now = self.sim.clock.now()
        run.status = "ROLLBACK_IN_PROGRESS"
        run.status_reason = reason
        run.updated_at = now
        run.rollback = {
            "reason": reason,
            "startedAt": now,
            "serviceRevisionArn": run.source_revision,
        }
        run.production_weight = run.test_weight = 0.0
        shift(service, run, "productionListenerRule", 0.0)
        shift(service, run, "testListenerRule", 0.0)
        green = self._deployment(service, run.target_deployment)
        blue = self._deployment(service, run.source_deployment)
        if green is not None:
            green.rollout_state = "FAILED"
            green.rollout_state_reason = reason
            green.status = "ACTIVE"
            green.desired_count = 0
            green.updated_at = now
            self.sim._stop_tasks(
                service,
                [t for t in self.sim.service_tasks(service, green.id) if t.active],
                reason,
            )
        if blue is not None:
            blue.status = "PRIMARY"
            blue.desired_count = service.desired_count
            service.task_definition = blue.task_definition
            service.deployments = [blue] + [d for d in service.deployments if d is not blue]
        self.sim.add_event(
            service, f"(service {service.name}) rolling back {_short(run.arn)}: {reason}"
        )

    def _continue_rollback(
        self, service: SimService, run: ServiceDeploymentRun, green: SimDeployment
    ) -> None:
        if any(t.last_status != "STOPPED" for t in self.sim.service_tasks(service, green.id)):
            return
        service.deployments = [d for d in service.deployments if d is not green]
        self._finish(run, "ROLLBACK_SUCCESSFUL", run.status_reason)
        self.sim.add_event(
            service, f"(service {service.name}) rollback of {_short(run.arn)} completed."
        )

    def _complete(
        self, service: SimService, run: ServiceDeploymentRun, green: SimDeployment
    ) -> None:
        green.rollout_state = "COMPLETED"
        green.rollout_state_reason = f"ECS deployment {green.id} completed."
        green.updated_at = self.sim.clock.now()
        service.deployments = [green]
        self._finish(run, "SUCCESSFUL", "")
        self.sim.add_event(service, f"(service {service.name}) ({green.id}) deployment completed.")

    def _finish(self, run: ServiceDeploymentRun, status: str, reason: str) -> None:
        now = self.sim.clock.now()
        run.status = status
        run.status_reason = reason or run.status_reason
        run.finished_at = run.updated_at = now
        if status == "STOPPED":
            run.stopped_at = now
        for hook in run.hooks:
            if hook.status in ("AWAITING_ACTION", "IN_PROGRESS"):
                hook.status = "FAILED"

    def settle_rolling(self, service: SimService) -> None:
        """Rolling deployments: their service deployment follows the ECS deployment's state."""
        by_id = {d.id: d for d in service.deployments}
        for run in service.service_deployments:
            if not run.active or run.shifting:
                continue
            deployment = by_id.get(run.target_deployment)
            if deployment is None:
                self._finish(run, "STOPPED", "Superseded by a newer service deployment.")
            elif deployment.rollout_state == "COMPLETED":
                self._finish(run, "SUCCESSFUL", "")
            elif deployment.rollout_state == "FAILED":
                rolled_back = service.primary is not deployment
                status = "ROLLBACK_SUCCESSFUL" if rolled_back else "STOPPED"
                self._finish(run, status, deployment.rollout_state_reason)

    def ended(self, service: SimService, deployment_id: str) -> str:
        """Why the service deployment of an ECS deployment ended without success ("" if not)."""
        run = next(
            (r for r in service.service_deployments if r.target_deployment == deployment_id), None
        )
        if run is None or run.status in ("IN_PROGRESS", "SUCCESSFUL"):
            return ""
        if not run.shifting and "circuit breaker" in run.status_reason:
            return ""  # CloudFormation's own circuit breaker wording applies
        what = "rolled back" if run.status.startswith("ROLLBACK") else "stopped"
        return f"ECS service deployment {_short(run.arn)} {what}: {run.status_reason}"

    def _deployment(self, service: SimService, deployment_id: str) -> SimDeployment | None:
        if not deployment_id:
            return None
        return next((d for d in service.deployments if d.id == deployment_id), None)

    # ---- views in the shapes botocore parses ---------------------------------------------

    def brief_view(self, run: ServiceDeploymentRun) -> dict[str, Any]:
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

    def full_view(self, service: SimService, run: ServiceDeploymentRun) -> dict[str, Any]:
        green = self._deployment(service, run.target_deployment)
        blue = self._deployment(service, run.source_deployment)
        target = self._revision(service, run.target_revision, green)
        target["requestedProductionTrafficWeight"] = run.production_weight
        target["requestedTestTrafficWeight"] = run.test_weight
        view: dict[str, Any] = self.brief_view(run)
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
            source = self._revision(service, run.source_revision, blue)
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
        self, service: SimService, arn: str, deployment: SimDeployment | None
    ) -> dict[str, Any]:
        running, pending = self.sim.deployment_counts(service, deployment) if deployment else (0, 0)
        return {
            "arn": arn,
            "requestedTaskCount": deployment.desired_count if deployment else 0,
            "runningTaskCount": running,
            "pendingTaskCount": pending,
        }


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


def _rollout_reason(service: SimService, run: ServiceDeploymentRun) -> str:
    deployment = next((d for d in service.deployments if d.id == run.target_deployment), None)
    return deployment.rollout_state_reason if deployment else ""


def _short(arn: str) -> str:
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
