"""CloudFormation providers for Application Auto Scaling of ECS services: the scalable target
bounds the service's desired count; a scaling policy is recorded (no metrics drive it here)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from deployer.sandbox.moto_state import ACCOUNT_ID

if TYPE_CHECKING:
    from deployer.sandbox.cfn_resources import ProvisionContext, Provisioned
    from deployer.sandbox.ecs_model import SimService

SCALING_SECONDS = 2.0
DIMENSION = "ecs:service:DesiredCount"


def _service(context: ProvisionContext, resource_id: str) -> SimService:
    from deployer.sandbox.cfn_resources import ResourceFailure, handler_message

    parts = resource_id.split("/")
    service = None
    if len(parts) == 3 and parts[0] == "service":
        service = context.ecs.find_service(context.region, parts[1], parts[2])
    if service is None or service.status != "ACTIVE":
        raise ResourceFailure(
            handler_message(
                f"ECS service doesn't exist: {resource_id}",
                "InvalidRequest",
                "ApplicationAutoScaling",
            )
        )
    return service


class ScalableTargetProvider:
    type_name = "AWS::ApplicationAutoScaling::ScalableTarget"

    def _apply(self, context: ProvisionContext, props: dict[str, Any]) -> Provisioned:
        from deployer.sandbox.cfn_resources import Provisioned

        resource_id = str(props.get("ResourceId", ""))
        low, high = int(props.get("MinCapacity", 0)), int(props.get("MaxCapacity", 0))
        with context.ecs.lock:
            service = _service(context, resource_id)
            service.scaling = (low, high)
            # Registering the target brings the desired count within its bounds at once.
            bounded = min(max(service.desired_count, low), high)
            if bounded != service.desired_count:
                context.ecs.update_service(
                    context.region,
                    {
                        "cluster": service.cluster_arn,
                        "service": service.arn,
                        "desiredCount": bounded,
                    },
                )
        context.clock.sleep(SCALING_SECONDS)
        physical = f"{resource_id}|{DIMENSION}|ecs"
        return Provisioned(physical, physical)

    def create(
        self, context: ProvisionContext, logical_id: str, props: dict[str, Any]
    ) -> Provisioned:
        return self._apply(context, props)

    def update(
        self,
        context: ProvisionContext,
        logical_id: str,
        current: Provisioned,
        old: dict[str, Any],
        new: dict[str, Any],
    ) -> Provisioned:
        return self._apply(context, new)

    def delete(
        self, context: ProvisionContext, current: Provisioned, props: dict[str, Any]
    ) -> None:
        with context.ecs.lock:
            resource_id = current.physical_id.split("|", 1)[0]
            parts = resource_id.split("/")
            if len(parts) == 3:
                service = context.ecs.find_service(context.region, parts[1], parts[2])
                if service is not None:
                    service.scaling = None


class ScalingPolicyProvider:
    type_name = "AWS::ApplicationAutoScaling::ScalingPolicy"

    def create(
        self, context: ProvisionContext, logical_id: str, props: dict[str, Any]
    ) -> Provisioned:
        from deployer.sandbox.cfn_resources import Provisioned

        target = str(props.get("ScalingTargetId") or props.get("ResourceId") or "")
        resource_id = target.split("|", 1)[0]
        name = str(props.get("PolicyName", logical_id))
        arn = (
            f"arn:aws:autoscaling:{context.region}:{ACCOUNT_ID}:scalingPolicy:{uuid.uuid4()}:"
            f"resource/ecs/{resource_id}:policyName/{name}"
        )
        context.clock.sleep(SCALING_SECONDS)
        return Provisioned(arn, arn, {"Arn": arn})

    def update(
        self,
        context: ProvisionContext,
        logical_id: str,
        current: Provisioned,
        old: dict[str, Any],
        new: dict[str, Any],
    ) -> Provisioned:
        context.clock.sleep(SCALING_SECONDS)
        return current

    def delete(
        self, context: ProvisionContext, current: Provisioned, props: dict[str, Any]
    ) -> None:
        context.clock.sleep(SCALING_SECONDS / 2)
