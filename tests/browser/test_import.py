"""Adopting a service that runs already: pick it in the browser, read what carries over, create the
step."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from deployer.projects.models import Project
from steps.models import Step
from targets.models import ClusterTarget
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_step_is_created_from_the_seeded_legacy_service(
    page: Page, seeded: object, ada: object
) -> None:
    Project.objects.create(name="Legacy", slug="legacy")
    log_in(page)
    page.goto("/projects/legacy/")
    page.get_by_role("link", name="New step from an existing service").click()

    # Choosing the target lists its cluster's services in place.
    target = ClusterTarget.objects.get(name="sandbox-development")
    page.get_by_label("ECS cluster target").select_option(value=str(target.pk))
    services = page.locator("#services")
    expect(services).to_contain_text("Services in development")
    services.get_by_role("link", name="legacy-web").click()

    preview = page.locator("#preview")
    expect(preview).to_contain_text("legacy-web as a step")
    expect(page.locator("#unmapped")).to_contain_text("Not carried over")
    expect(page.locator("#import-yaml")).to_contain_text("legacy-web", use_inner_text=False)
    with page.expect_navigation():
        preview.get_by_role("button", name="Create step").click()
    expect(page.get_by_text("created from service legacy-web")).to_be_visible()

    step = Step.objects.get(project__slug="legacy")
    document = step.to_document()
    # Both containers of the service, each with the image it runs (a release pins the tag).
    assert len(document.containers) == 2
    assert page.url.endswith(step.get_absolute_url())
