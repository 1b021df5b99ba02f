"""The drift page in a browser: Check now queues a check, and the page follows it to its verdict."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from deployer.deployments.models import Deployment
from deployer.plans.models import DriftCheck
from deployer.releases.models import Release
from tests.browser.conftest import log_in
from tests.browser.test_strict_csp import _with_policy
from tests.conftest import make_environment, make_project
from tests.plans.conftest import make_drifted

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_check_now_shows_checking_until_a_worker_records_the_verdict(
    page: Page, ada: object
) -> None:
    project = make_project("Web", "web")
    environment = make_environment("Development")
    deployment = Deployment.objects.create(
        release=Release.objects.create(project=project, version="1.0.0"),
        environment=environment,
        status=Deployment.Status.SUCCESS,
        finished=timezone.now(),
    )
    make_drifted(deployment)
    page.route("**/*", _with_policy)  # htmx's polling must work under the strict policy
    log_in(page)
    page.goto(reverse("plans:drift", args=["web", environment.pk]))
    expect(page.locator("#drift-differences")).to_contain_text("Desired count")

    page.get_by_role("button", name="Check now").click()
    checking = page.locator("#drift-checking")
    expect(checking).to_contain_text("Checking: asked at")
    # The last verdict stays on screen while no worker has checked.
    expect(page.locator("#drift-differences")).to_contain_text("Desired count")

    # A queue worker finishes the check (this test stands in for it).
    DriftCheck.objects.update(
        status=DriftCheck.Status.CLEAN, differences=[], checked=timezone.now(), requested=None
    )
    expect(page.locator("#drift-result")).to_contain_text("No drift")
    expect(checking).to_have_count(0)
    expect(page.locator("#drift-differences")).to_have_count(0)
