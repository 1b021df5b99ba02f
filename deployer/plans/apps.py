"""Change plans and drift detection."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

DRIFT_SCHEDULE = "deployer: check drift"


def ensure_drift_schedule(**kwargs: Any) -> None:
    """Every DEPLOYER_DRIFT_CHECK_MINUTES, check each deployed service for drift (0: never)."""
    from django.conf import settings
    from django_q.models import Schedule

    minutes = settings.DRIFT_CHECK_MINUTES
    if minutes <= 0:
        Schedule.objects.filter(name=DRIFT_SCHEDULE).delete()
        return
    Schedule.objects.update_or_create(
        name=DRIFT_SCHEDULE,
        defaults={
            "func": "deployer.plans.drift.check_all_drift",
            "schedule_type": Schedule.MINUTES,
            "minutes": minutes,
            "repeats": -1,
        },
    )


class PlansConfig(AppConfig):
    name = "deployer.plans"
    label = "plans"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(ensure_drift_schedule, sender=self)
