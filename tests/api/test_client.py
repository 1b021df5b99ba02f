"""The client, copied alone next to nothing but Python, against a live server, the sandbox and a
real worker: a release deploys with exit status 0, the crash tag fails with 1 and its reason."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command

from deployer.api.actions import issue_token
from deployer.deployments.models import Deployment
from deployer.notifications.models import Webhook
from deployer.projects.models import Project
from deployer.sandbox.seed import seed_aws
from deployer.sandbox.server import SandboxServer
from steps.document.io import load_document
from steps.models import Step
from tests.conftest import any_order_lifecycle
from tests.deployments.conftest import STEP
from tests.deployments.test_workers import start_workers, stop
from tests.notifications.receiver import valid_signature, webhook_receiver
from tests.sandbox.polling import wait_until

pytestmark = [
    pytest.mark.database,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def client_file(tmp_path: Path) -> Path:
    """The client as a user downloads it: one file, in a folder of its own."""
    return Path(shutil.copy(Path(settings.BASE_DIR) / "deployer" / "client.py", tmp_path))


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(speed=100) as server:
        yield server


def run_client(client: Path, server: str, token: str, *args: str) -> subprocess.CompletedProcess:
    # -I -S: no environment variables of Python's, no site-packages: nothing but the stdlib.
    return subprocess.run(
        [sys.executable, "-I", "-S", str(client), "--server", server, *args],
        env={"DEPLOYER_API_TOKEN": token, "PATH": os.environ.get("PATH", "")},
        cwd=client.parent,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_the_client_creates_releases_and_deploys_them_and_a_webhook_is_told(
    live_server: object, sandbox: SandboxServer, developer: User, client_file: Path
) -> None:
    with contextlib.ExitStack() as stack:
        run_journey(stack, live_server, sandbox, developer, client_file)


def run_journey(
    stack: contextlib.ExitStack,
    live_server: object,
    sandbox: SandboxServer,
    developer: User,
    client_file: Path,
) -> None:
    aws = seed_aws(sandbox.url)
    call_command("seed_sandbox", url=sandbox.url, stdout=StringIO())
    project = Project.objects.create(name="Web", slug="web", lifecycle=any_order_lifecycle())
    text = STEP.format(
        family="api-client-web",
        security_group=aws.security_group_id,
        subnets=", ".join(aws.subnet_ids),
    )
    Step.from_document(project, load_document(text)).save()
    _token, secret = issue_token(developer, "CI")
    server = live_server.url  # type: ignore[attr-defined]
    hooks = stack.enter_context(webhook_receiver())
    webhook = Webhook.objects.create(
        project=project, name="CI", url=hooks.url, events=["succeeded", "failed"]
    )
    workers = start_workers(1, DEPLOYER_ALLOWED_ENDPOINTS=hooks.url)

    def client(*args: str) -> subprocess.CompletedProcess:
        return run_client(client_file, server, secret, *args)

    def to(environment: str) -> tuple[str, ...]:
        return ("--environment", environment, "--poll", "0.2")

    try:
        made = client("create-release", "--project", "web", "--image", "demo/web=1.1.0")
        assert (made.returncode, made.stdout.strip()) == (0, "0.0.1"), made.stderr
        good = client("deploy", "--project", "web", "--version", "0.0.1", *to("Development"))
        assert good.returncode == 0, good.stdout + good.stderr
        deployment = Deployment.objects.get(release__version="0.0.1")
        assert deployment.status == "success"
        assert f"Deployment {deployment.pk}: Success." in good.stdout
        assert "Queued by dev: release 0.0.1 of Web to Development." in good.stdout

        client("create-release", "--project", "web", "--version", "0.0.2",
               "--image", "demo/web=2.1.0-crash")  # fmt: skip
        crashed = client("deploy", "--project", "web", "--version", "0.0.2", *to("Staging"))
        assert crashed.returncode == 1, crashed.stdout + crashed.stderr
        failed = Deployment.objects.get(release__version="0.0.2")
        assert f"Deployment {failed.pk} failed: {failed.failure_reason}" in crashed.stderr
        assert "Essential container in task exited" in failed.failure_reason

        refused = client("deploy", "--project", "web", "--version", "0.0.1", *to("Production"))
        assert refused.returncode == 2 and "Deployer role" in refused.stderr
        step_file = client_file.parent / "web.yaml"
        step_file.write_text(text.replace("desired_count: 2", "desired_count: 3"))
        pushed = client("push-step", str(step_file), "--project", "web")
        assert pushed.stdout.strip() == "Replaced step 'Deploy web' in web (revision 2)"
        assert Step.objects.get().to_document().deployment.desired_count == 3
        status = client("status", str(deployment.pk))
        assert status.returncode == 0 and "success" in status.stdout

        # The webhook was told of both ends, each body signed with its secret.
        wait_until(lambda: len(hooks.requests) == 2, "two webhook deliveries", timeout=30)
        told = {r.data["event"]: r.data["deployment"]["id"] for r in hooks.requests}
        assert told == {"deployment.succeeded": deployment.pk, "deployment.failed": failed.pk}
        for request in hooks.requests:
            assert valid_signature(webhook.secret, request.headers, request.body)
    finally:
        # Nothing is left running to be careful about: a graceful stop would only cost time.
        stop(workers, signal.SIGKILL)
