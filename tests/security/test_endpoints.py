"""Account endpoints and feed registries: https or an allowed endpoint, so no one probes inside."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import LazySettings
from django.test import Client
from django.urls import reverse

from deployer.core.endpoints import is_allowed_endpoint
from deployer.feeds.models import Feed
from deployer.feeds.registries import FeedError, check_feed, list_tags
from targets.models import AwsAccount

pytestmark = pytest.mark.django_db

METADATA = "http://169.254.169.254/latest/meta-data/"


def account_form(endpoint_url: str) -> dict[str, str]:
    return {
        "name": "Payments",
        "description": "",
        "credentials": "default",
        "access_key_id": "",
        "secret_access_key": "",
        "role_arn": "",
        "role_session_name": "",
        "external_id": "",
        "session_duration": "3600",
        "endpoint_url": endpoint_url,
    }


def feed_form(url: str) -> dict[str, str]:
    return {
        "name": "Team registry",
        "slug": "team",
        "kind": "registry",
        "url": url,
        "username": "",
        "password": "",
        "account": "",
        "region": "",
    }


def test_an_http_account_endpoint_is_refused_naming_the_field_and_setting(
    admin_client: Client,
) -> None:
    response = admin_client.post(reverse("targets:create-account"), account_form(METADATA))
    assert response.status_code == 200
    errors = response.context["form"].errors["endpoint_url"]
    assert "Endpoint URL must use https" in errors[0]
    assert "DEPLOYER_ALLOWED_ENDPOINTS" in errors[0]
    assert not AwsAccount.objects.exists()


def test_an_https_account_endpoint_is_accepted(admin_client: Client) -> None:
    url = "https://vpce-1234.ecs.us-east-1.vpce.amazonaws.com"
    response = admin_client.post(reverse("targets:create-account"), account_form(url))
    assert response.status_code == 302
    assert AwsAccount.objects.get().endpoint_url == url


def test_an_allowed_http_endpoint_is_accepted(admin_client: Client, settings: LazySettings) -> None:
    settings.ALLOWED_ENDPOINTS = ["http://10.1.2.3:4566"]
    response = admin_client.post(
        reverse("targets:create-account"), account_form("http://10.1.2.3:4566")
    )
    assert response.status_code == 302


def test_the_sandbox_is_allowed_when_it_is_on(settings: LazySettings) -> None:
    assert settings.SANDBOX_ENABLED
    assert is_allowed_endpoint(settings.SANDBOX_URL)


def test_an_http_registry_url_is_refused_naming_the_field_and_setting(
    admin_client: Client,
) -> None:
    response = admin_client.post(reverse("feeds:create-feed"), feed_form("http://10.0.0.7:5000"))
    assert response.status_code == 200
    errors = response.context["form"].errors["url"]
    assert "Registry URL must use https" in errors[0]
    assert "DEPLOYER_ALLOWED_ENDPOINTS" in errors[0]
    assert not Feed.objects.filter(slug="team").exists()


def test_an_allowed_registry_host_is_accepted(admin_client: Client, settings: LazySettings) -> None:
    settings.ALLOWED_ENDPOINTS = ["10.0.0.7"]
    response = admin_client.post(reverse("feeds:create-feed"), feed_form("http://10.0.0.7:5000"))
    assert response.status_code == 302
    assert Feed.objects.get(slug="team").url == "http://10.0.0.7:5000"


@pytest.mark.parametrize(
    ("allowed", "url", "expected"),
    [
        ([], "https://registry.example.com", True),
        ([], "http://registry.example.com", False),
        ([], "https://", False),
        (["10.0.0.7"], "http://10.0.0.7:5000", True),
        (["10.0.0.7"], "http://10.0.0.70", False),
        (["10.0.0.7:5000"], "http://10.0.0.7:5001", False),
        (["http://10.0.0.7"], "http://10.0.0.70", False),
        (["http://10.0.0.7"], "http://10.0.0.7/v2/", True),
        (["http://mirror/team"], "http://mirror/team/v2", True),
        (["http://mirror/team"], "http://mirror/teamwork", False),
        (["http://mirror"], "http://evil@mirror", True),
        (["http://mirror"], "http://mirror@evil", False),
    ],
)
def test_allow_list_entries_match_whole_hosts_and_paths(
    settings: LazySettings, allowed: list[str], url: str, expected: bool
) -> None:
    settings.ALLOWED_ENDPOINTS = allowed
    assert is_allowed_endpoint(url) is expected


class Steering(BaseHTTPRequestHandler):
    """A registry that sends Deployer elsewhere: to a token realm or by a redirect."""

    mode = "realm"
    calls: list[str] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        Steering.calls.append(f"{self.headers['Host']}{self.path}")
        port = self.server.server_address[1]
        elsewhere = f"http://localhost:{port}"  # another origin than the feed's 127.0.0.1
        if self.path.startswith("/v2/") and self.mode == "realm":
            self.send_response(401)
            self.send_header("WWW-Authenticate", f'Bearer realm="{elsewhere}/token",service="x"')
        elif self.path.startswith("/v2/"):
            self.send_response(302)
            self.send_header("Location", f"{elsewhere}/internal")
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def steering_registry() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Steering)
    Steering.calls = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("mode", ["realm", "redirect"])
def test_a_registry_cannot_steer_deployer_to_a_plain_http_address(
    steering_registry: str, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The registry itself was allowed (saved before, or listed by the operator).
    monkeypatch.setattr(Steering, "mode", mode)
    feed = Feed(name="Team registry", kind=Feed.Kind.REGISTRY, url=steering_registry)
    result = check_feed(feed)
    assert not result.ok
    assert "DEPLOYER_ALLOWED_ENDPOINTS" in result.message
    assert [call for call in Steering.calls if call.startswith("localhost")] == []
    with pytest.raises(FeedError):
        list_tags(feed, "team/web")
