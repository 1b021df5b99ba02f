"""Traffic and alarms for ECS service deployments: listener rule weights in moto's ELBv2, and
CloudWatch alarm states in moto's CloudWatch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from deployer.sandbox.moto_state import ACCOUNT_ID

if TYPE_CHECKING:
    from deployer.sandbox.ecs_model import SimService
    from deployer.sandbox.ecs_service_deployment_model import ServiceDeploymentRun


def _rule(region: str, rule_arn: str) -> Any | None:
    from moto.elbv2.models import elbv2_backends

    if not rule_arn:
        return None
    try:
        rules = elbv2_backends[ACCOUNT_ID][region].describe_rules(
            listener_arn=None, rule_arns=[rule_arn]
        )
    except Exception:
        return None
    return rules[0] if rules else None


def rule_exists(region: str, rule_arn: str) -> bool:
    return _rule(region, rule_arn) is not None


def rule_weights(region: str, rule_arn: str) -> dict[str, int]:
    """Target group ARN -> weight of the rule's forward action ({} when it forwards nowhere)."""
    rule = _rule(region, rule_arn)
    weights: dict[str, int] = {}
    for action in rule.actions if rule is not None else []:
        data = action.data
        if data.get("Type") != "forward":
            continue
        if data.get("TargetGroupArn"):
            weights[str(data["TargetGroupArn"])] = 1
        for group in (data.get("ForwardConfig") or {}).get("TargetGroups") or []:
            weights[str(group["TargetGroupArn"])] = int(group.get("Weight", 1))
    return weights


def serving_target_group(region: str, rule_arn: str, candidates: tuple[str, str]) -> str:
    """Which of the two target groups the production rule sends traffic to now ("" if neither)."""
    weights = rule_weights(region, rule_arn)
    serving = [arn for arn in candidates if weights.get(arn, 0) > 0]
    return max(serving, key=lambda arn: weights[arn]) if serving else ""


def shift(service: SimService, run: ServiceDeploymentRun, key: str, percent: float) -> None:
    """Point the service's `key` listener rule (production or test) `percent` at the new
    revision's target group, the rest at the old one's, as ECS does with weighted forwards."""
    from moto.elbv2.models import FakeAction

    if not run.blue_target_group or not run.green_target_group:
        return
    for balancer in service.load_balancers:
        rule = _rule(service.region, str((balancer.get("advancedConfiguration") or {}).get(key)))
        if rule is None:
            continue
        green = round(percent)
        rule.actions = [
            FakeAction(
                {
                    "Type": "forward",
                    "Order": 1,
                    "ForwardConfig": {
                        "TargetGroups": [
                            {"TargetGroupArn": run.blue_target_group, "Weight": 100 - green},
                            {"TargetGroupArn": run.green_target_group, "Weight": green},
                        ]
                    },
                }
            )
        ]


def alarms_in_alarm(region: str, names: list[str]) -> list[str]:
    """The named CloudWatch alarms whose state is ALARM now."""
    from moto.cloudwatch.models import cloudwatch_backends

    alarms = cloudwatch_backends[ACCOUNT_ID][region].alarms
    return [name for name in names if name in alarms and alarms[name].state_value == "ALARM"]
