"""The template's ECS deployment strategy, service settings and auto scaling (issue 17's keys).

Each function returns properties or resources the builder merges into the service it writes;
keys a step leaves at its defaults produce nothing, so templates of older steps are unchanged.
"""

from __future__ import annotations

from typing import Any

from steps.document.model import (
    AutoScaling,
    Deployment,
    LifecycleHook,
    LoadBalancerMapping,
    StepDocument,
    is_expression,
)
from steps.template.values import (
    _allow,
    _flag,
    _load_balancer,
    _number,
    _optional_list,
    _properties,
    _string_list,
    get_att,
    ref,
)

STRATEGIES = {
    "rolling": "ROLLING",
    "blue_green": "BLUE_GREEN",
    "linear": "LINEAR",
    "canary": "CANARY",
}
FARGATE = "FARGATE"
SHIFTING = ("blue_green", "linear", "canary")
PAUSE = "pause"
# ECS Exec runs its agent in the task: the task role needs these to open the SSM channel.
EXEC_ACTIONS = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]
SCALING_METRICS = {
    "target_cpu_percent": ("Cpu", "ECSServiceAverageCPUUtilization"),
    "target_memory_percent": ("Memory", "ECSServiceAverageMemoryUtilization"),
}


def _strategy(deployment: Deployment) -> str:
    value = deployment.strategy
    return value if is_expression(value) else STRATEGIES.get(value, value)


def shifts_traffic(deployment: Deployment) -> bool:
    """Whether the strategy moves traffic between target groups (an expression may)."""
    return deployment.strategy in SHIFTING or is_expression(deployment.strategy)


def deployment_configuration(deployment: Deployment) -> dict[str, Any]:
    """The strategy's keys of ``DeploymentConfiguration``; none for a plain rolling step."""
    strategy = deployment.strategy
    linear, canary, alarms = deployment.linear, deployment.canary, deployment.alarms
    expression = is_expression(strategy)
    names = alarms.names
    return _properties(
        Alarms=(
            _properties(
                AlarmNames=_string_list(names),
                Enable=_flag(alarms.enable),
                Rollback=_flag(alarms.rollback),
            )
            if names
            else None
        ),
        BakeTimeInMinutes=_number(deployment.bake_time_minutes),
        CanaryConfiguration=(
            _properties(
                CanaryBakeTimeInMinutes=_number(canary.bake_minutes),
                CanaryPercent=_number(canary.percent),
            )
            if strategy == "canary" or expression
            else None
        )
        or None,
        LifecycleHooks=_optional_list([_hook(hook) for hook in deployment.lifecycle_hooks]),
        LinearConfiguration=(
            _properties(
                StepBakeTimeInMinutes=_number(linear.step_bake_minutes),
                StepPercent=_number(linear.step_percent),
            )
            if strategy == "linear" or expression
            else None
        )
        or None,
        # Rolling is ECS's default; left out so templates of older steps stay as they were.
        Strategy=None if strategy == "rolling" else _strategy(deployment),
    )


def _hook(hook: LifecycleHook) -> dict[str, Any]:
    pause = hook.target == PAUSE
    timeout = (
        _properties(Action=hook.timeout_action, TimeoutInMinutes=_number(hook.timeout_minutes))
        if hook.timeout_minutes is not None
        else None
    )
    return _properties(
        HookTargetArn=None if pause else hook.target,
        LifecycleStages=_string_list(hook.stages),
        RoleArn=hook.role_arn or None,
        TargetType="PAUSE" if pause else "AWS_LAMBDA",
        TimeoutConfiguration=timeout,
    )


def advanced_configuration(
    mapping: LoadBalancerMapping, deployment: Deployment
) -> dict[str, Any] | None:
    """``LoadBalancers[].AdvancedConfiguration``: only strategies that shift traffic use it."""
    advanced = mapping.advanced
    if advanced is None or not shifts_traffic(deployment):
        return None
    return _properties(
        AlternateTargetGroupArn=advanced.alternate_target_group_arn,
        ProductionListenerRule=advanced.production_listener_rule_arn or None,
        RoleArn=advanced.role_arn or None,
        TestListenerRule=advanced.test_listener_rule_arn or None,
    )


def service_settings(document: StepDocument) -> dict[str, Any]:
    """The service's capacity, exec, load balancer and Service Connect properties."""
    deployment = document.deployment
    capacity_providers = capacity_provider_strategy(deployment)
    load_balancers = [
        _properties(
            **_load_balancer(mapping),
            AdvancedConfiguration=advanced_configuration(mapping, deployment),
        )
        for mapping in document.load_balancer_mappings
    ]
    return {
        "CapacityProviderStrategy": capacity_providers,
        "EnableExecuteCommand": execute_command(deployment),
        # A capacity provider strategy replaces the launch type; ECS refuses both.
        "LaunchType": None if capacity_providers else FARGATE,
        "LoadBalancers": _optional_list(load_balancers),
        "ServiceConnectConfiguration": service_connect(deployment),
    }


def capacity_provider_strategy(deployment: Deployment) -> list[dict[str, Any]] | None:
    """The capacity provider strategy; None leaves the service on the Fargate launch type."""
    return _optional_list(
        [
            _properties(
                Base=None if item.base == 0 else _number(item.base),
                CapacityProvider=item.provider,
                Weight=_number(item.weight),
            )
            for item in deployment.capacity_providers
        ]
    )


def execute_command(deployment: Deployment) -> bool | str | None:
    """``EnableExecuteCommand``; left out while off, so older templates are unchanged."""
    value = deployment.enable_execute_command
    return _flag(value) if value is True or is_expression(value) else None


def service_connect(deployment: Deployment) -> dict[str, Any] | None:
    connect = deployment.service_connect
    if not connect.namespace:
        return None
    services = [
        _properties(
            ClientAliases=(
                [_properties(DnsName=s.dns_name or None, Port=_number(s.port))]
                if s.port is not None
                else None
            ),
            PortName=s.port_name,
        )
        for s in connect.services
    ]
    return _properties(Enabled=True, Namespace=connect.namespace, Services=_optional_list(services))


def exec_task_role(document: StepDocument) -> dict[str, Any] | None:
    """A task role for ECS Exec when the step names none; a named role must allow it itself."""
    if document.configuration.task_role_arn or execute_command(document.deployment) is None:
        return None
    return {
        "Type": "AWS::IAM::Role",
        "Properties": _properties(
            AssumeRolePolicyDocument={
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": ["ecs-tasks.amazonaws.com"]},
                        "Action": ["sts:AssumeRole"],
                    }
                ],
            },
            Path="/",
            Policies=[
                {
                    "PolicyName": "EcsExec",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [_allow(EXEC_ACTIONS, ["*"])],
                    },
                }
            ],
        ),
    }


def scaling_resources(
    scaling: AutoScaling | None, service_id: str, prefix: str
) -> dict[str, dict[str, Any]]:
    """The scalable target and one target tracking policy per metric, in the service's stack.

    With these the service omits ``DesiredCount``: on an update CloudFormation then leaves the
    running count to Application Auto Scaling, and on creation ECS starts one task which the
    scalable target's minimum raises at once.
    """
    if scaling is None:
        return {}
    target_id = f"{prefix}ScalableTarget"
    resources: dict[str, dict[str, Any]] = {
        target_id: {
            "Type": "AWS::ApplicationAutoScaling::ScalableTarget",
            "Properties": _properties(
                MaxCapacity=_number(scaling.max),
                MinCapacity=_number(scaling.min),
                ResourceId={
                    "Fn::Join": ["/", ["service", ref("ClusterName"), get_att(service_id, "Name")]]
                },
                ScalableDimension="ecs:service:DesiredCount",
                ServiceNamespace="ecs",
            ),
        }
    }
    for key, (name, metric) in SCALING_METRICS.items():
        target = getattr(scaling, key)
        if target is None:
            continue
        resources[f"{prefix}{name}ScalingPolicy"] = {
            "Type": "AWS::ApplicationAutoScaling::ScalingPolicy",
            "Properties": _properties(
                PolicyName={"Fn::Join": ["-", [get_att(service_id, "Name"), name.lower()]]},
                PolicyType="TargetTrackingScaling",
                ScalingTargetId=ref(target_id),
                TargetTrackingScalingPolicyConfiguration=_properties(
                    PredefinedMetricSpecification={"PredefinedMetricType": metric},
                    TargetValue=_number(target),
                ),
            ),
        }
    return resources
