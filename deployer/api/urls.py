"""The API's URLs: token-authenticated, so the login redirect and the page policy skip them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern

from deployer.api.main import api


def token_only(urls: tuple[list[Any], str, str]) -> tuple[list[Any], str, str]:
    """Mark every API view as not needing a session: TokenAuth answers 401 instead."""
    patterns, app_name, namespace = urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            login_not_required(pattern.callback)
    return patterns, app_name, namespace


urls = token_only(api.urls)
