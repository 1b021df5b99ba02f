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


def test_a_step_gets_its_network_from_the_pickers_without_typing_ids(
    page: Page, seeded: object, ada: object
) -> None:
    from deployer.projects.models import Project
    from steps.models import Step
    from targets.models import AwsAccount
    from tests.steps.editor.test_views_editor import make_step

    resources = AwsAccount.objects.get(is_sandbox=True).sandbox_resources
    first, second = resources["subnet_ids"]
    step = make_step(Project.objects.create(name="Picked", slug="picked"))
    log_in(page)
    page.goto(f"/projects/picked/steps/{step.pk}/")

    subnets = page.locator("#id_network-network__subnet_ids")
    subnets.fill("")
    subnets.focus()
    choices = page.locator("#picker-id_network-network__subnet_ids [data-pick]")
    # The account's default VPC has subnets too; typing narrows the list to the seeded ones.
    expect(choices.first).to_be_visible()
    subnets.type("deployer-sandbox")
    expect(choices).to_have_count(2)
    expect(choices.first).to_contain_text("deployer-sandbox-subnet-1")
    choices.first.click()
    # The pick replaces what was typed.
    expect(subnets).to_have_value(first)
    subnets.press("End")
    subnets.type(", sandbox-subnet-2")
    expect(choices).to_have_count(1)
    choices.first.click()
    expect(subnets).to_have_value(f"{first}, {second}")

    groups = page.locator("#id_network-network__security_group_ids")
    groups.fill("")
    groups.type("deployer-sandbox-web")
    picked = page.locator("#picker-id_network-network__security_group_ids [data-pick]")
    expect(picked).to_have_count(1)
    picked.first.click()
    expect(groups).to_have_value(resources["security_group_id"])
    with page.expect_navigation():
        page.locator("#editor-form").get_by_role("button", name="Save").click()
    network = Step.objects.get(pk=step.pk).document["network"]
    assert network["subnet_ids"] == [first, second]
    assert network["security_group_ids"] == [resources["security_group_id"]]
