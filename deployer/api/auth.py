"""Authenticating API calls: `Authorization: Bearer <token>`, and a cap on request bodies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer

from deployer.api.models import ApiToken, token_hash
from deployer.audit.context import act_for_this_request
from deployer.core.middleware import client_ip

# Step documents are at most 128 KiB; no request to the API needs more than this.
MAX_BODY_BYTES = 256 * 1024
# Writing "last used" on every call would make each read a write; once a minute is precise enough.
LAST_USED_PRECISION = dt.timedelta(minutes=1)
HOW_TO_GET_ONE = "Create a token on your profile page (or with manage.py create_api_token)."


def check_body_size(request: HttpRequest) -> None:
    """Refuse a body over MAX_BODY_BYTES before anything reads it."""
    length = str(request.META.get("CONTENT_LENGTH") or "0")
    if not length.isdecimal() or int(length) > MAX_BODY_BYTES:
        raise HttpError(400, f"The request body is over the limit of {MAX_BODY_BYTES} bytes.")


class TokenAuth(HttpBearer):
    """A token acts with its user's rights; revoked, expired or unknown tokens get 401."""

    def __call__(self, request: HttpRequest) -> Any:
        check_body_size(request)
        header = request.headers.get(self.header, "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError(
                401, f"Send the header Authorization: Bearer <token>. {HOW_TO_GET_ONE}"
            )
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user").filter(secret_hash=token_hash(token)).first()
        )
        if found is None:
            raise AuthenticationError(401, f"The API token is not valid. {HOW_TO_GET_ONE}")
        if found.revoked_at is not None:
            raise AuthenticationError(401, f"The API token {found.name} was revoked.")
        if found.is_expired:
            raise AuthenticationError(401, f"The API token {found.name} has expired.")
        if not found.user.is_active:
            raise AuthenticationError(401, "The token's user account is deactivated.")
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        act_for_this_request(found.user, "api", client_ip(request) or None)
        return found.user
