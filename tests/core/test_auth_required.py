"""Every page needs a login, except the login page and the health check."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = {"login", "healthz"}

pytestmark = pytest.mark.django_db


def walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            space = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), space)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern)


def example_path(route: str) -> str:
    # Fill every converter with a plausible value: the page must refuse before looking it up.
    def fill(match: re.Match[str]) -> str:
        converter = match.group(1) or "str"
        return {"int": "1", "slug": "some-slug", "path": "a/b", "uuid": "0" * 32}.get(
            converter, "up"
        )

    return "/" + re.sub(r"<(?:(\w+):)?\w+>", fill, route).lstrip("^").rstrip("$")


ROUTES = sorted(set(walk(get_resolver().url_patterns)))
# The HTTP API answers with a JSON 401 instead of a login redirect (tests/api/test_tokens.py),
# and its documentation is public.
PUBLIC |= {name for name, _ in ROUTES if name.startswith("api:")}


def test_the_walk_finds_the_pages() -> None:
    names = {name for name, _ in ROUTES}
    assert {"dashboard", "targets:list-accounts", "targets:test-connection"} <= names


@pytest.mark.parametrize(("name", "route"), [r for r in ROUTES if r[0] not in PUBLIC])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_requests_are_sent_to_login(name: str, route: str, method: str) -> None:
    path = example_path(route)
    response = getattr(Client(), method)(path)
    assert response.status_code == 302, f"{name} ({path}) answered {response.status_code}"
    assert response["Location"].startswith("/login/?next="), name


def test_login_page_is_public() -> None:
    assert Client().get("/login/").status_code == 200


def test_healthz_is_public_and_checks_the_database() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_static_files_are_public() -> None:
    response = Client().get("/static/vendor/bootstrap/bootstrap.min.css")
    assert response.status_code == 200


def test_login_then_dashboard(admin: object) -> None:
    client = Client()
    response = client.post(
        "/login/", {"username": "ada", "password": "correct horse battery"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert "Dashboard" in response.content.decode()
