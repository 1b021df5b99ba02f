"""The one permission function: `can(user, action, project, environment)` and its reasons.

Every page, HTMX endpoint and command asks `decide()` (or `can()`, its yes/no); the role table
below is the whole policy, documented in docs/access.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from deployer.access.models import Role, TeamRole

if TYPE_CHECKING:
    from deployer.projects.models import Project
    from targets.models import Environment

VIEW = "view"
EDIT_PROJECT = "edit_project"
CREATE_RELEASE = "create_release"
DEPLOY = "deploy"
CANCEL = "cancel"
APPROVE = "approve"
ADMINISTER = "administer"
ACTIONS = (VIEW, EDIT_PROJECT, CREATE_RELEASE, DEPLOY, CANCEL, APPROVE, ADMINISTER)

# What each role allows. Administrators may do everything, everywhere (scopes do not apply).
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.VIEWER: frozenset({VIEW}),
    Role.PROJECT_EDITOR: frozenset({VIEW, EDIT_PROJECT, CREATE_RELEASE}),
    Role.DEPLOYER: frozenset({VIEW, DEPLOY, CANCEL}),
    Role.APPROVER: frozenset({VIEW, APPROVE}),
    Role.ADMINISTRATOR: frozenset(ACTIONS),
}
# The role to ask for when an action is refused.
NEEDED_ROLE = {
    VIEW: Role.VIEWER,
    EDIT_PROJECT: Role.PROJECT_EDITOR,
    CREATE_RELEASE: Role.PROJECT_EDITOR,
    DEPLOY: Role.DEPLOYER,
    CANCEL: Role.DEPLOYER,
    APPROVE: Role.APPROVER,
    ADMINISTER: Role.ADMINISTRATOR,
}
ACTION_WORDS = {
    VIEW: "view",
    EDIT_PROJECT: "edit",
    CREATE_RELEASE: "create releases of",
    DEPLOY: "deploy",
    CANCEL: "cancel deployments of",
    APPROVE: "approve deployments of",
    ADMINISTER: "administer",
}


@dataclass(frozen=True)
class Grant:
    """One role of one of the user's teams; None for a scope means every one."""

    role: str
    projects: frozenset[int] | None
    environments: frozenset[int] | None

    def covers(self, action: str, project_id: int | None, environment_id: int | None) -> bool:
        if action not in ROLE_ACTIONS[self.role]:
            return False
        if self.role == Role.ADMINISTRATOR:
            return True
        # A question about no particular project (a list page) is answered by any scope.
        if project_id is not None and self.projects is not None and project_id not in self.projects:
            return False
        if environment_id is not None and self.environments is not None:
            return environment_id in self.environments
        return True


@dataclass(frozen=True)
class Decision:
    """The answer, with the reason a refusal shows (the 403 page, a command's error)."""

    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def grants(user: Any) -> list[Grant]:
    """The user's roles, read once per user object (a request's user lives one request)."""
    cached = getattr(user, "_access_grants", None)
    if cached is not None:
        return cached
    result: list[Grant] = []
    if user.is_superuser:
        # Administrators may do everything: their teams' roles add nothing to ask for.
        result.append(Grant(Role.ADMINISTRATOR, None, None))
        user._access_grants = result
        return result
    roles = TeamRole.objects.filter(team__members=user).prefetch_related("projects", "environments")
    for team_role in roles:
        projects = frozenset(p.pk for p in team_role.projects.all()) or None
        environments = frozenset(e.pk for e in team_role.environments.all()) or None
        result.append(Grant(team_role.role, projects, environments))
    user._access_grants = result
    return result


def decide(
    user: Any,
    action: str,
    project: Project | None = None,
    environment: Environment | None = None,
    *,
    all_projects: bool = False,
) -> Decision:
    """May `user` do `action` (one of ACTIONS) on the project in the environment?

    None for the project or the environment means "not about a particular one": any scope of a
    role that allows the action answers yes. `all_projects` asks for a role covering every
    project (creating a project). The reason of a refusal names the role to ask for.
    """
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}; one of {', '.join(ACTIONS)}.")
    if user is None or not user.is_authenticated:
        return Decision(False, "Log in first.")
    if not user.is_active:
        return Decision(False, "Your account is deactivated.")
    project_id = project.pk if project is not None else None
    environment_id = environment.pk if environment is not None else None
    if any(
        g.covers(action, project_id, environment_id) and (not all_projects or g.projects is None)
        for g in grants(user)
    ):
        return Decision(True)
    what = ACTION_WORDS[action]
    role = NEEDED_ROLE[action].label
    if action == ADMINISTER:
        target = "Deployer's accounts, feeds, environments, targets, lifecycles, users and teams"
    else:
        target = project.name if project is not None else "projects"
        if all_projects:
            target = "all projects (to create one)"
        if environment is not None and action != VIEW:
            target += f" in {environment.name}"
        elif environment is not None:
            target += f" ({environment.name})"
    return Decision(
        False,
        f"You may not {what} {target}: that needs the {role} role there. "
        "Ask an administrator to add you to a team that has it.",
    )


def can(
    user: Any,
    action: str,
    project: Project | None = None,
    environment: Environment | None = None,
) -> bool:
    """Whether `user` may do `action`; see `decide` for the reason when not."""
    return decide(user, action, project, environment).allowed


def why_not(
    user: Any,
    action: str,
    project: Project | None = None,
    environment: Environment | None = None,
) -> str:
    """The reason `user` may not do `action`, or "" when they may."""
    return decide(user, action, project, environment).reason


def is_administrator(user: Any) -> bool:
    """A superuser, or a member of a team with the Administrator role."""
    return any(grant.role == Role.ADMINISTRATOR for grant in grants(user))


def visible_project_ids(user: Any) -> set[int] | None:
    """The projects the user may view; None means all of them."""
    if not user.is_authenticated or not user.is_active:
        return set()
    ids: set[int] = set()
    for grant in grants(user):
        if VIEW in ROLE_ACTIONS[grant.role]:
            if grant.projects is None or grant.role == Role.ADMINISTRATOR:
                return None
            ids |= grant.projects
    return ids


def only_visible(user: Any, queryset: Any, field: str = "pk") -> Any:
    """The rows of `queryset` whose project (at `field`) the user may view."""
    ids = visible_project_ids(user)
    return queryset if ids is None else queryset.filter(**{f"{field}__in": ids})


def only_visible_deployments(user: Any, queryset: Any) -> Any:
    """The deployments whose project and environment the user may view."""
    from django.db.models import Q

    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    allowed = Q(pk__in=[])
    for grant in grants(user):
        if VIEW not in ROLE_ACTIONS[grant.role]:
            continue
        if grant.role == Role.ADMINISTRATOR:
            return queryset
        scope = Q()
        if grant.projects is not None:
            scope &= Q(release__project_id__in=grant.projects)
        if grant.environments is not None:
            scope &= Q(environment_id__in=grant.environments)
        allowed |= scope
    return queryset.filter(allowed)
