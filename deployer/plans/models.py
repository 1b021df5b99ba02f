"""What the last successful deployment made run, and the latest drift check against it."""

from __future__ import annotations

from django.db import models

from deployer.deployments.models import Deployment
from deployer.projects.models import Project
from targets.models import ClusterTarget, Environment


class DeployedState(models.Model):
    """A step's service as its last successful deployment left it, in comparable settings."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(ClusterTarget, on_delete=models.CASCADE, related_name="+")
    step_name = models.CharField(max_length=200)
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="+")
    stack_name = models.CharField(max_length=128)
    service_name = models.CharField(max_length=255)
    # deployer.plans.settings: setting name -> value, AWS defaults filled in.
    settings = models.JSONField(default=dict)
    recorded = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "environment", "target", "step_name"],
                name="one_deployed_state_per_step_and_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} in {self.environment}: {self.step_name} on {self.target}"


class DriftCheck(models.Model):
    """The latest drift check of a project in an environment."""

    class Status(models.TextChoices):
        CLEAN = "clean", "No drift"
        DRIFTED = "drifted", "Drifted"
        ERROR = "error", "Could not check"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="+")
    # Blank until the first check has finished.
    status = models.CharField(max_length=10, choices=Status.choices, blank=True)
    # [{"step", "target", "setting", "deployed", "running"}] and error lines, masked.
    differences = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    checked = models.DateTimeField(null=True, blank=True)
    # When someone asked for a check now that no worker has finished yet.
    requested = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "environment"], name="one_drift_check_per_environment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} in {self.environment}: {self.status}"

    @property
    def drifted(self) -> bool:
        return self.status == self.Status.DRIFTED
