"""Rules of the ECS deployment strategies and service settings (issue 17's step keys).

Called by ``steps.validation.step.validate`` with its checker, so the messages, paths and the
skipping of expressions are the same as everywhere else in the document.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from steps.document.model import LoadBalancerMapping, is_expression
from steps.validation.container import _PARTITION, _choices, _literal, _literal_int

if TYPE_CHECKING:
    # steps.validation.step imports this module, so its ARN shapes are read at call time.
    from steps.validation.step import _Checker

STRATEGIES = ("rolling", "blue_green", "linear", "canary")
# Strategies in which ECS shifts traffic between two target groups.
TRAFFIC_SHIFTING = ("blue_green", "linear", "canary")
# ECS's lifecycle stages, in the order a deployment passes them.
LIFECYCLE_STAGES = (
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRE_PRODUCTION_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
)
# ECS refuses a pause while traffic is moving: only Lambda hooks may run at these stages.
NO_PAUSE_STAGES = ("TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT")
PAUSE = "pause"
TIMEOUT_ACTIONS = ("ROLLBACK", "CONTINUE")
CAPACITY_PROVIDERS = ("FARGATE", "FARGATE_SPOT")
# ECS: bake times are 0-1440 minutes, hook timeouts 1-20160, linear steps at least 3 percent.
MAX_BAKE_MINUTES = 1440
MAX_HOOK_TIMEOUT_MINUTES = 20160
MIN_LINEAR_STEP_PERCENT = 3

_LAMBDA_ARN = re.compile(
    _PARTITION + r":lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(?::[A-Za-z0-9$_-]+)?"
)
LAMBDA_ARN_SHAPE = "arn:aws:lambda:REGION:ACCOUNT:function:NAME"
_LISTENER_RULE_ARN = re.compile(
    _PARTITION + r":elasticloadbalancing:[a-z0-9-]+:\d{12}:listener-rule/(?:app|net)/[^/]+/"
    r"[0-9a-f]+/[0-9a-f]+/[0-9a-f]+"
)
LISTENER_RULE_ARN_SHAPE = (
    "arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener-rule/app/LB/LB_ID/LISTENER_ID/RULE_ID"
)
# ECS: a port mapping name is lowercase letters, digits, underscores and hyphens, up to 64.
_PORT_NAME = re.compile(r"[a-z0-9_][a-z0-9_-]{0,63}")


def check_deployment(check: _Checker) -> None:
    """The strategy, its traffic shifting, hooks, alarms and the service settings."""
    deployment = check.document.deployment
    check.one_of("deployment.strategy", deployment.strategy, STRATEGIES)
    shifting = deployment.strategy in TRAFFIC_SHIFTING
    check.in_range(
        "deployment.bake_time_minutes", deployment.bake_time_minutes, 0, MAX_BAKE_MINUTES
    )
    linear, canary = deployment.linear, deployment.canary
    check.in_range(
        "deployment.linear.step_percent", linear.step_percent, MIN_LINEAR_STEP_PERCENT, 100
    )
    check.in_range(
        "deployment.linear.step_bake_minutes", linear.step_bake_minutes, 0, MAX_BAKE_MINUTES
    )
    check.in_range("deployment.canary.percent", canary.percent, 1, 100)
    check.in_range("deployment.canary.bake_minutes", canary.bake_minutes, 0, MAX_BAKE_MINUTES)
    if shifting and not check.document.load_balancer_mappings:
        check.add(
            "load_balancer_mappings",
            f"the {deployment.strategy} strategy shifts traffic between target groups; add a "
            "load balancer mapping with its advanced settings, or choose the rolling strategy",
        )
    for index, mapping in enumerate(check.document.load_balancer_mappings):
        _advanced(check, f"load_balancer_mappings[{index}]", mapping, deployment.strategy)
    _lifecycle_hooks(check, shifting or is_expression(deployment.strategy))
    for index, name in enumerate(_items(deployment.alarms.names)):
        check.required_text(f"deployment.alarms.names[{index}]", name, "an alarm name")
    _capacity_providers(check)
    _service_connect(check)
    _auto_scaling(check)


def _items(values: list[str] | str) -> list[str]:
    return [] if isinstance(values, str) else values


def _arn(
    check: _Checker, path: str, value: str, what: str, shape: re.Pattern[str], like: str
) -> None:
    if check.required_text(path, value, what) and not shape.fullmatch(value):
        check.add(path, f"{value!r} is not {what} like {like}")


def _advanced(check: _Checker, path: str, mapping: LoadBalancerMapping, strategy: str) -> None:
    # steps.validation.step imports this module, so its ARN shapes are read at call time.
    from steps.validation.step import (
        _ROLE_ARN,
        _TARGET_GROUP_ARN,
        ROLE_ARN_SHAPE,
        TARGET_GROUP_ARN_SHAPE,
    )

    advanced = mapping.advanced
    if advanced is None:
        if strategy in TRAFFIC_SHIFTING:
            check.add(
                f"{path}.advanced",
                f"the {strategy} strategy needs the advanced settings: an alternate target group, "
                "the production listener rule, the test listener rule and the role ECS uses to "
                "shift traffic",
            )
        return
    path = f"{path}.advanced"
    _arn(
        check,
        f"{path}.alternate_target_group_arn",
        advanced.alternate_target_group_arn,
        "an alternate target group ARN",
        _TARGET_GROUP_ARN,
        TARGET_GROUP_ARN_SHAPE,
    )
    if advanced.alternate_target_group_arn == mapping.target_group_arn and _literal(
        mapping.target_group_arn
    ):
        check.add(
            f"{path}.alternate_target_group_arn",
            "must differ from the mapping's target group; ECS moves traffic between the two",
        )
    for key, what in (
        ("production_listener_rule_arn", "a production listener rule ARN"),
        ("test_listener_rule_arn", "a test listener rule ARN"),
    ):
        value = getattr(advanced, key)
        _arn(check, f"{path}.{key}", value, what, _LISTENER_RULE_ARN, LISTENER_RULE_ARN_SHAPE)
    _arn(
        check,
        f"{path}.role_arn",
        advanced.role_arn,
        "an IAM role ARN for shifting traffic",
        _ROLE_ARN,
        ROLE_ARN_SHAPE,
    )


def _lifecycle_hooks(check: _Checker, shifting: bool) -> None:
    # steps.validation.step imports this module, so its ARN shapes are read at call time.
    from steps.validation.step import _ROLE_ARN, ROLE_ARN_SHAPE

    for index, hook in enumerate(check.document.deployment.lifecycle_hooks):
        path = f"deployment.lifecycle_hooks[{index}]"
        if not shifting:
            check.add(
                path,
                "lifecycle hooks run only in blue_green, linear and canary deployments; "
                "choose one of those strategies or remove the hook",
            )
        stages = hook.stages
        if isinstance(stages, list) and not stages:
            check.add(f"{path}.stages", f"choose at least one stage: {_choices(LIFECYCLE_STAGES)}")
        for stage_index, stage in enumerate(_items(stages)):
            stage_path = f"{path}.stages[{stage_index}]"
            check.one_of(stage_path, stage, LIFECYCLE_STAGES)
            if hook.target == PAUSE and stage in NO_PAUSE_STAGES:
                check.add(
                    stage_path,
                    f"a pause cannot be at {stage}, while traffic moves; use the stage after it "
                    f"(POST_{stage}) or a Lambda function",
                )
        if hook.target != PAUSE and check.required_text(f"{path}.target", hook.target, "a target"):
            if not _LAMBDA_ARN.fullmatch(hook.target):
                check.add(
                    f"{path}.target",
                    f"{hook.target!r} is neither pause nor a Lambda function ARN like "
                    f"{LAMBDA_ARN_SHAPE}",
                )
            if check.required_text(
                f"{path}.role_arn", hook.role_arn, "a role ECS uses to invoke the function"
            ) and not _ROLE_ARN.fullmatch(hook.role_arn):
                check.add(
                    f"{path}.role_arn", f"{hook.role_arn!r} is not a role ARN; use {ROLE_ARN_SHAPE}"
                )
        check.in_range(f"{path}.timeout_minutes", hook.timeout_minutes, 1, MAX_HOOK_TIMEOUT_MINUTES)
        check.one_of(f"{path}.timeout_action", hook.timeout_action, TIMEOUT_ACTIONS)


def _capacity_providers(check: _Checker) -> None:
    providers = check.document.deployment.capacity_providers
    with_base = []
    for index, item in enumerate(providers):
        path = f"deployment.capacity_providers[{index}]"
        check.one_of(f"{path}.provider", item.provider, CAPACITY_PROVIDERS)
        check.in_range(f"{path}.weight", item.weight, 0, 1000)
        check.in_range(f"{path}.base", item.base, 0, 100000)
        if (_literal_int(item.base) or 0) > 0:
            with_base.append(index)
    check.unique(
        "deployment.capacity_providers",
        ((i, p.provider) for i, p in enumerate(providers)),
        "provider",
        ".provider",
    )
    for index in with_base[1:]:
        check.add(
            f"deployment.capacity_providers[{index}].base",
            f"only one capacity provider may have a base; capacity_providers[{with_base[0]}] "
            "has one already",
        )
    weights = [_literal_int(p.weight) for p in providers]
    if providers and all(weight == 0 for weight in weights):
        check.add(
            "deployment.capacity_providers",
            "at least one capacity provider needs a weight above 0",
        )


def _port_names(check: _Checker) -> tuple[set[str], bool]:
    """The port mapping names of all containers, and whether any is an expression."""
    names: set[str] = set()
    open_ = False
    seen: dict[str, str] = {}
    for c_index, container in enumerate(check.document.containers):
        for p_index, mapping in enumerate(container.port_mappings):
            name = mapping.name
            path = f"containers[{c_index}].port_mappings[{p_index}].name"
            if is_expression(name):
                open_ = True
                continue
            if not name:
                continue
            if not _PORT_NAME.fullmatch(name):
                check.add(
                    path,
                    f"{name!r} is not a port name; use up to 64 lowercase letters, digits, "
                    "underscores and hyphens, not starting with a hyphen",
                )
            elif name in seen:
                check.add(
                    path,
                    f"port name {name!r} is already used by {seen[name]}; names must be unique",
                )
            else:
                seen[name] = path
            names.add(name)
    return names, open_


def _service_connect(check: _Checker) -> None:
    connect = check.document.deployment.service_connect
    names, names_open = _port_names(check)
    if connect.services and not connect.namespace.strip():
        check.add(
            "deployment.service_connect.namespace",
            "a Cloud Map namespace (name or ARN) is required to offer services",
        )
    for index, service in enumerate(connect.services):
        path = f"deployment.service_connect.services[{index}]"
        if (
            check.required_text(f"{path}.port_name", service.port_name, "a port name")
            and service.port_name not in names
            and not names_open
        ):
            known = (
                f"use one of {_choices(sorted(names))}" if names else "name a port mapping first"
            )
            check.add(
                f"{path}.port_name",
                f"no container port mapping is named {service.port_name!r}; {known}",
            )
        check.in_range(f"{path}.port", service.port, 1, 65535)


def _auto_scaling(check: _Checker) -> None:
    scaling = check.document.deployment.auto_scaling
    if scaling is None:
        return
    path = "deployment.auto_scaling"
    check.in_range(f"{path}.min", scaling.min, 0, None)
    check.in_range(f"{path}.max", scaling.max, 1, None)
    low, high = _literal_int(scaling.min), _literal_int(scaling.max)
    if low is not None and high is not None and high >= 1 and low > high:
        check.add(f"{path}.max", f"{high} is below the minimum {low}; use at least {low}")
    check.in_range(f"{path}.target_cpu_percent", scaling.target_cpu_percent, 1, 100)
    check.in_range(f"{path}.target_memory_percent", scaling.target_memory_percent, 1, 100)
    if scaling.target_cpu_percent is None and scaling.target_memory_percent is None:
        check.add(
            f"{path}.target_cpu_percent",
            "auto scaling needs a target: a CPU percent, a memory percent or both",
        )
