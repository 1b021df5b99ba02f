"""The "Deploy Amazon ECS Service" step: its document, validation, template and editor."""

from __future__ import annotations

from django.apps import AppConfig


class StepsConfig(AppConfig):
    name = "steps"
    default_auto_field = "django.db.models.BigAutoField"
