"""Keyboard users keep their place: focus survives the step editor's HTMX swaps."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route, expect

from deployer.projects.models import Project
from tests.browser.conftest import log_in
from tests.steps.editor.test_views_editor import make_step

pytestmark = pytest.mark.browser


def _posted(response: object) -> bool:
    return response.request.method == "POST"  # type: ignore[attr-defined]


def test_focus_stays_where_the_user_was_across_editor_swaps(page: Page, ada: object) -> None:
    step = make_step(Project.objects.create(name="Shop", slug="shop"))
    log_in(page)
    page.goto(f"/projects/shop/steps/{step.pk}/")

    # The skip link is the first tab stop and lands in the main content.
    page.keyboard.press("Tab")
    expect(page.locator("#skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    # Inline validation: leaving a field with Tab swaps that field; the next field keeps focus
    # (the field's "AWS docs" link is not a tab stop in between).
    family = page.locator("#id_configuration-configuration__task_definition_name")
    family.fill("web-2")
    with page.expect_response(_posted):
        family.press("Tab")
    expect(page.locator("#id_configuration-configuration__task_role_arn")).to_be_focused()

    # Typing on while the field's check is on its way (a pick from a picker sends the change and
    # leaves focus in the field): the answer, carrying the field as sent, keeps the rest typed.
    held: list[Route] = []
    page.route(
        "**/steps/**",
        lambda route: held.append(route) if route.request.method == "POST" else route.continue_(),
    )
    family.focus()
    family.fill("web-3")
    family.dispatch_event("change")
    while not held:
        page.wait_for_timeout(20)
    page.keyboard.type("-api")
    with page.expect_response(_posted):
        held[0].continue_()
    page.unroute("**/steps/**")
    expect(family).to_have_value("web-3-api")
    expect(family).to_be_focused()
    # Leaving the field checks what it holds now.
    with page.expect_request(lambda r: r.method == "POST" and "web-3-api" in (r.post_data or "")):
        family.press("Tab")

    # Changing the CPU refreshes its whole section; the CPU select keeps focus.
    cpu = page.locator("#id_size-task_size__cpu_0")
    cpu.focus()
    with page.expect_response(_posted):
        cpu.select_option("512")
    expect(page.locator("#id_size-task_size__cpu_0")).to_be_focused()

    # "Add tag" from the keyboard: the new row's first box has focus, ready to type.
    add_tag = page.get_by_role("button", name="Add tag")
    add_tag.focus()
    with page.expect_response(_posted):
        page.keyboard.press("Enter")
    new_row = page.locator("#rows-tags .step-row").last
    expect(new_row.locator("input:not([type=hidden])").first).to_be_focused()
    page.keyboard.type("team")
    expect(new_row.locator("input:not([type=hidden])").first).to_have_value("team")
