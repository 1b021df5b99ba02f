"""Repeated failed logins lock out the user name and the address, logged, saying when to retry."""

from __future__ import annotations

import logging

import pytest
from django.conf import LazySettings
from django.contrib.auth.models import User
from django.test import Client, RequestFactory

from deployer.core.middleware import client_ip

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def attempt(client: Client, username: str, password: str, address: str = "10.0.0.1") -> int:
    response = client.post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )
    return response.status_code


def test_repeated_failures_for_a_user_lock_it_out_even_with_the_right_password(
    admin: User, settings: LazySettings
) -> None:
    client = Client()
    answers = [attempt(client, "ada", "wrong", f"10.0.0.{n}") for n in range(40)]
    # Each from another address: the user name alone is what is locked out.
    limit = settings.AXES_FAILURE_LIMIT
    assert answers[: limit - 1] == [200] * (limit - 1)  # the form again, with its error
    assert set(answers[limit - 1 :]) == {429}  # the failure that reaches the limit locks
    assert attempt(client, "ada", PASSWORD, "10.0.0.99") == 429
    assert "_auth_user_id" not in client.session


def test_repeated_failures_from_an_address_lock_out_every_user_name_from_it(
    admin: User, settings: LazySettings
) -> None:
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, f"guess-{n}", "wrong", "10.0.0.66")
    assert attempt(client, "ada", PASSWORD, "10.0.0.66") == 429
    # Another address with the real password is not affected.
    assert attempt(Client(), "ada", PASSWORD, "10.0.0.7") == 302


def test_the_lockout_page_says_when_to_try_again(admin: User, settings: LazySettings) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "ada", "wrong")
    response = client.post("/login/", {"username": "ada", "password": "wrong"})
    assert response.status_code == 429
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert response["Retry-After"] == str(minutes * 60)
    content = response.content.decode()
    assert "Too many failed logins" in content
    assert "Try again after" in content
    assert f"in {minutes} minutes" in content


def test_a_lockout_is_logged(
    admin: User, settings: LazySettings, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client()
    with caplog.at_level(logging.INFO, logger="axes"):
        for _ in range(settings.AXES_FAILURE_LIMIT + 1):
            attempt(client, "ada", "wrong", "10.0.0.5")
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("ada" in message and "10.0.0.5" in message for message in warnings), warnings
    assert not any(PASSWORD in record.getMessage() for record in caplog.records)


def test_a_success_before_the_limit_clears_the_count(admin: User, settings: LazySettings) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "ada", "wrong")
    assert attempt(client, "ada", PASSWORD) == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "ada", "wrong") == 200
    assert attempt(client, "ada", PASSWORD) == 302


def test_behind_a_proxy_the_address_is_the_one_the_proxy_appended(settings: LazySettings) -> None:
    request = RequestFactory().post(
        "/login/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7"
    )
    settings.BEHIND_PROXY = False
    assert client_ip(request) == "10.9.9.9"
    settings.BEHIND_PROXY = True
    # The client could have sent "1.2.3.4" itself; the proxy's own entry is the last one.
    assert client_ip(request) == "203.0.113.7"
