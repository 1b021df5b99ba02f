"""A new user logs in and finds the sandbox ready: account, environments, clusters that answer."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_seeded_sandbox_clusters_answer_test_connection(
    page: Page, seeded: object, ada: object
) -> None:
    log_in(page)
    page.get_by_role("button", name="Infrastructure").click()
    page.get_by_role("link", name="Accounts", exact=True).click()
    expect(page.get_by_text("Local sandbox (simulated AWS)")).to_be_visible()
    page.goto("/infrastructure/environments/")
    for name in ("Development", "Staging", "Production"):
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    page.goto("/infrastructure/clusters/")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(3)
    for index, cluster in enumerate(("development", "production", "staging")):
        row = rows.nth(index)
        expect(row).to_contain_text(f"sandbox-{cluster}")
        row.get_by_role("button", name="Test connection").click()
        # The result arrives inline through HTMX: no page load.
        expect(row).to_contain_text(f"Cluster {cluster} is ACTIVE")
    assert page.url.endswith("/infrastructure/clusters/")


def test_anonymous_visitors_are_sent_to_the_login_page(page: Page, ada: object) -> None:
    page.goto("/infrastructure/accounts/")
    assert page.url.endswith("/login/?next=/infrastructure/accounts/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
