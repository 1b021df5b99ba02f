"""The AWS account pages: create, edit, delete, and the secret that never comes back."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from targets.models import AwsAccount
from tests.conftest import make_account, make_target

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

pytestmark = pytest.mark.django_db


def account_form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Payments",
        "description": "",
        "credentials": "keys",
        "access_key_id": "AKIAIOSFODNN7EXAMPLE",
        "secret_access_key": SECRET,
        "role_arn": "",
        "role_session_name": "",
        "external_id": "",
        "session_duration": "3600",
        "endpoint_url": "",
    }
    data.update(overrides)
    return data


def test_create_account_stores_the_secret_encrypted(admin_client: Client) -> None:
    response = admin_client.post(reverse("targets:create-account"), account_form())
    assert response.status_code == 302
    account = AwsAccount.objects.get(name="Payments")
    assert account.secret_access_key == SECRET
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_access_key FROM targets_awsaccount")
        (stored,) = cursor.fetchone()
    assert SECRET not in stored
    assert stored


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_secret_is_not_in_the_sqlite_file_in_plain_text(admin_client: Client) -> None:
    if connection.vendor != "sqlite" or connection.settings_dict["NAME"].startswith(
        ("file:", ":memory:")
    ):
        pytest.skip("checks the bytes of an on-disk SQLite database")
    admin_client.post(reverse("targets:create-account"), account_form())
    connection.close()  # flush the WAL into the files we read
    raw = b"".join(
        path.read_bytes()
        for path in Path(connection.settings_dict["NAME"]).parent.glob(
            Path(connection.settings_dict["NAME"]).name + "*"
        )
    )
    assert SECRET.encode() not in raw
    assert b"AKIAIOSFODNN7EXAMPLE" in raw  # the file was really read


def test_secret_is_never_rendered_back(admin_client: Client) -> None:
    account = make_account()
    page = admin_client.get(reverse("targets:edit-account", args=[account.pk]))
    assert page.status_code == 200
    assert SECRET not in page.content.decode()
    assert "Leave blank to keep it" in page.content.decode()


def test_blank_secret_on_edit_keeps_the_stored_one(admin_client: Client) -> None:
    account = make_account(name="Payments")
    response = admin_client.post(
        reverse("targets:edit-account", args=[account.pk]),
        account_form(secret_access_key="", description="changed"),
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.description == "changed"
    assert account.secret_access_key == SECRET


def test_a_new_secret_replaces_the_stored_one(admin_client: Client) -> None:
    account = make_account(name="Payments")
    admin_client.post(
        reverse("targets:edit-account", args=[account.pk]),
        account_form(secret_access_key="another-secret"),
    )
    account.refresh_from_db()
    assert account.secret_access_key == "another-secret"


def test_missing_secret_on_create_is_refused(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("targets:create-account"), account_form(secret_access_key="")
    )
    assert response.status_code == 200
    assert "Enter the secret key for this access key." in response.content.decode()
    assert not AwsAccount.objects.exists()


def test_missing_access_key_is_refused(admin_client: Client) -> None:
    response = admin_client.post(reverse("targets:create-account"), account_form(access_key_id=""))
    assert "Enter the access key id" in response.content.decode()
    assert not AwsAccount.objects.exists()


def test_default_chain_needs_no_keys_and_keeps_none(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("targets:create-account"),
        account_form(credentials="default", access_key_id="", secret_access_key=""),
    )
    assert response.status_code == 302
    account = AwsAccount.objects.get()
    assert account.credentials == "default"
    assert account.secret_access_key == ""


def test_duplicate_account_name_is_refused(admin_client: Client) -> None:
    make_account(name="Payments")
    response = admin_client.post(reverse("targets:create-account"), account_form())
    assert response.status_code == 200
    assert "Aws account with this Name already exists." in response.content.decode()
    assert AwsAccount.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("role_arn", "arn:aws:iam::12:role/x", "Enter an IAM role ARN"),
        ("session_duration", "60", "greater than or equal to 900"),
        ("access_key_id", "not a key", "16-128 capital letters and digits"),
        ("endpoint_url", "not a url", "Enter a valid URL."),
        ("external_id", "abc", "only used when assuming a role"),
    ],
)
def test_bad_account_fields_are_refused_with_a_message(
    admin_client: Client, field: str, value: str, message: str
) -> None:
    response = admin_client.post(reverse("targets:create-account"), account_form(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AwsAccount.objects.exists()


def test_assume_role_account_is_saved(admin_client: Client) -> None:
    admin_client.post(
        reverse("targets:create-account"),
        account_form(
            role_arn="arn:aws:iam::123456789012:role/deployer",
            external_id="shared-secret",
            role_session_name="deployer-prod",
        ),
    )
    account = AwsAccount.objects.get()
    assert account.role_arn == "arn:aws:iam::123456789012:role/deployer"
    assert account.external_id == "shared-secret"


def test_deleting_an_account_in_use_is_refused_naming_the_targets(admin_client: Client) -> None:
    account = make_account()
    make_target("web-production", account=account)
    make_target("web-staging", account=account, cluster_name="staging")
    response = admin_client.post(reverse("targets:delete-account", args=[account.pk]), follow=True)
    assert "is used by the cluster targets web-production, web-staging" in response.content.decode()
    assert AwsAccount.objects.filter(pk=account.pk).exists()


def test_deleting_an_unused_account(admin_client: Client) -> None:
    account = make_account()
    confirm = admin_client.get(reverse("targets:delete-account", args=[account.pk]))
    assert "Delete account Production AWS?" in confirm.content.decode()
    admin_client.post(reverse("targets:delete-account", args=[account.pk]))
    assert not AwsAccount.objects.exists()


def test_the_secret_never_reaches_the_log(
    admin_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin_client.post(reverse("targets:create-account"), account_form())
    account = AwsAccount.objects.get()
    logging.getLogger("test").info("account %r", account)
    assert SECRET not in caplog.text


def test_sandbox_account_is_labelled(admin_client: Client) -> None:
    make_account(name="Local sandbox", is_sandbox=True, endpoint_url=settings.SANDBOX_URL)
    page = admin_client.get(reverse("targets:list-accounts")).content.decode()
    assert "Local sandbox (simulated AWS)" in page
