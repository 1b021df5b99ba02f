"""The cluster targets a step deploys to in an environment, and what to say when there are none."""

from __future__ import annotations

from targets.models import ClusterTarget


def _roles(target_roles: object) -> list[str]:
    # An unsubstituted expression names no role yet, so it matches no target.
    return [str(role) for role in target_roles] if isinstance(target_roles, list) else []


def targets_for(target_roles: object, environment_id: int) -> list[ClusterTarget]:
    """The targets in the environment with any of the step's roles, by name."""
    return list(
        ClusterTarget.objects.filter(
            environments=environment_id, roles__name__in=_roles(target_roles)
        )
        .select_related("account")
        .distinct()
        .order_by("name")
    )


def no_targets_message(target_roles: object, environment_name: str) -> str:
    roles = ", ".join(_roles(target_roles)) or "(none)"
    return f"No ECS cluster targets with role {roles} in environment {environment_name}."


def targets_with_roles(target_roles: object) -> list[ClusterTarget]:
    """The targets with any of the roles, in every environment, by name."""
    return list(
        ClusterTarget.objects.filter(roles__name__in=_roles(target_roles))
        .select_related("account")
        .distinct()
        .order_by("name")
    )
