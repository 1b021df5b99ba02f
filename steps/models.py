"""The stored step: one "Deploy Amazon ECS Service" step of a project, kept as its document."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse

from steps.document.io import document_from_data, document_to_data
from steps.document.model import StepDocument


class Step(models.Model):
    """A project's ECS service step. The step document (all effective values) is the one truth;
    ``revision`` grows on every save so two editors never overwrite each other silently."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    # document_to_data() of the StepDocument: every effective value, nothing omitted.
    document = models.JSONField(default=dict)
    revision = models.PositiveIntegerField(default=1)
    # Named in the message another editor sees when their save is refused as stale.
    updated_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="unique_step_name_per_project")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:steps:edit-step", args=[self.project.slug, self.pk])

    def to_document(self) -> StepDocument:
        """The step as a document; raises ``DocumentError`` only if the stored data is corrupt."""
        return document_from_data(self.document)

    def set_document(self, document: StepDocument) -> None:
        """Replace the stored document (and the name it carries); the caller saves."""
        self.document = document_to_data(document)
        self.name = document.name

    @classmethod
    def from_document(cls, project: Any, document: StepDocument, **fields: Any) -> Step:
        """An unsaved step of ``project`` holding ``document``."""
        step = cls(project=project, **fields)
        step.set_document(document)
        return step

    @property
    def containers(self) -> list[dict[str, Any]]:
        """The containers' stored data, for listing without rebuilding the whole document."""
        containers = self.document.get("containers", [])
        return containers if isinstance(containers, list) else []
