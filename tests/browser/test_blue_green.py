"""A blue/green deployment in the browser: the page shows the pause after test traffic and the
traffic split, Approve lets it finish, and Roll back ends it failed with the old revision
serving."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from deployer.deployments.models import Deployment
from deployer.projects.models import Project
from deployer.releases.actions import create_release
from deployer.sandbox.seed import seed_aws
from deployer.sandbox.server import SandboxServer
from steps.models import Step
from tests.browser.conftest import log_in
from tests.deployments.conftest import service_task_definition
from tests.deployments.test_strategies import step_document

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def deploy(page: Page, version: str) -> None:
    page.goto(f"/projects/shop/releases/{version}/")
    page.select_option("#deploy-environment", label="Development")
    page.get_by_role("button", name="Deploy", exact=True).click()
    expect(page.locator("#deployment-status")).to_be_visible()


def test_approve_lets_a_paused_blue_green_deployment_finish_and_roll_back_undoes_one(
    page: Page, seeded: SandboxServer, ada: User, worker: None
) -> None:
    aws = seed_aws(seeded.url)
    project = Project.objects.create(name="Shop", slug="shop")
    # Its own task definition family: moto's state is shared by every sandbox in one process.
    document = step_document(aws, "shop-blue-green", "blue_green", "shop-5xx", bake=1)
    Step.from_document(project, document).save()
    for version, tag in (("1.0.0", "1.0.0"), ("1.1.0", "1.1.0"), ("1.2.0", "1.0.0")):
        create_release(project, version=version, tags={"sandbox-ecr/demo/web": tag}, user=ada)
    log_in(page)

    deploy(page, "1.0.0")
    expect(page.locator("#deployment-status")).to_have_text("Success", timeout=60_000)

    deploy(page, "1.1.0")
    expect(page.locator("#service-deployment-stage")).to_contain_text(
        "Awaiting approval at POST_TEST_TRAFFIC_SHIFT", timeout=60_000
    )
    expect(page.locator("#service-deployment-strategy")).to_have_text("ECS blue/green")
    expect(page.locator("#service-deployment-traffic")).to_have_text(
        "production 0% new · test 100% new"
    )
    page.locator("#approve-service-deployment").click()
    expect(page.locator("#deployment-status")).to_have_text("Success", timeout=60_000)
    expect(page.locator("#log-lines")).to_contain_text("Approved at POST_TEST_TRAFFIC_SHIFT by ada")
    expect(page.locator("#service-deployment-traffic")).to_have_text(
        "production 100% new · test 100% new"
    )
    expect(page.locator("#approve-service-deployment")).to_have_count(0)

    # Roll back at the same pause, after confirming: the deployment fails, 1.1.0 still serves.
    deploy(page, "1.2.0")
    expect(page.locator("#service-deployment-stage")).to_contain_text(
        "Awaiting approval at POST_TEST_TRAFFIC_SHIFT", timeout=60_000
    )
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#roll-back-service-deployment").click()
    expect(page.locator("#deployment-status")).to_have_text("Failed", timeout=60_000)
    expect(page.locator("#log-lines")).to_contain_text("Rolled back by ContinueServiceDeployment")
    expect(page.locator("#service-deployment-traffic")).to_have_text(
        "production 0% new · test 0% new"
    )
    served = Deployment.objects.filter(release__version="1.1.0").get()
    assert service_task_definition(served).endswith(":2")
