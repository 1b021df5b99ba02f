"""Tokens: made on the profile page or by a command, shown once, stored hashed, revocable."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from deployer.api.actions import issue_token
from deployer.api.models import ApiToken, token_hash
from deployer.audit.models import AuditEvent
from tests.conftest import client_for


def bearer(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_the_profile_page_creates_a_token_shown_once_and_stored_hashed(developer: User) -> None:
    client = client_for(developer)
    assert 'href="/profile/"' in client.get("/").content.decode()  # the user menu links it
    page = client.post("/profile/", {"name": "GitHub Actions", "expires_in_days": "30"})
    token = ApiToken.objects.get(user=developer)
    secret = page.context["secret"]
    assert secret.startswith(token.prefix) and secret in page.content.decode()
    assert token.secret_hash == token_hash(secret) and secret not in str(token.__dict__)
    assert token.expires_at is not None
    again = client.get("/profile/").content.decode()
    assert secret not in again and token.prefix in again and "never" in again
    assert bearer(secret).get("/api/v1/projects").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    event = AuditEvent.objects.get(kind="api_token.created")
    assert event.user == developer and secret not in str(event.details)


def test_a_revoked_token_is_refused_with_401(developer: User) -> None:
    token, secret = issue_token(developer, "CI")
    client = client_for(developer)
    response = client.post(f"/profile/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    answer = bearer(secret).get("/api/v1/projects")
    assert answer.status_code == 401
    assert answer.json() == {"detail": "The API token CI was revoked."}
    assert AuditEvent.objects.filter(kind="api_token.revoked", user=developer).exists()
    assert "Revoked" in client.get("/profile/").content.decode()


def test_nobody_revokes_another_users_token(developer: User, outsider: User) -> None:
    token, secret = issue_token(developer, "CI")
    assert client_for(outsider).post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert bearer(secret).get("/api/v1/projects").status_code == 200


def test_an_expired_token_is_refused_with_401(developer: User) -> None:
    _token, secret = issue_token(developer, "old", timezone.now() - dt.timedelta(seconds=1))
    answer = bearer(secret).get("/api/v1/projects")
    assert answer.status_code == 401
    assert answer.json()["detail"] == "The API token old has expired."


def test_no_or_unknown_token_is_a_json_401_not_a_login_redirect(developer: User) -> None:
    missing = Client().get("/api/v1/projects")
    assert missing.status_code == 401
    assert "Authorization: Bearer" in missing.json()["detail"]
    assert bearer("dpl_made-up").get("/api/v1/projects").status_code == 401
    assert Client(headers={"Authorization": "Basic abc"}).get("/api/v1/projects").status_code == 401
    # A session is not a token: the API is not reachable with the login cookie (no CSRF risk).
    assert client_for(developer).post("/api/v1/projects/payments/releases").status_code == 401


def test_a_deactivated_users_token_stops_working(developer: User) -> None:
    _token, secret = issue_token(developer, "CI")
    developer.is_active = False
    developer.save()
    assert bearer(secret).get("/api/v1/projects").status_code == 401


def test_the_command_prints_a_working_token(developer: User) -> None:
    out = StringIO()
    call_command("create_api_token", "dev", "--name", "deploy bot", stdout=out)
    secret = out.getvalue().strip()
    assert ApiToken.objects.get(secret_hash=token_hash(secret)).name == "deploy bot"
    assert bearer(secret).get("/api/v1/projects").status_code == 200
