"""Teams, roles and the one permission function."""

from __future__ import annotations

from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "deployer.access"
    label = "access"
    default_auto_field = "django.db.models.BigAutoField"
