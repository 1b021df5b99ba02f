"""Site-wide protection: login lockout responses (django-axes) and security headers."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def client_ip(request: HttpRequest) -> str:
    """The address a login attempt came from, as counted for lockouts.

    Behind a reverse proxy every request comes from the proxy, so its address would lock out
    everyone at once; the proxy appends the real client to X-Forwarded-For, and only that last
    entry is trusted (the ones before it are whatever the client sent).
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return str(request.META.get("REMOTE_ADDR", ""))


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, object] | None = None,
) -> HttpResponse:
    """The answer to a login attempt during a lockout: 429, saying when to try again."""
    # Each attempt during a lockout starts the cool-off again
    # (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT), so it ends one cool-off from now.
    cool_off = get_cool_off(request) or dt.timedelta(0)
    retry_at = timezone.now() + cool_off
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60))
    response = render(
        request,
        "registration/locked_out.html",
        {"retry_at": retry_at, "minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    response["Retry-After"] = str(math.ceil(cool_off.total_seconds()))
    return response


# Everything a page loads comes from Deployer itself: htmx and Bootstrap are vendored, and no
# template has inline script, on*= handlers or style= attributes (static/deployer/*.js does
# that work). Bootstrap draws form icons as data: SVG images.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy, and keeps logged-in pages out of every cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Django's debug error pages are all inline styles and scripts; with DEPLOYER_DEBUG on
        # (never on a shared server) they stay readable.
        if not (settings.DEBUG and response.status_code >= 400):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Pages show account names, variables and logs: never kept by a browser or proxy
            # for the next person on the machine (the back button after logging out).
            response.headers["Cache-Control"] = "no-store"
        return response
