"""The Django app holding the deployment engine and the site-wide pages."""

from __future__ import annotations

from django.apps import AppConfig


class DeployerConfig(AppConfig):
    name = "deployer"
    default_auto_field = "django.db.models.BigAutoField"
