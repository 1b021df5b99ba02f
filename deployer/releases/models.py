"""Releases: an immutable snapshot of a project's steps, variables and image tags."""

from __future__ import annotations

from django.db import models

from deployer.projects.models import Project


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
        db_table = "deployer_release"
        ordering = ["-created", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="unique_release_version")
        ]

    def __str__(self) -> str:
        return f"{self.project.name} {self.version}"
