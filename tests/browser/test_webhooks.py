"""A project editor adds a webhook in the browser and reads what it was sent."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from deployer.deployments import actions
from deployer.notifications.models import Webhook
from deployer.releases.models import Release
from tests.api.conftest import (  # noqa: F401  (fixtures are found by name)
    _docker_hub,
    payments,
    people,
    release,
)
from tests.browser.conftest import log_in
from tests.conftest import stage
from tests.notifications.receiver import valid_signature, webhook_receiver

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_webhook_is_added_in_the_browser_and_lists_each_delivery(
    page: Page,
    release: Release,  # noqa: F811
    admin: User,
    settings: Any,
    sync_queue: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No worker deploys: the queued event is what this test follows.
    monkeypatch.setattr(actions, "enqueue_deployment", lambda pk: None)
    with webhook_receiver() as receiver:
        settings.ALLOWED_ENDPOINTS = [receiver.url]
        log_in(page)
        page.goto("/projects/payments/")
        page.get_by_role("link", name="Webhooks").click()
        page.get_by_role("link", name="Add webhook").click()
        page.locator("#id_name").fill("CI")
        url = page.locator("#id_url")
        url.fill("http://10.1.2.3/hook")
        page.get_by_label("Deployment queued").check()
        page.get_by_role("button", name="Save").click()
        # A plain http address outside the allowed endpoints is refused, naming the setting.
        expect(page.locator(".invalid-feedback")).to_contain_text("must use https")
        expect(page.locator(".invalid-feedback")).to_contain_text("DEPLOYER_ALLOWED_ENDPOINTS")

        url.fill(receiver.url)
        page.get_by_role("button", name="Save").click()
        hook = Webhook.objects.get()
        expect(page.locator("#webhook-secret")).to_have_text(hook.secret)
        expect(page.locator("tbody")).to_contain_text("Nothing sent yet.")

        deployment = actions.start_deployment(release, stage("Development"), admin)
        page.reload()
        attempt = page.locator("tbody tr").first
        expect(attempt).to_contain_text("Deployment queued")
        expect(attempt).to_contain_text("200")
        expect(attempt.get_by_role("link", name=str(deployment.pk))).to_be_visible()
        sent = receiver.requests[0]
        assert valid_signature(hook.secret, sent.headers, sent.body)
        assert sent.data["deployment"]["id"] == deployment.pk
