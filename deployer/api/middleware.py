"""Every answer under /api/ is JSON, also those Django gives before the API sees the request."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, JsonResponse

API_PREFIX = "/api/"


class JsonErrorsMiddleware:
    """An unknown API route (404) or a method a route does not take (405) answers
    `{"detail": ...}` like every other API error, keeping the status and the Allow header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not request.path.startswith(API_PREFIX)
            or response.status_code < 400
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        status = HTTPStatus(response.status_code)
        detail = f"{status.phrase}: {request.method} {request.path}"
        if status == HTTPStatus.METHOD_NOT_ALLOWED and response.has_header("Allow"):
            detail += f" (this route takes {response['Allow']})"
        answer = JsonResponse({"detail": detail}, status=response.status_code)
        if response.has_header("Allow"):
            answer["Allow"] = response["Allow"]
        return answer
