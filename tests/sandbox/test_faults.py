"""Fault injection and reset through the sandbox's control endpoint."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from deployer.sandbox.server import SandboxServer

pytestmark = pytest.mark.slow


def control(
    sandbox: SandboxServer, path: str, payload: dict[str, Any] | None = None, method: str = "POST"
) -> Any:
    request = urllib.request.Request(
        f"{sandbox.url}/moto-api/sandbox{path}",
        data=json.dumps(payload or {}).encode(),
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def client(sandbox: SandboxServer, service: str, attempts: int) -> Any:
    return boto3.client(
        service,
        endpoint_url=sandbox.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"mode": "standard", "total_max_attempts": attempts}),
    )


@pytest.fixture(autouse=True)
def no_faults(sandbox: SandboxServer) -> Any:
    yield
    control(sandbox, "/faults", method="DELETE")


def test_throttling_is_absorbed_by_botocore_retries(sandbox: SandboxServer) -> None:
    control(sandbox, "/faults", {"service": "ecs", "kind": "throttle", "rate": 1.0, "limit": 1})
    ecs = client(sandbox, "ecs", attempts=5)
    answer = ecs.list_clusters()
    assert answer["ResponseMetadata"]["RetryAttempts"] == 1


def test_throttling_beyond_the_retries_reaches_the_caller(sandbox: SandboxServer) -> None:
    control(sandbox, "/faults", {"service": "cloudformation", "kind": "throttle"})
    cloudformation = client(sandbox, "cloudformation", attempts=1)
    with pytest.raises(ClientError) as raised:
        cloudformation.list_stacks()
    assert raised.value.response["Error"]["Code"] == "Throttling"
    assert raised.value.response["Error"]["Message"] == "Rate exceeded"


def test_injected_server_errors_answer_http_500(sandbox: SandboxServer) -> None:
    control(sandbox, "/faults", {"service": "ecs", "kind": "error", "action": "ListClusters"})
    ecs = client(sandbox, "ecs", attempts=1)
    with pytest.raises(ClientError) as raised:
        ecs.list_clusters()
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert ecs.list_services(cluster="default")["serviceArns"] == []


def test_a_share_of_calls_fails_evenly(sandbox: SandboxServer) -> None:
    control(sandbox, "/faults", {"service": "sts", "kind": "throttle", "rate": 0.5})
    sts = client(sandbox, "sts", attempts=1)
    outcomes = []
    for _ in range(6):
        try:
            sts.get_caller_identity()
            outcomes.append("ok")
        except ClientError:
            outcomes.append("throttled")
    assert outcomes.count("throttled") == 3


def test_reset_forgets_everything(sandbox: SandboxServer, aws_client: Callable[[str], Any]) -> None:
    ecs = aws_client("ecs")
    ecs.create_cluster(clusterName="to-forget")
    control(sandbox, "/faults", {"service": "iam", "kind": "throttle"})
    control(sandbox, "/reset")
    assert control(sandbox, "/faults", method="GET") == {"faults": []}
    assert ecs.list_clusters()["clusterArns"] == []
    assert sts_account(aws_client) == "123456789012"


def sts_account(aws_client: Callable[[str], Any]) -> str:
    return str(aws_client("sts").get_caller_identity()["Account"])
