"""The client factory: keys, assumed roles, endpoints and caching."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from deployer.aws.session import USER_AGENT, ClientFactory
from tests.conftest import make_account

pytestmark = pytest.mark.django_db


@mock_aws
def test_clients_use_the_account_keys() -> None:
    factory = ClientFactory(make_account())
    credentials = factory.session().get_credentials()
    assert credentials.access_key == "AKIAIOSFODNN7EXAMPLE"


@mock_aws
def test_clients_are_cached_per_region_and_service() -> None:
    factory = ClientFactory(make_account())
    assert factory.client("ecs", "us-east-1") is factory.client("ecs", "us-east-1")
    assert factory.client("ecs", "us-east-1") is not factory.client("ecs", "eu-west-1")
    assert factory.client("ecs", "us-east-1") is not factory.client("cloudformation", "us-east-1")


@mock_aws
def test_assume_role_calls_aws_as_the_role() -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    role = iam.create_role(RoleName="deployer", AssumeRolePolicyDocument="{}")["Role"]
    account = make_account(
        role_arn=role["Arn"], external_id="ext-123", role_session_name="deployer-test"
    )
    identity = ClientFactory(account).client("sts", "us-east-1").get_caller_identity()
    assert identity["Arn"].endswith(":assumed-role/deployer/deployer-test")


def test_endpoint_url_and_user_agent_are_applied() -> None:
    account = make_account(endpoint_url="http://127.0.0.1:5055")
    client = ClientFactory(account).client("ecs", "us-east-1")
    assert client.meta.endpoint_url == "http://127.0.0.1:5055"
    assert USER_AGENT in client.meta.config.user_agent_extra
    assert client.meta.config.retries["mode"] == "adaptive"
