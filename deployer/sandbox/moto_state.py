"""Reads and writes moto's in-memory backends, the storage the simulated services build on."""

from __future__ import annotations

from typing import Any

ACCOUNT_ID = "123456789012"


def ecs_backend(region: str) -> Any:
    from moto.ecs.models import ecs_backends

    return ecs_backends[ACCOUNT_ID][region]


def ec2_backend(region: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[ACCOUNT_ID][region]


def iam_backend() -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[ACCOUNT_ID]["global"]


def logs_backend(region: str) -> Any:
    from moto.logs.models import logs_backends

    return logs_backends[ACCOUNT_ID][region]


def cluster_arn_if_active(region: str, cluster_name: str) -> str | None:
    cluster = ecs_backend(region).clusters.get(cluster_name)
    if cluster is None or cluster.status != "ACTIVE":
        return None
    return str(cluster.arn)


def role_exists(arn: str) -> bool:
    """Whether ``arn`` names a role of the sandbox's IAM (same account, path and name)."""
    try:
        iam_backend().get_role_by_arn(arn)
    except Exception:
        return False
    return True


def missing_subnets(region: str, subnet_ids: list[str]) -> list[str]:
    backend = ec2_backend(region)
    missing = []
    for subnet_id in subnet_ids:
        try:
            backend.get_subnet(subnet_id)
        except Exception:
            missing.append(subnet_id)
    return missing


def missing_security_groups(region: str, group_ids: list[str]) -> list[str]:
    backend = ec2_backend(region)
    return [group for group in group_ids if backend.get_security_group_from_id(group) is None]


def ecr_image_exists(account: str, region: str, repository_name: str, reference: str) -> bool:
    from moto.ecr.models import ecr_backends

    try:
        repository = ecr_backends[account][region].repositories.get(repository_name)
    except KeyError:
        return False
    if repository is None:
        return False
    for image in repository.images:
        if reference.startswith("sha256:"):
            if image.get_image_digest() == reference:
                return True
        elif reference in image.image_tags:
            return True
    return False
