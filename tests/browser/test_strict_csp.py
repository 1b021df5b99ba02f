"""Under `Content-Security-Policy: default-src 'self'` the pages' scripted behaviours still work.

The policy is added to every response in the browser, so the test holds whatever the server
sends; any inline script, handler or style the pages still had would be refused and reported.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, Route, expect

from deployer.deployments.models import Deployment, TaskLogLine
from deployer.projects.models import Project
from deployer.releases.models import Release
from deployer.sandbox.seed import seed_aws
from deployer.sandbox.server import SandboxServer
from steps.document.io import load_document
from steps.models import Step
from targets.models import Environment
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

POLICY = "default-src 'self'"
STEP = """
version: 1
name: Deploy web
target_roles: [web-cluster]
configuration: {{task_definition_name: web}}
network: {{security_group_ids: [{security_group}], subnet_ids: [{subnets}]}}
containers:
  - name: web
    image: {{feed: sandbox-ecr, package: demo/web}}
"""


def _with_policy(route: Route) -> None:
    response = route.fetch()
    route.fulfill(
        response=response, headers={**response.headers, "content-security-policy": POLICY}
    )


def test_scripted_behaviours_work_under_a_strict_policy(
    page: Page, seeded: SandboxServer, ada: object
) -> None:
    aws = seed_aws(seeded.url)
    project = Project.objects.create(name="Web", slug="web")
    step = Step.from_document(
        project,
        load_document(
            STEP.format(security_group=aws.security_group_id, subnets=", ".join(aws.subnet_ids))
        ),
    )
    step.save()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.route("**/*", _with_policy)
    log_in(page)

    # The tag box searches the feed for what is typed.
    page.goto("/projects/web/releases/new/")
    tag = page.locator("[name='tag_0']")
    expect(tag).to_have_value("2.0.0")
    with page.expect_response(lambda r: "/tags/" in r.url and "q=1.1" in r.url):
        tag.fill("1.1")
    expect(page.locator("#tags-0 option")).to_have_count(1)
    expect(page.locator("#tags-0 option")).to_have_attribute("value", "1.1.0")

    # The export dialog opens as a modal and leaves the page when closed.
    page.goto(f"/projects/web/steps/{step.pk}/")
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("link", name="Export to CloudFormation template").click()
    dialog = page.locator("dialog#export-dialog")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    # Deleting a step asks first; declining keeps it.
    page.once("dialog", lambda question: question.dismiss())
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Delete step").click()
    expect(page).to_have_url(re.compile(f"/steps/{step.pk}/$"))
    assert Step.objects.filter(pk=step.pk).exists()

    # The log level filter applies as soon as it is chosen.
    release = Release.objects.create(project=project, version="1.0.0")
    deployment = Deployment.objects.create(
        release=release,
        environment=Environment.objects.get(name="Development"),
        status=Deployment.Status.FAILED,
        finished=timezone.now(),
    )
    TaskLogLine.objects.create(deployment=deployment, number=1, level="info", text="Starting.")
    TaskLogLine.objects.create(deployment=deployment, number=2, level="error", text="It broke.")
    page.goto(deployment.get_absolute_url())
    page.select_option("#level", "error")
    expect(page).to_have_url(re.compile(r"level=error"))
    expect(page.locator("#log-lines")).not_to_contain_text("Starting.")
    expect(page.locator("#log-lines")).to_contain_text("It broke.")

    # The feed form shows only the fields of the chosen feed type.
    page.goto("/infrastructure/feeds/new/")
    page.get_by_label("Amazon ECR").check()
    expect(page.get_by_label("Registry URL")).to_be_hidden()
    expect(page.get_by_label("AWS account")).to_be_visible()

    # Bootstrap's CSS draws select arrows and close buttons as data: images, which this policy
    # refuses too (`img-src 'self' data:` allows them); scripts and styles are what we check.
    assert [text for text in violations if not text.startswith("Loading the image 'data:")] == []
