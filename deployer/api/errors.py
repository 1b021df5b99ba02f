"""The API's answers to refusals: 403 with the permission's reason, 409 for lifecycle refusals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja.errors import HttpError

from deployer.access.permissions import decide
from deployer.releases.actions import ActionRefused

if TYPE_CHECKING:
    from deployer.projects.models import Project
    from targets.models import Environment


def require(
    request: HttpRequest,
    action: str,
    project: Project | None = None,
    environment: Environment | None = None,
) -> None:
    """403 with the reason the pages give, unless the token's user may do `action` there."""
    decision = decide(request_user(request), action, project, environment)
    if not decision.allowed:
        raise HttpError(403, decision.reason)


def request_user(request: HttpRequest) -> Any:
    """The token's user (TokenAuth put it there)."""
    return request.auth  # type: ignore[attr-defined]


def refused(exc: ActionRefused, status: int = 409) -> HttpError:
    """An action's refusal as an error whose detail is its messages, one after the other."""
    return HttpError(status, " ".join(exc.messages))
