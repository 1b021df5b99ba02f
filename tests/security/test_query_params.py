"""Every list page's query parameters: a bad value is ignored or refused with 400, never a 500."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from deployer.deployments.models import Deployment
from deployer.feeds.models import Feed
from deployer.releases.models import Release
from tests.conftest import make_environment, make_project, make_variable
from tests.core.test_auth_required import ROUTES, example_path

ROOT = Path(__file__).resolve().parents[2]

# Each page that reads its query string, and the parameters it reads.
LIST_PAGES: dict[str, tuple[str, ...]] = {
    "/": ("seen",),
    "/projects/": (),
    "/deployments/": ("project", "environment", "status", "page"),
    "/deployments/{deployment}/": ("level",),
    "/deployments/{deployment}/poll/": ("after", "level", "gate"),
    "/projects/payments/variables/": ("q",),
    "/projects/payments/variables/preview/": ("environment",),
    "/projects/payments/releases/": (),
    "/projects/payments/releases/1.0.0/": ("compare",),
    "/projects/payments/releases/1.0.0/plan/": ("environment", "load"),
    "/infrastructure/feeds/": (),
    # Without an image the page answers before asking the registry.
    "/infrastructure/feeds/team/tags/": ("q", "list"),
    "/infrastructure/accounts/": (),
    "/infrastructure/environments/": (),
    "/infrastructure/clusters/": (),
    "/audit/": ("user", "project", "environment", "kind", "since", "until", "page"),
    "/users/": (),
    "/lifecycles/": (),
    "/projects/payments/webhooks/": (),
    "/projects/payments/steps/aws-ids/": ("kind", "for", "q", "step"),
    "/projects/payments/steps/from-service/": ("target", "service", "step_name"),
    "/projects/payments/steps/from-service/services/": ("target",),
    "/projects/payments/steps/from-service/preview/": ("target", "service", "step_name"),
}

BAD_VALUES = [
    "abc",
    "-1",
    "0",
    "1.5",
    "99999999999999999999999999",
    "unknown-choice",
    "x" * 100_000,
    "\x00",
    "\uff11\uff12",  # full-width digits: int() reads them, but they are no id in a URL
    "<script>alert(1)</script>",
    "%",
    "' OR 1=1 --",
]


def read_parameters() -> set[str]:
    """Every GET parameter a view reads, from the source, so that a new one cannot be missed."""
    names: set[str] = set()
    pattern = re.compile(r'(?:request\.GET\.get\(|query_\w+\(request,\s*)"(\w+)"')
    for package in ("deployer", "targets", "steps"):
        for path in (ROOT / package).rglob("*.py"):
            names.update(pattern.findall(path.read_text()))
    return names


@pytest.fixture
def pages(admin: object) -> dict[str, str]:
    project = make_project()
    environment = make_environment()
    make_variable(project, "Greeting", "hello", environment)
    release = Release.objects.create(project=project, version="1.0.0")
    Release.objects.create(project=project, version="1.0.1")
    deployment = Deployment.objects.create(release=release, environment=environment)
    Feed.objects.create(
        name="Team registry", slug="team", kind=Feed.Kind.REGISTRY, url="https://r.example.com"
    )
    return {page.format(deployment=deployment.pk): page for page in LIST_PAGES}


def test_the_table_names_every_list_page() -> None:
    # The API's parameters are checked with a token in tests/api/test_bad_bodies.py.
    list_routes = {
        route
        for name, route in ROUTES
        if name.rpartition(":")[2].startswith("list") and not name.startswith("api:")
    }
    paths = {example_path(route).replace("some-slug", "payments") for route in list_routes}
    assert len(paths) >= 8
    assert paths <= set(LIST_PAGES)


def test_the_table_names_every_parameter_a_view_reads() -> None:
    fuzzed = {name for names in LIST_PAGES.values() for name in names}
    # Read outside list pages: steps' preview (matched as text) and its download switch.
    fuzzed |= {"download", "image"}
    assert read_parameters() <= fuzzed


@pytest.mark.django_db
@pytest.mark.parametrize("page", LIST_PAGES)
def test_bad_query_parameters_never_answer_500(
    admin_client: Client, pages: dict[str, str], page: str
) -> None:
    path = next(path for path, listed in pages.items() if listed == page)
    failures = []
    for name in LIST_PAGES[page] + ("page", "unknown"):
        for value in BAD_VALUES:
            for headers in ({}, {"HX-Request": "true"}):
                response = admin_client.get(path, {name: value}, headers=headers)
                if response.status_code not in (200, 400, 404):
                    failures.append(f"{path}?{name}={value[:20]!r}: {response.status_code}")
    assert failures == []


@pytest.mark.django_db
def test_a_bad_environment_filter_is_ignored(admin_client: Client, pages: dict[str, str]) -> None:
    response = admin_client.get("/deployments/", {"environment": "abc", "status": "nope"})
    assert response.status_code == 200
    assert "No deployments match." not in response.content.decode()


@pytest.mark.django_db
def test_preview_without_an_environment_id_says_what_to_send(
    admin_client: Client, pages: dict[str, str]
) -> None:
    response = admin_client.get("/projects/payments/variables/preview/", {"environment": "abc"})
    assert response.status_code == 400
    assert "environment" in response.content.decode()
