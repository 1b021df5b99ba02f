"""The API object: authentication, error shapes, and one router per domain under /api/v1/."""

from __future__ import annotations

import json
from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.parser import Parser

from deployer.api.auth import TokenAuth
from deployer.api.routers import deployments, downloads, projects, releases, steps


class JsonParser(Parser):
    """JSON bodies; an empty body is an empty object (approve and reject take an optional one)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if not request.body.strip():
            return {}
        return cast(dict[str, Any], json.loads(request.body))


api = NinjaAPI(
    title="Deployer API",
    version="1",
    description="Releases and deployments for CI pipelines. Authenticate with "
    "`Authorization: Bearer <token>`; create a token on your profile page.",
    urls_namespace="api",
    auth=TokenAuth(),
    parser=JsonParser(),
)


@api.exception_handler(ValidationError)
def bad_body(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A body or parameter of the wrong shape is the client's error: 400, naming each place."""
    problems = [
        {"loc": list(error.get("loc", ())), "msg": str(error.get("msg", ""))}
        for error in exc.errors
    ]
    return api.create_response(request, {"detail": problems}, status=400)


# Each domain's routes live in its own module; a new route goes into its domain's router.
api.add_router("/projects", projects.router)
api.add_router("/projects", steps.router)
api.add_router("/projects", releases.router)
api.add_router("/deployments", deployments.router)
api.add_router("", downloads.router)
