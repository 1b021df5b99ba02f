"""Lifecycles and their phases."""

from __future__ import annotations

from django.apps import AppConfig


class LifecyclesConfig(AppConfig):
    name = "deployer.lifecycles"
    label = "lifecycles"
    default_auto_field = "django.db.models.BigAutoField"
