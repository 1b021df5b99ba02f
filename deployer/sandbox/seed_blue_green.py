"""Seeds what ECS blue/green, linear and canary deployments need: a load balancer with a
production and a test listener, their rules, a second target group and ECS's traffic role."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from deployer.sandbox.seed_elb import ensure_target_group

LOAD_BALANCER_NAME = "demo-web"
ALTERNATE_TARGET_GROUP_NAME = "demo-web-green"
PRODUCTION_PORT = 80
TEST_PORT = 8080
INFRASTRUCTURE_ROLE_NAME = "deployer-sandbox-ecs-infrastructure"


@dataclass
class BlueGreenSeed:
    """The load balancing a shifting strategy's advanced configuration points at."""

    load_balancer_arn: str
    production_listener_arn: str
    test_listener_arn: str
    production_listener_rule_arn: str
    test_listener_rule_arn: str
    alternate_target_group_arn: str
    role_arn: str


def ensure_blue_green(
    elbv2: Any, iam: Any, subnet_ids: list[str], security_group_id: str, target_group_arn: str
) -> BlueGreenSeed:
    """Create (once) the ALB, its listeners and rules, the alternate target group and the role."""
    vpc_id = elbv2.describe_target_groups(TargetGroupArns=[target_group_arn])["TargetGroups"][0][
        "VpcId"
    ]
    alternate = ensure_target_group(elbv2, vpc_id, ALTERNATE_TARGET_GROUP_NAME)
    balancer = _ensure_load_balancer(elbv2, subnet_ids, security_group_id)
    production, production_rule = _ensure_listener(
        elbv2, balancer, PRODUCTION_PORT, target_group_arn
    )
    test, test_rule = _ensure_listener(elbv2, balancer, TEST_PORT, target_group_arn)
    return BlueGreenSeed(
        load_balancer_arn=balancer,
        production_listener_arn=production,
        test_listener_arn=test,
        production_listener_rule_arn=production_rule,
        test_listener_rule_arn=test_rule,
        alternate_target_group_arn=alternate,
        role_arn=_ensure_role(iam),
    )


def _ensure_load_balancer(elbv2: Any, subnet_ids: list[str], security_group_id: str) -> str:
    try:
        found = elbv2.describe_load_balancers(Names=[LOAD_BALANCER_NAME])["LoadBalancers"]
    except elbv2.exceptions.LoadBalancerNotFoundException:
        found = []
    if found:
        return str(found[0]["LoadBalancerArn"])
    created = elbv2.create_load_balancer(
        Name=LOAD_BALANCER_NAME,
        Subnets=subnet_ids,
        SecurityGroups=[security_group_id],
        Scheme="internet-facing",
        Type="application",
    )["LoadBalancers"][0]
    return str(created["LoadBalancerArn"])


def _ensure_listener(
    elbv2: Any, balancer_arn: str, port: int, target_group_arn: str
) -> tuple[str, str]:
    """(listener ARN, ARN of its rule that ECS shifts): one listener per port, one rule each."""
    listeners = elbv2.describe_listeners(LoadBalancerArn=balancer_arn)["Listeners"]
    listener = next((item for item in listeners if item["Port"] == port), None)
    forward = [{"Type": "forward", "TargetGroupArn": target_group_arn}]
    if listener is None:
        listener = elbv2.create_listener(
            LoadBalancerArn=balancer_arn, Protocol="HTTP", Port=port, DefaultActions=forward
        )["Listeners"][0]
    arn = str(listener["ListenerArn"])
    rules = [r for r in elbv2.describe_rules(ListenerArn=arn)["Rules"] if not r["IsDefault"]]
    if rules:
        return arn, str(rules[0]["RuleArn"])
    rule = elbv2.create_rule(
        ListenerArn=arn,
        Priority=1,
        Conditions=[{"Field": "path-pattern", "Values": ["/*"]}],
        Actions=forward,
    )["Rules"][0]
    return arn, str(rule["RuleArn"])


def _ensure_role(iam: Any) -> str:
    try:
        return str(iam.get_role(RoleName=INFRASTRUCTURE_ROLE_NAME)["Role"]["Arn"])
    except iam.exceptions.NoSuchEntityException:
        pass
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(
        RoleName=INFRASTRUCTURE_ROLE_NAME,
        AssumeRolePolicyDocument=json.dumps(trust),
        Description="Lets ECS shift traffic between target groups in blue/green deployments",
    )["Role"]
    return str(role["Arn"])
