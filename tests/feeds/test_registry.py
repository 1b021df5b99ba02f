"""Registry v2 and Docker Hub feeds against a real registry-shaped HTTP server on loopback."""

from __future__ import annotations

import base64
import json
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from deployer.feeds import registries
from deployer.feeds.models import Feed
from deployer.feeds.registries import (
    FeedError,
    check_feed,
    image_reference,
    list_tags,
    version_sorted,
)

USER, PASSWORD = "ci-bot", "s3cret-registry-token"


class FakeRegistry(ThreadingHTTPServer):
    """A Docker Registry v2 API with the behaviours real ones have, recording every request.

    auth: "none", "bearer" (a token service at /token, as Docker Hub and most registries do)
    or "basic". With `credentials` unset, the bearer token service hands out anonymous tokens.
    Tag lists are paginated at `page_size` whatever `n` asks, as registries may do.
    """

    daemon_threads = True

    def __init__(
        self,
        repositories: dict[str, list[str]],
        *,
        auth: str = "none",
        credentials: tuple[str, str] | None = None,
        page_size: int = 1000,
    ) -> None:
        super().__init__(("127.0.0.1", 0), RegistryHandler)
        self.repositories = repositories
        self.auth = auth
        self.credentials = credentials
        self.page_size = page_size
        self.requests: list[tuple[str, str]] = []
        self.fail_with: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"

    def basic_ok(self, header: str) -> bool:
        if self.credentials is None:
            return True
        expected = base64.b64encode(":".join(self.credentials).encode()).decode()
        return header == f"Basic {expected}"


class RegistryHandler(BaseHTTPRequestHandler):
    server: FakeRegistry

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        registry = self.server
        authorization = self.headers.get("Authorization", "")
        registry.requests.append((self.path, authorization))
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path == "/token":
            return self.token(query, authorization)
        if registry.fail_with:
            return self.answer(registry.fail_with, {"errors": [{"code": "UNKNOWN"}]})
        repository = ""
        if url.path.startswith("/v2/") and url.path.endswith("/tags/list"):
            repository = url.path[len("/v2/") : -len("/tags/list")]
        elif url.path != "/v2/":
            return self.answer(404, {"errors": [{"code": "NOT_FOUND"}]})
        if not self.authorized(authorization, repository):
            return
        if not repository:
            return self.answer(200, {})
        if repository not in registry.repositories:
            return self.answer(
                404, {"errors": [{"code": "NAME_UNKNOWN", "message": "repository name not known"}]}
            )
        tags = sorted(registry.repositories[repository])
        size = min(int(query.get("n", ["1000"])[0]), registry.page_size)
        last = query.get("last", [""])[0]
        remaining = [tag for tag in tags if tag > last] if last else tags
        page, more = remaining[:size], len(remaining) > size
        headers = {}
        if more:
            next_query = urllib.parse.urlencode({"n": size, "last": page[-1]})
            headers["Link"] = f'</v2/{repository}/tags/list?{next_query}>; rel="next"'
        self.answer(200, {"name": repository, "tags": page}, headers)

    def authorized(self, authorization: str, repository: str) -> bool:
        registry = self.server
        if registry.auth == "basic":
            if authorization.startswith("Basic ") and registry.basic_ok(authorization):
                return True
            self.answer(401, {}, {"WWW-Authenticate": 'Basic realm="Registry Realm"'})
            return False
        if registry.auth == "bearer":
            scope = f"repository:{repository}:pull" if repository else ""
            if authorization == f"Bearer token-for-{scope}" or (
                not repository and authorization.startswith("Bearer token-for-")
            ):
                return True
            challenge = f'Bearer realm="{registry.url}/token",service="fake-registry"'
            if scope:
                challenge += f',scope="{scope}"'
            self.answer(
                401, {"errors": [{"code": "UNAUTHORIZED"}]}, {"WWW-Authenticate": challenge}
            )
            return False
        return True

    def token(self, query: dict[str, list[str]], authorization: str) -> None:
        registry = self.server
        if registry.credentials is not None and not registry.basic_ok(authorization):
            return self.answer(401, {"details": "incorrect username or password"})
        assert query.get("service") == ["fake-registry"]
        scope = query.get("scope", [""])[0]
        self.answer(200, {"token": f"token-for-{scope}", "expires_in": 300})

    def answer(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def serve() -> Iterator[list[FakeRegistry]]:
    """Start registries with serve.append(FakeRegistry(...)); they stop after the test."""
    started: list[FakeRegistry] = []
    yield started
    for registry in started:
        registry.shutdown()
        registry.server_close()


def start(serve: list[FakeRegistry], registry: FakeRegistry) -> FakeRegistry:
    threading.Thread(target=registry.serve_forever, args=(0.05,), daemon=True).start()
    serve.append(registry)
    return registry


def registry_feed(registry: FakeRegistry, username: str = "", password: str = "") -> Feed:
    # Unsaved: the registry client only reads the feed's fields.
    return Feed(
        name="Team registry",
        slug="team",
        kind=Feed.Kind.REGISTRY,
        url=registry.url,
        username=username,
        password=password,
    )


def docker_hub() -> Feed:
    return Feed(name="Docker Hub", slug="docker-hub", kind=Feed.Kind.DOCKER_HUB)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Listing tags


def test_tags_come_newest_version_first(serve: list[FakeRegistry]) -> None:
    registry = start(
        serve, FakeRegistry({"team/app": ["1.9.0", "latest", "1.10.0", "2", "1.10.0-rc.1"]})
    )
    tags = list_tags(registry_feed(registry), "team/app", limit=None)
    assert tags == ["2", "1.10.0", "1.10.0-rc.1", "1.9.0", "latest"]


def test_every_page_is_followed_through_link_headers(serve: list[FakeRegistry]) -> None:
    names = [f"1.{minor}.0" for minor in range(7)]
    registry = start(serve, FakeRegistry({"team/app": names}, page_size=2))
    tags = list_tags(registry_feed(registry), "team/app", limit=None)
    assert tags == list(reversed(names))
    pages = [path for path, _ in registry.requests if "/tags/list" in path]
    assert len(pages) == 4
    assert "last=1.5.0" in pages[-1]


def test_limit_keeps_the_newest(serve: list[FakeRegistry]) -> None:
    registry = start(serve, FakeRegistry({"team/app": ["1.0", "3.0", "2.0"]}))
    assert list_tags(registry_feed(registry), "team/app", limit=2) == ["3.0", "2.0"]


def test_query_filters_tags_containing_it(serve: list[FakeRegistry]) -> None:
    registry = start(serve, FakeRegistry({"team/app": ["1.0.0", "1.1.0", "2.0.0", "2.1.0"]}))
    assert list_tags(registry_feed(registry), "team/app", query="1.") == ["2.1.0", "1.1.0", "1.0.0"]


def test_anonymous_bearer_token_is_fetched_and_used(serve: list[FakeRegistry]) -> None:
    registry = start(serve, FakeRegistry({"team/app": ["1.0", "1.1"]}, auth="bearer"))
    assert list_tags(registry_feed(registry), "team/app") == ["1.1", "1.0"]
    token_requests = [(path, auth) for path, auth in registry.requests if path.startswith("/token")]
    assert len(token_requests) == 1
    path, authorization = token_requests[0]
    assert "scope=repository%3Ateam%2Fapp%3Apull" in path
    assert authorization == ""


def test_bearer_token_is_requested_with_the_credentials_and_reused_across_pages(
    serve: list[FakeRegistry],
) -> None:
    registry = start(
        serve,
        FakeRegistry(
            {"team/app": ["1", "2", "3", "4", "5"]},
            auth="bearer",
            credentials=(USER, PASSWORD),
            page_size=2,
        ),
    )
    assert list_tags(registry_feed(registry, USER, PASSWORD), "team/app") == [
        "5",
        "4",
        "3",
        "2",
        "1",
    ]
    tokens = [auth for path, auth in registry.requests if path.startswith("/token")]
    assert len(tokens) == 1
    assert tokens[0] == "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    pages = [auth for path, auth in registry.requests if "/tags/list" in path]
    assert pages[1:] == ["Bearer token-for-repository:team/app:pull"] * 3
    # The password went to the token service only, never to the registry's API.
    assert not any(PASSWORD in auth or auth.startswith("Basic") for auth in pages)


def test_wrong_credentials_for_the_token_service_are_named(serve: list[FakeRegistry]) -> None:
    registry = start(
        serve, FakeRegistry({"team/app": ["1"]}, auth="bearer", credentials=(USER, PASSWORD))
    )
    with pytest.raises(FeedError) as caught:
        list_tags(registry_feed(registry, USER, "wrong"), "team/app")
    assert caught.value.message == f"{registry.host} rejected the user name and password."
    assert "wrong" not in caught.value.message


def test_basic_auth_registry_gets_the_credentials(serve: list[FakeRegistry]) -> None:
    registry = start(
        serve,
        FakeRegistry({"team/app": ["0.1", "0.2"]}, auth="basic", credentials=(USER, PASSWORD)),
    )
    assert list_tags(registry_feed(registry, USER, PASSWORD), "team/app") == ["0.2", "0.1"]


def test_basic_auth_registry_without_credentials_asks_for_them(serve: list[FakeRegistry]) -> None:
    registry = start(
        serve, FakeRegistry({"team/app": ["0.1"]}, auth="basic", credentials=(USER, PASSWORD))
    )
    with pytest.raises(FeedError, match="asks for a user name and password"):
        list_tags(registry_feed(registry), "team/app")


def test_basic_auth_registry_refusing_the_password_says_so(serve: list[FakeRegistry]) -> None:
    registry = start(
        serve, FakeRegistry({"team/app": ["0.1"]}, auth="basic", credentials=(USER, PASSWORD))
    )
    with pytest.raises(FeedError) as caught:
        list_tags(registry_feed(registry, USER, "nope"), "team/app")
    assert "refused access to team/app: check the user name and password" in caught.value.message


def test_unknown_image_is_named(serve: list[FakeRegistry]) -> None:
    registry = start(serve, FakeRegistry({"team/app": ["1"]}))
    with pytest.raises(FeedError) as caught:
        list_tags(registry_feed(registry), "team/other")
    assert caught.value.message == f"{registry.host} has no image team/other."


def test_registry_error_is_reported_with_its_status(serve: list[FakeRegistry]) -> None:
    registry = start(serve, FakeRegistry({"team/app": ["1"]}))
    registry.fail_with = 503
    with pytest.raises(FeedError) as caught:
        list_tags(registry_feed(registry), "team/app")
    assert caught.value.message == f"{registry.host} answered with an error: UNKNOWN."


def test_an_answer_beyond_the_size_cap_is_refused(
    serve: list[FakeRegistry], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registries, "MAX_BODY_BYTES", 1024)
    registry = start(serve, FakeRegistry({"team/app": [f"1.0.{n}" for n in range(200)]}))
    with pytest.raises(FeedError) as caught:
        list_tags(registry_feed(registry), "team/app")
    assert caught.value.message.startswith(f"{registry.host} answered with more than")


def test_unreachable_registry_fails_with_a_clear_message() -> None:
    port = closed_port()
    feed = Feed(name="Gone", kind=Feed.Kind.REGISTRY, url=f"http://127.0.0.1:{port}")
    with pytest.raises(FeedError) as caught:
        list_tags(feed, "team/app")
    assert caught.value.message.startswith(f"Could not reach 127.0.0.1:{port}")
    assert "Check the URL and that this server can reach it." in caught.value.message


def test_registry_that_never_answers_times_out(settings: Any) -> None:
    settings.FEED_TIMEOUT = 0.2
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts connections into the backlog, never replies
        feed = Feed(
            name="Silent",
            kind=Feed.Kind.REGISTRY,
            url=f"http://127.0.0.1:{silent.getsockname()[1]}",
        )
        with pytest.raises(FeedError, match=r"did not answer within 0\.2 seconds"):
            list_tags(feed, "team/app")


def test_invalid_image_name_is_refused_before_any_request(serve: list[FakeRegistry]) -> None:
    registry = start(serve, FakeRegistry({"team/app": ["1"]}))
    for bad in ("../etc", "Team/App", "team//app", "team/app:1.0"):
        with pytest.raises(FeedError, match="is not a valid image name"):
            list_tags(registry_feed(registry), bad)
    assert registry.requests == []


def test_a_pasted_full_name_on_this_registry_is_accepted(serve: list[FakeRegistry]) -> None:
    registry = start(serve, FakeRegistry({"team/app": ["1"]}))
    assert list_tags(registry_feed(registry), f"{registry.host}/team/app") == ["1"]
    with pytest.raises(FeedError, match="is not this feed's registry"):
        list_tags(registry_feed(registry), "ghcr.io/team/app")


# Docker Hub


def test_docker_hub_official_images_live_under_library(
    serve: list[FakeRegistry], settings: Any
) -> None:
    registry = start(
        serve, FakeRegistry({"library/nginx": ["1.26", "1.27", "mainline"]}, auth="bearer")
    )
    settings.DOCKER_HUB_URL = registry.url
    assert list_tags(docker_hub(), "nginx") == ["1.27", "1.26", "mainline"]
    assert list_tags(docker_hub(), "docker.io/library/nginx") == ["1.27", "1.26", "mainline"]


def test_docker_hub_unreachable_fails_fast_with_a_clear_message(settings: Any) -> None:
    settings.DOCKER_HUB_URL = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(FeedError) as caught:
        list_tags(docker_hub(), "nginx")
    assert caught.value.message.startswith("Could not reach Docker Hub")


def test_docker_hub_refuses_images_of_other_registries() -> None:
    with pytest.raises(FeedError, match=r"ghcr\.io is not Docker Hub"):
        list_tags(docker_hub(), "ghcr.io/team/app")


# Image references


def test_docker_hub_references_are_fully_qualified() -> None:
    assert image_reference(docker_hub(), "nginx", "1.27") == "docker.io/library/nginx:1.27"
    assert image_reference(docker_hub(), "bitnami/redis", "7.2") == "docker.io/bitnami/redis:7.2"
    assert (
        image_reference(docker_hub(), "docker.io/nginx", "1.27") == "docker.io/library/nginx:1.27"
    )


def test_registry_references_carry_the_host_and_port() -> None:
    feed = Feed(kind=Feed.Kind.REGISTRY, url="https://registry.example.com:5000")
    assert image_reference(feed, "team/app", "2") == "registry.example.com:5000/team/app:2"


def test_a_digest_is_referenced_with_an_at_sign() -> None:
    digest = "sha256:" + "a" * 64
    assert image_reference(docker_hub(), "nginx", digest) == f"docker.io/library/nginx@{digest}"


def test_invalid_tag_is_refused() -> None:
    with pytest.raises(FeedError, match="is not a valid image tag"):
        image_reference(docker_hub(), "nginx", "-bad tag")


# Version order


def test_version_order_compares_numbers_not_text() -> None:
    assert version_sorted(["1.9", "1.10", "v1.11", "1.2.3", "10"]) == [
        "10",
        "v1.11",
        "1.10",
        "1.9",
        "1.2.3",
    ]


def test_pre_releases_rank_below_their_release_and_as_semver_says() -> None:
    tags = ["1.0.0-alpha", "1.0.0", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-alpha.beta", "0.9.0"]
    assert version_sorted(tags) == [
        "1.0.0",
        "1.0.0-beta",
        "1.0.0-alpha.beta",
        "1.0.0-alpha.1",
        "1.0.0-alpha",
        "0.9.0",
    ]


def test_tags_that_are_not_versions_come_last_alphabetically() -> None:
    assert version_sorted(["main", "latest", "2.0", "sha-3f2a1c"]) == [
        "2.0",
        "latest",
        "main",
        "sha-3f2a1c",
    ]


# Test button


def test_check_passes_through_the_token_flow(serve: list[FakeRegistry]) -> None:
    registry = start(serve, FakeRegistry({}, auth="bearer", credentials=(USER, PASSWORD)))
    result = check_feed(registry_feed(registry, USER, PASSWORD))
    assert result.ok, result.message
    assert result.message == f"{registry.host} answers (Docker Registry v2 API)."


def test_check_reports_rejected_credentials(serve: list[FakeRegistry]) -> None:
    registry = start(serve, FakeRegistry({}, auth="bearer", credentials=(USER, PASSWORD)))
    result = check_feed(registry_feed(registry, USER, "wrong"))
    assert not result.ok
    assert result.message == f"{registry.host} rejected the user name and password."


def test_check_reports_a_server_that_is_not_a_registry(serve: list[FakeRegistry]) -> None:
    registry = start(serve, FakeRegistry({}))
    feed = registry_feed(registry)
    feed.url = f"{registry.url}"
    registry.fail_with = 404
    result = check_feed(feed)
    assert not result.ok
    assert result.message == f"{registry.host} has no Docker Registry v2 API."
