"""Who is acting, and from where: set per request (the UI) or per command run."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class Actor:
    user: Any = None
    source: str = "system"
    remote_address: str | None = None


NOBODY = Actor()
_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("audit_actor", default=None)


def current_actor() -> Actor:
    return _actor.get() or NOBODY


@contextmanager
def acting(user: Any, source: str, remote_address: str | None = None) -> Iterator[None]:
    """Record what happens inside as done by `user` from `source` ("ui", "command", "api")."""
    token = _actor.set(Actor(user, source, remote_address))
    try:
        yield
    finally:
        _actor.reset(token)


def act_for_this_request(user: Any, source: str, remote_address: str | None = None) -> None:
    """Record the rest of the current request as `user`'s (an API token's user, known only once
    the API has read the token); AuditMiddleware's `acting` restores the actor when it ends."""
    _actor.set(Actor(user, source, remote_address))


class AuditMiddleware:
    """Every change made while answering a request is recorded as the user's, from the UI."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from deployer.core.middleware import client_ip

        user = request.user if request.user.is_authenticated else None
        with acting(user, "ui", client_ip(request) or None):
            return self.get_response(request)
