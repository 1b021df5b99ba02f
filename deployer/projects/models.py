"""Projects, their variables, and the feeds images come from."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from deployer.crypto import EncryptedTextField
from targets.models import AwsAccount, Environment

slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    "Use lowercase letters, digits and single hyphens, e.g. payments-api.",
)


class Project(models.Model):
    """A named unit of deployment with variables and one or more ECS service steps."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, validators=[slug_validator])
    description = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.slug])


class Variable(models.Model):
    """One value of a project variable, for all environments or scoped to some."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="variables")
    name = models.CharField(max_length=200)
    # A sensitive value is kept encrypted here and never shown again; plain values stay readable
    # in `value` so they can be searched and compared.
    value = models.TextField(blank=True)
    secret_value = EncryptedTextField(blank=True)
    is_sensitive = models.BooleanField("Sensitive", default=False)
    description = models.TextField(blank=True)
    environments = models.ManyToManyField(Environment, blank=True, related_name="variables")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["project", "name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_value(self) -> str:
        return self.secret_value if self.is_sensitive else self.value


class Feed(models.Model):
    """Where container images come from: Docker Hub, a Docker Registry v2, or Amazon ECR."""

    class Kind(models.TextChoices):
        DOCKER_HUB = "docker-hub", "Docker Hub"
        REGISTRY = "registry", "Docker Registry v2"
        ECR = "ecr", "Amazon ECR"

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, validators=[slug_validator])
    kind = models.CharField(max_length=20, choices=Kind.choices)
    url = models.URLField("Registry URL", blank=True)
    username = models.CharField(max_length=200, blank=True)
    password = EncryptedTextField("Password or token", blank=True)
    account = models.ForeignKey(
        AwsAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="feeds"
    )
    region = models.CharField(max_length=32, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<Feed {self.pk}: {self.slug}>"


class Release(models.Model):
    """An immutable snapshot of a project's steps and variables, with one image tag per image."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="releases")
    version = models.CharField(max_length=100)
    notes = models.TextField("Release notes", blank=True)
    # {"steps": [step document data...], "variables": [...], "images": {...}}; never updated.
    snapshot = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, related_name="releases"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="unique_release_version")
        ]

    def __str__(self) -> str:
        return f"{self.project.name} {self.version}"


class Deployment(models.Model):
    """A release deployed to one environment: queued, run by a worker, logged, finished."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCESS = "success", "Success"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

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

    class Meta:
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
        return self.status not in self.UNFINISHED

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
        ordering = ["deployment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "number"], name="unique_log_line_number")
        ]

    def __str__(self) -> str:
        return self.text
