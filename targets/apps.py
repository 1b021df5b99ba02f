"""AWS accounts, environments and ECS cluster targets: where deployments go."""

from __future__ import annotations

from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "targets"
    default_auto_field = "django.db.models.BigAutoField"
