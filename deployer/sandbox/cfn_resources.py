"""CloudFormation resource providers the sandbox simulates, over moto's backends and the ECS sim."""

from __future__ import annotations

import json
import random
import re
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from deployer.sandbox.cfn_scaling import ScalableTargetProvider, ScalingPolicyProvider
from deployer.sandbox.clock import SimulatedClock
from deployer.sandbox.ecs_model import EcsError, SimService
from deployer.sandbox.ecs_sim import EcsSimulator
from deployer.sandbox.fargate import fargate_size_error
from deployer.sandbox.moto_state import ACCOUNT_ID, ecs_backend, iam_backend, logs_backend
from deployer.sandbox.roles import service_role_error, task_role_error

# Realistic provisioning times in seconds, divided by the speed factor.
ROLE_SECONDS = 3.0
LOG_GROUP_SECONDS = 1.0
TASK_DEFINITION_SECONDS = 2.0
POLL_SECONDS = 2.0
# CloudFormation waits up to three hours for an ECS service to stabilise.
DEFAULT_SERVICE_TIMEOUT_SECONDS = 3 * 60 * 60.0

# Map-typed properties whose keys are user data, not property names.
FREE_FORM_KEYS = {"Options", "DockerLabels", "DriverOpts", "Labels"}
RENAMED_KEYS = {"FilesystemId": "fileSystemId", "PlacementStrategies": "placementStrategy"}


class ResourceFailure(Exception):
    """A resource operation failed; `reason` is the ResourceStatusReason AWS would show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Provisioned:
    """A physical resource: its id, what Ref yields and its Fn::GetAtt attributes."""

    physical_id: str
    ref: str
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProvisionContext:
    region: str
    stack_name: str
    stack_id: str
    stack_tags: list[dict[str, str]]
    clock: SimulatedClock
    ecs: EcsSimulator
    service_timeout: float
    announce: Callable[[Provisioned], None]
    cancelled: Callable[[], bool] = lambda: False


def handler_message(message: str, code: str, service: str = "Ecs", status: int = 400) -> str:
    """The wording CloudFormation uses when a resource handler's API call fails."""
    return (
        f'Resource handler returned message: "{message} (Service: {service}, Status Code: '
        f'{status}, Request ID: {uuid.uuid4()})" (RequestToken: {uuid.uuid4()}, '
        f"HandlerErrorCode: {code})"
    )


def physical_name(context: ProvisionContext, logical_id: str, limit: int) -> str:
    suffix = "".join(random.choices(string.ascii_uppercase + string.digits, k=12))
    base = f"{context.stack_name}-{logical_id}"
    return f"{base[: limit - 13]}-{suffix}"


def camel_key(key: str) -> str:
    if key in RENAMED_KEYS:
        return RENAMED_KEYS[key]
    match = re.match(r"^([A-Z]+)(?=[A-Z][a-z]|$)", key)
    if match and len(match.group(1)) > 1:
        return match.group(1).lower() + key[len(match.group(1)) :]
    return key[:1].lower() + key[1:]


def to_api_shape(value: Any) -> Any:
    """CloudFormation's PascalCase properties as the ECS API's camelCase request fields."""
    if isinstance(value, list):
        return [to_api_shape(item) for item in value]
    if isinstance(value, dict):
        return {
            camel_key(key): (item if key in FREE_FORM_KEYS else to_api_shape(item))
            for key, item in value.items()
        }
    return value


def merged_tags(
    stack_tags: list[dict[str, str]], own: list[dict[str, Any]] | None
) -> list[dict[str, str]]:
    tags = {tag["Key"]: str(tag["Value"]) for tag in stack_tags}
    tags.update({tag["Key"]: str(tag["Value"]) for tag in own or []})
    return [{"Key": key, "Value": value} for key, value in tags.items()]


class TaskDefinitionProvider:
    type_name = "AWS::ECS::TaskDefinition"

    def create(
        self, context: ProvisionContext, logical_id: str, props: dict[str, Any]
    ) -> Provisioned:
        request = to_api_shape({key: value for key, value in props.items() if key != "Tags"})
        request.setdefault("family", physical_name(context, logical_id, 255))
        if "FARGATE" in (request.get("requiresCompatibilities") or []):
            request.setdefault("networkMode", "awsvpc")
        for key in ("cpu", "memory"):
            if key in request:
                request[key] = str(request[key])
        message = fargate_size_error(request) or task_role_error(request)
        if message:
            raise ResourceFailure(
                handler_message(
                    f"Invalid request provided: Create TaskDefinition: {message}", "InvalidRequest"
                )
            )
        tags = [
            {"key": tag["Key"], "value": tag["Value"]}
            for tag in merged_tags(context.stack_tags, props.get("Tags"))
        ]
        known = {
            "family",
            "containerDefinitions",
            "volumes",
            "networkMode",
            "placementConstraints",
            "requiresCompatibilities",
            "cpu",
            "memory",
            "taskRoleArn",
            "executionRoleArn",
            "proxyConfiguration",
            "inferenceAccelerators",
            "runtimePlatform",
            "ipcMode",
            "pidMode",
            "ephemeralStorage",
        }
        arguments = {_snake(key): value for key, value in request.items() if key in known}
        try:
            definition = ecs_backend(context.region).register_task_definition(
                tags=tags, **arguments
            )
        except Exception as error:
            raise ResourceFailure(
                handler_message(f"Invalid request provided: {error}", "InvalidRequest")
            ) from error
        context.clock.sleep(TASK_DEFINITION_SECONDS)
        arn = str(definition.arn)
        return Provisioned(arn, arn, {"TaskDefinitionArn": arn})

    def update(
        self,
        context: ProvisionContext,
        logical_id: str,
        current: Provisioned,
        old: dict[str, Any],
        new: dict[str, Any],
    ) -> Provisioned:
        # Only Tags can change in place; the engine replaces on every other change.
        definition = ecs_backend(context.region).describe_task_definition(current.physical_id)
        definition.tags = [
            {"key": tag["Key"], "value": tag["Value"]}
            for tag in merged_tags(context.stack_tags, new.get("Tags"))
        ]
        return current

    def delete(
        self, context: ProvisionContext, current: Provisioned, props: dict[str, Any]
    ) -> None:
        try:
            ecs_backend(context.region).deregister_task_definition(current.physical_id)
        except Exception:
            return  # already gone, which is what deleting asks for


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


class ServiceProvider:
    type_name = "AWS::ECS::Service"

    def _spec(self, props: dict[str, Any], tags: list[dict[str, str]]) -> dict[str, Any]:
        spec = to_api_shape({key: value for key, value in props.items() if key != "Tags"})
        spec["tags"] = [{"key": tag["Key"], "value": tag["Value"]} for tag in tags]
        if "desiredCount" in spec:
            spec["desiredCount"] = int(spec["desiredCount"])
        return spec

    def create(
        self, context: ProvisionContext, logical_id: str, props: dict[str, Any]
    ) -> Provisioned:
        spec = self._spec(props, merged_tags(context.stack_tags, props.get("Tags")))
        spec.setdefault("serviceName", physical_name(context, logical_id, 255))
        spec.setdefault("desiredCount", 1)
        if message := service_role_error(spec):
            raise ResourceFailure(handler_message(message, "InvalidRequest"))
        try:
            with context.ecs.lock:
                service = context.ecs.create_service(context.region, spec)
                deployment_id = service.primary.id
        except EcsError as error:
            code = "NotFound" if error.code.endswith("NotFoundException") else "InvalidRequest"
            raise ResourceFailure(handler_message(error.message, code)) from error
        provisioned = Provisioned(
            service.arn, service.arn, {"Name": service.name, "ServiceArn": service.arn}
        )
        context.announce(provisioned)
        self._wait_for_deployment(context, service, deployment_id)
        return provisioned

    def update(
        self,
        context: ProvisionContext,
        logical_id: str,
        current: Provisioned,
        old: dict[str, Any],
        new: dict[str, Any],
    ) -> Provisioned:
        spec = self._spec(new, merged_tags(context.stack_tags, new.get("Tags")))
        spec.pop("serviceName", None)
        spec["service"] = current.physical_id
        # A property left out of the template goes back to its default: no Strategy is ROLLING.
        spec.setdefault("deploymentConfiguration", {}).setdefault("strategy", "ROLLING")
        # No DesiredCount (auto scaling owns it): the running count stays as it is.
        if message := service_role_error(spec):
            raise ResourceFailure(handler_message(message, "InvalidRequest"))
        try:
            with context.ecs.lock:
                service = context.ecs.update_service(context.region, spec)
                service.tags = spec["tags"]
                deployment_id = service.primary.id
        except EcsError as error:
            code = "NotFound" if error.code.endswith("NotFoundException") else "InvalidRequest"
            raise ResourceFailure(handler_message(error.message, code)) from error
        self._wait_for_deployment(context, service, deployment_id)
        return current

    def _wait_for_deployment(
        self, context: ProvisionContext, service: SimService, deployment_id: str
    ) -> None:
        waited = 0.0
        while True:
            with context.ecs.lock:
                deployment = next((d for d in service.deployments if d.id == deployment_id), None)
                state = deployment.rollout_state if deployment else "FAILED"
                if deployment is None and service.primary.rollout_state == "COMPLETED":
                    state = "COMPLETED" if service.primary.id == deployment_id else "FAILED"
                stable = state == "COMPLETED" and len(service.deployments) == 1
                ended = context.ecs.service_deployments.ended(service, deployment_id)
            if ended:
                raise ResourceFailure(f"Error occurred during operation '{ended}'.")
            if state == "FAILED":
                raise ResourceFailure(
                    "Error occurred during operation 'ECS Deployment Circuit Breaker was "
                    "triggered'."
                )
            if stable:
                return
            if context.cancelled():
                raise ResourceFailure("Resource update cancelled")
            if waited >= context.service_timeout:
                raise ResourceFailure(f"Service {service.arn} did not stabilize.")
            if not context.clock.sleep(POLL_SECONDS):
                raise ResourceFailure("The sandbox stopped before the service stabilized.")
            waited += POLL_SECONDS

    def delete(
        self, context: ProvisionContext, current: Provisioned, props: dict[str, Any]
    ) -> None:
        cluster = str(props.get("Cluster") or "default")
        try:
            with context.ecs.lock:
                service = context.ecs.delete_service(
                    context.region, cluster, current.physical_id, force=True
                )
        except EcsError:
            return  # already gone
        while True:
            with context.ecs.lock:
                if service.status == "INACTIVE":
                    return
            if not context.clock.sleep(POLL_SECONDS):
                return


class RoleProvider:
    type_name = "AWS::IAM::Role"

    def create(
        self, context: ProvisionContext, logical_id: str, props: dict[str, Any]
    ) -> Provisioned:
        name = str(props.get("RoleName") or physical_name(context, logical_id, 64))
        backend = iam_backend()
        try:
            role = backend.create_role(
                role_name=name,
                assume_role_policy_document=json.dumps(props.get("AssumeRolePolicyDocument", {})),
                path=props.get("Path", "/"),
                permissions_boundary=props.get("PermissionsBoundary"),
                description=props.get("Description", ""),
                tags=merged_tags(context.stack_tags, props.get("Tags")),
                max_session_duration=props.get("MaxSessionDuration"),
            )
        except Exception as error:
            raise ResourceFailure(handler_message(str(error), "InvalidRequest", "Iam")) from error
        provisioned = Provisioned(name, name, {"Arn": role.arn, "RoleId": role.id})
        try:
            self._apply_policies(name, {}, props)
        except ResourceFailure:
            backend.delete_role(name)
            raise
        context.clock.sleep(ROLE_SECONDS)
        return provisioned

    def _apply_policies(self, name: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        backend = iam_backend()
        old_arns = set(old.get("ManagedPolicyArns") or [])
        new_arns = set(new.get("ManagedPolicyArns") or [])
        for arn in sorted(new_arns - old_arns):
            try:
                backend.attach_role_policy(arn, name)
            except Exception as error:
                # moto does not load AWS's managed policies; those exist in every account.
                if not arn.startswith("arn:aws:iam::aws:policy/"):
                    raise ResourceFailure(
                        handler_message(
                            f"Policy {arn} does not exist or is not attachable.", "NotFound", "Iam"
                        )
                    ) from error
        for arn in sorted(old_arns - new_arns):
            try:
                backend.detach_role_policy(arn, name)
            except Exception:
                continue
        old_inline = {policy["PolicyName"] for policy in old.get("Policies") or []}
        for policy in new.get("Policies") or []:
            backend.put_role_policy(
                name, policy["PolicyName"], json.dumps(policy["PolicyDocument"])
            )
        for policy_name in old_inline - {p["PolicyName"] for p in new.get("Policies") or []}:
            backend.delete_role_policy(name, policy_name)

    def update(
        self,
        context: ProvisionContext,
        logical_id: str,
        current: Provisioned,
        old: dict[str, Any],
        new: dict[str, Any],
    ) -> Provisioned:
        backend = iam_backend()
        role = backend.get_role(current.physical_id)
        role.assume_role_policy_document = json.dumps(new.get("AssumeRolePolicyDocument", {}))
        role.description = new.get("Description", "")
        role.tags = merged_tags(context.stack_tags, new.get("Tags"))
        self._apply_policies(current.physical_id, old, new)
        context.clock.sleep(ROLE_SECONDS)
        return current

    def delete(
        self, context: ProvisionContext, current: Provisioned, props: dict[str, Any]
    ) -> None:
        backend = iam_backend()
        try:
            role = backend.get_role(current.physical_id)
        except Exception:
            return
        for arn in list(role.managed_policies):
            backend.detach_role_policy(arn, current.physical_id)
        for policy_name in list(role.policies):
            backend.delete_role_policy(current.physical_id, policy_name)
        backend.delete_role(current.physical_id)
        context.clock.sleep(ROLE_SECONDS / 3)


class LogGroupProvider:
    type_name = "AWS::Logs::LogGroup"

    def create(
        self, context: ProvisionContext, logical_id: str, props: dict[str, Any]
    ) -> Provisioned:
        name = str(props.get("LogGroupName") or physical_name(context, logical_id, 512))
        tags = {
            tag["Key"]: tag["Value"] for tag in merged_tags(context.stack_tags, props.get("Tags"))
        }
        backend = logs_backend(context.region)
        if name in backend.groups:
            raise ResourceFailure(
                handler_message(
                    f"Resource of type '{self.type_name}' with identifier '{name}' already exists.",
                    "AlreadyExists",
                    "CloudWatchLogs",
                )
            )
        backend.create_log_group(name, tags)
        if props.get("RetentionInDays"):
            backend.put_retention_policy(name, int(props["RetentionInDays"]))
        context.clock.sleep(LOG_GROUP_SECONDS)
        arn = f"arn:aws:logs:{context.region}:{ACCOUNT_ID}:log-group:{name}:*"
        return Provisioned(name, name, {"Arn": arn})

    def update(
        self,
        context: ProvisionContext,
        logical_id: str,
        current: Provisioned,
        old: dict[str, Any],
        new: dict[str, Any],
    ) -> Provisioned:
        backend = logs_backend(context.region)
        if new.get("RetentionInDays"):
            backend.put_retention_policy(current.physical_id, int(new["RetentionInDays"]))
        else:
            backend.groups[current.physical_id].retention_in_days = None
        context.clock.sleep(LOG_GROUP_SECONDS)
        return current

    def delete(
        self, context: ProvisionContext, current: Provisioned, props: dict[str, Any]
    ) -> None:
        backend = logs_backend(context.region)
        if current.physical_id in backend.groups:
            backend.delete_log_group(current.physical_id)
        context.clock.sleep(LOG_GROUP_SECONDS)


PROVIDERS: dict[str, Any] = {
    provider.type_name: provider
    for provider in (
        TaskDefinitionProvider(),
        ServiceProvider(),
        RoleProvider(),
        LogGroupProvider(),
        ScalableTargetProvider(),
        ScalingPolicyProvider(),
    )
}
