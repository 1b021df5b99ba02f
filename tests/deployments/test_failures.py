"""Failed deployments say why: root cause first, then what ECS did, then the code."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from deployer.deployments.models import Deployment
from deployer.releases.models import Release
from tests.deployments.conftest import log_text

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_a_crash_with_the_circuit_breaker_leads_with_the_exit_code_and_the_rollback(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment]
) -> None:
    good = deploy(release_with("1.0.0"))
    assert good.status == "success", log_text(good)
    family = good.outputs["Deploy web"]["TaskDefinitionFamily"]
    crashed = deploy(release_with("2.1.0-crash"))
    assert crashed.status == "failed", log_text(crashed)
    reason = crashed.failure_reason
    assert reason.startswith("Essential container in task exited: container web exit code 1"), (
        reason
    )
    assert f"The circuit breaker rolled the service back to task definition {family}:1." in reason
    # The page's task counts are those of the deployment that failed, not of the rollback.
    assert crashed.rollout["failed"] > 0, crashed.rollout
    assert (
        reason.index("exit code 1")
        < reason.index("circuit breaker")
        < reason.index("ECS-Deployment-DeployFailed")
    )
    assert "read the container's log" in crashed.failure_hint
    log = log_text(crashed)
    assert f"Why: {reason}" in log


def test_the_page_shows_the_cause_and_the_hint(
    admin_client: Client, release_with: Callable[..., Release], deploy: Callable[..., Deployment]
) -> None:
    crashed = deploy(release_with("2.1.0-crash"))
    assert crashed.status == "failed", log_text(crashed)
    page = admin_client.get(crashed.get_absolute_url()).content.decode()
    summary = page[page.index('id="failure-summary"') :]
    # The box reads: the cause, then the hint, then the error code.
    summary = summary[: summary.index("Error code")]
    assert "Essential container in task exited: container web exit code 1" in summary
    assert summary.index("exit code 1") < summary.index("read the container&#x27;s log")
