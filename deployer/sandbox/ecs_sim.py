"""A simulated ECS Fargate scheduler: services, deployments and tasks that move through time."""

from __future__ import annotations

import logging
import math
import threading
import uuid
from typing import Any

from deployer.sandbox.clock import SimulatedClock
from deployer.sandbox.ecs_model import (
    EcsError,
    SimDeployment,
    SimService,
    SimTask,
    failure_threshold,
    monotonic,
    normalise_network,
)
from deployer.sandbox.ecs_service_deployment_model import strategy_error
from deployer.sandbox.ecs_service_deployments import ServiceDeploymentTracker
from deployer.sandbox.ecs_tasks import TaskLifecycle
from deployer.sandbox.moto_state import ACCOUNT_ID, cluster_arn_if_active, ecs_backend

logger = logging.getLogger(__name__)

# Realistic durations in seconds (divided by the speed factor at run time); a task's own are
# in ecs_tasks.
DEREGISTRATION_SECONDS = 10.0
TICK_SECONDS = 0.5
MAX_EVENTS = 100
# Keys of DeploymentConfiguration that belong to a strategy: an update that names a strategy
# replaces them all, so switching back to rolling leaves no hooks or alarms of the old one.
STRATEGY_KEYS = (
    "strategy",
    "bakeTimeInMinutes",
    "lifecycleHooks",
    "linearConfiguration",
    "canaryConfiguration",
    "alarms",
)


class EcsSimulator(TaskLifecycle):
    """Owns services and their tasks; a background thread advances them through their states."""

    def __init__(self, clock: SimulatedClock) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.services: dict[str, SimService] = {}  # by ARN
        self.tasks: dict[str, SimTask] = {}  # by ARN
        self._thread: threading.Thread | None = None
        self.service_deployments = ServiceDeploymentTracker(self)

    # ---- lifecycle -------------------------------------------------------------------------

    def ensure_running(self) -> None:
        with self.lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="sandbox-ecs-scheduler", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        interval = max(0.005, min(TICK_SECONDS, self.clock.scaled(TICK_SECONDS)))
        while self.clock.wait_real(interval):
            try:
                with self.lock:
                    self._tick()
            except Exception:
                # One bad tick must not stop every service in the sandbox for good.
                logger.exception("The sandbox ECS scheduler failed a tick; it carries on.")

    def reset(self) -> None:
        with self.lock:
            self.services.clear()
            self.tasks.clear()
            self.service_deployments.reset()

    # ---- services --------------------------------------------------------------------------

    def service_arn(self, region: str, cluster_name: str, service_name: str) -> str:
        return f"arn:aws:ecs:{region}:{ACCOUNT_ID}:service/{cluster_name}/{service_name}"

    def find_service(self, region: str, cluster: str, service: str) -> SimService | None:
        if service.startswith("arn:"):
            found = self.services.get(service)
            return found if found and found.region == region else None
        cluster_name = cluster.rsplit("/", 1)[-1]
        return self.services.get(self.service_arn(region, cluster_name, service))

    def create_service(self, region: str, spec: dict[str, Any]) -> SimService:
        cluster_name = (spec.get("cluster") or "default").rsplit("/", 1)[-1]
        cluster_arn = cluster_arn_if_active(region, cluster_name)
        if cluster_arn is None:
            raise EcsError("ClusterNotFoundException", "Cluster not found.")
        name = spec["serviceName"]
        arn = self.service_arn(region, cluster_name, name)
        task_definition = self.resolve_task_definition(region, spec["taskDefinition"])
        network = normalise_network(spec.get("networkConfiguration"))
        self._validate_network(region, task_definition, network)
        if message := strategy_error(region, spec, None):
            raise EcsError("InvalidParameterException", message)
        with self.lock:
            existing = self.services.get(arn)
            if existing is not None and existing.status != "INACTIVE":
                raise EcsError(
                    "InvalidParameterException", "Creation of service was not idempotent."
                )
            now = self.clock.now()
            deployment_configuration = {
                "deploymentCircuitBreaker": {"enable": False, "rollback": False},
                "maximumPercent": 200,
                "minimumHealthyPercent": 100,
            }
            deployment_configuration.update(spec.get("deploymentConfiguration") or {})
            service = SimService(
                arn=arn,
                name=name,
                cluster_arn=cluster_arn,
                region=region,
                task_definition=task_definition,
                desired_count=int(spec.get("desiredCount", 1) or 0),
                launch_type=(
                    None
                    if spec.get("capacityProviderStrategy")
                    else spec.get("launchType") or "FARGATE"
                ),
                platform_version=spec.get("platformVersion") or "LATEST",
                network_configuration=network,
                load_balancers=list(spec.get("loadBalancers") or []),
                deployment_configuration=deployment_configuration,
                enable_ecs_managed_tags=bool(spec.get("enableECSManagedTags", False)),
                propagate_tags=spec.get("propagateTags") or "NONE",
                tags=list(spec.get("tags") or []),
                health_check_grace_period=spec.get("healthCheckGracePeriodSeconds"),
                created_at=now,
                capacity_provider_strategy=list(spec.get("capacityProviderStrategy") or []),
                enable_execute_command=bool(spec.get("enableExecuteCommand", False)),
                service_connect=spec.get("serviceConnectConfiguration"),
                extra={
                    key: spec[key]
                    for key in ("placementConstraints", "placementStrategy", "serviceRegistries")
                    if key in spec
                },
            )
            self._new_deployment(service, task_definition)
            self.services[arn] = service
        self.ensure_running()
        return service

    def update_service(self, region: str, spec: dict[str, Any]) -> SimService:
        with self.lock:
            service = self._require_service(region, spec.get("cluster") or "default", spec)
            if message := strategy_error(region, spec, service):
                raise EcsError("InvalidParameterException", message)
            new_definition = service.task_definition
            if spec.get("taskDefinition"):
                new_definition = self.resolve_task_definition(region, spec["taskDefinition"])
            if "networkConfiguration" in spec:
                network = normalise_network(spec["networkConfiguration"])
                self._validate_network(region, new_definition, network)
            else:
                network = service.network_configuration
            if "deploymentConfiguration" in spec:
                given = spec["deploymentConfiguration"] or {}
                if "strategy" in given:
                    for key in STRATEGY_KEYS:
                        service.deployment_configuration.pop(key, None)
                service.deployment_configuration.update(given)
            if "capacityProviderStrategy" in spec:
                service.capacity_provider_strategy = list(spec["capacityProviderStrategy"] or [])
                service.launch_type = None if service.capacity_provider_strategy else "FARGATE"
            elif spec.get("launchType"):
                service.launch_type, service.capacity_provider_strategy = spec["launchType"], []
            if "enableExecuteCommand" in spec:
                service.enable_execute_command = bool(spec["enableExecuteCommand"])
            if "serviceConnectConfiguration" in spec:
                service.service_connect = spec["serviceConnectConfiguration"]
            if "desiredCount" in spec and spec["desiredCount"] is not None:
                service.desired_count = int(spec["desiredCount"])
                service.primary.desired_count = service.desired_count
                service.steady = False
            for key, attribute in (
                ("loadBalancers", "load_balancers"),
                ("healthCheckGracePeriodSeconds", "health_check_grace_period"),
                ("platformVersion", "platform_version"),
                ("propagateTags", "propagate_tags"),
                ("enableECSManagedTags", "enable_ecs_managed_tags"),
            ):
                if key in spec:
                    setattr(service, attribute, spec[key])
            changed = (
                new_definition != service.task_definition
                or network != service.network_configuration
                or bool(spec.get("forceNewDeployment"))
            )
            service.task_definition = new_definition
            service.network_configuration = network
            if changed and not self.service_deployments.returned_to_source(service, new_definition):
                self._new_deployment(service, new_definition)
        return service

    def delete_service(self, region: str, cluster: str, name: str, force: bool) -> SimService:
        with self.lock:
            service = self._require_service(region, cluster, {"service": name})
            if service.desired_count > 0 and not force:
                raise EcsError(
                    "InvalidParameterException",
                    "The service cannot be stopped while it is scaled above 0.",
                )
            service.status = "DRAINING"
            service.desired_count = 0
            for deployment in service.deployments:
                deployment.desired_count = 0
            return service

    def _require_service(self, region: str, cluster: str, spec: dict[str, Any]) -> SimService:
        name = spec.get("service") or spec.get("serviceName") or ""
        if cluster_arn_if_active(region, cluster.rsplit("/", 1)[-1]) is None:
            raise EcsError("ClusterNotFoundException", "Cluster not found.")
        service = self.find_service(region, cluster, name)
        if service is None or service.status == "INACTIVE":
            raise EcsError("ServiceNotFoundException", "Service not found.")
        if service.status == "DRAINING":
            raise EcsError("ServiceNotActiveException", "Service was not ACTIVE.")
        return service

    def resolve_task_definition(self, region: str, reference: str) -> str:
        try:
            definition = ecs_backend(region).describe_task_definition(reference)
        except Exception as error:
            raise EcsError("ClientException", "Unable to describe task definition.") from error
        if getattr(definition, "status", "ACTIVE") != "ACTIVE":
            raise EcsError("ClientException", f"TaskDefinition is inactive ({definition.arn})")
        return str(definition.arn)

    def _validate_network(
        self, region: str, task_definition_arn: str, network: dict[str, Any] | None
    ) -> None:
        from deployer.sandbox.moto_state import missing_security_groups, missing_subnets

        definition = ecs_backend(region).describe_task_definition(task_definition_arn)
        if definition.network_mode == "awsvpc" and not network:
            raise EcsError(
                "InvalidParameterException",
                "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
            )
        if not network:
            return
        vpc = network.get("awsvpcConfiguration") or {}
        subnets = vpc.get("subnets") or []
        if not subnets:
            raise EcsError("InvalidParameterException", "subnets can not be empty.")
        missing = missing_subnets(region, subnets)
        if missing:
            raise EcsError(
                "InvalidParameterException",
                f"Error retrieving subnet information for [{', '.join(missing)}]: The subnet ID "
                f"'{missing[0]}' does not exist (ErrorCode: InvalidSubnetID.NotFound)",
            )
        missing = missing_security_groups(region, vpc.get("securityGroups") or [])
        if missing:
            raise EcsError(
                "InvalidParameterException",
                f"Error retrieving security group information for [{', '.join(missing)}]: The "
                f"security group '{missing[0]}' does not exist (ErrorCode: InvalidGroup.NotFound)",
            )

    def _new_deployment(self, service: SimService, task_definition: str) -> SimDeployment:
        now = self.clock.now()
        previous = next((d for d in service.deployments if d.rollout_state == "COMPLETED"), None)
        for deployment in service.deployments:
            if deployment.status == "PRIMARY":
                deployment.status = "ACTIVE"
                deployment.updated_at = now
        deployment_id = f"ecs-svc/{uuid.uuid4().int % 10**19:019d}"
        deployment = SimDeployment(
            id=deployment_id,
            status="PRIMARY",
            task_definition=task_definition,
            desired_count=service.desired_count,
            created_at=now,
            updated_at=now,
            launch_type=service.launch_type,
            network_configuration=service.network_configuration,
            rollout_state_reason=f"ECS deployment {deployment_id} in progress.",
        )
        service.deployments.insert(0, deployment)
        service.steady = False
        self.service_deployments.start(service, deployment, previous)
        return deployment

    def add_event(self, service: SimService, message: str) -> None:
        service.events.insert(
            0, {"id": str(uuid.uuid4()), "createdAt": self.clock.now(), "message": message}
        )
        del service.events[MAX_EVENTS:]

    def service_tasks(self, service: SimService, deployment_id: str | None = None) -> list[SimTask]:
        return [
            task
            for task in self.tasks.values()
            if task.service_name == service.arn
            and (deployment_id is None or task.deployment_id == deployment_id)
        ]

    def deployment_counts(self, service: SimService, deployment: SimDeployment) -> tuple[int, int]:
        """(running, pending) tasks of one deployment, as DescribeServices reports them."""
        tasks = [task for task in self.service_tasks(service, deployment.id) if task.active]
        running = sum(1 for task in tasks if task.last_status == "RUNNING")
        return running, len(tasks) - running

    # ---- the scheduler ---------------------------------------------------------------------

    def _tick(self) -> None:
        now = self.clock.now()
        moment = monotonic()
        for task in list(self.tasks.values()):
            self._advance_task(task, now, moment)
        for service in list(self.services.values()):
            if service.status == "INACTIVE":
                continue
            run = self.service_deployments.owns(service)
            if run is not None:
                self.service_deployments.advance(service, run, moment)
            else:
                self._reconcile(service, moment)
            self.service_deployments.settle_rolling(service)

    def _reconcile(self, service: SimService, moment: float) -> None:
        primary = service.primary
        breaker, rollback = service.circuit_breaker()
        if (
            breaker
            and primary.rollout_state == "IN_PROGRESS"
            and primary.failed_tasks >= failure_threshold(primary.desired_count)
        ):
            self._trip_circuit_breaker(service, rollback)
            primary = service.primary
        maximum = int(service.deployment_configuration.get("maximumPercent", 200))
        minimum = int(service.deployment_configuration.get("minimumHealthyPercent", 100))
        desired = primary.desired_count
        max_total = max(desired * maximum // 100, 1 if desired else 0)
        min_healthy = math.ceil(desired * minimum / 100)
        all_active = [task for task in self.service_tasks(service) if task.active]
        primary_active = [task for task in all_active if task.deployment_id == primary.id]
        older_active = [task for task in all_active if task.deployment_id != primary.id]

        if primary.status == "PRIMARY" and primary.rollout_state != "FAILED":
            wanted = desired - len(primary_active)
            room = max_total - len(all_active)
            if wanted > 0 and room > 0:
                self._start_tasks(service, primary, min(wanted, room))
            elif wanted < 0:
                surplus = sorted(primary_active, key=lambda task: task.last_status == "RUNNING")
                self._stop_tasks(
                    service,
                    surplus[:-wanted],
                    "Scaling activity initiated by (deployment " + primary.id + ")",
                )
        # Old tasks drain as soon as enough new ones are up to keep the minimum healthy.
        primary_settled = sum(1 for task in primary_active if self._settled(task, moment))
        for task in sorted(older_active, key=lambda task: task.last_status == "RUNNING"):
            healthy_older = sum(
                1 for other in older_active if other.active and other.last_status == "RUNNING"
            )
            if task.last_status != "RUNNING" or primary_settled + healthy_older - 1 >= min_healthy:
                self._stop_tasks(
                    service,
                    [task],
                    f"Scaling activity initiated by (deployment {primary.id})",
                )
        self._finish_rollout(service, moment)

    def _finish_rollout(self, service: SimService, moment: float) -> None:
        primary = service.primary
        primary_tasks = [t for t in self.service_tasks(service, primary.id) if t.active]
        settled = sum(1 for task in primary_tasks if self._settled(task, moment))
        others_alive = [
            task
            for task in self.service_tasks(service)
            if task.deployment_id != primary.id and task.last_status != "STOPPED"
        ]
        if service.status == "DRAINING":
            if not any(task.last_status != "STOPPED" for task in self.service_tasks(service)):
                service.status = "INACTIVE"
                for deployment in service.deployments:
                    deployment.status = "INACTIVE"
            return
        if primary.rollout_state == "FAILED":
            return
        done = settled == primary.desired_count and len(primary_tasks) == primary.desired_count
        if not done or others_alive:
            return
        if primary.rollout_state == "IN_PROGRESS":
            primary.rollout_state = "COMPLETED"
            primary.rollout_state_reason = f"ECS deployment {primary.id} completed."
            primary.updated_at = self.clock.now()
            self.add_event(
                service, f"(service {service.name}) ({primary.id}) deployment completed."
            )
        service.deployments = [primary]
        if not service.steady:
            service.steady = True
            self.add_event(service, f"(service {service.name}) has reached a steady state.")

    def _trip_circuit_breaker(self, service: SimService, rollback: bool) -> None:
        self._fail_primary(
            service, rollback, "ECS deployment circuit breaker", "tasks failed to start"
        )

    def roll_back_rolling(self, service: SimService, reason: str) -> None:
        """StopServiceDeployment (ROLLBACK) of a rolling deployment: as a circuit breaker would."""
        self._fail_primary(service, True, "ECS deployment rollback", reason.rstrip("."))

    def _fail_primary(self, service: SimService, rollback: bool, who: str, why: str) -> None:
        failed = service.primary
        failed.rollout_state = "FAILED"
        failed.updated_at = self.clock.now()
        previous = next(
            (d for d in service.deployments[1:] if d.rollout_state == "COMPLETED"), None
        )
        self.add_event(service, f"(service {service.name}) ({failed.id}) deployment failed: {why}.")
        if rollback and previous is not None:
            failed.rollout_state_reason = f"{who}: {why}. Rolling back to deployment {previous.id}."
            service.task_definition = previous.task_definition
            rollback_deployment = self._new_deployment(service, previous.task_definition)
            rollback_deployment.rollout_state_reason = (
                f"{who}: rolling back to deploymentId {previous.id}."
            )
            self.add_event(
                service,
                f"(service {service.name}) rolling back to deployment {previous.id}.",
            )
            service.deployments = [d for d in service.deployments if d is not previous]
        else:
            failed.rollout_state_reason = f"{who}: {why}."
            self._stop_tasks(
                service,
                [t for t in self.service_tasks(service, failed.id) if t.active],
                f"{who}: {why}.",
            )

    def _start_tasks(self, service: SimService, deployment: SimDeployment, count: int) -> None:
        tags = list(service.tags) if service.propagate_tags == "SERVICE" else []
        if service.enable_ecs_managed_tags:
            tags += [
                {"key": "aws:ecs:clusterName", "value": service.cluster_arn.rsplit("/", 1)[-1]},
                {"key": "aws:ecs:serviceName", "value": service.name},
            ]
        started = [
            self.launch_task(
                region=service.region,
                cluster_arn=service.cluster_arn,
                task_definition_arn=deployment.task_definition,
                service=service,
                deployment_id=deployment.id,
                started_by=deployment.id,
                group=f"service:{service.name}",
                tags=tags,
            )
            for _ in range(count)
        ]
        ids = " ".join(f"(task {task.task_id})" for task in started)
        self.add_event(service, f"(service {service.name}) has started {count} tasks: {ids}.")
        service.steady = False

    def _stop_tasks(self, service: SimService, tasks: list[SimTask], reason: str) -> None:
        if not tasks:
            return
        now = self.clock.now()
        for task in tasks:
            task.desired_status = "STOPPED"
            task.stop_code = task.stop_code or "ServiceSchedulerInitiated"
            task.stopped_reason = task.stopped_reason or reason
            task.stopping_at = now
            delay = DEREGISTRATION_SECONDS if service.load_balancers else 0.0
            task.next_step_at = monotonic() + self.clock.scaled(delay)
        running = [task for task in tasks if task.last_status == "RUNNING"]
        if running:
            ids = " ".join(f"(task {task.task_id})" for task in running)
            self.add_event(
                service,
                f"(service {service.name}) has stopped {len(running)} running tasks: {ids}.",
            )
