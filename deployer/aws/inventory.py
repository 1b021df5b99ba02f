"""What an account has that a step refers to by id: subnets, groups, roles, target groups, …

Each function lists one kind of resource as `Choice`s for a picker: the id a field takes, a label
a person recognises, the details that tell two apart, and a warning when picking it would be a
mistake (a target group of type instance). Trusted or fitting choices come first.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from deployer.aws.errors import aws_errors

ECS_TASKS = "ecs-tasks.amazonaws.com"


@dataclass(frozen=True)
class Choice:
    """One resource a field may take: `value` is what goes into the field."""

    value: str
    label: str = ""
    detail: str = ""
    warning: str = ""
    vpc_id: str = ""
    # Lower sorts first: the choices that fit the field.
    rank: int = 0

    def matches(self, query: str) -> bool:
        needle = query.strip().lower()
        return not needle or any(
            needle in text.lower() for text in (self.value, self.label, self.detail)
        )


def _pages(client: Any, operation: str, key: str, action: str, **kwargs: Any) -> list[Any]:
    items: list[Any] = []
    with aws_errors(action):
        for page in client.get_paginator(operation).paginate(**kwargs):
            items.extend(page.get(key, []))
    return items


def _name_tag(tags: Iterable[dict[str, str]] | None) -> str:
    return next((t.get("Value", "") for t in tags or [] if t.get("Key") == "Name"), "")


def _sorted(choices: list[Choice]) -> list[Choice]:
    return sorted(choices, key=lambda c: (c.rank, c.label.lower() or c.value, c.value))


def subnets(ec2: Any) -> list[Choice]:
    """Subnets with VPC, availability zone, Name tag, and public or private.

    Public: its route table (its own, else the VPC's main one) sends 0.0.0.0/0 to an internet
    gateway.
    """
    found = _pages(ec2, "describe_subnets", "Subnets", "ec2:DescribeSubnets")
    tables = _pages(ec2, "describe_route_tables", "RouteTables", "ec2:DescribeRouteTables")
    public_tables: set[str] = set()
    table_of_subnet: dict[str, str] = {}
    main_table_of_vpc: dict[str, str] = {}
    for table in tables:
        table_id = table.get("RouteTableId", "")
        if any(
            str(route.get("GatewayId", "")).startswith("igw-")
            and route.get("DestinationCidrBlock") == "0.0.0.0/0"
            for route in table.get("Routes", [])
        ):
            public_tables.add(table_id)
        for association in table.get("Associations", []):
            if association.get("Main"):
                main_table_of_vpc[table.get("VpcId", "")] = table_id
            elif association.get("SubnetId"):
                table_of_subnet[association["SubnetId"]] = table_id
    choices = []
    for subnet in found:
        subnet_id = subnet["SubnetId"]
        vpc_id = subnet.get("VpcId", "")
        table = table_of_subnet.get(subnet_id) or main_table_of_vpc.get(vpc_id, "")
        reach = "public" if table in public_tables else "private"
        choices.append(
            Choice(
                value=subnet_id,
                label=_name_tag(subnet.get("Tags")),
                detail=f"{vpc_id} · {subnet.get('AvailabilityZone', '')} · {reach} · "
                f"{subnet.get('CidrBlock', '')}",
                vpc_id=vpc_id,
            )
        )
    return _sorted(choices)


def security_groups(ec2: Any) -> list[Choice]:
    found = _pages(ec2, "describe_security_groups", "SecurityGroups", "ec2:DescribeSecurityGroups")
    return _sorted(
        [
            Choice(
                value=group["GroupId"],
                label=group.get("GroupName", ""),
                detail=f"{group.get('VpcId', '')} · {group.get('Description', '')}",
                vpc_id=group.get("VpcId", ""),
            )
            for group in found
        ]
    )


def trusts_ecs_tasks(policy: Any) -> bool:
    """Whether a role's trust policy lets ECS tasks assume it."""
    if isinstance(policy, str):
        try:
            policy = json.loads(urllib.parse.unquote(policy))
        except ValueError:
            return False
    statements = policy.get("Statement", []) if isinstance(policy, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        services = (statement.get("Principal") or {}).get("Service", [])
        if ECS_TASKS in ([services] if isinstance(services, str) else services):
            return True
    return False


def roles(iam: Any) -> list[Choice]:
    """IAM roles, those ECS tasks may assume first; the others are flagged."""
    found = _pages(iam, "list_roles", "Roles", "iam:ListRoles")
    choices = []
    for role in found:
        trusted = trusts_ecs_tasks(role.get("AssumeRolePolicyDocument"))
        choices.append(
            Choice(
                value=role["Arn"],
                label=role.get("RoleName", ""),
                detail="trusted by ecs-tasks" if trusted else "",
                warning="" if trusted else f"its trust policy does not name {ECS_TASKS}",
                rank=0 if trusted else 1,
            )
        )
    return _sorted(choices)


def target_groups(elbv2: Any) -> list[Choice]:
    """Target groups, type ip first; another type is flagged (Fargate tasks register by ip)."""
    found = _pages(elbv2, "describe_target_groups", "TargetGroups", "elbv2:DescribeTargetGroups")
    choices = []
    for group in found:
        kind = group.get("TargetType", "")
        choices.append(
            Choice(
                value=group["TargetGroupArn"],
                label=group.get("TargetGroupName", ""),
                detail=f"{group.get('Protocol', '')} port {group.get('Port', '')} · type {kind} "
                f"· {group.get('VpcId', '')}",
                warning=""
                if kind == "ip"
                else f"target type {kind}: Fargate tasks need a target group of type ip",
                vpc_id=group.get("VpcId", ""),
                rank=0 if kind == "ip" else 1,
            )
        )
    return _sorted(choices)


def secrets(secretsmanager: Any) -> list[Choice]:
    found = _pages(secretsmanager, "list_secrets", "SecretList", "secretsmanager:ListSecrets")
    return _sorted(
        [
            Choice(
                value=secret["ARN"],
                label=secret.get("Name", ""),
                detail="Secrets Manager secret",
            )
            for secret in found
        ]
    )


def parameters(ssm: Any, arn_prefix: str) -> list[Choice]:
    """SSM parameters as ARNs (`arn_prefix` is `arn:aws:ssm:REGION:ACCOUNT:parameter`)."""
    found = _pages(ssm, "describe_parameters", "Parameters", "ssm:DescribeParameters")
    choices = []
    for parameter in found:
        name = str(parameter.get("Name", ""))
        arn = parameter.get("ARN") or f"{arn_prefix}{name if name.startswith('/') else '/' + name}"
        choices.append(
            Choice(
                value=str(arn),
                label=name,
                detail=f"SSM parameter ({parameter.get('Type', '')})",
                rank=1,
            )
        )
    return _sorted(choices)


def log_groups(logs: Any) -> list[Choice]:
    found = _pages(logs, "describe_log_groups", "logGroups", "logs:DescribeLogGroups")
    return _sorted(
        [
            Choice(
                value=group["logGroupName"],
                label=group["logGroupName"],
                detail=f"retention {group['retentionInDays']} days"
                if group.get("retentionInDays")
                else "kept forever",
            )
            for group in found
        ]
    )


def file_systems(efs: Any) -> list[Choice]:
    found = _pages(
        efs, "describe_file_systems", "FileSystems", "elasticfilesystem:DescribeFileSystems"
    )
    return _sorted(
        [
            Choice(
                value=system["FileSystemId"],
                label=system.get("Name", "") or _name_tag(system.get("Tags")),
                detail=f"{system.get('LifeCycleState', '')} · "
                f"{'encrypted' if system.get('Encrypted') else 'not encrypted'}",
            )
            for system in found
        ]
    )


def access_points(efs: Any) -> list[Choice]:
    with aws_errors("elasticfilesystem:DescribeAccessPoints"):
        found = efs.describe_access_points().get("AccessPoints", [])
    return _sorted(
        [
            Choice(
                value=point["AccessPointId"],
                label=point.get("Name", "") or _name_tag(point.get("Tags")),
                detail=f"{point.get('FileSystemId', '')} · "
                f"{(point.get('RootDirectory') or {}).get('Path', '/')}",
            )
            for point in found
        ]
    )


# Picker kind -> (AWS service, lister). The lister gets the client (and, for parameters, the ARN
# prefix, which needs the account id and region).
LISTERS: dict[str, tuple[str, Callable[[Any], list[Choice]]]] = {
    "subnets": ("ec2", subnets),
    "security-groups": ("ec2", security_groups),
    "roles": ("iam", roles),
    "target-groups": ("elbv2", target_groups),
    "secrets-manager": ("secretsmanager", secrets),
    "log-groups": ("logs", log_groups),
    "file-systems": ("efs", file_systems),
    "access-points": ("efs", access_points),
}
