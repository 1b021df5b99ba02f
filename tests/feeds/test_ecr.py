"""Amazon ECR feeds against ECR simulated in process: tags by push time, references, checks."""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID, set_initial_no_auth_action_count
from moto.ecr.models import ecr_backends

from deployer.aws.session import ClientFactory
from deployer.feeds.models import Feed
from deployer.feeds.registries import FeedError, check_feed, image_reference, list_tags
from deployer.sandbox.seed_product import ensure_sandbox_feed
from tests.conftest import make_account

pytestmark = pytest.mark.django_db

REGION = "eu-west-1"
MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json"


@pytest.fixture
def ecr() -> Iterator[object]:
    with mock_aws():
        client = boto3.client("ecr", region_name=REGION)
        client.create_repository(repositoryName="demo/web")
        yield client


@pytest.fixture
def feed() -> Feed:
    return Feed.objects.create(
        name="Production ECR",
        slug="prod-ecr",
        kind=Feed.Kind.ECR,
        account=make_account(),
        region=REGION,
    )


def push(client: object, tag: str, repository: str = "demo/web") -> None:
    # A distinct manifest per tag, so each push is its own image.
    layer = "sha256:" + hashlib.sha256(f"{repository}:{tag}".encode()).hexdigest()
    manifest = {
        "schemaVersion": 2,
        "mediaType": MEDIA_TYPE,
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 1,
            "digest": layer,
        },
        "layers": [
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": 1,
                "digest": layer,
            }
        ],
    }
    client.put_image(  # type: ignore[attr-defined]
        repositoryName=repository, imageManifest=json.dumps(manifest), imageTag=tag
    )


def test_tags_come_most_recently_pushed_first(ecr: object, feed: Feed) -> None:
    for tag in ("1.0.0", "2.0.0", "1.1.0"):
        push(ecr, tag)
    # Push order, not version order: 1.1.0 was pushed last.
    assert list_tags(feed, "demo/web") == ["1.1.0", "2.0.0", "1.0.0"]


def test_push_time_decides_over_listing_order(ecr: object, feed: Feed) -> None:
    for tag in ("hotfix", "1.0.0", "1.1.0"):
        push(ecr, tag)
    images = ecr_backends[DEFAULT_ACCOUNT_ID][REGION].repositories["demo/web"].images
    base = 1_750_000_000
    for image, offset in zip(images, (300, 100, 200), strict=True):
        image.image_pushed_at = base + offset
    assert list_tags(feed, "demo/web") == ["hotfix", "1.1.0", "1.0.0"]


def test_query_and_limit_apply_to_the_newest_tags(ecr: object, feed: Feed) -> None:
    for tag in ("1.0.0", "1.1.0", "2.0.0", "2.1.0"):
        push(ecr, tag)
    assert list_tags(feed, "demo/web", 2) == ["2.1.0", "2.0.0"]
    assert list_tags(feed, "demo/web", query="1.") == ["2.1.0", "1.1.0", "1.0.0"]


def test_untagged_images_are_left_out(ecr: object, feed: Feed) -> None:
    push(ecr, "1.0.0")
    push(ecr, "1.1.0")
    ecr.batch_delete_image(  # type: ignore[attr-defined]
        repositoryName="demo/web", imageIds=[{"imageTag": "1.0.0"}]
    )
    assert list_tags(feed, "demo/web") == ["1.1.0"]


def test_missing_repository_is_named(ecr: object, feed: Feed) -> None:
    with pytest.raises(FeedError) as caught:
        list_tags(feed, "demo/api")
    assert caught.value.message == "Amazon ECR in eu-west-1 has no repository demo/api."


def test_reference_uses_the_repository_uri_ecr_reports(ecr: object, feed: Feed) -> None:
    push(ecr, "1.0.0")
    assert (
        image_reference(feed, "demo/web", "1.0.0")
        == f"{DEFAULT_ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com/demo/web:1.0.0"
    )


def test_reference_to_a_missing_repository_is_refused(ecr: object, feed: Feed) -> None:
    with pytest.raises(FeedError, match="has no repository demo/nope"):
        image_reference(feed, "demo/nope", "1.0.0")


def test_check_counts_the_repositories(ecr: object, feed: Feed) -> None:
    ecr.create_repository(repositoryName="demo/api")  # type: ignore[attr-defined]
    result = check_feed(feed)
    assert result.ok, result.message
    assert result.message == "Amazon ECR in eu-west-1 answers: 2 repositories visible."


def test_check_reports_rejected_credentials(ecr: object) -> None:
    @set_initial_no_auth_action_count(0)
    def check() -> str:
        account = make_account(access_key_id="AKIANOTAREALKEY00000")
        feed = Feed.objects.create(
            name="Other ECR", slug="other-ecr", kind=Feed.Kind.ECR, account=account, region=REGION
        )
        result = check_feed(feed)
        assert not result.ok
        return result.message

    assert "AWS rejected the credentials" in check()


def test_sandbox_feed_is_created_once_on_the_sandbox_account() -> None:
    account = make_account(name="Local sandbox", is_sandbox=True)
    feed = ensure_sandbox_feed(account)
    assert (feed.name, feed.slug, feed.kind, feed.region) == (
        "Sandbox ECR",
        "sandbox-ecr",
        Feed.Kind.ECR,
        "us-east-1",
    )
    assert feed.account == account
    feed.region = "eu-west-1"
    feed.save()
    again = ensure_sandbox_feed(account)
    assert again.pk == feed.pk
    assert again.region == "eu-west-1"  # what a user changed is kept
    assert Feed.objects.filter(slug="sandbox-ecr").count() == 1


def test_check_fails_fast_against_an_endpoint_where_nothing_listens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on once released
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    clients: list[Any] = []
    real_client = ClientFactory.client

    def recording_client(factory: ClientFactory, service: str, region: str) -> Any:
        clients.append(real_client(factory, service, region))
        return clients[-1]

    monkeypatch.setattr(ClientFactory, "client", recording_client)
    feed = Feed.objects.create(
        name="Unreachable ECR",
        slug="unreachable-ecr",
        kind=Feed.Kind.ECR,
        account=make_account(endpoint_url=f"http://127.0.0.1:{port}"),
        region=REGION,
    )

    result = check_feed(feed)

    assert not result.ok
    assert "Could not connect to AWS" in result.message
    (client,) = clients
    assert client.meta.config.retries["total_max_attempts"] <= 2
    assert client.meta.config.connect_timeout <= 2
    assert client.meta.config.read_timeout <= 2
