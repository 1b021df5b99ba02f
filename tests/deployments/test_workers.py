"""Real `qcluster` workers: a killed worker's deployment is resumed, and two workers on the Redis
broker and PostgreSQL drain twenty deployments with none lost or run twice."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from deployer.deployments.actions import start_deployment
from deployer.deployments.models import Deployment
from deployer.projects.models import Project
from deployer.releases.actions import create_release
from deployer.sandbox.seed import seed_aws
from deployer.sandbox.server import SandboxServer
from steps.document.io import load_document
from steps.models import Step
from targets.models import Environment
from tests.conftest import any_order_lifecycle
from tests.deployments.conftest import STEP, log_text, stack_status
from tests.sandbox.polling import wait_until

pytestmark = [
    pytest.mark.database,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REDIS_URL = "redis://127.0.0.1:6379/7"


def database_url() -> str:
    """The test database, as a worker process started now must reach it."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


def start_workers(count: int, **env: str) -> list[subprocess.Popen[bytes]]:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEPLOYER_POLL_SECONDS": "0.1",
        "DEPLOYER_WORKERS": "2",
        **env,
    }
    return [
        subprocess.Popen(
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "qcluster"],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(count)
    ]


def stop(workers: list[subprocess.Popen[bytes]], sig: int = signal.SIGTERM) -> None:
    for worker in workers:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, sig)
    for worker in workers:
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)


def make_project(index: int, aws: object, prefix: str) -> Project:
    # Each test its own families: moto's state outlives a sandbox server within one process.
    # Development and Staging at once: a lifecycle in which each environment is optional.
    project = Project.objects.create(
        name=f"Scale {index}", slug=f"scale-{index}", lifecycle=any_order_lifecycle()
    )
    document = load_document(
        STEP.format(
            family=f"{prefix}-{index}",
            security_group=aws.security_group_id,  # type: ignore[attr-defined]
            subnets=", ".join(aws.subnet_ids),  # type: ignore[attr-defined]
        )
    )
    Step.from_document(project, document).save()
    return project


@pytest.fixture
def slow_sandbox() -> Iterator[SandboxServer]:
    # Slow enough that a deployment is still running when its worker is killed.
    with SandboxServer(speed=4) as server:
        yield server


def test_a_killed_workers_deployment_is_resumed_by_another_worker_within_30_seconds(
    slow_sandbox: SandboxServer,
) -> None:
    aws = seed_aws(slow_sandbox.url)
    call_command("seed_sandbox", url=slow_sandbox.url, stdout=StringIO())
    release = create_release(
        make_project(0, aws, "killed"), version="1.0.0", tags={"sandbox-ecr/demo/web": "1.0.0"}
    )
    # The default heartbeat, stale threshold and resume check: what an operator gets.
    workers = start_workers(2)
    try:
        deployment = start_deployment(release, Environment.objects.get(name="Development"), None)
        creating = wait_until(
            lambda: deployment.log_lines.filter(text__startswith="Creating stack").first(),
            "a worker to start creating the stack",
        )
        # Killed once CloudFormation has the stack: a worker killed before its CreateStack call
        # reached AWS leaves nothing to wait for, and the resumed attempt rightly creates it.
        stack_name = creating.text.removeprefix("Creating stack ").rstrip(".")
        wait_until(
            lambda: stack_status(stack_name) == "CREATE_IN_PROGRESS",
            "CloudFormation to start creating the stack",
        )
        deployment.refresh_from_db()
        group = os.getpgid(int(deployment.worker.rpartition(":")[2]))
        victim = next(worker for worker in workers if worker.pid == group)
        killed_at = time.monotonic()
        stop([victim], signal.SIGKILL)  # the machine died: no chance to clean up
        wait_until(
            lambda: Deployment.objects.filter(pk=deployment.pk, attempt=2).exists(),
            "another worker to resume the deployment",
            timeout=90,
        )
        resumed_after = time.monotonic() - killed_at
        wait_until(
            lambda: Deployment.objects.get(pk=deployment.pk).is_finished,
            "the resumed deployment to finish",
            timeout=180,
        )
    finally:
        stop(workers)
    deployment.refresh_from_db()
    log = log_text(deployment)
    assert resumed_after <= 30, f"resumed {resumed_after:.1f} s after its worker died"
    assert deployment.status == "success", log
    assert deployment.attempt == 2
    assert "Resuming (attempt 2)" in log
    # The resumed attempt waited for the stack the dead worker started instead of racing it.
    assert log.count("Creating stack") == 1


@pytest.fixture
def redis_queue() -> Iterator[None]:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield
    client.flushdb()


def test_two_workers_on_redis_and_postgresql_drain_twenty_deployments(
    redis_queue: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the scale-out configuration runs on PostgreSQL (make test's second run)")
    # Four deployments at a time share two cores with the sandbox: a moderate speed keeps the
    # sandbox's simulated deadlines (service stabilisation) clear of a busy machine's delays.
    with SandboxServer(speed=25) as sandbox:
        drain_twenty(sandbox, monkeypatch)


def drain_twenty(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from django_q.conf import Conf

    # This process queues into Redis too, as every web server of a scaled-out install does.
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", REDIS_URL)
    aws = seed_aws(sandbox.url)
    call_command("seed_sandbox", url=sandbox.url, stdout=StringIO())
    releases = [
        create_release(
            make_project(i, aws, "scale"), version="1.0.0", tags={"sandbox-ecr/demo/web": "1.0.0"}
        )
        for i in range(10)
    ]
    workers = start_workers(
        2, DEPLOYER_QUEUE_BROKER="redis", REDIS_URL=REDIS_URL, DEPLOYER_POLL_SECONDS="0.3"
    )
    try:
        deployments = [
            start_deployment(release, Environment.objects.get(name=name), None)
            for release in releases
            for name in ("Development", "Staging")
        ]
        unfinished = Deployment.objects.filter(status__in=Deployment.UNFINISHED)
        wait_until(lambda: not unfinished.exists(), "twenty deployments to finish", timeout=240)
    finally:
        stop(workers)
    rows = Deployment.objects.filter(pk__in=[d.pk for d in deployments])
    assert rows.count() == 20
    failures = {
        d.pk: f"{d.failure_code}: {d.failure_reason}" for d in rows if d.status != "success"
    }
    assert not failures, failures
    assert set(rows.values_list("attempt", flat=True)) == {1}  # none ran twice
    for deployment in rows:
        assert log_text(deployment).count("Deploying Scale") == 1
    assert len(set(rows.values_list("worker", flat=True))) >= 2  # the work was shared
