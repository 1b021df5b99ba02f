"""Every endpoint, called with a token of each person, answers as the role table says."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from deployer.deployments.models import Deployment
from deployer.releases.models import Release
from tests.api.conftest import STEP, deployment_to

ADMIN, DEV, RM, OUT = "admin", "developer", "release_manager", "outsider"
EVERYONE = {ADMIN, DEV, RM, OUT}
EDITORS = {ADMIN, DEV}
PRODUCTION_DEPLOYERS = {ADMIN, RM}

# (method, path, body, who may) — {prod} is a deployment to Production awaiting approval.
STEP_URL = "/api/v1/projects/payments/steps/Deploy%20web"
TABLE: dict[str, tuple[str, str, object, set[str]]] = {
    "list projects": ("get", "/api/v1/projects", None, EVERYONE),
    "get project": ("get", "/api/v1/projects/payments", None, EVERYONE),
    "get step": ("get", STEP_URL, None, EVERYONE),
    "put step": ("put", STEP_URL, "yaml", EDITORS),
    "create release": ("post", "/api/v1/projects/payments/releases", {"version": "2.0.0"}, EDITORS),
    "deploy": (
        "post",
        "/api/v1/projects/payments/releases/1.0.0/deployments",
        {"environment": "Production"},
        PRODUCTION_DEPLOYERS,
    ),
    "plan": (
        "get",
        "/api/v1/projects/payments/releases/1.0.0/plan?environment=Production",
        None,
        EVERYONE,
    ),
    "get deployment": ("get", "/api/v1/deployments/{prod}", None, EVERYONE),
    "get log": ("get", "/api/v1/deployments/{prod}/log?after=0", None, EVERYONE),
    "cancel": ("post", "/api/v1/deployments/{prod}/cancel", None, PRODUCTION_DEPLOYERS),
    "approve": ("post", "/api/v1/deployments/{prod}/approve", {}, PRODUCTION_DEPLOYERS),
    "continue": (
        "post",
        "/api/v1/deployments/{prod}/continue",
        {"action": "continue"},
        PRODUCTION_DEPLOYERS,
    ),
    "reject": (
        "post",
        "/api/v1/deployments/{prod}/reject",
        {"comment": "no"},
        PRODUCTION_DEPLOYERS,
    ),
}


def call(client: Client, method: str, path: str, body: object) -> object:
    if body == "yaml":
        return client.put(path, STEP, content_type="application/yaml")
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, body, content_type="application/json")


@pytest.mark.parametrize("endpoint", sorted(TABLE))
def test_each_person_gets_what_the_role_table_says(
    endpoint: str, api_as: Callable[[str], Client], release: Release
) -> None:
    method, path, body, allowed = TABLE[endpoint]
    prod = deployment_to(release, "Production", Deployment.Status.AWAITING_APPROVAL)
    # Refusals first: an allowed call may change what the next person finds (a 409 then).
    for person in sorted(EVERYONE, key=lambda who: who in allowed):
        response = call(api_as(person), method, path.format(prod=prod.pk), body)
        status = response.status_code  # type: ignore[attr-defined]
        detail = response.json()  # type: ignore[attr-defined]
        if person in allowed:
            assert status < 400 or status == 409, f"{person} got {status} for {endpoint}: {detail}"
        else:
            assert status == 403, f"{person} was let into {endpoint} ({status})"
            assert "Ask an administrator" in detail["detail"]


def test_the_table_covers_every_route_of_the_api() -> None:
    from deployer.api.main import api

    routes = {
        (method.lower(), path)
        for path, item in api.get_openapi_schema(path_prefix="/api/v1")["paths"].items()
        for method in item
    }
    covered = {
        (method, path.split("?")[0].replace("{prod}", "{id}").replace("%20", " "))
        for method, path, _, _ in TABLE.values()
    }
    covered = {
        (m, p.replace("Deploy web", "{name}").replace("/payments", "/{slug}")) for m, p in covered
    }
    covered = {(m, p.replace("/1.0.0/", "/{version}/")) for m, p in covered}
    assert routes == covered
