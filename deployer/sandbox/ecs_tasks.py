"""The sandbox ECS task lifecycle: launching a task and moving it from PROVISIONING to STOPPED."""

from __future__ import annotations

from datetime import datetime

from deployer.sandbox.clock import SimulatedClock
from deployer.sandbox.ecs_model import (
    SimContainer,
    SimService,
    SimTask,
    missing_ssm_secret,
    monotonic,
    planned_failure,
    short_id,
)
from deployer.sandbox.moto_state import ACCOUNT_ID, ecs_backend

# Realistic durations in seconds (divided by the speed factor at run time).
PROVISIONING_SECONDS = 4.0
PULL_SECONDS = 8.0
STOPPING_SECONDS = 6.0
# A task counts towards a finished rollout once it has stayed up this long (or passed its
# container health check); a crashing container exits before that.
SETTLE_SECONDS = 6.0
CRASH_AFTER_SECONDS = 3.0


class TaskLifecycle:
    """One task's way through its states, on the simulator's clock; mixed into EcsSimulator."""

    clock: SimulatedClock
    services: dict[str, SimService]
    tasks: dict[str, SimTask]

    def _advance_task(self, task: SimTask, now: datetime, moment: float) -> None:
        if task.last_status == "STOPPED" or moment < task.next_step_at:
            return
        if task.desired_status == "STOPPED" and task.last_status != "DEPROVISIONING":
            task.last_status = "DEPROVISIONING"
            task.stopping_at = task.stopping_at or now
            task.next_step_at = moment + self.clock.scaled(STOPPING_SECONDS)
            for container in task.containers:
                if container.last_status == "RUNNING":
                    container.last_status = "STOPPED"
                    container.exit_code = container.exit_code if container.exit_code else 0
            return
        if task.last_status == "DEPROVISIONING":
            task.last_status = "STOPPED"
            task.stopped_at = now
            return
        if task.last_status == "PROVISIONING":
            task.last_status = "PENDING"
            task.next_step_at = moment + self.clock.scaled(PULL_SECONDS)
            return
        if task.last_status == "PENDING":
            if task.failure and task.failure[0] == "pull":
                self._fail_task(task, now, "TaskFailedToStart", task.failure[1], None)
                return
            task.last_status = "RUNNING"
            task.started_at = now
            task.running_since = moment
            for container in task.containers:
                container.last_status = "RUNNING"
            if task.failure and task.failure[0] == "crash":
                task.next_step_at = moment + self.clock.scaled(CRASH_AFTER_SECONDS)
            else:
                task.next_step_at = moment + self.clock.scaled(self._healthy_after(task))
            return
        if task.last_status == "RUNNING":
            if task.failure and task.failure[0] == "crash":
                self._fail_task(
                    task, now, "EssentialContainerExited", "Essential container in task exited", 1
                )
                return
            checked = [c for c in task.containers if c.health_check]
            for container in checked:
                container.health_status = "HEALTHY"
            if checked:
                task.health_status = "HEALTHY"
            task.next_step_at = float("inf")

    def _healthy_after(self, task: SimTask) -> float:
        periods = [
            float(container.health_check.get("startPeriod") or 0)
            + float(container.health_check.get("interval") or 30) / 6
            for container in task.containers
            if container.health_check
        ]
        return max([SETTLE_SECONDS, *periods])

    def _fail_task(
        self, task: SimTask, now: datetime, stop_code: str, reason: str, exit_code: int | None
    ) -> None:
        task.desired_status = "STOPPED"
        task.stop_code = stop_code
        task.stopped_reason = reason
        task.stopping_at = now
        task.last_status = "DEPROVISIONING"
        task.next_step_at = monotonic() + self.clock.scaled(STOPPING_SECONDS / 2)
        for container in task.containers:
            container.last_status = "STOPPED"
            if exit_code is not None and container.essential:
                container.exit_code = exit_code
            elif stop_code == "TaskFailedToStart":
                container.reason = reason
        if task.service_name and not task.counted_failure:
            task.counted_failure = True
            service = self.services.get(task.service_name)
            deployment = next(
                (d for d in (service.deployments if service else []) if d.id == task.deployment_id),
                None,
            )
            if deployment is not None:
                deployment.failed_tasks += 1

    def _settled(self, task: SimTask, moment: float) -> bool:
        if task.last_status != "RUNNING" or task.running_since is None:
            return False
        if any(container.health_check for container in task.containers):
            return task.health_status == "HEALTHY"
        return moment - task.running_since >= self.clock.scaled(SETTLE_SECONDS)

    def launch_task(
        self,
        region: str,
        cluster_arn: str,
        task_definition_arn: str,
        service: SimService | None,
        deployment_id: str | None,
        started_by: str | None,
        group: str,
        tags: list[dict[str, str]],
    ) -> SimTask:
        definition = ecs_backend(region).describe_task_definition(task_definition_arn)
        containers = [
            SimContainer(
                name=container.get("name", ""),
                image=container.get("image", ""),
                essential=bool(container.get("essential", True)),
                health_check=container.get("healthCheck"),
            )
            for container in definition.container_definitions
        ]
        cluster_name = cluster_arn.rsplit("/", 1)[-1]
        task = SimTask(
            arn=f"arn:aws:ecs:{region}:{ACCOUNT_ID}:task/{cluster_name}/{short_id()}",
            cluster_arn=cluster_arn,
            task_definition_arn=task_definition_arn,
            service_name=service.arn if service else None,
            deployment_id=deployment_id,
            started_by=started_by,
            cpu=definition.cpu,
            memory=definition.memory,
            containers=containers,
            created_at=self.clock.now(),
            region=region,
            group=group,
            tags=list(tags),
            next_step_at=monotonic() + self.clock.scaled(PROVISIONING_SECONDS),
            failure=planned_failure(containers)
            or missing_ssm_secret(region, definition.container_definitions),
        )
        self.tasks[task.arn] = task
        return task
