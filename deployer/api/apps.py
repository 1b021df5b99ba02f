"""The HTTP API app: tokens, the ninja routers, the profile page for tokens."""

from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "deployer.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"
