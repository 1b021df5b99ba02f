"""Feeds: where container images come from, and the registry clients that read them."""

from __future__ import annotations

from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "deployer.feeds"
    label = "feeds"
    default_auto_field = "django.db.models.BigAutoField"
