"""The OpenAPI schema is valid, covers every route, and the documentation page is served."""

from __future__ import annotations

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_spec_validator import validate


def api_routes() -> set[str]:
    resolver = next(
        entry
        for entry in get_resolver().url_patterns
        if isinstance(entry, URLResolver) and entry.namespace == "api"
    )
    return {
        "/api/v1/"
        + str(entry.pattern).replace("<int:id>", "{id}").replace("<", "{").replace(">", "}")
        for entry in resolver.url_patterns
        if isinstance(entry, URLPattern)
        and entry.name not in {"api-root", "openapi-json", "openapi-view", "download_client"}
    }


def test_the_schema_is_valid_and_covers_every_route(db: None) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    paths = {path.rstrip("/") for path in schema["paths"]}
    assert api_routes() == paths
    assert {
        "/api/v1/projects",
        "/api/v1/projects/{slug}",
        "/api/v1/projects/{slug}/steps/{name}",
        "/api/v1/projects/{slug}/releases",
        "/api/v1/projects/{slug}/releases/{version}/deployments",
        "/api/v1/deployments/{id}",
        "/api/v1/deployments/{id}/log",
        "/api/v1/deployments/{id}/cancel",
        "/api/v1/deployments/{id}/approve",
        "/api/v1/deployments/{id}/reject",
    } <= paths
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_the_documentation_page_is_served_without_a_cdn(db: None) -> None:
    page = Client().get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn." not in html


def test_the_client_is_downloadable_as_one_file(db: None) -> None:
    response = Client().get("/api/v1/client.py")
    assert response.status_code == 200
    assert b"def main(" in response.content
