"""ECS service deployments: blue/green, linear and canary stages, traffic, hooks and alarms."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from deployer.sandbox.ecs_model import EcsError, SimDeployment, SimService, failure_threshold
from deployer.sandbox.ecs_service_deployment_model import (
    DEFAULT_BAKE_MINUTES,
    DEFAULT_HOOK_TIMEOUT_MINUTES,
    LAMBDA_HOOK_SECONDS,
    PASSING_STAGE_SECONDS,
    STAGE_SECONDS,
    STAGES,
    TRAFFIC_STEP_SECONDS,
    HookRun,
    ServiceDeploymentRun,
    arn_tail,
    brief_view,
    find_deployment,
    full_view,
    new_arn,
    rollout_reason,
    traffic_steps,
)

if TYPE_CHECKING:
    from deployer.sandbox.ecs_sim import EcsSimulator


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
                self._finish(earlier, "ROLLBACK_SUCCESSFUL", rollout_reason(service, earlier))
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

    def returned_to_source(self, service: SimService, task_definition: str) -> bool:
        """An update back to the revision a blue/green deployment replaces (CloudFormation
        rolling back, a cancelled update) rolls that deployment back instead of starting one."""
        run = self.owns(service)
        blue = self._deployment(service, run.source_deployment) if run else None
        if run is None or blue is None or blue.task_definition != task_definition:
            return False
        if run.status == "IN_PROGRESS":
            self.roll_back(
                service, run, "The service was updated back to the revision it replaces."
            )
        return True

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
        if service.status != "ACTIVE":
            # A service being deleted drains as any other: its service deployment stops.
            for run in service.service_deployments:
                if run.active:
                    self._finish(run, "STOPPED", "The service is being deleted.")
            return None
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
                f"{arn_tail(run.target_revision)}.",
            )
            run.stage_until = moment + self.sim.clock.scaled(TRAFFIC_STEP_SECONDS + bake)
            run.updated_at = self.sim.clock.now()
            return False
        if run.stage == "CLEAN_UP":
            # The old revision's tasks go, and any left by a deployment this one superseded.
            for other in service.deployments:
                if other is not green:
                    other.desired_count = 0
            others = [t for t in self.sim.service_tasks(service) if t.deployment_id != green.id]
            self.sim._stop_tasks(
                service,
                [t for t in others if t.active],
                f"Scaling activity initiated by (deployment {green.id})",
            )
            if any(t.last_status != "STOPPED" for t in others):
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
            service, f"(service {service.name}) rolling back {arn_tail(run.arn)}: {reason}"
        )

    def _continue_rollback(
        self, service: SimService, run: ServiceDeploymentRun, green: SimDeployment
    ) -> None:
        if any(t.last_status != "STOPPED" for t in self.sim.service_tasks(service, green.id)):
            return
        service.deployments = [d for d in service.deployments if d is not green]
        self._finish(run, "ROLLBACK_SUCCESSFUL", run.status_reason)
        self.sim.add_event(
            service, f"(service {service.name}) rollback of {arn_tail(run.arn)} completed."
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
        return f"ECS service deployment {arn_tail(run.arn)} {what}: {run.status_reason}"

    def _deployment(self, service: SimService, deployment_id: str) -> SimDeployment | None:
        return find_deployment(service, deployment_id)

    def brief_view(self, run: ServiceDeploymentRun) -> dict[str, Any]:
        return brief_view(run)

    def full_view(self, service: SimService, run: ServiceDeploymentRun) -> dict[str, Any]:
        return full_view(self.sim, service, run)
