"""Image feeds: list an image's tags newest first, build full image references, check a feed."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
from django.conf import settings

from deployer.aws.ecr import (
    REPOSITORY_NOT_FOUND,
    count_repositories,
    image_digests,
    repository_uri,
)
from deployer.aws.ecr import tags_newest_first as ecr_tags_newest_first
from deployer.aws.errors import AwsError
from deployer.core.endpoints import SETTING as ALLOWED_ENDPOINTS_SETTING
from deployer.core.endpoints import is_allowed_endpoint
from deployer.feeds.models import Feed

if TYPE_CHECKING:
    pass

DOCKER_HUB_SLUG = "docker-hub"
DOCKER_HUB_HOST = "docker.io"
DOCKER_HUB_ALIASES = {"docker.io", "index.docker.io", "registry-1.docker.io"}
# settings.DOCKER_HUB_URL lets a mirror, or a test, stand in for Docker Hub; settings.FEED_TIMEOUT
# is the seconds per connection attempt and per read, which a form waits on.
PAGE_SIZE = 1000
# A registry whose Link headers never end must not keep a request busy forever.
MAX_PAGES = 50
MAX_BODY_BYTES = 16 * 1024 * 1024


# The distribution spec's repository name grammar: lowercase path components.
IMAGE_NAME = re.compile(
    r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$"
)
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")
VERSION = re.compile(r"^[vV]?(\d+(?:\.\d+)*)(?:-([0-9A-Za-z][0-9A-Za-z.-]*))?$")
# Docker's rule: a first path part with a dot or a port, or "localhost", names a registry host.
REGISTRY_HOST = re.compile(
    r"^(?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|[A-Za-z0-9-]+(?=:))(?::\d+)?$"
)
CHALLENGE_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^\s,]+))')
NEXT_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?')


class FeedError(Exception):
    """A feed could not answer; `message` says why, in words for the person using the form."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FeedCheck:
    """The outcome of "Test" on a feed."""

    ok: bool
    message: str


# Public API


def list_tags(feed: Feed, image: str, limit: int | None = 100, *, query: str = "") -> list[str]:
    """The image's tags, newest first, those containing `query` (any case), at most `limit`.

    ECR orders by push time. Registry v2 tag lists carry no dates, so for Docker Hub and
    registries "newest" means the highest version (see `version_sorted`).
    """
    if feed.kind == Feed.Kind.ECR:
        tags = _ecr_tags(feed, _repository_path(feed, image))
    else:
        tags = version_sorted(_registry_client(feed).tags(_repository_path(feed, image)))
    needle = query.strip().lower()
    if needle:
        tags = [tag for tag in tags if needle in tag.lower()]
    return tags if limit is None else tags[:limit]


def image_reference(feed: Feed, image: str, tag: str) -> str:
    """The fully qualified reference a task definition pulls, e.g. docker.io/library/nginx:1.27."""
    tag = tag.strip()
    if DIGEST.match(tag):
        separator = "@"
    elif TAG.match(tag):
        separator = ":"
    else:
        raise FeedError(
            f"“{tag}” is not a valid image tag: up to 128 letters, digits, underscores, dots "
            "and hyphens, not starting with a dot or hyphen."
        )
    path = _repository_path(feed, image)
    if feed.kind == Feed.Kind.ECR:
        return f"{_ecr_repository_uri(feed, path)}{separator}{tag}"
    host = DOCKER_HUB_HOST if feed.kind == Feed.Kind.DOCKER_HUB else _registry_host(feed)
    return f"{host}/{path}{separator}{tag}"


def tag_digest(feed: Feed, image: str, tag: str) -> str | None:
    """The digest of the image's tag: None when the feed has no such tag, "" when the feed
    lists tags without digests (Docker Registry v2). FeedError when the feed cannot answer."""
    path = _repository_path(feed, image)
    if DIGEST.match(tag):
        return tag
    if feed.kind == Feed.Kind.ECR:
        try:
            return image_digests(_ecr_client(feed), path, [tag]).get(tag)
        except AwsError as exc:
            raise _ecr_error(feed, path, exc) from exc
    return "" if tag in _registry_client(feed).tags(path) else None


def check_feed(feed: Feed) -> FeedCheck:
    """Ask the feed whether it answers with these credentials; never raises for a feed problem."""
    try:
        if feed.kind == Feed.Kind.ECR:
            count = count_repositories(_ecr_client(feed))
            return FeedCheck(
                ok=True,
                message=f"Amazon ECR in {feed.region} answers: {count} "
                f"{'repository' if count == 1 else 'repositories'} visible"
                f"{' (first page)' if count >= 100 else ''}.",
            )
        client = _registry_client(feed)
        client.ping()
        return FeedCheck(ok=True, message=f"{client.label} answers (Docker Registry v2 API).")
    except AwsError as exc:
        return FeedCheck(ok=False, message=exc.message)
    except FeedError as exc:
        return FeedCheck(ok=False, message=exc.message)


def version_sorted(tags: Iterable[str]) -> list[str]:
    """Tags highest version first, then the tags that are not versions, alphabetically.

    Semver-like: `v` prefix optional, any number of numeric parts compared as numbers
    (1.10 > 1.9), a release above its own pre-release (1.0.0 > 1.0.0-rc.1; this also puts a
    variant such as 1.27-alpine just below 1.27), pre-release parts compared as semver does.
    """
    versions: list[tuple[tuple[object, ...], str]] = []
    others: list[str] = []
    for tag in set(tags):
        key = _version_key(tag)
        if key is None:
            others.append(tag)
        else:
            versions.append((key, tag))
    versions.sort(reverse=True)
    return [tag for _, tag in versions] + sorted(others)


def docker_hub_url() -> str:
    return str(settings.DOCKER_HUB_URL).rstrip("/")


def feed_timeout() -> float:
    return float(settings.FEED_TIMEOUT)


# Image names


def _repository_path(feed: Feed, image: str) -> str:
    """The repository path inside the feed's registry, from what a user typed.

    A pasted full name (`docker.io/nginx`, `registry.example.com:5000/team/app`) is accepted
    when its host is this feed's; Docker Hub's official images live under `library/`.
    """
    name = image.strip()
    first, _, rest = name.partition("/")
    if rest and REGISTRY_HOST.match(first):
        if feed.kind == Feed.Kind.DOCKER_HUB and first not in DOCKER_HUB_ALIASES:
            raise FeedError(f"{first} is not Docker Hub: add a feed for that registry.")
        if feed.kind == Feed.Kind.REGISTRY and first != _registry_host(feed):
            raise FeedError(f"{first} is not this feed's registry ({_registry_host(feed)}).")
        name = rest
    if not IMAGE_NAME.match(name):
        raise FeedError(
            f"“{image}” is not a valid image name: lowercase letters, digits and . _ - "
            "separators, with / between path parts (for example team/app)."
        )
    if feed.kind == Feed.Kind.DOCKER_HUB and "/" not in name:
        name = f"library/{name}"
    return name


def _registry_host(feed: Feed) -> str:
    return urllib.parse.urlsplit(feed.url).netloc.rpartition("@")[2]


def _version_key(tag: str) -> tuple[object, ...] | None:
    match = VERSION.match(tag)
    if match is None:
        return None
    numbers = tuple(int(part) for part in match.group(1).split("."))
    prerelease = match.group(2)
    if prerelease is None:
        return (numbers, 1, (), tag)
    # Numeric identifiers rank below alphanumeric ones, as in semver.
    parts = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in prerelease.split(".")
    )
    return (numbers, 0, parts, tag)


# Amazon ECR


def _ecr_client(feed: Feed) -> object:
    from deployer.aws.session import ClientFactory

    if feed.account is None or not feed.region:
        raise FeedError(f"{feed.name} needs an AWS account and a region.")
    # Every ECR call of a feed is made while someone waits: a test, a tag list, a new release.
    return ClientFactory(feed.account, interactive=True).client("ecr", feed.region)


def _ecr_tags(feed: Feed, repository: str) -> list[str]:
    try:
        return [pushed.tag for pushed in ecr_tags_newest_first(_ecr_client(feed), repository)]
    except AwsError as exc:
        raise _ecr_error(feed, repository, exc) from exc


def _ecr_repository_uri(feed: Feed, repository: str) -> str:
    try:
        return repository_uri(_ecr_client(feed), repository)
    except AwsError as exc:
        raise _ecr_error(feed, repository, exc) from exc


def _ecr_error(feed: Feed, repository: str, exc: AwsError) -> FeedError:
    if exc.code == REPOSITORY_NOT_FOUND:
        return FeedError(f"Amazon ECR in {feed.region} has no repository {repository}.")
    return FeedError(exc.message)


# Docker Registry v2 (Docker Hub included)


def _registry_client(feed: Feed) -> RegistryClient:
    if feed.kind == Feed.Kind.DOCKER_HUB:
        return RegistryClient(
            docker_hub_url(),
            feed.username,
            feed.password,
            label="Docker Hub",
            reach_hint="Check that this server can reach the internet (or its proxy).",
        )
    if not feed.url:
        raise FeedError(f"{feed.name} has no registry URL.")
    return RegistryClient(feed.url, feed.username, feed.password, label=_registry_host(feed))


@dataclass
class _Response:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def registry_errors(self) -> str:
        """The registry's own error text (`{"errors": [{"code", "message"}]}`), if any."""
        try:
            errors = json.loads(self.body).get("errors") or []
            return "; ".join(
                f"{error.get('code', '')}: {error.get('message', '')}".strip(": ")
                for error in errors
                if isinstance(error, dict)
            )
        except (ValueError, AttributeError):
            return ""


class RegistryClient:
    """Reads a Docker Registry v2 API: bearer-token or basic authentication, paginated tags.

    The password is only ever placed in an Authorization header; it is never logged or put in
    a message.
    """

    def __init__(
        self,
        base_url: str,
        username: str = "",
        password: str = "",
        *,
        label: str,
        timeout: float | None = None,
        reach_hint: str = "Check the URL and that this server can reach it.",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.origin = urllib.parse.urlsplit(self.base_url).netloc
        self.username = username
        self.password = password
        self.label = label
        self.reach_hint = reach_hint
        self.timeout = feed_timeout() if timeout is None else timeout
        self._authorization = ""
        self._http: httpx.Client | None = None

    @contextlib.contextmanager
    def _connection(self) -> Iterator[httpx.Client]:
        """One HTTP client (and its connections) for the requests of one operation."""
        with httpx.Client(
            timeout=httpx.Timeout(self.timeout),
            # Redirects are followed by httpx, which drops the Authorization header when one
            # leaves the registry's origin; every request, redirected or not, is checked first.
            follow_redirects=True,
            event_hooks={"request": [self._check_request]},
            headers={"Accept": "application/json"},
        ) as client:
            self._http = client
            try:
                yield client
            finally:
                self._http = None

    def _check_request(self, request: httpx.Request) -> None:
        url = str(request.url)
        if request.url.scheme not in ("http", "https"):
            raise FeedError(f"{self.label} pointed to a URL that is not http or https.")
        _refuse_unless_allowed(url, self.origin, self.label)

    def ping(self) -> None:
        """Succeed when the registry answers the v2 API and accepts our credentials."""
        with self._connection():
            self._get(f"{self.base_url}/v2/", repository=None)

    def tags(self, repository: str) -> list[str]:
        """All tags of the repository, following `Link: <...>; rel="next"` pages."""
        url = f"{self.base_url}/v2/{repository}/tags/list?n={PAGE_SIZE}"
        tags: list[str] = []
        with self._connection():
            self._read_pages(url, repository, tags)
        return tags

    def _read_pages(self, url: str, repository: str, tags: list[str]) -> None:
        for _ in range(MAX_PAGES):
            response = self._get(url, repository=repository)
            try:
                page = json.loads(response.body)
            except ValueError as exc:
                raise FeedError(
                    f"{self.label} answered the tag list with something not JSON."
                ) from exc
            tags.extend(str(tag) for tag in (page.get("tags") or []))
            link = NEXT_LINK.search(response.headers.get("Link", ""))
            if link is None:
                return
            url = urllib.parse.urljoin(url, link.group(1))

    def _get(self, url: str, *, repository: str | None) -> _Response:
        response = self._send(url, self._authorization)
        if response.status == 401:
            self._authorization = self._answer_challenge(
                response.headers.get("WWW-Authenticate", ""), repository
            )
            response = self._send(url, self._authorization)
            if response.status == 401:
                raise FeedError(self._refused(repository))
        if response.status == 404:
            what = f"no image {repository}" if repository else "no Docker Registry v2 API"
            raise FeedError(f"{self.label} has {what}.")
        if response.status == 403:
            raise FeedError(self._refused(repository))
        if response.status == 429:
            raise FeedError(f"{self.label} is rate limiting requests; try again in a while.")
        if response.status >= 400:
            detail = response.registry_errors() or f"HTTP {response.status}"
            raise FeedError(f"{self.label} answered with an error: {detail}.")
        return response

    def _refused(self, repository: str | None) -> str:
        what = f" to {repository}" if repository else ""
        if self.username:
            return (
                f"{self.label} refused access{what}: check the user name and password, and that "
                "they may pull this image."
            )
        return (
            f"{self.label} refused access{what}: the image may not exist, or it is private and "
            "needs a user name and password."
        )

    def _answer_challenge(self, challenge: str, repository: str | None) -> str:
        scheme, _, params_text = challenge.strip().partition(" ")
        params = {
            key.lower(): quoted if quoted or not bare else bare
            for key, quoted, bare in CHALLENGE_PARAM.findall(params_text)
        }
        if scheme.lower() == "basic":
            if not self.username:
                raise FeedError(f"{self.label} asks for a user name and password.")
            return self._basic()
        if scheme.lower() == "bearer" and params.get("realm"):
            return f"Bearer {self._fetch_token(params, repository)}"
        raise FeedError(f"{self.label} asks for an authentication Deployer does not support.")

    def _fetch_token(self, params: dict[str, str], repository: str | None) -> str:
        # The token flow Docker's clients use: ask the realm for a token for this service and
        # scope, sending the credentials (when there are any) as basic auth.
        query: dict[str, str] = {}
        if params.get("service"):
            query["service"] = params["service"]
        scope = params.get("scope") or (f"repository:{repository}:pull" if repository else "")
        if scope:
            query["scope"] = scope
        realm = params["realm"]
        url = f"{realm}{'&' if '?' in realm else '?'}{urllib.parse.urlencode(query)}"
        response = self._send(url, self._basic() if self.username else "", any_origin=True)
        if response.status == 401:
            raise FeedError(f"{self.label} rejected the user name and password.")
        if response.status >= 400:
            raise FeedError(f"{self.label}'s token service answered with HTTP {response.status}.")
        try:
            answer = json.loads(response.body)
            token = answer.get("token") or answer.get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not token:
            raise FeedError(f"{self.label}'s token service gave no token.")
        return str(token)

    def _basic(self) -> str:
        pair = f"{self.username}:{self.password}".encode()
        return f"Basic {base64.b64encode(pair).decode()}"

    def _send(self, url: str, authorization: str, *, any_origin: bool = False) -> _Response:
        assert self._http is not None, "requests are sent inside _connection()"
        parts = urllib.parse.urlsplit(url)
        # A token or password only goes to the registry itself (and to its token service, which
        # is what the challenge asked for).
        headers = {}
        if authorization and (any_origin or parts.netloc == self.origin):
            headers["Authorization"] = authorization
        try:
            with self._http.stream("GET", url, headers=headers) as answer:
                return _Response(answer.status_code, answer.headers, self._read_body(answer))
        except httpx.TimeoutException as exc:
            raise self._timed_out(parts.netloc) from exc
        except httpx.ConnectError as exc:
            raise FeedError(
                f"Could not reach {self._where(parts.netloc)}: {exc}. {self.reach_hint}"
            ) from exc
        except httpx.HTTPError as exc:
            raise FeedError(f"{self._where(parts.netloc)} failed to answer: {exc}.") from exc

    def _read_body(self, answer: httpx.Response) -> bytes:
        body = bytearray()
        for chunk in answer.iter_bytes():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                host = answer.request.url.netloc.decode()
                raise FeedError(
                    f"{self._where(host)} answered with more than {MAX_BODY_BYTES // 2**20} MiB; "
                    "that is no tag list."
                )
        return bytes(body)

    def _where(self, host: str) -> str:
        return self.label if host == self.label else f"{self.label} ({host})"

    def _timed_out(self, host: str) -> FeedError:
        return FeedError(f"{self._where(host)} did not answer within {self.timeout:g} seconds.")


def _refuse_unless_allowed(url: str, origin: str, label: str) -> None:
    # The registry's own URL was checked when the feed was saved; a token realm or a redirect
    # comes from the registry's answer, so it must not steer Deployer to a plain-http address.
    parts = urllib.parse.urlsplit(url)
    if parts.netloc != origin and not is_allowed_endpoint(url):
        raise FeedError(
            f"{label} sent Deployer to {parts.scheme}://{parts.netloc}, which is neither https "
            f"nor in the {ALLOWED_ENDPOINTS_SETTING} setting, so it was not called."
        )
