"""Roles in the browser: the developer is not offered Production; the release manager approves."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from deployer.deployments.actions import start_deployment
from deployer.deployments.models import Deployment
from deployer.releases.models import Release
from steps.document.io import document_to_data, load_document
from tests.browser.conftest import log_in
from tests.conftest import any_order_lifecycle, make_project, make_target, stage

pytestmark = [pytest.mark.browser]

STEP = """\
version: 1
name: Deploy web
target_roles: [web-cluster]
configuration: {task_definition_name: web}
network: {security_group_ids: [sg-0123abcd], subnet_ids: [subnet-0123abcd]}
containers:
  - name: web
    image: {feed: docker-hub, package: nginx}
"""


@pytest.fixture
def release(transactional_db: None) -> Release:
    environments = tuple(stage(name) for name in ("Development", "Staging", "Production"))
    production = environments[2]
    production.requires_approval = True
    production.save()
    make_target(environments=environments)
    # Any order: only the roles, not the lifecycle, decide what each person is offered here.
    project = make_project()
    project.lifecycle = any_order_lifecycle()
    project.save()
    document = document_to_data(load_document(STEP))
    return Release.objects.create(
        project=project,
        version="1.0.0",
        snapshot={"steps": [{"name": "Deploy web", "document": document}], "images": []},
    )


def test_the_developer_cannot_see_deploy_to_production(
    page: Page, release: Release, developer: User, release_manager: User
) -> None:
    log_in(page, "dev")
    page.goto("/projects/payments/releases/1.0.0/")
    lifecycle = page.locator("#lifecycle")
    expect(lifecycle.get_by_role("button", name="Deploy to Development")).to_be_visible()
    expect(lifecycle.get_by_role("button", name="Deploy to Staging")).to_be_visible()
    expect(lifecycle.get_by_role("button", name="Deploy to Production")).to_have_count(0)
    expect(page.locator("#deploy-environment option")).to_have_text(["Development", "Staging"])
    page.goto("/projects/payments/releases/")
    expect(page.get_by_role("button", name="Deploy to Staging")).to_be_visible()
    expect(page.get_by_role("button", name="Deploy to Production")).to_have_count(0)


def test_the_release_manager_approves_a_waiting_deployment(
    page: Page, release: Release, admin: User, release_manager: User
) -> None:
    waiting = start_deployment(release, stage("Production"), admin)
    log_in(page, "rita")
    page.goto("/")
    page.get_by_role("link", name="Payments 1.0.0 to Production").click()
    expect(page.locator("#approval")).to_contain_text("Asked by ada")
    page.get_by_label("Comment").fill("Change window open")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved: the deployment is queued.")).to_be_visible()
    expect(page.locator("#deployment-status")).to_have_text("Queued")
    waiting.refresh_from_db()
    assert waiting.status == Deployment.Status.QUEUED and waiting.decided_by == release_manager
