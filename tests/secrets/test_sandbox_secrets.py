"""The sandbox reads `Secrets` from SSM: a task whose parameter is missing never starts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest

from deployer.sandbox.seed import SeedResult
from deployer.sandbox.server import SandboxServer
from tests.sandbox.polling import wait_until

pytestmark = pytest.mark.slow
CLUSTER = "staging"


@pytest.fixture
def client(sandbox: SandboxServer) -> Callable[[str], Any]:
    def make(service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=sandbox.url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    return make


def run_with_secret(
    client: Callable[[str], Any], seeded: SeedResult, value_from: str, family: str
) -> Callable[[], dict[str, Any]]:
    ecs = client("ecs")
    definition = ecs.register_task_definition(
        family=family,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "web",
                "image": f"{seeded.repository_uri}:1.0.0",
                "essential": True,
                "secrets": [{"name": "DB_PASSWORD", "valueFrom": value_from}],
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    arn = ecs.run_task(
        cluster=CLUSTER,
        taskDefinition=definition,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": seeded.subnet_ids}},
    )["tasks"][0]["taskArn"]
    return lambda: dict(ecs.describe_tasks(cluster=CLUSTER, tasks=[arn])["tasks"][0])


def test_a_task_reading_an_existing_secure_string_runs(
    client: Callable[[str], Any], seeded_aws: SeedResult
) -> None:
    ssm = client("ssm")
    ssm.put_parameter(Name="/deployer/sandbox/Dev/Present", Value="x-1", Type="SecureString")
    arn = ssm.get_parameter(Name="/deployer/sandbox/Dev/Present")["Parameter"]["ARN"]
    task = run_with_secret(client, seeded_aws, arn, "secret-present")
    wait_until(lambda: task()["lastStatus"] == "RUNNING", "the task to run")


def test_a_task_reading_a_missing_parameter_fails_to_start(
    client: Callable[[str], Any], seeded_aws: SeedResult
) -> None:
    arn = "arn:aws:ssm:us-east-1:123456789012:parameter/deployer/sandbox/Dev/Missing"
    task = run_with_secret(client, seeded_aws, arn, "secret-missing")
    stopped = wait_until(lambda: task() if task()["lastStatus"] == "STOPPED" else None, "a stop")
    assert stopped["stopCode"] == "TaskFailedToStart"
    assert stopped["stoppedReason"].startswith("ResourceInitializationError:")
    assert "/deployer/sandbox/Dev/Missing" in stopped["stoppedReason"]
