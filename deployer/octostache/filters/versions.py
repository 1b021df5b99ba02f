"""Version filters, parsing as Octopus's permissive version scheme does."""

from __future__ import annotations

import re
from collections.abc import Callable

from deployer.octostache.errors import OctostacheError

_VERSION = re.compile(
    r"^(?:(?P<prefix>v|V)?(?P<major>\d+)(?:\.(?P<minor>\d+))?(?:\.(?P<patch>\d+))?"
    r"(?:\.(?P<revision>\d+))?)?"
    r"(?:[.\-_\\])?"
    r"(?P<prerelease>(?P<prereleaseprefix>[^+.\-_\\\s]*?)"
    r"(?:[.\-_\\](?P<prereleasecounter>[^+\s]*?)?)?)?"
    r"(?:\+(?P<buildmetadata>[^\s]*?))?$"
)


def parse_version(text: str) -> dict[str, str]:
    stripped = text.strip()
    if not stripped:
        raise OctostacheError("A version cannot be empty")
    found = _VERSION.match(stripped)
    if found is None:
        return {"major": "0", "minor": "0", "patch": "0", "revision": "0", "prerelease": stripped}
    parts = {key: value or "" for key, value in found.groupdict().items()}
    for number in ("major", "minor", "patch", "revision"):
        parts[number] = str(int(parts[number])) if parts[number] else "0"
    return parts


def _part(name: str) -> Callable[[str | None, list[str]], str | None]:
    def version_part(argument: str | None, options: list[str]) -> str | None:
        if argument is None:
            return None
        return parse_version(argument)[name]

    return version_part


FILTERS = {
    "versionmajor": _part("major"),
    "versionminor": _part("minor"),
    "versionpatch": _part("patch"),
    "versionrevision": _part("revision"),
    "versionprerelease": _part("prerelease"),
    "versionprereleaseprefix": _part("prereleaseprefix"),
    "versionprereleasecounter": _part("prereleasecounter"),
    "versionmetadata": _part("buildmetadata"),
}
