"""The local AWS sandbox as a Django app: its commands and its seeding of the product."""

from __future__ import annotations

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "deployer.sandbox"
    label = "sandbox"
    default_auto_field = "django.db.models.BigAutoField"
