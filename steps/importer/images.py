"""Image references of a running task definition as a step's feed + package, or a feed to add."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

DOCKER_HUB_HOSTS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
DOCKER_HUB = "docker-hub"
REGISTRY = "registry"
ECR = "ecr"
ECR_HOST = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$")
# Docker's rule: a first path part with a dot or a port, or "localhost", names a registry host.
_HOST = re.compile(r"^(?:localhost|[^/]*[.:][^/]*)$")


@dataclass(frozen=True)
class FeedRegistry:
    """A feed as the importer sees it: its slug, kind, and the registry host it serves.

    ``host`` may be empty for an ECR feed whose account id is unknown; it then serves any ECR
    registry in its ``region``.
    """

    slug: str
    kind: str
    host: str = ""
    region: str = ""


@dataclass(frozen=True)
class ImageReference:
    """A parsed image reference: `123.dkr.ecr.us-east-1.amazonaws.com/demo/web:1.1.0`."""

    host: str
    path: str
    tag: str = ""
    digest: str = ""

    @property
    def pinned(self) -> str:
        return self.digest or self.tag or "latest"


@dataclass(frozen=True)
class SuggestedFeed:
    """A feed to add so the images of `host` can be released: its kind, name, slug, URL/region."""

    slug: str
    name: str
    kind: str
    host: str
    url: str = ""
    region: str = ""


@dataclass(frozen=True)
class ImageChoice:
    """Where a container's image comes from in the step: a feed (existing or suggested)."""

    feed: str
    package: str
    reference: ImageReference
    suggested: SuggestedFeed | None = None


def parse_image(image: str) -> ImageReference:
    """Split a reference into registry host, repository path, tag and digest (Docker's rules)."""
    rest, _, digest = image.strip().partition("@")
    first, slash, remainder = rest.partition("/")
    if slash and _HOST.match(first):
        host, path = first, remainder
    else:
        host, path = "docker.io", rest
    name, colon, tag = path.rpartition(":")
    if not colon or "/" in tag:
        name, tag = path, ""
    if host in DOCKER_HUB_HOSTS:
        host = "docker.io"
        if "/" not in name:
            name = f"library/{name}"
    return ImageReference(host=host, path=name, tag=tag, digest=digest)


def package_of(reference: ImageReference) -> str:
    """The package name a feed knows the image by (official Docker Hub images without library/)."""
    if reference.host == "docker.io" and reference.path.startswith("library/"):
        return reference.path.removeprefix("library/")
    return reference.path


def serves(feed: FeedRegistry, reference: ImageReference) -> bool:
    if feed.kind == DOCKER_HUB:
        return reference.host == "docker.io"
    if feed.kind == ECR:
        match = ECR_HOST.match(reference.host)
        if match is None:
            return False
        return reference.host == feed.host if feed.host else match.group(2) == feed.region
    return bool(feed.host) and reference.host == feed.host


def suggest_feed(reference: ImageReference) -> SuggestedFeed:
    """The feed that would serve this image's registry."""
    host = reference.host
    if host == "docker.io":
        return SuggestedFeed(slug=DOCKER_HUB, name="Docker Hub", kind=DOCKER_HUB, host=host)
    match = ECR_HOST.match(host)
    if match is not None:
        account, region = match.groups()
        return SuggestedFeed(
            slug=f"ecr-{account}-{region}",
            name=f"Amazon ECR {account} {region}",
            kind=ECR,
            host=host,
            region=region,
        )
    slug = re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-")
    return SuggestedFeed(slug=slug, name=host, kind=REGISTRY, host=host, url=f"https://{host}")


def choose_feed(image: str, feeds: Sequence[FeedRegistry]) -> ImageChoice:
    """The first feed serving the image's registry, or a suggested one when none does."""
    reference = parse_image(image)
    package = package_of(reference)
    for feed in feeds:
        if serves(feed, reference):
            return ImageChoice(feed=feed.slug, package=package, reference=reference)
    suggestion = suggest_feed(reference)
    return ImageChoice(
        feed=suggestion.slug, package=package, reference=reference, suggested=suggestion
    )
