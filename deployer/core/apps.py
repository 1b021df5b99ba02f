"""The site-wide app: the dashboard, login protection, the commands that run the site."""

from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "deployer.core"
    # The label of the app that created the domain tables: their migration history stays under it.
    label = "deployer"
    default_auto_field = "django.db.models.BigAutoField"
