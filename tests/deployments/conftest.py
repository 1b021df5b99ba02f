"""A fast sandbox, seeded, and a project with one step deploying the demo image to it."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterator
from io import StringIO
from typing import Any

import pytest
from botocore.exceptions import ClientError
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection

from deployer.aws.session import ClientFactory
from deployer.deployments.actions import start_deployment
from deployer.deployments.models import Deployment
from deployer.deployments.tasks import run_deployment
from deployer.projects.models import Project
from deployer.releases.actions import create_release
from deployer.releases.models import Release
from deployer.sandbox.calls import CallLog
from deployer.sandbox.seed import SeedResult, seed_aws
from deployer.sandbox.server import SandboxServer
from steps.document.io import load_document
from steps.models import Step
from targets.models import AwsAccount, Environment
from tests.conftest import any_order_lifecycle

STEP = """
version: 1
name: Deploy web
target_roles: [web-cluster]
configuration: {{task_definition_name: {family}}}
task_size: {{cpu: 256, memory: 512}}
network:
  security_group_ids: [{security_group}]
  subnet_ids: [{subnets}]
containers:
  - name: web
    image: {{feed: sandbox-ecr, package: demo/web}}
    port_mappings: [{{container_port: 80, protocol: tcp}}]
deployment: {{desired_count: 2}}
"""


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(speed=100)
    # Every call is recorded, so a test can count what a deployment asked AWS.
    server.app = CallLog(server.app)  # type: ignore[assignment]
    with server:
        yield server


@pytest.fixture
def aws_calls(sandbox: SandboxServer, seeded: SeedResult) -> CallLog:
    """The AWS calls reaching the sandbox from now on."""
    log = sandbox.app
    assert isinstance(log, CallLog)
    log.clear()
    return log


@pytest.fixture(scope="module")
def seeded_aws(sandbox: SandboxServer) -> SeedResult:
    return seed_aws(sandbox.url)


@pytest.fixture
def seeded(
    db: None, sandbox: SandboxServer, seeded_aws: SeedResult, settings: object
) -> SeedResult:
    settings.POLL_SECONDS = 0.05  # type: ignore[attr-defined]
    call_command("seed_sandbox", url=sandbox.url, stdout=StringIO())
    return seeded_aws


@pytest.fixture
def deployer_user(db: None) -> User:
    """Dev, who deploys."""
    return User.objects.create_user("dev", password="dev-password-123")


@pytest.fixture
def project(seeded: SeedResult, request: pytest.FixtureRequest) -> Project:
    # Tests here deploy to any seeded environment directly; lifecycles are tested on their own.
    project = Project.objects.create(name="Web", slug="web", lifecycle=any_order_lifecycle())
    # Each test gets its own task definition family, hence its own stack.
    name = request.node.name.removeprefix("test_")
    digest = hashlib.sha1(name.encode()).hexdigest()[:6]
    family = f"web-{re.sub(r'[^A-Za-z0-9]+', '-', name)[:40].strip('-')}-{digest}"
    document = load_document(
        STEP.format(
            family=family,
            security_group=seeded.security_group_id,
            subnets=", ".join(seeded.subnet_ids),
        )
    )
    Step.from_document(project, document).save()
    return project


@pytest.fixture
def release_with(project: Project, deployer_user: User) -> Callable[..., Release]:
    def make(tag: str = "1.0.0", version: str | None = None) -> Release:
        count = project.releases.count()
        return create_release(
            project,
            version=version or f"1.0.{count}",
            tags={"sandbox-ecr/demo/web": tag},
            user=deployer_user,
        )

    return make


@pytest.fixture
def deploy(deployer_user: User) -> Callable[..., Deployment]:
    """Queue a deployment and run it in this process, as a worker would."""

    def run(release: Release, environment: str = "Development") -> Deployment:
        from deployer.deployments.actions import start_deployment

        deployment = start_deployment(
            release, Environment.objects.get(name=environment), deployer_user
        )
        run_deployment(deployment.pk)
        deployment.refresh_from_db()
        return deployment

    return run


def log_text(deployment: Deployment) -> str:
    return "\n".join(deployment.log_lines.values_list("text", flat=True))


def aws_client(service: str) -> Any:
    """A client for the seeded sandbox account, as a test reads what a deployment left."""
    return ClientFactory(AwsAccount.objects.get()).client(service, "us-east-1")


def service_task_definition(deployment: Deployment) -> str:
    """`family:revision` that the deployment's service runs now."""
    outputs = deployment.outputs["Deploy web"]
    described = aws_client("ecs").describe_services(
        cluster=outputs["ClusterName"], services=[outputs["ServiceName"]]
    )
    return str(described["services"][0]["taskDefinition"]).rsplit("/", 1)[-1]


def stack_status(name: str) -> str:
    """The stack's status, or "absent"."""
    try:
        stacks = aws_client("cloudformation").describe_stacks(StackName=name)["Stacks"]
    except ClientError:
        return "absent"
    return str(stacks[0]["StackStatus"])


class Worker:
    """Runs one deployment to Development in a thread, as a queue worker would, so that a test
    can act on it (Cancel, Approve, Roll back) while it runs."""

    def __init__(self, release: Release) -> None:
        self.deployment = start_deployment(
            release, Environment.objects.get(name="Development"), None
        )
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        try:
            run_deployment(self.deployment.pk)
        finally:
            connection.close()

    def logged(self, text: str, after: str = "") -> Callable[[], bool]:
        """A condition: `text` is in the log (after the first `after`, if given)."""

        def seen() -> bool:
            log = log_text(self.deployment)
            start = log.find(after) if after else 0
            return start >= 0 and text in log[start:]

        return seen

    def service_deployment(self) -> dict[str, Any]:
        self.deployment.refresh_from_db()
        return dict((self.deployment.rollout or {}).get("service_deployment") or {})

    def awaiting(self) -> dict[str, Any]:
        state = self.service_deployment()
        return state if state.get("awaiting") else {}

    def finish(self) -> Deployment:
        self.thread.join(180)
        assert not self.thread.is_alive(), "the deployment did not end"
        self.deployment.refresh_from_db()
        return self.deployment
