"""Deployments and their task log lines."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from deployer.releases.models import Release
from targets.models import Environment


class DeploymentQuerySet(models.QuerySet["Deployment"]):
    """The queue's rules: one deployment at a time per project and environment, claimed once."""

    def blocking(self, deployment: Deployment) -> Deployment | None:
        """An earlier unfinished deployment of the same project to the same environment.

        Every step of a project deploys to the same stacks in one environment, so serialising per
        project and environment keeps one operation at a time per stack.
        """
        return (
            self.filter(
                release__project_id=deployment.release.project_id,
                environment_id=deployment.environment_id,
            )
            # A deployment approved late is queued behind one that started meanwhile (a later
            # id, already running), as well as behind the earlier ones.
            .filter(
                Q(status__in=Deployment.UNFINISHED, pk__lt=deployment.pk)
                | Q(status=Deployment.Status.RUNNING)
            )
            .exclude(pk=deployment.pk)
            .order_by("pk")
            .first()
        )

    def next_waiting(self, finished: Deployment) -> Deployment | None:
        """The oldest queued deployment of the same project to the same environment."""
        return (
            self.filter(
                release__project_id=finished.release.project_id,
                environment_id=finished.environment_id,
                status=Deployment.Status.QUEUED,
            )
            .order_by("pk")
            .first()
        )

    def claim(self, deployment_id: int, worker: str) -> Deployment | None:
        """Take the deployment if it is queued, or running on a worker that stopped heartbeating.

        A conditional UPDATE: of two workers (or two copies of one queue message) only one wins.
        """
        now = timezone.now()
        stale = now - dt.timedelta(seconds=settings.STALE_AFTER_SECONDS)
        won = (
            self.filter(pk=deployment_id)
            .filter(
                Q(status=Deployment.Status.QUEUED)
                | Q(status=Deployment.Status.RUNNING, heartbeat__lt=stale)
            )
            .update(
                status=Deployment.Status.RUNNING,
                worker=worker,
                heartbeat=now,
                attempt=F("attempt") + 1,
                started=Coalesce("started", now),
            )
        )
        if not won:
            return None
        return self.select_related("release__project", "environment", "created_by").get(
            pk=deployment_id
        )


class Deployment(models.Model):
    """A release deployed to one environment: queued, run by a worker, logged, finished."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCESS = "success", "Success"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        # Held before the queue until an approver decides; takes no worker meanwhile.
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        REJECTED = "rejected", "Rejected"

    UNFINISHED = (Status.QUEUED, Status.RUNNING)

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="deployments")
    environment = models.ForeignKey(
        Environment, on_delete=models.PROTECT, related_name="deployments"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    created_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, related_name="deployments"
    )
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    # Claiming and liveness: the worker that runs the deployment and when it last said so.
    worker = models.CharField(max_length=200, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True)
    attempt = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    # The approver's decision, for an environment that requires approval.
    decided_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)
    phase = models.CharField(max_length=200, blank=True)
    # Desired / running / pending / failed task counts of the rollout being followed.
    rollout = models.JSONField(default=dict, blank=True)
    failure_code = models.CharField(max_length=100, blank=True)
    # Root cause first, then what ECS did about it, then the code: what the summary box shows.
    failure_reason = models.TextField(blank=True)
    # What usually fixes that cause ("raise the task's memory"); empty when there is no advice.
    failure_hint = models.TextField(blank=True)
    # The number of the last task log line handed out; see TaskLog.write for why it lives here.
    log_line_count = models.PositiveIntegerField(default=0)
    outputs = models.JSONField(default=dict, blank=True)
    # The generated template and substituted step documents, for download.
    artifacts = models.JSONField(default=dict, blank=True)

    objects = DeploymentQuerySet.as_manager()

    class Meta:
        db_table = "deployer_deployment"
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["status", "heartbeat"]),
            models.Index(fields=["environment", "status"]),
        ]

    def __str__(self) -> str:
        return f"Deployment {self.pk}: {self.release} to {self.environment}"

    def get_absolute_url(self) -> str:
        return reverse("deployments:detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status not in self.UNFINISHED and not self.is_awaiting_approval

    @property
    def ecs_rollout(self) -> dict[str, Any]:
        """The ECS rollout a running deployment follows, for Approve / Roll back: the service
        deployment of a blue/green, linear or canary strategy (its state), or else the service a
        rolling deployment is updating (cluster, service, target); {} when there is none."""
        if self.status != self.Status.RUNNING:
            return {}
        rollout = self.rollout or {}
        followed = rollout.get("service_deployment") or {}
        if followed:
            return dict(followed) if followed.get("active") else {}
        return dict(rollout.get("service") or {})

    @property
    def is_awaiting_approval(self) -> bool:
        return self.status == self.Status.AWAITING_APPROVAL

    @property
    def elapsed(self) -> str:
        """How long it has run (or ran), as "1m 05s"; empty before it starts."""
        if self.started is None:
            return ""
        end = self.finished or timezone.now()
        seconds = max(0, int((end - self.started).total_seconds()))
        minutes, seconds = divmod(seconds, 60)
        return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


class TaskLogLine(models.Model):
    """One line of a deployment's task log; `number` orders them and lets the page poll for more."""

    class Level(models.TextChoices):
        VERBOSE = "verbose", "Verbose"
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        ERROR = "error", "Error"

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="log_lines")
    number = models.PositiveIntegerField()
    created = models.DateTimeField(auto_now_add=True)
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.INFO)
    text = models.TextField()

    class Meta:
        db_table = "deployer_tasklogline"
        ordering = ["deployment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "number"], name="unique_log_line_number")
        ]

    def __str__(self) -> str:
        return self.text
