"""The built-in filters (`#{x | Name options}`), looked up case-insensitively by name."""

from __future__ import annotations

from collections.abc import Callable

from deployer.octostache.filters import dates, encoding, escapes, hashes, text, uri, versions

Filter = Callable[[str | None, list[str]], str | None]


def _null(argument: str | None, options: list[str]) -> str | None:
    return None


FILTERS: dict[str, Filter] = {
    "null": _null,
    **text.FILTERS,
    **escapes.FILTERS,
    **encoding.FILTERS,
    **dates.FILTERS,
    **uri.FILTERS,
    **versions.FILTERS,
    **hashes.FILTERS,
}


def invoke_filter(name: str, argument: str | None, options: list[str]) -> str | None:
    """The filter's output; None (the token is echoed) for an unknown name or unusable input."""
    function = FILTERS.get(name.lower())
    if function is None:
        return None
    return function(argument, options)
