"""Release versions, the images a project uses, and reading a release's snapshot back."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from deployer.projects.variables import PackageImage, VariableValue
from steps.document.io import document_from_data
from steps.document.model import StepDocument, is_expression

if TYPE_CHECKING:
    from deployer.releases.models import Release

# Octopus accepts SemVer 2 and four-part versions: 1.2, 1.2.3, 1.2.3.4, 1.2.3-beta.1+build.5.
VERSION = re.compile(r"^\d+(\.\d+){0,3}(-[0-9A-Za-z][0-9A-Za-z.-]*)?(\+[0-9A-Za-z.-]+)?$")
_LAST_NUMBER = re.compile(r"(\d+)(?!.*\d)")


def version_problem(version: str) -> str | None:
    if not version:
        return "Enter a version."
    if len(version) > 100 or not VERSION.match(version):
        return (
            f"“{version}” is not a version: use numbers separated by dots, optionally with a "
            "pre-release label, e.g. 1.4.0 or 2.0.0-beta.1."
        )
    return None


def suggest_version(latest: str | None) -> str:
    """The latest version with its last number incremented (1.2.9 → 1.2.10, 1.0-rc.1 → 1.0-rc.2)."""
    if not latest:
        return "0.0.1"
    build_free = latest.split("+", 1)[0]
    match = _LAST_NUMBER.search(build_free)
    if match is None:
        return f"{build_free}.1"
    start, end = match.span(1)
    return f"{build_free[:start]}{int(match.group(1)) + 1}{build_free[end:]}"


# An image tag that is a version with a pre-release part: 2.1.0-crash, v1.0.0-rc.1, 1.27-alpine.
_PRERELEASE_TAG = re.compile(r"^v?\d+(\.\d+)*-[0-9A-Za-z][0-9A-Za-z.-]*$")
_VERSION_TAG = re.compile(r"^v?\d+(\.\d+)*$")


def default_tag(tags: Sequence[str]) -> str:
    """The tag a new release preselects, from tags listed newest first.

    The newest stable version; a pre-release (semver: a hyphen after the numbers, such as
    2.1.0-crash) only when the user picks it, since the newest push is often a test build.
    Without any stable version: the newest tag that is not a pre-release (e.g. `latest`),
    then simply the newest.
    """
    for tag in tags:
        if _VERSION_TAG.match(tag):
            return tag
    for tag in tags:
        if not _PRERELEASE_TAG.match(tag):
            return tag
    return tags[0] if tags else ""


@dataclass(frozen=True)
class ImageUse:
    """One distinct image of a project: the release pins one tag for it."""

    feed: str
    package: str

    @property
    def key(self) -> str:
        return f"{self.feed}/{self.package}"


def images_used(documents: Iterable[StepDocument]) -> list[ImageUse]:
    """Distinct (feed, package) pairs in first-use order; expression-valued ones are skipped."""
    seen: dict[tuple[str, str], ImageUse] = {}
    for document in documents:
        for container in document.containers:
            feed, package = container.image.feed, container.image.package
            if is_expression(feed) or is_expression(package):
                continue
            seen.setdefault((feed, package), ImageUse(feed, package))
    return list(seen.values())


def registry_of(reference: str) -> str:
    return reference.split("/", 1)[0] if "/" in reference else "docker.io"


# Reading a snapshot back. Its shape: {"project": {...}, "steps": [{"name", "document"}],
# "variables": [VariableValue.to_snapshot()], "images": [{"feed", "package", "tag", "image"}]}.


def snapshot_documents(release: Release) -> list[StepDocument]:
    return [document_from_data(step["document"]) for step in release.snapshot.get("steps", [])]


def snapshot_variables(release: Release) -> list[VariableValue]:
    return [VariableValue.from_snapshot(v) for v in release.snapshot.get("variables", [])]


def snapshot_images(release: Release) -> list[PackageImage]:
    return [
        PackageImage(
            package=image["package"],
            image=image["image"],
            registry=registry_of(image["image"]),
            version=image["tag"],
        )
        for image in release.snapshot.get("images", [])
    ]


def snapshot_summary(release: Release) -> dict[str, Any]:
    """What the release page shows: steps, images and variables with sensitive values masked."""
    return {
        "steps": release.snapshot.get("steps", []),
        "images": release.snapshot.get("images", []),
        "variables": [
            {
                "name": v["name"],
                "value": None if v.get("sensitive") else v.get("value", ""),
                "environments": v.get("environments", []),
            }
            for v in release.snapshot.get("variables", [])
        ],
    }
