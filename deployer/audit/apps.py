"""The audit trail app; connects the signals that record changes."""

from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "deployer.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from deployer.audit import signals

        signals.connect()
