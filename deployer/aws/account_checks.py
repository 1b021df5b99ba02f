"""Pre-flight against the account: what a step refers to exists and fits, asked before any write.

Each check takes the clients it needs and plain values (ids, ARNs, with the step document field
each came from) and returns findings that name the field and say what to do. Calls are batched
where the API allows it; none writes anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from deployer.aws.errors import AwsError, aws_errors
from deployer.aws.inventory import ECS_TASKS, trusts_ecs_tasks

NOT_FOUND_CODES = {"NoSuchEntity", "ResourceNotFoundException", "TargetGroupNotFound"}
# DescribeTargetGroups takes at most 20 ARNs; DescribeParameters' filter at most 50 values.
TARGET_GROUP_BATCH = 20
PARAMETER_BATCH = 50


@dataclass(frozen=True)
class Finding:
    """One thing the account lacks: the step field it comes from and what to do about it."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True)
class Use:
    """A value of the step that names something in AWS, and the field holding it."""

    field: str
    value: str


@dataclass(frozen=True)
class TargetGroupUse:
    field: str
    arn: str
    container_port: int


def check_cluster(ecs: Any, cluster: str, capacity_providers: Sequence[str]) -> list[Finding]:
    """The cluster is ACTIVE and has the capacity providers the step's strategy names."""
    with aws_errors("ecs:DescribeClusters"):
        found = ecs.describe_clusters(clusters=[cluster]).get("clusters", [])
    clusters = [c for c in found if c.get("clusterName") == cluster]
    if not clusters or clusters[0].get("status") != "ACTIVE":
        status = clusters[0].get("status", "") if clusters else "missing"
        return [
            Finding(
                "target cluster",
                f"cluster {cluster} is {status}, not ACTIVE: create it, or point the ECS "
                "cluster target at an active cluster.",
            )
        ]
    associated = set(clusters[0].get("capacityProviders") or [])
    return [
        Finding(
            f"deployment.capacity_providers[{index}]",
            f"cluster {cluster} has no capacity provider {provider} (it has "
            f"{', '.join(sorted(associated)) or 'none'}): associate it with the cluster "
            "(PutClusterCapacityProviders) or remove it from the step.",
        )
        for index, provider in enumerate(capacity_providers)
        if provider not in associated
    ]


def check_network(
    ec2: Any, subnet_ids: Sequence[str], security_group_ids: Sequence[str]
) -> tuple[list[Finding], set[str]]:
    """Every subnet and security group exists, all in one VPC; also returns their VPCs."""
    findings: list[Finding] = []
    vpc_of: dict[str, str] = {}
    if subnet_ids:
        with aws_errors("ec2:DescribeSubnets"):
            subnets = ec2.describe_subnets(
                Filters=[{"Name": "subnet-id", "Values": list(subnet_ids)}]
            ).get("Subnets", [])
        vpc_of.update({s["SubnetId"]: s.get("VpcId", "") for s in subnets})
    if security_group_ids:
        with aws_errors("ec2:DescribeSecurityGroups"):
            groups = ec2.describe_security_groups(
                Filters=[{"Name": "group-id", "Values": list(security_group_ids)}]
            ).get("SecurityGroups", [])
        vpc_of.update({g["GroupId"]: g.get("VpcId", "") for g in groups})
    for key, ids, kind in (
        ("network.subnet_ids", subnet_ids, "subnet"),
        ("network.security_group_ids", security_group_ids, "security group"),
    ):
        for index, item in enumerate(ids):
            if item not in vpc_of:
                findings.append(
                    Finding(
                        f"{key}[{index}]",
                        f"{kind} {item} does not exist in this account and region: pick one "
                        f"the account has (the field lists them).",
                    )
                )
    vpcs = {vpc for vpc in vpc_of.values() if vpc}
    if len(vpcs) > 1:
        where = ", ".join(f"{item} in {vpc}" for item, vpc in vpc_of.items())
        findings.append(
            Finding(
                "network",
                f"the subnets and security groups are in different VPCs ({where}): ECS needs "
                "them in one VPC.",
            )
        )
    return findings, vpcs


def check_target_groups(
    elbv2: Any, uses: Sequence[TargetGroupUse], vpcs: set[str]
) -> list[Finding]:
    """Each target group exists, has target type ip, listens on the container port, and is in
    the network's VPC."""
    found: dict[str, dict[str, Any]] = {}
    arns = sorted({use.arn for use in uses})
    for start in range(0, len(arns), TARGET_GROUP_BATCH):
        batch = arns[start : start + TARGET_GROUP_BATCH]
        try:
            with aws_errors("elbv2:DescribeTargetGroups"):
                groups = elbv2.describe_target_groups(TargetGroupArns=batch)["TargetGroups"]
        except AwsError as exc:
            if exc.code not in NOT_FOUND_CODES:
                raise
            # One missing ARN fails the whole batch: ask for each to tell which.
            groups = []
            for arn in batch:
                try:
                    with aws_errors("elbv2:DescribeTargetGroups"):
                        groups += elbv2.describe_target_groups(TargetGroupArns=[arn])[
                            "TargetGroups"
                        ]
                except AwsError as each:
                    if each.code not in NOT_FOUND_CODES:
                        raise
        found.update({group["TargetGroupArn"]: group for group in groups})
    findings = []
    for use in uses:
        group = found.get(use.arn)
        if group is None:
            findings.append(
                Finding(
                    use.field,
                    f"target group {use.arn} does not exist: create it (target type ip) or "
                    "pick an existing one.",
                )
            )
            continue
        name = group.get("TargetGroupName", use.arn)
        if group.get("TargetType") != "ip":
            findings.append(
                Finding(
                    use.field,
                    f"target group {name} has target type {group.get('TargetType')}; Fargate "
                    "tasks register by IP address: use a target group of type ip.",
                )
            )
        if group.get("Port") not in (None, use.container_port):
            findings.append(
                Finding(
                    use.field,
                    f"target group {name} uses port {group.get('Port')} but the mapping sends "
                    f"traffic to container port {use.container_port}: make them the same.",
                )
            )
        if vpcs and group.get("VpcId") and group["VpcId"] not in vpcs:
            findings.append(
                Finding(
                    use.field,
                    f"target group {name} is in {group['VpcId']}, not in the network's VPC "
                    f"({', '.join(sorted(vpcs))}): use a target group of that VPC.",
                )
            )
    return findings


def role_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def check_roles(iam: Any, uses: Sequence[Use]) -> list[Finding]:
    """Each role exists and lets ECS tasks assume it (task and execution roles both need it)."""
    findings = []
    for use in uses:
        try:
            with aws_errors("iam:GetRole"):
                role = iam.get_role(RoleName=role_name(use.value))["Role"]
        except AwsError as exc:
            if exc.code not in NOT_FOUND_CODES:
                raise
            findings.append(
                Finding(use.field, f"role {use.value} does not exist: create it or pick another.")
            )
            continue
        if not trusts_ecs_tasks(role.get("AssumeRolePolicyDocument")):
            findings.append(
                Finding(
                    use.field,
                    f"role {role_name(use.value)} does not trust {ECS_TASKS}: add it as a "
                    "service principal to the role's trust policy.",
                )
            )
    return findings


def secret_id(value_from: str) -> str:
    """A Secrets Manager valueFrom without its JSON key, stage and version suffixes."""
    return ":".join(value_from.split(":")[:7])


def parameter_name(arn: str) -> str:
    name = arn.split(":parameter", 1)[1]
    return name


def check_secrets(
    client_for: Callable[[str, str], Any], uses: Sequence[Use], default_region: str
) -> list[Finding]:
    """Each Secrets Manager secret and SSM parameter the step reads exists.

    `client_for(service, region)` gives a client; a secret may live in another region.
    """
    findings = []
    parameters: dict[str, list[tuple[Use, str]]] = {}
    for use in uses:
        region = use.value.split(":")[3] if use.value.count(":") >= 5 else default_region
        if ":secretsmanager:" in use.value:
            try:
                with aws_errors("secretsmanager:DescribeSecret"):
                    client_for("secretsmanager", region).describe_secret(
                        SecretId=secret_id(use.value)
                    )
            except AwsError as exc:
                if exc.code not in NOT_FOUND_CODES:
                    raise
                findings.append(
                    Finding(
                        use.field,
                        f"secret {secret_id(use.value)} does not exist in Secrets Manager: "
                        "create it or pick an existing one.",
                    )
                )
        elif ":ssm:" in use.value:
            parameters.setdefault(region, []).append((use, parameter_name(use.value)))
    for region, wanted in parameters.items():
        names = sorted({name for _, name in wanted} | {name.lstrip("/") for _, name in wanted})
        existing: set[str] = set()
        for start in range(0, len(names), PARAMETER_BATCH):
            batch = names[start : start + PARAMETER_BATCH]
            with aws_errors("ssm:DescribeParameters"):
                pages = (
                    client_for("ssm", region)
                    .get_paginator("describe_parameters")
                    .paginate(
                        ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": batch}]
                    )
                )
                for page in pages:
                    existing.update(p["Name"] for p in page.get("Parameters", []))
        for use, name in wanted:
            # The ARN of a parameter named without a leading slash reads the same.
            if name not in existing and name.lstrip("/") not in existing:
                findings.append(
                    Finding(
                        use.field,
                        f"SSM parameter {name} does not exist in {region}: create it or pick "
                        "an existing one.",
                    )
                )
    return findings
