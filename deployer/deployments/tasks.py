"""Queue entry points: each takes an id, checks the row, and never trusts the queue's word."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Iterable

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from deployer.deployments.engine import DeploymentRun
from deployer.deployments.models import Deployment
from deployer.deployments.tasklog import TaskLog

logger = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def enqueue_deployment(deployment_id: int) -> None:
    async_task(
        "deployer.deployments.tasks.run_deployment",
        deployment_id,
        task_name=f"deployment-{deployment_id}",
    )


def run_deployment(deployment_id: int) -> str:
    """Run a deployment if it is still ours to run; a duplicate message finds nothing to do."""
    deployment = (
        Deployment.objects.select_related("release", "environment").filter(pk=deployment_id).first()
    )
    if deployment is None or deployment.is_finished:
        return "nothing to do"
    blocker = Deployment.objects.blocking(deployment)
    if blocker is not None:
        note_waiting(deployment, blocker)
        return f"waiting for deployment {blocker.pk}"
    worker = worker_name()
    claimed = Deployment.objects.claim(deployment_id, worker)
    if claimed is None:
        return "already running elsewhere"
    try:
        with Heartbeat(claimed.pk, worker):
            DeploymentRun(claimed, worker).run()
    finally:
        start_next_waiting(claimed)
    return "done"


class Heartbeat:
    """Records, from its own thread, every HEARTBEAT_SECONDS, that this worker runs the deployment.

    Its own thread, so that a deployment stuck in a slow AWS call, cfn-lint or a long database
    wait still counts as alive: only a worker that is gone stops beating, and only then may
    another worker claim the deployment (claim() stays a conditional UPDATE).
    """

    def __init__(self, deployment_id: int, worker: str) -> None:
        self.deployment_id = deployment_id
        self.worker = worker
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"heartbeat-{deployment_id}", daemon=True
        )

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def beat(self) -> bool:
        """Record the beat; False once the deployment is no longer running on this worker."""
        ours = Deployment.objects.filter(
            pk=self.deployment_id, worker=self.worker, status=Deployment.Status.RUNNING
        )
        # Read first: a read never waits for a writer, so a row this thread cannot see (claimed
        # in a transaction not yet committed) ends the thread instead of queueing for the lock.
        return ours.exists() and bool(ours.update(heartbeat=timezone.now()))

    def _run(self) -> None:
        try:
            while not self._stop.wait(settings.HEARTBEAT_SECONDS):
                try:
                    if not self.beat():
                        return
                except DatabaseError:
                    # A busy database delays this beat; the next one tries again, well before
                    # STALE_AFTER_SECONDS runs out.
                    logger.warning("Heartbeat of deployment %s failed", self.deployment_id)
        finally:
            connections.close_all()  # this thread's own connection


def note_waiting(deployment: Deployment, blocker: Deployment) -> None:
    phase = f"Waiting for deployment {blocker.pk}"
    if (
        Deployment.objects.filter(pk=deployment.pk, status=Deployment.Status.QUEUED)
        .exclude(phase=phase)
        .update(phase=phase)
    ):
        TaskLog(deployment).info(
            f"Waiting for deployment {blocker.pk} ({blocker.release.version} to "
            f"{blocker.environment.name}) to finish: one deployment at a time per stack."
        )


def start_next_waiting(finished: Deployment) -> None:
    waiting = Deployment.objects.next_waiting(finished)
    if waiting is not None:
        # Like every enqueue that follows a write: only once the write is visible to the worker.
        transaction.on_commit(lambda: enqueue_deployment(waiting.pk))


def resume_deployments() -> int:
    """Scheduled sweep: requeue deployments whose worker vanished or whose message was lost."""
    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.STALE_AFTER_SECONDS)
    lost = now - dt.timedelta(seconds=60)
    candidates = Deployment.objects.filter(
        Q(status=Deployment.Status.RUNNING, heartbeat__lt=stale)
        | Q(status=Deployment.Status.QUEUED, created__lt=lost)
    ).values_list("pk", flat=True)
    return _enqueue_all(candidates)


def resume_stale_deployments() -> int:
    """The quick sweep every worker runs: requeue running deployments whose worker went silent.

    django-q's scheduler looks at its schedules only every 30 seconds, too seldom to resume
    within 30 seconds of a worker dying; so each `qcluster` runs this every
    RESUME_CHECK_SECONDS besides (see deployer/management/commands/qcluster.py).
    """
    stale = timezone.now() - dt.timedelta(seconds=settings.STALE_AFTER_SECONDS)
    candidates = Deployment.objects.filter(
        status=Deployment.Status.RUNNING, heartbeat__lt=stale
    ).values_list("pk", flat=True)
    return _enqueue_all(candidates)


def _enqueue_all(candidates: Iterable[int]) -> int:
    count = 0
    for pk in candidates:
        enqueue_deployment(pk)
        count += 1
    return count
