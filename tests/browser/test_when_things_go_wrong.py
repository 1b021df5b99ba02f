"""When deployments go wrong, in the browser: a crash explained without a reload, a crash loop
ended by the guard, Cancel that cancels, a good release after all of it, and a dashboard that
shows each state as it happens."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from deployer.projects.models import Project
from deployer.releases.actions import create_release
from deployer.releases.models import Release
from deployer.sandbox.seed import seed_aws
from deployer.sandbox.server import SandboxServer
from steps.document.io import load_document
from steps.models import Step
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Its own task definition family: moto's state is shared by every sandbox in one test process,
# and the journey test deploys shop-web.
STEP = """
version: 1
name: Deploy web
target_roles: [web-cluster]
configuration: {{task_definition_name: shop-troubles}}
network:
  security_group_ids: [{security_group}]
  subnet_ids: [{subnets}]
containers:
  - name: web
    image: {{feed: sandbox-ecr, package: demo/web}}
    port_mappings: [{{container_port: 80}}]
deployment: {{desired_count: 2}}
"""


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    # Slow enough that a deployment is still running when a person presses Cancel.
    with SandboxServer(speed=10) as server:
        yield server


def make_project(sandbox_url: str) -> Project:
    aws = seed_aws(sandbox_url)
    project = Project.objects.create(name="Shop", slug="shop")
    text = STEP.format(security_group=aws.security_group_id, subnets=", ".join(aws.subnet_ids))
    Step.from_document(project, load_document(text)).save()
    return project


def release(project: Project, tag: str, user: User) -> Release:
    version = f"0.0.{project.releases.count() + 1}"
    return create_release(project, version=version, tags={"sandbox-ecr/demo/web": tag}, user=user)


def set_circuit_breaker(enable: bool) -> None:
    step = Step.objects.get()
    step.document["deployment"] = {
        "desired_count": 2,
        "circuit_breaker": {"enable": enable, "rollback": enable},
    }
    step.save()


def deploy(page: Page, release: Release) -> None:
    page.goto(f"/projects/shop/releases/{release.version}/")
    page.select_option("#deploy-environment", label="Development")
    page.get_by_role("button", name="Deploy", exact=True).click()
    expect(page.locator("#deployment-status")).to_be_visible()


def dashboard_state(dashboard: Page, status: str, version: str) -> None:
    state = dashboard.locator(f"#dashboard-states .environment-state[data-status={status}]")
    expect(state).to_contain_text(version, timeout=60_000)


def test_failures_explained_crash_loops_ended_cancel_cancels_and_a_good_release_recovers(
    page: Page, browser: object, seeded: SandboxServer, ada: User, worker: None
) -> None:
    project = make_project(seeded.url)
    log_in(page)
    # A second tab keeps the dashboard open while the deployments run.
    dashboard = page.context.new_page()
    dashboard.goto("/")

    # A crashing image with the circuit breaker on: the cause leads the summary, no reload.
    crash = release(project, "2.1.0-crash", ada)
    deploy(page, crash)
    expect(page.locator("#deployment-status")).to_have_text("Failed", timeout=120_000)
    summary = page.locator("#failure-summary")
    expect(summary).to_contain_text("Essential container in task exited")
    expect(summary).to_contain_text("exit code 1")
    expect(summary).to_contain_text("circuit breaker")
    dashboard_state(dashboard, "failed", crash.version)

    # The same crash with the breaker off: the crash-loop guard ends it.
    set_circuit_breaker(False)
    looping = release(project, "2.1.0-crash", ada)
    deploy(page, looping)
    expect(page.locator("#deployment-status")).to_have_text("Failed", timeout=120_000)
    summary = page.locator("#failure-summary")
    expect(summary).to_contain_text("exit code 1")
    expect(summary).to_contain_text("crash-loop guard stopped the deployment after")
    expect(summary).to_contain_text("ECS-Deployment-CrashLoop")
    # The guard's threshold is 3 x the desired count of 2.
    expect(page.locator("#log-lines")).to_contain_text("the crash-loop guard allows 6")
    dashboard_state(dashboard, "failed", looping.version)

    # A good release, cancelled while CloudFormation works on it.
    set_circuit_breaker(True)
    good = release(project, "1.0.0", ada)
    deploy(page, good)
    expect(page.locator("#log-lines")).to_contain_text(
        re.compile(r"(Creating|Updating) stack"), timeout=60_000
    )
    dashboard.reload()
    dashboard_state(dashboard, "running", good.version)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#cancel-deployment").click()
    expect(page.locator("#deployment-status")).to_have_text("Cancelled", timeout=120_000)
    expect(page.locator("#log-lines")).to_contain_text("Deployment Cancelled.")
    expect(page.locator("#log-lines")).to_contain_text(re.compile(r"Stack \S+ is \w+"))
    dashboard_state(dashboard, "cancelled", good.version)

    # Redeploying the good release after all of that succeeds.
    deploy(page, good)
    expect(page.locator("#deployment-status")).to_have_text("Success", timeout=120_000)
    dashboard_state(dashboard, "success", good.version)
    expect(dashboard.locator("#dashboard-states")).not_to_contain_text("Last success")
