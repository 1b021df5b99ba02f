"""The account pre-flight checks, one by one, against AWS in process."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from deployer.aws import account_checks as checks
from deployer.aws.inventory import trusts_ecs_tasks

REGION = "us-east-1"


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def trust(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
            ],
        }
    )


@pytest.fixture
def aws() -> Any:
    with mock_aws():
        yield


def test_the_cluster_must_be_active_and_have_the_steps_capacity_providers(aws: None) -> None:
    ecs = client("ecs")
    ecs.create_cluster(clusterName="plain")
    assert checks.check_cluster(ecs, "plain", []) == []
    [missing] = checks.check_cluster(ecs, "nowhere", [])
    assert "cluster nowhere is missing, not ACTIVE" in missing.message
    [provider] = checks.check_cluster(ecs, "plain", ["FARGATE_SPOT"])
    assert provider.field == "deployment.capacity_providers[0]"
    assert "has no capacity provider FARGATE_SPOT (it has none)" in provider.message


def test_network_ids_must_exist_in_one_vpc_and_target_groups_fit(aws: None) -> None:
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    other = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="g", Description="g", VpcId=other)["GroupId"]
    findings, vpcs = checks.check_network(ec2, [subnet], [group, "sg-0123abcd"])
    assert vpcs == {vpc, other}
    assert [f.field for f in findings] == ["network.security_group_ids[1]", "network"]
    assert "different VPCs" in findings[1].message

    elbv2 = client("elbv2")
    arn = elbv2.create_target_group(
        Name="tg", Protocol="HTTP", Port=8080, VpcId=other, TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]
    gone = arn.replace("/tg/", "/gone/")
    uses = [checks.TargetGroupUse("lb[0]", arn, 80), checks.TargetGroupUse("lb[1]", gone, 80)]
    messages = [str(f) for f in checks.check_target_groups(elbv2, uses, {vpc})]
    assert messages == [
        "lb[0]: target group tg uses port 8080 but the mapping sends traffic to container port "
        "80: make them the same.",
        f"lb[0]: target group tg is in {other}, not in the network's VPC ({vpc}): use a target "
        "group of that VPC.",
        f"lb[1]: target group {gone} does not exist: create it (target type ip) or pick an "
        "existing one.",
    ]


def test_roles_must_exist_and_trust_ecs_tasks(aws: None) -> None:
    iam = client("iam")
    good = iam.create_role(
        RoleName="good", AssumeRolePolicyDocument=trust("ecs-tasks.amazonaws.com")
    )
    lambda_role = iam.create_role(
        RoleName="lambda", AssumeRolePolicyDocument=trust("lambda.amazonaws.com")
    )
    findings = checks.check_roles(
        iam,
        [
            checks.Use("task_execution_role.arn", good["Role"]["Arn"]),
            checks.Use("configuration.task_role_arn", lambda_role["Role"]["Arn"]),
            checks.Use("task_execution_role.arn", "arn:aws:iam::123456789012:role/gone"),
        ],
    )
    assert [str(f) for f in findings] == [
        "configuration.task_role_arn: role lambda does not trust ecs-tasks.amazonaws.com: add it "
        "as a service principal to the role's trust policy.",
        "task_execution_role.arn: role arn:aws:iam::123456789012:role/gone does not exist: "
        "create it or pick another.",
    ]
    assert trusts_ecs_tasks(trust("ecs-tasks.amazonaws.com"))


def test_secrets_and_parameters_must_exist(aws: None) -> None:
    secret = client("secretsmanager").create_secret(Name="db", SecretString="x")["ARN"]
    client("ssm").put_parameter(Name="/app/key", Value="x", Type="SecureString")
    account = "123456789012"
    uses = [
        checks.Use("a", f"{secret}:password::"),
        checks.Use("b", f"arn:aws:ssm:{REGION}:{account}:parameter/app/key"),
        checks.Use("c", f"arn:aws:ssm:{REGION}:{account}:parameter/app/gone"),
        checks.Use("d", f"arn:aws:secretsmanager:{REGION}:{account}:secret:gone-AbCdEf"),
    ]
    findings = checks.check_secrets(lambda service, region: client(service), uses, REGION)
    assert [f.field for f in findings] == ["d", "c"]
