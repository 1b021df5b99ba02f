"""Response headers: a Content-Security-Policy everywhere, no-store on logged-in pages; and no
template carries what that policy would refuse."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import make_project

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted(
    path
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]
    for path in folder.rglob("*.html")
)
# What a policy of default-src 'self' refuses: inline scripts, inline event handlers, style
# attributes and <style> elements, and htmx features that evaluate text as code.
REFUSED = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "on*= handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "style= attribute": re.compile(r"\sstyle\s*=", re.I),
    "<style> element": re.compile(r"<style\b", re.I),
    "hx-on": re.compile(r"\s(?:data-)?hx-on", re.I),
    "js: value": re.compile(r"""=\s*['"]\s*js:""", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def test_the_scan_finds_the_templates() -> None:
    names = {path.name for path in TEMPLATES}
    assert {"base.html", "login.html", "export.html"} <= names


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_template_has_what_the_policy_refuses(path: Path) -> None:
    text = re.sub(r"\{#.*?#\}", "", path.read_text(), flags=re.S)  # template comments
    found = [what for what, pattern in REFUSED.items() if pattern.search(text)]
    assert found == []


def policy(response: object) -> dict[str, str]:
    header = response["Content-Security-Policy"]  # type: ignore[index]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def test_the_login_page_has_the_policy_and_may_not_be_framed() -> None:
    response = Client().get("/login/")
    directives = policy(response)
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path", ["/", "/projects/", "/projects/payments/variables/", "/infrastructure/accounts/"]
)
def test_logged_in_pages_have_the_policy_and_are_never_stored(
    admin_client: Client, path: str
) -> None:
    make_project()
    response = admin_client.get(path)
    assert response.status_code == 200
    assert policy(response)["default-src"] == "'self'"
    assert response["Cache-Control"] == "no-store"


def test_htmx_partials_are_never_stored_either(htmx_client: Client) -> None:
    make_project()
    response = htmx_client.get(
        "/projects/payments/variables/", headers={"HX-Target": "variable-table"}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
