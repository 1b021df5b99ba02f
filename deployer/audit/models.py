"""AuditEvent: one recorded change or login; never updated or deleted by the product."""

from __future__ import annotations

from typing import Any

from django.db import models


class AppendOnly(Exception):
    """Raised on any attempt to change or delete an audit record."""


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnly("Audit records cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly("Audit records cannot be deleted.")


class AuditEvent(models.Model):
    """Who did what, when, from where (UI, command, API), to which object."""

    class Source(models.TextChoices):
        UI = "ui", "UI"
        COMMAND = "command", "Command"
        API = "api", "API"
        SYSTEM = "system", "System"

    created = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept as written, so the record still names a user who is later removed.
    username = models.CharField(max_length=150, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SYSTEM)
    remote_address = models.GenericIPAddressField(null=True, blank=True)
    # "project.created", "step.changed", "deployment.approved", "login.failed", …
    kind = models.CharField(max_length=50, db_index=True)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=50, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    environment = models.ForeignKey(
        "targets.Environment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    summary = models.CharField(max_length=500)
    # What changed: field names, a step document's differences, a variable's scope. Never a
    # sensitive value.
    details = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return self.summary

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnly("Audit records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly("Audit records cannot be deleted.")
