"""One fast sandbox server shared by the sandbox contract tests, plus boto3 client helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from deployer.sandbox.seed import SeedResult, seed_aws
from deployer.sandbox.server import SandboxServer

TEST_SPEED = 50.0


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(speed=TEST_SPEED) as server:
        yield server


@pytest.fixture(scope="module")
def aws_client(sandbox: SandboxServer) -> Callable[[str], Any]:
    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )

    def make(service: str) -> Any:
        return session.client(service, endpoint_url=sandbox.url)

    return make


@pytest.fixture(scope="module")
def seeded(sandbox: SandboxServer) -> SeedResult:
    return seed_aws(sandbox.url)


@pytest.fixture(scope="module")
def cloudformation(aws_client: Callable[[str], Any]) -> Any:
    return aws_client("cloudformation")


@pytest.fixture(scope="module")
def ecs(aws_client: Callable[[str], Any]) -> Any:
    return aws_client("ecs")
