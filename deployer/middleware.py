"""Site-wide protection: login lockout responses (django-axes) and security headers."""

from __future__ import annotations

import datetime as dt
import math

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
