"""The feed pages: list, create, edit, delete, "Test", and the tag search endpoint."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from moto import mock_aws

from deployer.feeds.models import Feed
from targets.models import AwsAccount
from tests.conftest import make_account
from tests.feeds.test_ecr import push

pytestmark = pytest.mark.django_db

TOKEN = "glpat-registry-token-123"


def feed_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Team registry",
        "slug": "team",
        "kind": "registry",
        "url": "https://registry.example.com:5000",
        "username": "ci-bot",
        "password": TOKEN,
        "account": "",
        "region": "",
    }
    data.update(overrides)
    return data


def make_registry_feed(**fields: Any) -> Feed:
    values: dict[str, Any] = {
        "name": "Team registry",
        "slug": "team",
        "kind": Feed.Kind.REGISTRY,
        "url": "https://registry.example.com:5000",
        "username": "ci-bot",
        "password": TOKEN,
    }
    values.update(fields)
    return Feed.objects.create(**values)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def sandbox_ecr() -> Iterator[AwsAccount]:
    with mock_aws():
        client = boto3.client("ecr", region_name="us-east-1")
        client.create_repository(repositoryName="demo/web")
        for tag in ("1.0.0", "1.1.0", "2.0.0"):
            push(client, tag)
        yield make_account(name="Local sandbox")


# Built in


def test_docker_hub_feed_exists_after_migrate() -> None:
    feed = Feed.objects.get(slug="docker-hub")
    assert feed.name == "Docker Hub"
    assert feed.kind == Feed.Kind.DOCKER_HUB


def test_docker_hub_cannot_be_deleted(admin_client: Client) -> None:
    response = admin_client.post(reverse("feeds:delete-feed", args=["docker-hub"]), follow=True)
    assert "Docker Hub is built in and cannot be deleted." in response.content.decode()
    assert Feed.objects.filter(slug="docker-hub").exists()


def test_docker_hub_takes_credentials_but_keeps_its_kind(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("feeds:edit-feed", args=["docker-hub"]),
        {"name": "Docker Hub", "username": "octo", "password": "dckr_pat_abc"},
    )
    assert response.status_code == 302
    feed = Feed.objects.get(slug="docker-hub")
    assert (feed.kind, feed.username, feed.password) == (
        Feed.Kind.DOCKER_HUB,
        "octo",
        "dckr_pat_abc",
    )


# List, create, edit, delete


def test_list_shows_each_feed_with_where_it_is(admin_client: Client) -> None:
    make_registry_feed()
    Feed.objects.create(
        name="Prod ECR",
        slug="prod-ecr",
        kind=Feed.Kind.ECR,
        account=make_account(),
        region="eu-west-1",
    )
    page = admin_client.get(reverse("feeds:list-feeds")).content.decode()
    assert "Docker Hub" in page
    assert "https://registry.example.com:5000" in page
    assert "Production AWS" in page and "eu-west-1" in page
    assert TOKEN not in page


def test_create_registry_feed_stores_the_password_encrypted(admin_client: Client) -> None:
    response = admin_client.post(reverse("feeds:create-feed"), feed_form())
    assert response.status_code == 302
    feed = Feed.objects.get(slug="team")
    assert feed.password == TOKEN
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM deployer_feed WHERE slug = 'team'")
        (stored,) = cursor.fetchone()
    assert stored and TOKEN not in stored


def test_registry_url_is_kept_as_its_root(admin_client: Client) -> None:
    admin_client.post(
        reverse("feeds:create-feed"), feed_form(url="https://registry.example.com:5000/v2/")
    )
    assert Feed.objects.get(slug="team").url == "https://registry.example.com:5000"


def test_create_ecr_feed_drops_registry_fields(admin_client: Client) -> None:
    account = make_account()
    response = admin_client.post(
        reverse("feeds:create-feed"),
        feed_form(
            name="Prod ECR", slug="prod-ecr", kind="ecr", account=account.pk, region="eu-west-1"
        ),
    )
    assert response.status_code == 302
    feed = Feed.objects.get(slug="prod-ecr")
    assert (feed.account, feed.region) == (account, "eu-west-1")
    assert (feed.url, feed.username, feed.password) == ("", "", "")


def test_password_is_never_rendered_back(admin_client: Client) -> None:
    make_registry_feed()
    page = admin_client.get(reverse("feeds:edit-feed", args=["team"])).content.decode()
    assert TOKEN not in page
    assert "Leave blank to keep it." in page


def test_blank_password_on_edit_keeps_the_stored_one(admin_client: Client) -> None:
    make_registry_feed()
    response = admin_client.post(
        reverse("feeds:edit-feed", args=["team"]), feed_form(name="Renamed", password="")
    )
    assert response.status_code == 302
    feed = Feed.objects.get(slug="team")
    assert (feed.name, feed.password) == ("Renamed", TOKEN)


def test_clearing_the_user_name_removes_the_credentials(admin_client: Client) -> None:
    make_registry_feed()
    admin_client.post(
        reverse("feeds:edit-feed", args=["team"]), feed_form(username="", password="")
    )
    feed = Feed.objects.get(slug="team")
    assert (feed.username, feed.password) == ("", "")


def test_slug_cannot_change_after_creation(admin_client: Client) -> None:
    make_registry_feed()
    admin_client.post(reverse("feeds:edit-feed", args=["team"]), feed_form(slug="renamed"))
    assert Feed.objects.filter(slug="team").exists()
    assert not Feed.objects.filter(slug="renamed").exists()


def test_delete_asks_then_deletes(admin_client: Client) -> None:
    make_registry_feed()
    page = admin_client.get(reverse("feeds:delete-feed", args=["team"])).content.decode()
    assert "Delete feed Team registry?" in page
    response = admin_client.post(reverse("feeds:delete-feed", args=["team"]))
    assert response.status_code == 302
    assert not Feed.objects.filter(slug="team").exists()


# Bad input


@pytest.mark.parametrize(
    ("overrides", "field_error"),
    [
        ({"name": "Docker Hub"}, "Feed with this Name already exists."),
        ({"slug": "docker-hub"}, "Feed with this Slug already exists."),
        ({"slug": "Team Registry"}, "Enter a valid “slug”"),
        ({"slug": "new"}, "“new” is reserved; choose another slug."),
        ({"url": ""}, "Enter the registry URL."),
        ({"url": "https://ci-bot:pw@registry.example.com"}, "Put the user name and password in"),
        ({"url": "https://registry.example.com/team"}, "Enter the registry&#x27;s root URL"),
        ({"username": ""}, "Enter the user name that goes with the password."),
        ({"password": ""}, "Enter the password or token for this user name."),
        ({"kind": "ecr", "account": "", "region": "eu-west-1"}, "Choose the AWS account"),
        ({"kind": "ecr", "region": ""}, "Choose the registry&#x27;s region."),
        ({"kind": "docker-hub"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_with_a_reason(
    admin_client: Client, overrides: dict[str, str], field_error: str
) -> None:
    if overrides.get("kind") == "ecr" and "account" not in overrides:
        overrides = {**overrides, "account": str(make_account().pk)}
    response = admin_client.post(reverse("feeds:create-feed"), feed_form(**overrides))
    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert Feed.objects.count() == 1  # only the built-in Docker Hub


# Test button


def test_test_result_renders_inline_with_htmx(htmx_client: Client, sandbox_ecr: AwsAccount) -> None:
    Feed.objects.create(
        name="Sandbox ECR",
        slug="sandbox-ecr",
        kind=Feed.Kind.ECR,
        account=sandbox_ecr,
        region="us-east-1",
    )
    response = htmx_client.post(reverse("feeds:test-feed", args=["sandbox-ecr"]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "✔ Amazon ECR in us-east-1 answers: 1 repository visible." in content
    assert "<nav" not in content


def test_failed_test_says_why_inline(htmx_client: Client) -> None:
    make_registry_feed(url=f"http://127.0.0.1:{closed_port()}")
    response = htmx_client.post(reverse("feeds:test-feed", args=["team"]))
    content = response.content.decode()
    assert "✘ Could not reach 127.0.0.1:" in content
    assert TOKEN not in content


def test_test_without_javascript_is_a_message(admin_client: Client, settings: Any) -> None:
    settings.DOCKER_HUB_URL = f"http://127.0.0.1:{closed_port()}"
    response = admin_client.post(reverse("feeds:test-feed", args=["docker-hub"]), follow=True)
    assert "Docker Hub: Could not reach Docker Hub" in response.content.decode()


# Tag search


def test_tag_search_offers_options_newest_first(
    htmx_client: Client, sandbox_ecr: AwsAccount
) -> None:
    Feed.objects.create(
        name="Sandbox ECR",
        slug="sandbox-ecr",
        kind=Feed.Kind.ECR,
        account=sandbox_ecr,
        region="us-east-1",
    )
    response = htmx_client.get(
        reverse("feeds:search-tags", args=["sandbox-ecr"]), {"image": "demo/web", "q": "1."}
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert content.index('<option value="1.1.0">') < content.index('<option value="1.0.0">')
    assert '<option value="2.0.0">' not in content
    assert '<datalist id="tags-sandbox-ecr">' in content


def test_tag_search_answers_json_when_asked(admin_client: Client, sandbox_ecr: AwsAccount) -> None:
    Feed.objects.create(
        name="Sandbox ECR",
        slug="sandbox-ecr",
        kind=Feed.Kind.ECR,
        account=sandbox_ecr,
        region="us-east-1",
    )
    response = admin_client.get(
        reverse("feeds:search-tags", args=["sandbox-ecr"]),
        {"image": "demo/web"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json() == {
        "feed": "sandbox-ecr",
        "image": "demo/web",
        "query": "",
        "tags": ["2.0.0", "1.1.0", "1.0.0"],
    }


def test_unreachable_feed_still_lets_the_user_type_a_tag(
    htmx_client: Client, settings: Any
) -> None:
    settings.DOCKER_HUB_URL = f"http://127.0.0.1:{closed_port()}"
    response = htmx_client.get(
        reverse("feeds:search-tags", args=["docker-hub"]), {"image": "nginx", "list": "tags-0"}
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert '<datalist id="tags-0"></datalist>' in content
    assert "Could not reach Docker Hub" in content
    assert "You can still type the tag." in content


def test_unreachable_feed_in_json_is_a_bad_gateway(admin_client: Client, settings: Any) -> None:
    settings.DOCKER_HUB_URL = f"http://127.0.0.1:{closed_port()}"
    response = admin_client.get(
        reverse("feeds:search-tags", args=["docker-hub"]),
        {"image": "nginx"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 502
    assert response.json()["error"].startswith("Could not reach Docker Hub")


def test_tag_search_without_an_image_asks_for_one(admin_client: Client) -> None:
    response = admin_client.get(
        reverse("feeds:search-tags", args=["docker-hub"]), headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Enter an image name to look up its tags."


def test_tag_search_of_an_unknown_feed_is_not_found(admin_client: Client) -> None:
    response = admin_client.get(reverse("feeds:search-tags", args=["nope"]), {"image": "x"})
    assert response.status_code == 404


def test_feed_pages_need_a_login(client: Client) -> None:
    response = client.get(reverse("feeds:search-tags", args=["docker-hub"]), {"image": "nginx"})
    assert response.status_code == 302
    assert "/login/" in response["Location"]
