"""A worker's heartbeat: a busy worker keeps its deployment, a silent one loses it quickly."""

from __future__ import annotations

import time

import pytest
from django.conf import LazySettings
from django_q.models import OrmQ

from deployer.deployments.models import Deployment
from deployer.deployments.tasks import Heartbeat, resume_stale_deployments
from deployer.releases.models import Release
from tests.conftest import make_environment, make_project

# The heartbeat thread has its own database connection: it must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def fast_clock(settings: LazySettings) -> LazySettings:
    settings.HEARTBEAT_SECONDS = 0.05
    settings.STALE_AFTER_SECONDS = 0.5
    return settings


@pytest.fixture
def claimed() -> Deployment:
    release = Release.objects.create(project=make_project(), version="1.0.0")
    deployment = Deployment.objects.create(release=release, environment=make_environment())
    taken = Deployment.objects.claim(deployment.pk, "worker-a")
    assert taken is not None
    return taken


def wait_past_stale(settings: LazySettings) -> None:
    # Longer than the stale threshold, during which the worker's own code never gets a turn:
    # as when a poll is stuck in a slow AWS call or in cfn-lint.
    time.sleep(settings.STALE_AFTER_SECONDS * 3)


def test_a_busy_worker_keeps_beating_and_its_deployment_is_not_taken(
    fast_clock: LazySettings, claimed: Deployment
) -> None:
    with Heartbeat(claimed.pk, "worker-a"):
        wait_past_stale(fast_clock)
        assert resume_stale_deployments() == 0
        assert Deployment.objects.claim(claimed.pk, "worker-b") is None
    claimed.refresh_from_db()
    assert claimed.worker == "worker-a"
    assert claimed.attempt == 1
    assert not OrmQ.objects.exists()


def test_a_silent_worker_is_requeued_and_another_claims_the_deployment(
    fast_clock: LazySettings, claimed: Deployment
) -> None:
    wait_past_stale(fast_clock)  # worker-a died right after claiming: no heartbeat thread
    assert resume_stale_deployments() == 1
    assert OrmQ.objects.count() == 1
    resumed = Deployment.objects.claim(claimed.pk, "worker-b")
    assert resumed is not None
    assert (resumed.worker, resumed.attempt) == ("worker-b", 2)
    assert resume_stale_deployments() == 0


def test_a_heartbeat_stops_once_another_worker_has_taken_over(
    fast_clock: LazySettings, claimed: Deployment
) -> None:
    Deployment.objects.filter(pk=claimed.pk).update(worker="worker-b")
    heartbeat = Heartbeat(claimed.pk, "worker-a")
    assert heartbeat.beat() is False
    with heartbeat:
        wait_past_stale(fast_clock)
    before = claimed.heartbeat
    claimed.refresh_from_db()
    # worker-a's thread never beat for worker-b's claim, so it can go stale if worker-b dies.
    assert (claimed.worker, claimed.heartbeat) == ("worker-b", before)


def test_defaults_resume_within_30_seconds_of_a_worker_dying(settings: LazySettings) -> None:
    # The last beat may come just before the worker dies; then the threshold runs out, and the
    # next check of any worker requeues it. Several beats fit in the threshold, so one slow beat
    # on a busy database never makes a live worker look dead.
    assert settings.STALE_AFTER_SECONDS + settings.RESUME_CHECK_SECONDS <= 30 - 2
    assert settings.STALE_AFTER_SECONDS >= 3 * settings.HEARTBEAT_SECONDS
