"""With the Content-Security-Policy on, the pages that use JavaScript still work in Chromium, and
the browser reports no violation."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import ConsoleMessage, Error, Page, expect

from deployer.deployments.models import Deployment, TaskLogLine
from deployer.projects.models import Project
from deployer.releases.actions import create_release
from deployer.sandbox.seed import seed_aws
from deployer.sandbox.server import SandboxServer
from steps.document.io import load_document
from steps.models import Step
from targets.models import Environment
from tests.browser.conftest import log_in
from tests.deployments.conftest import STEP

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def problems(page: Page) -> Iterator[list[str]]:
    found: list[str] = []

    def console(message: ConsoleMessage) -> None:
        # Chromium reports each refusal on the console ("Refused to ... Content Security Policy").
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            found.append(f"console: {message.text}")

    def page_error(error: Error) -> None:
        found.append(f"page error: {error}")

    page.on("console", console)
    page.on("pageerror", page_error)
    yield found


def test_pages_work_under_the_policy(
    page: Page,
    seeded: SandboxServer,
    ada: object,
    problems: list[str],
) -> None:
    aws = seed_aws(seeded.url)
    project = Project.objects.create(name="Shop", slug="shop")
    document = load_document(
        STEP.format(
            family="csp-web",
            security_group=aws.security_group_id,
            subnets=", ".join(aws.subnet_ids),
        )
    )
    step = Step.from_document(project, document)
    step.save()
    release = create_release(project, version="1.0.0", tags={"sandbox-ecr/demo/web": "1.0.0"})
    deployment = Deployment.objects.create(
        release=release,
        environment=Environment.objects.get(name="Development"),
        status=Deployment.Status.FAILED,
    )
    TaskLogLine.objects.create(deployment=deployment, number=1, level="info", text="Started")
    TaskLogLine.objects.create(deployment=deployment, number=2, level="error", text="Broke")

    response = page.goto("/login/")
    assert response is not None
    assert "default-src 'self'" in response.headers["content-security-policy"]
    log_in(page)

    # Bootstrap's own script: the navigation dropdown opens.
    page.get_by_role("button", name="Infrastructure").click()
    expect(page.get_by_role("link", name="Feeds", exact=True)).to_be_visible()

    # The step editor: a dropdown, an htmx dialog that opens as a modal and leaves when closed,
    # and a confirmation before deleting.
    page.goto(f"/projects/shop/steps/{step.pk}/")
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("link", name="Export to CloudFormation template").click()
    dialog = page.locator("dialog#export-dialog")
    expect(dialog).to_have_attribute("open", "")
    expect(dialog).to_contain_text("AWS::ECS::Service")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)
    asked: list[str] = []

    def answer(confirm: object) -> None:
        asked.append(confirm.message)  # type: ignore[attr-defined]
        confirm.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", answer)
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Delete step").click()
    expect(page.get_by_role("heading", name=re.compile("Deploy web"))).to_be_visible()
    assert asked == ["Delete this step?"]
    assert Step.objects.filter(pk=step.pk).exists()

    # The feed form shows only the chosen type's fields.
    page.goto("/infrastructure/feeds/new/")
    page.get_by_label("Amazon ECR").check()
    expect(page.locator("#div_id_url")).to_be_hidden()
    expect(page.locator("#div_id_region")).to_be_visible()

    # The release form asks the feed for tags as you type, sending what was typed as `q`.
    page.goto("/projects/shop/releases/new/")
    with page.expect_request(re.compile(r"/tags/\?.*\bq=1\.")) as request:
        page.fill("[name='tag_0']", "1.")
    assert "image=demo" in request.value.url

    # The log level filter applies as soon as it is chosen.
    page.goto(f"/deployments/{deployment.pk}/")
    page.select_option("#level", "error")
    page.wait_for_url(re.compile(r"level=error"))
    expect(page.locator("#log-lines")).to_contain_text("Broke")
    expect(page.locator("#log-lines")).not_to_contain_text("Started")

    # The profile page, from the user name in the top bar: a new API token is shown once, with
    # a copy button; the API's documentation page renders from vendored files.
    page.get_by_role("link", name="ada").click()
    page.get_by_label("Token name").fill("CI")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-token")).to_contain_text("dpl_")
    page.get_by_role("button", name="Copy").click()
    page.goto("/api/v1/docs")
    expect(page.locator(".opblock").first).to_be_visible()

    assert problems == []
