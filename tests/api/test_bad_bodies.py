"""Bad input is the client's error: 400 with a JSON detail, never a 500."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from deployer.api.auth import MAX_BODY_BYTES
from deployer.releases.models import Release

RELEASES = "/api/v1/projects/payments/releases"
DEPLOY = "/api/v1/projects/payments/releases/1.0.0/deployments"


BAD_BODIES = [
    (RELEASES, '{"version": 5}'),  # wrong type
    (RELEASES, '{"images": {"nginx": 1.27}}'),  # wrong type inside
    (RELEASES, '{"images": ["nginx"]}'),
    (RELEASES, '{"version": "1.0.1", "imagez": {}}'),  # unknown key
    (RELEASES, '{"version": '),  # not JSON
    (RELEASES, "[1, 2]"),  # not an object
    (RELEASES, '"text"'),
    (DEPLOY, "{}"),  # missing key
    (DEPLOY, '{"environment": null}'),
    (DEPLOY, '{"environment": "Staging", "force": true}'),
    ("/api/v1/deployments/1/approve", '{"comment": ["x"]}'),
]


def test_bad_bodies_are_400(api_as: Callable[[str], Client], release: Release) -> None:
    client = api_as("admin")
    for path, body in BAD_BODIES:
        response = client.post(path, body, content_type="application/json")
        assert response.status_code == 400, (body, response.content)
        assert response.json()["detail"]
    deep = '{"a": ' * 500 + "1" + "}" * 500  # valid JSON, deeper than a document may be
    for text in ["[" * 5000, '{"name": ', deep]:
        response = client.put(
            "/api/v1/projects/payments/steps/Deploy%20web", text, content_type="application/json"
        )
        assert response.status_code == 400, (text[:50], response.content)


def test_bad_query_parameters_are_400(api_as: Callable[[str], Client], release: Release) -> None:
    client = api_as("admin")
    assert client.get("/api/v1/projects?limit=0").status_code == 400
    assert client.get("/api/v1/projects?limit=101").status_code == 400
    assert client.get("/api/v1/projects?offset=99999999999999999999999").status_code == 400
    assert client.get("/api/v1/projects?limit=x").status_code == 400
    assert client.get("/api/v1/deployments/1/log?after=-1").status_code == 400
    assert client.get("/api/v1/deployments/1/log?after=99999999999999999999999").status_code == 400
    assert client.get("/api/v1/deployments/1/log?limit=100000").status_code == 400


def test_a_huge_body_is_400_before_it_is_read(
    api_as: Callable[[str], Client], release: Release
) -> None:
    huge = '{"notes": "' + "x" * MAX_BODY_BYTES + '"}'
    response = api_as("admin").post(RELEASES, huge, content_type="application/json")
    assert response.status_code == 400
    assert "over the limit" in response.json()["detail"]
    step = api_as("admin").put(
        "/api/v1/projects/payments/steps/Deploy%20web",
        "a: " + "b" * MAX_BODY_BYTES,
        content_type="application/yaml",
    )
    assert step.status_code == 400


def test_bad_step_documents_are_400(api_as: Callable[[str], Client], release: Release) -> None:
    client = api_as("admin")
    for body in [b"\xff\xfe", b"- a list", b"name: [unclosed", b"{}", b"version: 1\n" * 2]:
        response = client.put(
            "/api/v1/projects/payments/steps/Deploy%20web", body, content_type="application/yaml"
        )
        assert response.status_code == 400, (body, response.content)
        assert response.json()["detail"]


def test_unknown_routes_and_wrong_methods_answer_json(api_as: Callable[[str], Client]) -> None:
    client = api_as("admin")
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("Not Found")
    wrong = client.delete("/api/v1/projects")
    assert wrong.status_code == 405
    assert "GET" in wrong.json()["detail"] and "GET" in wrong["Allow"]
