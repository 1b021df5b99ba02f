"""The journey: a project and a step built in the forms, a release from the sandbox feed,
a deployment watched live to Success, then a crashing image and its failure summary."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from deployer.sandbox.seed import seed_aws
from deployer.sandbox.server import SandboxServer
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_build_release_deploy_and_see_a_failure_explained(
    page: Page, seeded: SandboxServer, ada: object, worker: None
) -> None:
    log_in(page)
    # Everything the step needs is on the Infrastructure pages: no seed output to dig out.
    page.goto("/infrastructure/clusters/")
    subnets = page.locator("[id^=sandbox-subnets-]").inner_text()
    security_group = page.locator("[id^=sandbox-security-group-]").inner_text()
    aws = seed_aws(seeded.url)  # idempotent: the ids the seed created
    assert subnets == ", ".join(aws.subnet_ids)
    assert security_group == aws.security_group_id

    page.get_by_role("link", name="Projects").click()
    page.get_by_role("link", name="Add project").click()
    page.get_by_label("Name").fill("Shop")
    page.get_by_label("Slug").fill("shop")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=re.compile("Shop"))).to_be_visible()

    page.get_by_role("link", name="Add ECS service step").click()
    page.fill("[name='configuration-name']", "Deploy web")
    page.fill("[name='configuration-target_roles']", "web-cluster")
    page.fill("[name='configuration-configuration__task_definition_name']", "shop-web")
    page.fill("[name='network-network__security_group_ids']", security_group)
    page.fill("[name='network-network__subnet_ids']", subnets)
    page.fill("[name='first-name']", "web")
    page.select_option("[name='first-image__feed_0']", "sandbox-ecr")
    page.fill("[name='first-image__package']", "demo/web")
    page.fill("[name='first-port']", "80")
    page.locator("button[type=submit]", has_text="Save").first.click()
    expect(page.get_by_text("Deploy web").first).to_be_visible()

    page.goto("/projects/shop/")
    page.get_by_role("link", name="Create release").click()
    expect(page.get_by_label("Version")).to_have_value("0.0.1")
    page.fill("[name='tag_0']", "1.0.0")
    page.get_by_role("button", name="Create release").click()
    expect(page.get_by_role("heading", name="Release 0.0.1")).to_be_visible()

    page.select_option("#deploy-environment", label="Development")
    page.get_by_role("button", name="Deploy", exact=True).click()
    # The page polls: the status and the log arrive without a reload.
    expect(page.locator("#deployment-status")).to_have_text("Success", timeout=60_000)
    expect(page.locator("#log-lines")).to_contain_text("CREATE_COMPLETE")
    expect(page.locator("#log-lines")).to_contain_text("Deployment Success.")
    # The downloads and outputs arrive with the last poll, without a reload either.
    expect(page.locator("#deployment-files")).to_contain_text("Deploy web: template")
    expect(page.get_by_text("Output variables")).to_be_visible()

    page.goto("/projects/shop/releases/new/")
    # The newest push is a pre-release: the newest stable tag is preselected instead.
    expect(page.locator("[name='tag_0']")).to_have_value("2.0.0")
    page.fill("[name='tag_0']", "2.1.0-crash")
    page.get_by_role("button", name="Create release").click()
    page.select_option("#deploy-environment", label="Development")
    # Before the click: what the deployment would change, from a change set never executed.
    page.locator("#deploy-form").get_by_role("link", name="Preview changes").click()
    dialog = page.locator("dialog#plan-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".plan-verdict")).to_have_text(
        "The service will roll to a new task definition", timeout=30_000
    )
    expect(dialog).to_contain_text("container web: image")
    expect(dialog).to_contain_text("demo/web:2.1.0-crash")  # the table shows whole references
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    page.get_by_role("button", name="Deploy", exact=True).click()
    expect(page.locator("#deployment-status")).to_have_text("Failed", timeout=60_000)
    summary = page.locator("#failure-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("ECS-Deployment")
    expect(page.locator("#log-lines")).to_contain_text("Essential container in task exited")
