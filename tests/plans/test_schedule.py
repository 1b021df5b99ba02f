"""The scheduled drift check: created once on migrate, every DEPLOYER_DRIFT_CHECK_MINUTES."""

from __future__ import annotations

import pytest
from django_q.models import Schedule

from deployer.plans.apps import DRIFT_SCHEDULE, ensure_drift_schedule

pytestmark = pytest.mark.django_db


def test_the_drift_schedule_follows_the_setting_and_is_made_once(settings: object) -> None:
    settings.DRIFT_CHECK_MINUTES = 7  # type: ignore[attr-defined]
    ensure_drift_schedule()
    ensure_drift_schedule()
    schedule = Schedule.objects.get(name=DRIFT_SCHEDULE)
    assert (schedule.func, schedule.minutes) == ("deployer.plans.drift.check_all_drift", 7)

    settings.DRIFT_CHECK_MINUTES = 0  # type: ignore[attr-defined]
    ensure_drift_schedule()
    assert not Schedule.objects.filter(name=DRIFT_SCHEDULE).exists()
