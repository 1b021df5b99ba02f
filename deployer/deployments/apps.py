"""Deployments: the runner, the task log and the queue entry points."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

RESUME_SCHEDULE = "deployer: resume deployments"


def ensure_resume_schedule(**kwargs: Any) -> None:
    """Every minute, requeue deployments whose worker vanished (see tasks.resume_deployments)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name=RESUME_SCHEDULE,
        defaults={
            "func": "deployer.deployments.tasks.resume_deployments",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )


class DeploymentsConfig(AppConfig):
    name = "deployer.deployments"
    label = "deployments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(ensure_resume_schedule, sender=self)
