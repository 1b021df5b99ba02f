"""'Test connection' on a cluster target, against AWS simulated in process."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from django.test import Client
from django.urls import reverse
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count

from deployer.aws.session import ClientFactory
from targets.models import ClusterTarget
from tests.conftest import make_account, make_target

pytestmark = pytest.mark.django_db


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        boto3.client("ecs", region_name="eu-west-1").create_cluster(clusterName="production")
        yield


@pytest.fixture
def target() -> ClusterTarget:
    return make_target(region="eu-west-1", cluster_name="production")


def test_existing_cluster_is_reported_active(aws: None, target: ClusterTarget) -> None:
    result = target.check_connection()
    assert result.ok
    assert result.status == "ACTIVE"
    assert "Cluster production is ACTIVE" in result.message


def test_missing_cluster_is_reported_as_octopus_words_it(aws: None) -> None:
    target = make_target(region="eu-west-1", cluster_name="nope")
    result = target.check_connection()
    assert not result.ok
    assert result.message == "Unable to find Cluster: nope, or Cluster is Inactive"


def test_inactive_cluster_is_not_usable(aws: None, target: ClusterTarget) -> None:
    boto3.client("ecs", region_name="eu-west-1").delete_cluster(cluster="production")
    result = target.check_connection()
    assert not result.ok
    assert "Unable to find Cluster: production" in result.message


def test_bad_credentials_are_named(aws: None) -> None:
    @set_initial_no_auth_action_count(0)
    def check() -> str:
        target = make_target(
            region="eu-west-1",
            account=make_account(access_key_id="AKIANOTAREALKEY00000"),
        )
        return target.check_connection().message

    message = check()
    assert "AWS rejected the credentials" in message
    assert "Check the account's access key and secret key" in message


def test_unreachable_endpoint_is_named(db: None) -> None:
    # Port 9 (discard) is closed on loopback: the connection is refused at once.
    account = make_account(endpoint_url="http://127.0.0.1:9")
    target = make_target(account=account)
    result = target.check_connection()
    assert not result.ok
    assert "Could not connect to AWS" in result.message
    assert "is the local sandbox running?" in result.message


def test_connection_result_renders_inline_with_htmx(
    aws: None, htmx_client: Client, target: ClusterTarget
) -> None:
    response = htmx_client.post(reverse("targets:test-connection", args=[target.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Cluster production is ACTIVE" in content
    assert "<nav" not in content


def test_connection_result_without_javascript_is_a_message(aws: None, admin_client: Client) -> None:
    target = make_target(region="eu-west-1", cluster_name="missing")
    response = admin_client.post(reverse("targets:test-connection", args=[target.pk]), follow=True)
    assert "Unable to find Cluster: missing, or Cluster is Inactive" in response.content.decode()


def closed_local_port() -> int:
    """A loopback port nothing listens on: bound once to get a free number, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_test_connection_fails_fast_against_an_endpoint_where_nothing_listens(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    clients: list[Any] = []
    real_client = ClientFactory.client

    def recording_client(factory: ClientFactory, service: str, region: str) -> Any:
        clients.append(real_client(factory, service, region))
        return clients[-1]

    monkeypatch.setattr(ClientFactory, "client", recording_client)
    account = make_account(endpoint_url=f"http://127.0.0.1:{closed_local_port()}")
    target = make_target(account=account, cluster_name="production")

    response = admin_client.post(reverse("targets:test-connection", args=[target.pk]), follow=True)

    assert "Could not connect to AWS" in response.content.decode()
    (client,) = clients
    # A person waits on this request: few attempts, short timeouts, not the deployment's.
    assert client.meta.config.retries["total_max_attempts"] <= 2
    assert client.meta.config.connect_timeout <= 2
    assert client.meta.config.read_timeout <= 2
