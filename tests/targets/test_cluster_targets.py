"""The ECS cluster target pages: fields, roles, environments and bad input."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from targets.models import AwsAccount, ClusterTarget, Environment, TargetRole
from tests.conftest import make_account, make_target

pytestmark = pytest.mark.django_db


@pytest.fixture
def account() -> AwsAccount:
    return make_account()


@pytest.fixture
def production() -> Environment:
    return Environment.objects.create(name="Production")


def target_form(account: AwsAccount, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "web-production",
        "account": str(account.pk),
        "region": "eu-west-1",
        "cluster_name": "prod-cluster_1",
        "role_names": "web-cluster, api-cluster",
        "environments": [],
    }
    data.update(overrides)
    return data


def test_create_target_with_roles_and_environments(
    admin_client: Client, account: AwsAccount, production: Environment
) -> None:
    response = admin_client.post(
        reverse("targets:create-target"),
        target_form(account, environments=[str(production.pk)]),
    )
    assert response.status_code == 302
    target = ClusterTarget.objects.get()
    assert target.region == "eu-west-1"
    assert target.cluster_name == "prod-cluster_1"
    assert sorted(r.name for r in target.roles.all()) == ["api-cluster", "web-cluster"]
    assert list(target.environments.all()) == [production]


def test_edit_shows_roles_and_saves_changes(admin_client: Client, account: AwsAccount) -> None:
    target = make_target(account=account, roles=("web-cluster",))
    page = admin_client.get(reverse("targets:edit-target", args=[target.pk])).content.decode()
    assert 'value="web-cluster"' in page
    admin_client.post(
        reverse("targets:edit-target", args=[target.pk]),
        target_form(account, role_names="worker-cluster"),
    )
    assert [r.name for r in target.roles.all()] == ["worker-cluster"]


def test_roles_already_used_are_suggested(admin_client: Client, account: AwsAccount) -> None:
    make_target(account=account, roles=("web-cluster", "batch"))
    page = admin_client.get(reverse("targets:create-target")).content.decode()
    assert '<option value="batch">' in page
    assert '<option value="web-cluster">' in page


@pytest.mark.parametrize(
    "cluster_name", ["", "has space", "dots.not.allowed", "x" * 256, "slash/name"]
)
def test_invalid_cluster_names_are_refused(
    admin_client: Client, account: AwsAccount, cluster_name: str
) -> None:
    response = admin_client.post(
        reverse("targets:create-target"), target_form(account, cluster_name=cluster_name)
    )
    assert response.status_code == 200
    assert not ClusterTarget.objects.exists()
    content = response.content.decode()
    assert (
        "letters, digits, hyphens and underscores" in content
        or ("This field is required." in content)
        or "at most 255 characters" in content
    )


def test_unknown_region_is_refused(admin_client: Client, account: AwsAccount) -> None:
    response = admin_client.post(
        reverse("targets:create-target"), target_form(account, region="mars-north-1")
    )
    assert "Select a valid choice. mars-north-1 is not one of the available choices." in (
        response.content.decode()
    )
    assert not ClusterTarget.objects.exists()


def test_duplicate_target_name_is_refused(admin_client: Client, account: AwsAccount) -> None:
    make_target("web-production", account=account)
    response = admin_client.post(reverse("targets:create-target"), target_form(account))
    assert "Cluster target with this Name already exists." in response.content.decode()
    assert ClusterTarget.objects.count() == 1


@pytest.mark.parametrize(
    ("roles", "message"),
    [
        ("", "This field is required."),
        (" , ", "Give the target at least one role"),
        ("web cluster", "is not a valid role"),
    ],
)
def test_bad_roles_are_refused(
    admin_client: Client, account: AwsAccount, roles: str, message: str
) -> None:
    response = admin_client.post(
        reverse("targets:create-target"), target_form(account, role_names=roles)
    )
    assert message in response.content.decode()
    assert not ClusterTarget.objects.exists()
    assert not TargetRole.objects.exists()


def test_unknown_account_is_refused(admin_client: Client, account: AwsAccount) -> None:
    response = admin_client.post(
        reverse("targets:create-target"), {**target_form(account), "account": "999"}
    )
    assert "Select a valid choice." in response.content.decode()


def test_list_shows_targets_with_their_roles(admin_client: Client, account: AwsAccount) -> None:
    make_target("web-production", account=account, roles=("web-cluster",))
    page = admin_client.get(reverse("targets:list-targets")).content.decode()
    assert "web-production" in page
    assert "web-cluster" in page
    assert "Test connection" in page


def test_delete_target(admin_client: Client, account: AwsAccount) -> None:
    target = make_target(account=account)
    admin_client.post(reverse("targets:delete-target", args=[target.pk]))
    assert not ClusterTarget.objects.exists()
    assert AwsAccount.objects.exists()
