"""One deployment at a time per stack, cancelling, timeouts, and throttled AWS calls."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from deployer.deployments.actions import cancel_deployment, start_deployment
from deployer.deployments.models import Deployment
from deployer.deployments.tasks import run_deployment
from deployer.releases.models import Release
from deployer.sandbox.server import SandboxServer
from steps.models import Step
from targets.models import Environment
from tests.deployments.conftest import log_text

pytestmark = [pytest.mark.database, pytest.mark.django_db, pytest.mark.slow]


def queue(release: Release, environment: str = "Development") -> Deployment:
    return start_deployment(release, Environment.objects.get(name=environment), None)


def test_a_second_deployment_of_the_same_stack_waits_for_the_first(
    release_with: Callable[..., Release],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)  # the next deployment starts when one finishes
    first = queue(release_with("1.0.0"))
    second = queue(release_with("1.1.0"))
    assert run_deployment(second.pk) == f"waiting for deployment {first.pk}"
    second.refresh_from_db()
    assert second.status == "queued"
    assert second.phase == f"Waiting for deployment {first.pk}"
    assert f"Waiting for deployment {first.pk}" in log_text(second)
    # The next one is enqueued once the first one's outcome is committed, never before.
    with django_capture_on_commit_callbacks(execute=True) as enqueued:
        assert run_deployment(first.pk) == "done"
    assert len(enqueued) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == "success", log_text(second)
    assert second.started >= first.finished


def test_deployments_to_other_environments_do_not_wait(
    release_with: Callable[..., Release],
) -> None:
    release = release_with("1.0.0")
    development, staging = queue(release, "Development"), queue(release, "Staging")
    assert run_deployment(staging.pk) == "done"
    assert Deployment.objects.get(pk=development.pk).status == "queued"


def test_a_duplicate_queue_message_finds_nothing_to_do(
    release_with: Callable[..., Release],
) -> None:
    deployment = queue(release_with("1.0.0"))
    assert run_deployment(deployment.pk) == "done"
    assert run_deployment(deployment.pk) == "nothing to do"
    deployment.refresh_from_db()
    assert deployment.attempt == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_cancelling_a_running_deployment_stops_it_at_the_next_poll(
    release_with: Callable[..., Release],
) -> None:
    deployment = queue(release_with("1.0.0"))
    # The cancel request arrives from another thread while the worker polls the stack.
    timer = threading.Timer(0.3, lambda: Deployment.objects.filter(pk=deployment.pk).update(
        cancel_requested=True
    ))  # fmt: skip
    timer.start()
    try:
        run_deployment(deployment.pk)
    finally:
        timer.cancel()
    deployment.refresh_from_db()
    log = log_text(deployment)
    assert deployment.status == "cancelled", log
    assert "Deployment cancelled." in log
    assert "Stack cf-ecs-" in log  # where the stack was left


def test_cancel_request_on_a_running_deployment_is_logged(
    release_with: Callable[..., Release],
) -> None:
    deployment = queue(release_with("1.0.0"))
    Deployment.objects.filter(pk=deployment.pk).update(status="running")
    cancel_deployment(deployment, None)
    deployment.refresh_from_db()
    assert deployment.cancel_requested
    assert "Cancellation requested; the deployment stops at its next poll." in log_text(deployment)


def test_wait_with_timeout_fails_naming_the_phase(
    release_with: Callable[..., Release], monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer
) -> None:
    import deployer.deployments.engine

    step = Step.objects.get()
    step.document["deployment_options"] = {"wait": "wait_with_timeout", "timeout_minutes": 1}
    step.document["deployment"]["circuit_breaker"] = {"enable": False, "rollback": False}
    step.save()
    # A crash-looping service without a circuit breaker never settles; let the clock run fast
    # so one minute passes in a fraction of a second.
    began = time.monotonic()
    monkeypatch.setattr(
        deployer.deployments.engine.DeploymentRun,
        "clock",
        staticmethod(lambda: began + (time.monotonic() - began) * 300),
    )
    deployment = queue(release_with("2.1.0-crash"))
    run_deployment(deployment.pk)
    deployment.refresh_from_db()
    log = log_text(deployment)
    assert deployment.status == "failed", log
    assert deployment.failure_code == "ECS-Deployment-Timeout"
    assert "Timed out after" in deployment.failure_reason
    assert "waiting for" in deployment.failure_reason


def sandbox_control(
    sandbox: SandboxServer, method: str, path: str, body: dict | None = None
) -> None:
    request = urllib.request.Request(
        f"{sandbox.url}/moto-api/sandbox{path}",
        data=json.dumps(body or {}).encode(),
        method=method,
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=5).close()


def test_throttling_on_a_third_of_calls_still_succeeds_and_is_logged(
    release_with: Callable[..., Release], sandbox: SandboxServer
) -> None:
    deployment = queue(release_with("1.0.0"))
    for service in ("cloudformation", "ecs"):
        sandbox_control(
            sandbox, "POST", "/faults", {"service": service, "kind": "throttle", "rate": 0.34}
        )
    try:
        run_deployment(deployment.pk)
    finally:
        sandbox_control(sandbox, "DELETE", "/faults")
    deployment.refresh_from_db()
    log = log_text(deployment)
    assert deployment.status == "success", log
    # CloudFormation says Throttling, ECS ThrottlingException; a deployment now asks ECS so
    # little that its calls may all fall between the throttled ones.
    assert re.search(r"with Throttling(Exception)?; retrying", log), log


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_deployments_of_two_stacks_run_in_parallel(
    release_with: Callable[..., Release], seeded: object
) -> None:
    from django.db import connection

    release = release_with("1.0.0")
    development, staging = queue(release, "Development"), queue(release, "Staging")

    def work(pk: int) -> None:
        try:
            run_deployment(pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(d.pk,)) for d in (development, staging)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    development.refresh_from_db()
    staging.refresh_from_db()
    assert development.status == staging.status == "success"
    # Each started before the other finished.
    assert development.started < staging.finished
    assert staging.started < development.finished
