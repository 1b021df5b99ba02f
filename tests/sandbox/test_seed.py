"""Seeding a sandbox creates the demo network, clusters, images and target group exactly once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from deployer.sandbox.seed import SeedResult, seed_aws
from deployer.sandbox.server import SandboxServer

pytestmark = pytest.mark.slow


def test_seed_creates_network_clusters_images_and_target_group(
    seeded: SeedResult, aws_client: Callable[[str], Any]
) -> None:
    ec2, ecs, ecr, elbv2 = (aws_client(name) for name in ("ec2", "ecs", "ecr", "elbv2"))
    subnets = ec2.describe_subnets(SubnetIds=seeded.subnet_ids)["Subnets"]
    assert {subnet["VpcId"] for subnet in subnets} == {seeded.vpc_id}
    assert len(subnets) == 2
    group = ec2.describe_security_groups(GroupIds=[seeded.security_group_id])["SecurityGroups"][0]
    assert group["VpcId"] == seeded.vpc_id

    clusters = ecs.describe_clusters(clusters=["development", "staging", "production"])
    assert [cluster["status"] for cluster in clusters["clusters"]] == ["ACTIVE"] * 3
    assert seeded.cluster_names == ["development", "staging", "production"]

    images = ecr.describe_images(repositoryName="demo/web")["imageDetails"]
    by_push_time = sorted(images, key=lambda image: image["imagePushedAt"])
    assert [image["imageTags"] for image in by_push_time] == [
        ["1.0.0"],
        ["1.1.0"],
        ["2.0.0"],
        ["2.1.0-crash"],
    ]
    assert seeded.repository_uri.endswith(".dkr.ecr.us-east-1.amazonaws.com/demo/web")

    target_group = elbv2.describe_target_groups(TargetGroupArns=[seeded.target_group_arn])
    group_details = target_group["TargetGroups"][0]
    assert group_details["TargetGroupName"] == "demo-web"
    assert (group_details["Port"], group_details["Protocol"]) == (80, "HTTP")
    assert group_details["TargetType"] == "ip"
    assert group_details["VpcId"] == seeded.vpc_id


def test_seed_twice_creates_nothing_new(
    seeded: SeedResult, sandbox: SandboxServer, aws_client: Callable[[str], Any]
) -> None:
    ec2 = aws_client("ec2")
    vpcs_before = ec2.describe_vpcs()["Vpcs"]
    again = seed_aws(sandbox.url)
    assert again == seeded
    assert ec2.describe_vpcs()["Vpcs"] == vpcs_before
    assert len(aws_client("ecr").describe_images(repositoryName="demo/web")["imageDetails"]) == 4
    assert len(aws_client("ecs").list_clusters()["clusterArns"]) == 3
