"""Pickers for AWS ids in the step editor: what the step's targets' account has, by typing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from deployer.projects.models import Project
from deployer.sandbox.seed import SeedResult
from steps.document.io import load_document
from steps.models import Step
from tests.conftest import make_project
from tests.deployments.conftest import aws_client

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def project(seeded: SeedResult) -> Project:
    return make_project("Pickers", "pickers")


def pick(client: Client, kind: str, q: str = "", **params: str) -> str:
    response = client.get(
        reverse("projects:steps:pick-aws-id", args=["pickers"]),
        {"kind": kind, "q": q, "for": "id_field", "configuration-target_roles": "web-cluster"}
        | params,
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    return response.content.decode()


def test_pickers_list_the_seeded_network_roles_and_target_groups_and_filter_by_typing(
    seeded: SeedResult, project: Project, admin_client: Client
) -> None:
    first, second = seeded.subnet_ids
    subnets = pick(admin_client, "subnets")
    assert first in subnets and second in subnets
    assert "deployer-sandbox-subnet-1" in subnets
    assert f"{seeded.vpc_id} · us-east-1a · private" in subnets
    # By name: ids are random hex, so "subnet-2" could also match the first id.
    typed = pick(admin_client, "subnets", q="sandbox-subnet-2")
    assert second in typed and first not in typed

    groups = pick(admin_client, "security-groups", q="web")
    assert seeded.security_group_id in groups and "deployer-sandbox-web" in groups

    iam = aws_client("iam")
    iam.create_role(
        RoleName="picker-lambda-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    roles = pick(admin_client, "roles")
    legacy = seeded.legacy_web
    assert legacy is not None
    # Roles ECS tasks may assume come first; another is flagged.
    assert roles.index(legacy.execution_role_arn) < roles.index("picker-lambda-role")
    assert "trusted by ecs-tasks" in roles
    assert "does not name ecs-tasks.amazonaws.com" in roles

    aws_client("elbv2").create_target_group(
        Name="picker-instances", Protocol="HTTP", Port=80, VpcId=seeded.vpc_id
    )
    groups = pick(admin_client, "target-groups")
    assert seeded.target_group_arn in groups
    assert groups.index(seeded.target_group_arn) < groups.index("picker-instances")
    assert "target type instance: Fargate tasks need a target group of type ip" in groups
    assert "picker-instances" not in pick(admin_client, "target-groups", q="demo")

    secrets = pick(admin_client, "secrets", q="legacy")
    assert legacy.secret_arn in secrets
    assert "/ecs/legacy-web" in pick(admin_client, "log-groups")


def test_mixed_vpcs_are_flagged_at_once_and_a_step_without_targets_is_told_why(
    seeded: SeedResult, project: Project, admin_client: Client
) -> None:
    ec2 = aws_client("ec2")
    other_vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    other_group = ec2.create_security_group(
        GroupName="picker-other", Description="elsewhere", VpcId=other_vpc
    )["GroupId"]
    answer = pick(
        admin_client,
        "security-groups",
        **{
            "network-network__subnet_ids": ", ".join(seeded.subnet_ids),
            "network-network__security_group_ids": other_group,
        },
    )
    assert "The subnets and security groups are in different VPCs" in answer
    assert f"{other_group} ({other_vpc})" in answer
    same_vpc = pick(
        admin_client, "security-groups", **{"network-network__subnet_ids": seeded.subnet_ids[0]}
    )
    assert "different VPCs" not in same_vpc
    assert f"in {other_vpc}, not {seeded.vpc_id} like the network" in same_vpc

    # Without a target for the roles the picker says so, and the field still takes text.
    answer = pick(admin_client, "subnets", **{"configuration-target_roles": "nowhere"})
    assert "roles (nowhere), so there is no account to list from" in answer
    document = load_document(
        "version: 1\nname: Deploy web\ntarget_roles: [web-cluster]\n"
        "configuration: {task_definition_name: web}\n"
        "network: {subnet_ids: ['#{Subnets}'], security_group_ids: [sg-0123abcd]}\n"
        "containers: [{name: web, image: {feed: docker-hub, package: nginx}}]\n"
    )
    step = Step.from_document(project, document)
    step.save()
    page = admin_client.get(step.get_absolute_url()).content.decode()
    assert 'data-picker-for="id_network-network__subnet_ids"' in page
    # Without the roles in the request, the saved step's roles are used.
    response = admin_client.get(
        reverse("projects:steps:pick-aws-id", args=["pickers"]),
        {"kind": "subnets", "step": step.pk},
        HTTP_HX_REQUEST="true",
    )
    assert seeded.subnet_ids[0] in response.content.decode()
