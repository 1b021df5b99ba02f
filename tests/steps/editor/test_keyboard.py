"""Keyboard and screen reader use of the pages: skip link, help links, labelled boxes."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from deployer.projects.models import Project
from steps.models import Step
from tests.steps.editor.test_views_editor import make_step

pytestmark = pytest.mark.django_db


class Elements(HTMLParser):
    """Every start tag with its attributes, in order, and the text of each label."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.labels: dict[str, str] = {}  # label id → text
        self._label: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.tags.append((tag, values))
        if tag == "label" and values.get("id"):
            self._label = values["id"]
            self.labels[self._label] = ""

    def handle_data(self, data: str) -> None:
        if self._label:
            self.labels[self._label] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label = None

    def find(self, tag: str, **wanted: str) -> list[dict[str, str]]:
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and all(attrs.get(k) == v for k, v in wanted.items())
        ]


def parse(html: str) -> Elements:
    elements = Elements()
    elements.feed(html)
    return elements


@pytest.fixture
def step() -> Step:
    return make_step(Project.objects.create(name="Shop", slug="shop"))


def test_every_page_starts_with_a_skip_link_to_the_main_content(admin_client: Client) -> None:
    page = parse(admin_client.get(reverse("dashboard")).content.decode())
    first_link = page.find("a")[0]
    assert first_link["href"] == "#main"
    assert page.find("main", id="main")
    assert "Skip to main content" in admin_client.get(reverse("dashboard")).content.decode()


def test_every_page_links_the_favicon(admin_client: Client, client: Client) -> None:
    for html in (
        admin_client.get(reverse("dashboard")).content.decode(),
        client.get("/login/").content.decode(),
    ):
        icons = parse(html).find("link", rel="icon")
        assert icons and icons[0]["href"].endswith("deployer/favicon.svg")
    from django.contrib.staticfiles import finders

    assert finders.find("deployer/favicon.svg")


def test_aws_docs_links_are_not_tab_stops_inside_the_form(admin_client: Client, step: Step) -> None:
    html = admin_client.get(
        reverse("projects:steps:edit-step", args=["shop", step.pk])
    ).content.decode()
    docs = [a for a in parse(html).find("a") if a.get("href", "").startswith("https://docs.aws")]
    assert docs, "the editor links the AWS documentation"
    assert all(link.get("tabindex") == "-1" for link in docs)


def test_expression_boxes_are_labelled_with_their_field(admin_client: Client, step: Step) -> None:
    html = admin_client.get(
        reverse("projects:steps:edit-step", args=["shop", step.pk])
    ).content.decode()
    page = parse(html)
    boxes = [attrs for attrs in page.find("input") if attrs.get("placeholder") == "#{Variable}"]
    assert boxes, "the editor has expression boxes"
    for box in boxes:
        assert page.find("label", **{"for": box["id"]}), box["id"]
        names = [page.labels.get(ref, "").strip() for ref in box["aria-labelledby"].split()]
        assert all(names), (box["id"], box["aria-labelledby"])
    cpu = next(box for box in boxes if box["id"].endswith("task_size__cpu_1"))
    assert [page.labels[ref].strip() for ref in cpu["aria-labelledby"].split()] == [
        "Task CPU (units)",
        "expression",
    ]


def test_scripts_are_files_so_a_strict_content_security_policy_holds(
    admin_client: Client, step: Step
) -> None:
    for url in (
        reverse("dashboard"),
        reverse("projects:steps:edit-step", args=["shop", step.pk]),
    ):
        page = parse(admin_client.get(url).content.decode())
        scripts = page.find("script")
        assert any(s.get("src", "").endswith("deployer/ui.js") for s in scripts)
        assert all(s.get("src") for s in scripts), "no inline <script>"
