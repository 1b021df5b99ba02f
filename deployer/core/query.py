"""Reading list pages' query parameters: a bad value is ignored, never a 500."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest

# Longer than any name, slug or search a user types; longer values are typos or probes.
MAX_QUERY_LENGTH = 200
# The largest id any supported database stores (PostgreSQL's bigint).
MAX_ID = 2**63 - 1


def query_text(request: HttpRequest, name: str) -> str:
    """The parameter as text, or "" when it is too long or holds a NUL (PostgreSQL refuses it)."""
    value = request.GET.get(name, "")
    if len(value) > MAX_QUERY_LENGTH or "\x00" in value:
        return ""
    return value


def query_id(request: HttpRequest, name: str) -> int | None:
    """The parameter as a row id, or None when it is missing or not one."""
    value = query_text(request, name).strip()
    if not value.isdecimal() or not value.isascii():
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def query_choice(request: HttpRequest, name: str, choices: Iterable[str]) -> str:
    """The parameter when it is one of `choices`, else ""."""
    value = query_text(request, name)
    return value if value in set(choices) else ""
