"""Which URLs Deployer may call on a user's say-so: https, or what the operator allowed."""

from __future__ import annotations

import urllib.parse

from django.conf import settings

SETTING = "DEPLOYER_ALLOWED_ENDPOINTS"


def is_allowed_endpoint(url: str) -> bool:
    """True for an https URL, or one matching an entry of DEPLOYER_ALLOWED_ENDPOINTS.

    An entry is a host name (any scheme and port), host:port, or a URL prefix such as
    http://10.0.0.5:5000 or http://mirror.internal/v2 (matched at a / boundary, so that
    http://10.0.0.5 does not allow http://10.0.0.50).
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return any(_matches(url, parts, entry) for entry in settings.ALLOWED_ENDPOINTS)


def refusal(field: str) -> str:
    """The error for a URL that is not allowed, naming the field and the setting."""
    return (
        f"{field} must use https. To call a plain http address (a mirror, LocalStack, a "
        f"registry on the local network), add it to the {SETTING} setting "
        "(comma-separated URL prefixes or host names)."
    )


def _matches(url: str, parts: urllib.parse.SplitResult, entry: str) -> bool:
    entry = entry.strip()
    if not entry:
        return False
    if "://" not in entry:
        host = (parts.hostname or "").lower()
        netloc = parts.netloc.rpartition("@")[2].lower()
        return entry.lower() in (host, netloc)
    prefix = urllib.parse.urlsplit(entry)
    if (prefix.scheme.lower(), prefix.netloc.lower()) != (
        parts.scheme.lower(),
        parts.netloc.rpartition("@")[2].lower(),
    ):
        return False
    path = prefix.path.rstrip("/")
    return not path or parts.path == path or parts.path.startswith(path + "/")
