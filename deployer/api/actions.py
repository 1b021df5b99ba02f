"""Issuing and revoking API tokens, recorded in the audit trail."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.utils import timezone

from deployer.api.models import TOKEN_PREFIX, VISIBLE_CHARS, ApiToken, token_hash
from deployer.audit.record import record


def issue_token(
    user: Any, name: str, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with its secret, which is shown once and never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or "API token",
        secret_hash=token_hash(secret),
        prefix=secret[:VISIBLE_CHARS],
        expires_at=expires_at,
    )
    until = f", expires {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else ""
    record(
        "api_token.created",
        f"API token {token.name} ({token.prefix}…) created for {user.get_username()}{until}",
        obj=token,
        details={"name": token.name, "prefix": token.prefix},
    )
    return token, secret


def revoke_token(token: ApiToken) -> None:
    """Stop the token working at once; its row stays, to show when it was last used."""
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    if revoked:
        record(
            "api_token.revoked",
            f"API token {token.name} ({token.prefix}…) of {token.user.get_username()} revoked",
            obj=token,
            details={"name": token.name, "prefix": token.prefix},
        )
    token.refresh_from_db(fields=["revoked_at"])
