"""Queue entry points: each takes an id, checks the row, and never trusts the queue's word."""

from __future__ import annotations

import datetime as dt
import os
import socket

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from deployer.engine import DeploymentRun, blocking_deployment, claim
from deployer.models import Deployment
from deployer.tasklog import TaskLog


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def enqueue_deployment(deployment_id: int) -> None:
    async_task(
        "deployer.tasks.run_deployment", deployment_id, task_name=f"deployment-{deployment_id}"
    )


def run_deployment(deployment_id: int) -> str:
    """Run a deployment if it is still ours to run; a duplicate message finds nothing to do."""
    deployment = (
        Deployment.objects.select_related("release", "environment").filter(pk=deployment_id).first()
    )
    if deployment is None or deployment.is_finished:
        return "nothing to do"
    blocker = blocking_deployment(deployment)
    if blocker is not None:
        note_waiting(deployment, blocker)
        return f"waiting for deployment {blocker.pk}"
    worker = worker_name()
    claimed = claim(deployment_id, worker)
    if claimed is None:
        return "already running elsewhere"
    try:
        DeploymentRun(claimed, worker).run()
    finally:
        start_next_waiting(claimed)
    return "done"


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
    waiting = (
        Deployment.objects.filter(
            release__project_id=finished.release.project_id,
            environment_id=finished.environment_id,
            status=Deployment.Status.QUEUED,
        )
        .order_by("pk")
        .first()
    )
    if waiting is not None:
        enqueue_deployment(waiting.pk)


def resume_deployments() -> int:
    """Scheduled sweep: requeue deployments whose worker vanished or whose message was lost."""
    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.STALE_AFTER_SECONDS)
    lost = now - dt.timedelta(seconds=60)
    candidates = Deployment.objects.filter(
        Q(status=Deployment.Status.RUNNING, heartbeat__lt=stale)
        | Q(status=Deployment.Status.QUEUED, created__lt=lost)
    ).values_list("pk", flat=True)
    count = 0
    for pk in candidates:
        enqueue_deployment(pk)
        count += 1
    return count
