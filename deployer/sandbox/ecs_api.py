"""The ECS JSON API for simulated services and tasks; other ECS calls pass through to moto."""

from __future__ import annotations

from typing import Any

from deployer.sandbox.ecs_model import EcsError, SimDeployment, SimService, SimTask
from deployer.sandbox.ecs_sim import EcsSimulator
from deployer.sandbox.fargate import fargate_size_error
from deployer.sandbox.moto_state import ecs_backend
from deployer.sandbox.protocol import (
    AwsRequest,
    StartResponse,
    WsgiResult,
    json_error,
    json_response,
)
from deployer.sandbox.roles import service_role_error, task_role_error

SERVICE_ACTIONS = {
    "CreateService",
    "UpdateService",
    "DeleteService",
    "DescribeServices",
    "ListServices",
    "ListTasks",
    "DescribeTasks",
    "StopTask",
    "RunTask",
    "RegisterTaskDefinition",
    "ListTagsForResource",
    "ListServiceDeployments",
    "DescribeServiceDeployments",
    "ContinueServiceDeployment",
    "StopServiceDeployment",
}


class EcsInterceptor:
    """Answers the ECS calls whose state the simulator owns."""

    def __init__(self, simulator: EcsSimulator) -> None:
        self.simulator = simulator

    def reset(self) -> None:
        self.simulator.reset()

    def stop(self) -> None:
        """The simulator's thread ends with the clock."""

    def handle(self, request: AwsRequest, start_response: StartResponse) -> WsgiResult | None:
        if request.service != "ecs" or request.action not in SERVICE_ACTIONS:
            return None
        handler = getattr(self, f"_{request.action}")
        try:
            payload = handler(request.region, request.params)
        except EcsError as error:
            return json_error(start_response, error.code, error.message)
        if payload is None:
            return None
        return json_response(start_response, payload)

    # Each handler returns the response payload, or None to let moto answer.

    def _RegisterTaskDefinition(self, region: str, params: dict[str, Any]) -> None:
        message = fargate_size_error(params) or task_role_error(params)
        if message:
            raise EcsError("ClientException", message)
        return None

    def _CreateService(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        if message := service_role_error(params):
            raise EcsError("InvalidParameterException", message)
        with self.simulator.lock:
            service = self.simulator.create_service(region, params)
            return {"service": self.service_view(service)}

    def _UpdateService(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        if message := service_role_error(params):
            raise EcsError("InvalidParameterException", message)
        with self.simulator.lock:
            service = self.simulator.update_service(region, params)
            return {"service": self.service_view(service)}

    def _DeleteService(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.simulator.lock:
            service = self.simulator.delete_service(
                region,
                params.get("cluster") or "default",
                params["service"],
                bool(params.get("force")),
            )
            return {"service": self.service_view(service)}

    def _DescribeServices(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        cluster = params.get("cluster") or "default"
        services, failures = [], []
        with self.simulator.lock:
            for name in params.get("services") or []:
                service = self.simulator.find_service(region, cluster, name)
                if service is None:
                    arn = (
                        name
                        if name.startswith("arn:")
                        else self.simulator.service_arn(region, cluster.rsplit("/", 1)[-1], name)
                    )
                    failures.append({"arn": arn, "reason": "MISSING"})
                else:
                    view = self.service_view(service)
                    if "TAGS" not in (params.get("include") or []):
                        view.pop("tags")
                    services.append(view)
        return {"services": services, "failures": failures}

    def _ListServices(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        cluster_name = (params.get("cluster") or "default").rsplit("/", 1)[-1]
        with self.simulator.lock:
            arns = [
                service.arn
                for service in self.simulator.services.values()
                if service.region == region
                and service.cluster_arn.rsplit("/", 1)[-1] == cluster_name
                and service.status != "INACTIVE"
            ]
        return {"serviceArns": arns}

    def _ListServiceDeployments(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        tracker = self.simulator.service_deployments
        statuses = set(params.get("status") or [])
        with self.simulator.lock:
            service = self.simulator.find_service(
                region, params.get("cluster") or "default", params.get("service", "")
            )
            if service is None:
                raise EcsError("ServiceNotFoundException", "Service not found.")
            briefs = [
                tracker.brief_view(run)
                for run in service.service_deployments
                if not statuses or run.status in statuses
            ]
        return {"serviceDeployments": briefs[: int(params.get("maxResults") or 20)]}

    def _DescribeServiceDeployments(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        tracker = self.simulator.service_deployments
        found, failures = [], []
        with self.simulator.lock:
            for arn in params.get("serviceDeploymentArns") or []:
                try:
                    service, run = tracker.find(arn)
                except EcsError:
                    failures.append({"arn": arn, "reason": "MISSING"})
                    continue
                found.append(tracker.full_view(service, run))
        return {"serviceDeployments": found, "failures": failures}

    def _ContinueServiceDeployment(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.simulator.lock:
            arn = self.simulator.service_deployments.continue_deployment(
                params["serviceDeploymentArn"],
                params.get("hookId", ""),
                params.get("action") or "CONTINUE",
            )
        return {"serviceDeploymentArn": arn}

    def _StopServiceDeployment(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.simulator.lock:
            arn = self.simulator.service_deployments.stop_deployment(
                params["serviceDeploymentArn"], params.get("stopType") or "ROLLBACK"
            )
        return {"serviceDeploymentArn": arn}

    def _ListTagsForResource(self, region: str, params: dict[str, Any]) -> dict[str, Any] | None:
        arn = params.get("resourceArn", "")
        with self.simulator.lock:
            service = self.simulator.services.get(arn)
            if service is not None:
                return {"tags": list(service.tags)}
            task = self.simulator.tasks.get(arn)
            if task is not None:
                return {"tags": list(task.tags)}
        return None

    def _ListTasks(self, region: str, params: dict[str, Any]) -> dict[str, Any] | None:
        cluster_name = (params.get("cluster") or "default").rsplit("/", 1)[-1]
        service_name = params.get("serviceName")
        desired = params.get("desiredStatus") or "RUNNING"
        with self.simulator.lock:
            service = (
                self.simulator.find_service(region, cluster_name, service_name)
                if service_name
                else None
            )
            if service_name and service is None:
                raise EcsError("ServiceNotFoundException", "Service not found.")
            arns = [
                task.arn
                for task in self.simulator.tasks.values()
                if task.region == region
                and task.cluster_arn.rsplit("/", 1)[-1] == cluster_name
                and (service is None or task.service_name == service.arn)
                and task.desired_status == desired
                and (not params.get("family") or _family(task) == params["family"])
                and (not params.get("startedBy") or task.started_by == params["startedBy"])
            ]
        if service is None:
            arns.extend(self._moto_task_arns(region, params))
        return {"taskArns": arns}

    def _moto_task_arns(self, region: str, params: dict[str, Any]) -> list[str]:
        try:
            tasks = ecs_backend(region).list_tasks(
                params.get("cluster"),
                params.get("containerInstance"),
                params.get("family"),
                params.get("startedBy"),
                None,
                params.get("desiredStatus"),
            )
        except Exception:
            return []
        return [task.task_arn for task in tasks]

    def _DescribeTasks(self, region: str, params: dict[str, Any]) -> dict[str, Any] | None:
        requested = params.get("tasks") or []
        with self.simulator.lock:
            found = [self._find_task(region, params, reference) for reference in requested]
            if not any(found):
                return None  # moto's own run_task tasks
            tasks = [self.task_view(task) for task in found if task is not None]
            failures = [
                {"arn": reference, "reason": "MISSING"}
                for reference, task in zip(requested, found, strict=True)
                if task is None
            ]
        return {"tasks": tasks, "failures": failures}

    def _find_task(self, region: str, params: dict[str, Any], reference: str) -> SimTask | None:
        task = self.simulator.tasks.get(reference)
        if task is not None:
            return task
        for candidate in self.simulator.tasks.values():
            if candidate.task_id == reference and candidate.region == region:
                return candidate
        return None

    def _RunTask(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        from deployer.sandbox.moto_state import cluster_arn_if_active

        cluster_arn = cluster_arn_if_active(
            region, (params.get("cluster") or "default").rsplit("/", 1)[-1]
        )
        if cluster_arn is None:
            raise EcsError("ClusterNotFoundException", "Cluster not found.")
        with self.simulator.lock:
            definition = self.simulator.resolve_task_definition(region, params["taskDefinition"])
            tasks = [
                self.simulator.launch_task(
                    region=region,
                    cluster_arn=cluster_arn,
                    task_definition_arn=definition,
                    service=None,
                    deployment_id=None,
                    started_by=params.get("startedBy"),
                    group=params.get("group") or f"family:{_family_of(definition)}",
                    tags=list(params.get("tags") or []),
                )
                for _ in range(int(params.get("count") or 1))
            ]
            views = [self.task_view(task) for task in tasks]
        self.simulator.ensure_running()
        return {"tasks": views, "failures": []}

    def _StopTask(self, region: str, params: dict[str, Any]) -> dict[str, Any] | None:
        with self.simulator.lock:
            task = self._find_task(region, params, params.get("task", ""))
            if task is None:
                return None
            service = self.simulator.services.get(task.service_name or "")
            if service is not None:
                self.simulator._stop_tasks(
                    service, [task], params.get("reason") or "Task stopped by user"
                )
                task.stop_code = "UserInitiated"
            else:
                task.desired_status = "STOPPED"
                task.stop_code = "UserInitiated"
                task.stopped_reason = params.get("reason") or "Task stopped by user"
            return {"task": self.task_view(task)}

    # ---- views in the shapes botocore parses -----------------------------------------------

    def deployment_view(self, service: SimService, deployment: SimDeployment) -> dict[str, Any]:
        running, pending = self.simulator.deployment_counts(service, deployment)
        view: dict[str, Any] = {
            "id": deployment.id,
            "status": deployment.status,
            "taskDefinition": deployment.task_definition,
            "desiredCount": deployment.desired_count,
            "pendingCount": pending,
            "runningCount": running,
            "failedTasks": deployment.failed_tasks,
            "createdAt": deployment.created_at,
            "updatedAt": deployment.updated_at,
            "launchType": deployment.launch_type,
            "platformVersion": "1.4.0",
            "platformFamily": "Linux",
            "rolloutState": deployment.rollout_state,
            "rolloutStateReason": deployment.rollout_state_reason,
        }
        if deployment.network_configuration:
            view["networkConfiguration"] = deployment.network_configuration
        if service.capacity_provider_strategy:
            view["capacityProviderStrategy"] = service.capacity_provider_strategy
        if service.service_connect:
            view["serviceConnectConfiguration"] = service.service_connect
        return {key: value for key, value in view.items() if value is not None}

    def service_view(self, service: SimService) -> dict[str, Any]:
        running = pending = 0
        for deployment in service.deployments:
            deployment_running, deployment_pending = self.simulator.deployment_counts(
                service, deployment
            )
            running += deployment_running
            pending += deployment_pending
        view: dict[str, Any] = {
            "serviceArn": service.arn,
            "serviceName": service.name,
            "clusterArn": service.cluster_arn,
            "loadBalancers": service.load_balancers,
            "serviceRegistries": service.extra.get("serviceRegistries", []),
            "status": service.status,
            "desiredCount": service.desired_count,
            "runningCount": running,
            "pendingCount": pending,
            "launchType": service.launch_type,
            "platformVersion": service.platform_version,
            "platformFamily": "Linux",
            "taskDefinition": service.task_definition,
            "deploymentConfiguration": service.deployment_configuration,
            "deployments": [self.deployment_view(service, d) for d in service.deployments],
            "events": service.events,
            "createdAt": service.created_at,
            "placementConstraints": service.extra.get("placementConstraints", []),
            "placementStrategy": service.extra.get("placementStrategy", []),
            "schedulingStrategy": "REPLICA",
            "deploymentController": {"type": "ECS"},
            "createdBy": f"arn:aws:iam::{service.arn.split(':')[4]}:root",
            "enableECSManagedTags": service.enable_ecs_managed_tags,
            "propagateTags": service.propagate_tags,
            "enableExecuteCommand": service.enable_execute_command,
            "tags": service.tags,
        }
        if service.service_deployments:
            view["currentServiceDeployment"] = service.service_deployments[0].arn
        if service.capacity_provider_strategy:
            view["capacityProviderStrategy"] = service.capacity_provider_strategy
        if view["launchType"] is None:
            view.pop("launchType")
        if service.network_configuration:
            view["networkConfiguration"] = service.network_configuration
        if service.health_check_grace_period is not None:
            view["healthCheckGracePeriodSeconds"] = service.health_check_grace_period
        return view

    def task_view(self, task: SimTask) -> dict[str, Any]:
        containers = []
        for container in task.containers:
            view: dict[str, Any] = {
                "containerArn": task.arn.replace(":task/", ":container/") + "/" + container.name,
                "taskArn": task.arn,
                "name": container.name,
                "image": container.image,
                "lastStatus": container.last_status,
                "healthStatus": container.health_status,
                "networkBindings": [],
                "networkInterfaces": [],
            }
            if container.exit_code is not None:
                view["exitCode"] = container.exit_code
            if container.reason:
                view["reason"] = container.reason
            containers.append(view)
        view = {
            "taskArn": task.arn,
            "clusterArn": task.cluster_arn,
            "taskDefinitionArn": task.task_definition_arn,
            "lastStatus": task.last_status,
            "desiredStatus": task.desired_status,
            "healthStatus": task.health_status,
            "launchType": "FARGATE",
            "platformVersion": "1.4.0",
            "platformFamily": "Linux",
            "cpu": task.cpu,
            "memory": task.memory,
            "containers": containers,
            "createdAt": task.created_at,
            "group": task.group,
            "availabilityZone": f"{task.region}a",
            "connectivity": "CONNECTED" if task.started_at else None,
            "tags": task.tags,
            "version": 1,
        }
        optional = {
            "startedBy": task.started_by,
            "startedAt": task.started_at,
            "stoppingAt": task.stopping_at,
            "stoppedAt": task.stopped_at,
            "stopCode": task.stop_code,
            "stoppedReason": task.stopped_reason,
        }
        view.update({key: value for key, value in optional.items() if value is not None})
        return {key: value for key, value in view.items() if value is not None}


def _family(task: SimTask) -> str:
    return _family_of(task.task_definition_arn)


def _family_of(task_definition_arn: str) -> str:
    return task_definition_arn.rsplit("/", 1)[-1].split(":")[0]
