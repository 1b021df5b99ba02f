"""Commands acting for a user (`--user USERNAME`): look the user up, refuse with exit status 2."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from deployer.access.permissions import decide

if TYPE_CHECKING:
    from deployer.projects.models import Project
    from targets.models import Environment

REFUSED = 2  # the exit status of a command refused for want of rights


def command_user(username: str | None) -> Any:
    """The active user named `username`; None (the server's operator) when no name is given."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"--user {username}: there is no such user.", returncode=REFUSED)
    if not user.is_active:
        raise CommandError(f"--user {username}: the account is deactivated.", returncode=REFUSED)
    return user


def require(
    user: Any,
    action: str,
    project: Project | None = None,
    environment: Environment | None = None,
) -> None:
    """Refuse (exit 2, the reason on stderr) when `user` may not; the operator (None) may."""
    if user is None:
        return
    decision = decide(user, action, project, environment)
    if not decision.allowed:
        raise CommandError(decision.reason, returncode=REFUSED)
