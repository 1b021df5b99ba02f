"""Releases: immutable snapshots of a project's steps, variables and image tags."""

from __future__ import annotations

from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "deployer.releases"
    label = "releases"
    default_auto_field = "django.db.models.BigAutoField"
