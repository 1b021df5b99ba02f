"""Which action each page asks `can()` for, and the middleware that asks before the view runs.

Every URL name has a rule here; a page without one is refused, so a new page cannot be
forgotten (tests/access/test_permissions.py tries every URL with every person).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from deployer.access.permissions import (
    ADMINISTER,
    APPROVE,
    CANCEL,
    CREATE_RELEASE,
    DEPLOY,
    EDIT_PROJECT,
    VIEW,
    Decision,
    decide,
    is_administrator,
)


@dataclass(frozen=True)
class Rule:
    """The action a page needs; None = any logged-in user (the dashboard, logging out)."""

    action: str | None
    # Where the project and environment come from: the URL's project slug, the deployment in
    # the URL (its project and environment), or the posted environment id.
    project_slug: bool = False
    deployment: bool = False
    posted_environment: bool = False
    # The action on every project, not just some (creating a project).
    all_projects: bool = False


ANYONE = Rule(None)


def _project(action: str) -> Rule:
    return Rule(action, project_slug=True)


def _deployment(action: str) -> Rule:
    return Rule(action, deployment=True)


RULES: dict[str, Rule] = {
    "dashboard": ANYONE,
    "logout": ANYONE,
    # Projects: editors of every project create projects; deleting one is for administrators.
    "projects:list": Rule(VIEW),
    "projects:create": Rule(EDIT_PROJECT, all_projects=True),
    "projects:detail": _project(VIEW),
    "projects:edit": _project(EDIT_PROJECT),
    "projects:delete": Rule(ADMINISTER),
    "projects:steps:create-step": _project(EDIT_PROJECT),
    "projects:steps:import-step": _project(EDIT_PROJECT),
    "projects:steps:import-service": _project(EDIT_PROJECT),
    "projects:steps:pick-aws-id": _project(EDIT_PROJECT),
    "projects:steps:service-list": _project(EDIT_PROJECT),
    "projects:steps:service-preview": _project(EDIT_PROJECT),
    "projects:steps:edit-step": _project(EDIT_PROJECT),
    "projects:steps:delete-step": _project(EDIT_PROJECT),
    "projects:steps:download-yaml": _project(VIEW),
    "projects:steps:export-template": _project(VIEW),
    "projects:steps:preview-step": _project(EDIT_PROJECT),
    "projects:steps:import-yaml": _project(EDIT_PROJECT),
    "projects:steps:add-container": _project(EDIT_PROJECT),
    "projects:steps:edit-container": _project(EDIT_PROJECT),
    "projects:steps:remove-container": _project(EDIT_PROJECT),
    "variables:list": _project(VIEW),
    "variables:create": _project(EDIT_PROJECT),
    "variables:preview": _project(VIEW),
    "variables:show": _project(VIEW),
    "variables:edit": _project(EDIT_PROJECT),
    "variables:delete": _project(EDIT_PROJECT),
    "releases:list": _project(VIEW),
    "releases:create": _project(CREATE_RELEASE),
    "releases:detail": _project(VIEW),
    "releases:delete": _project(CREATE_RELEASE),
    "releases:deploy": Rule(DEPLOY, project_slug=True, posted_environment=True),
    "deployments:list": Rule(VIEW),
    "deployments:detail": _deployment(VIEW),
    "deployments:poll": _deployment(VIEW),
    "deployments:download": _deployment(VIEW),
    "deployments:cancel": _deployment(CANCEL),
    "deployments:approve": _deployment(APPROVE),
    "deployments:reject": _deployment(APPROVE),
    "deployments:continue": _deployment(APPROVE),
    # Infrastructure: everyone with a role reads it (step forms pick from it); admins change it.
    "feeds:list-feeds": Rule(VIEW),
    "feeds:create-feed": Rule(ADMINISTER),
    "feeds:edit-feed": Rule(ADMINISTER),
    "feeds:delete-feed": Rule(ADMINISTER),
    "feeds:test-feed": Rule(ADMINISTER),
    "feeds:search-tags": Rule(VIEW),
    "targets:list-accounts": Rule(VIEW),
    "targets:create-account": Rule(ADMINISTER),
    "targets:edit-account": Rule(ADMINISTER),
    "targets:delete-account": Rule(ADMINISTER),
    "targets:list-environments": Rule(VIEW),
    "targets:create-environment": Rule(ADMINISTER),
    "targets:edit-environment": Rule(ADMINISTER),
    "targets:move-environment": Rule(ADMINISTER),
    "targets:delete-environment": Rule(ADMINISTER),
    "targets:list-targets": Rule(VIEW),
    "targets:create-target": Rule(ADMINISTER),
    "targets:edit-target": Rule(ADMINISTER),
    "targets:delete-target": Rule(ADMINISTER),
    "targets:test-connection": Rule(ADMINISTER),
}


def register(prefix: str, rules: dict[str, Rule]) -> None:
    """Add the rules of an app's pages (e.g. the users and audit pages) under its namespace."""
    RULES.update({f"{prefix}:{name}": rule for name, rule in rules.items()})


def decide_request(request: HttpRequest, view_name: str, kwargs: dict[str, Any]) -> Decision:
    """Ask `can()` what the page `view_name` needs, with its project and environment."""
    from deployer.deployments.models import Deployment
    from deployer.projects.models import Project
    from targets.models import Environment

    rule = RULES.get(view_name)
    if rule is None:
        return Decision(False, f"The page {view_name} has no access rule; nobody may use it.")
    if rule.action is None:
        return Decision(True)
    if request.user.is_active and is_administrator(request.user):
        return Decision(True)  # no scope applies: the page's objects need not be looked up
    project = environment = None
    if rule.project_slug and "slug" in kwargs:
        project = Project.objects.filter(slug=kwargs["slug"]).first()
    if rule.deployment and "pk" in kwargs:
        deployment = (
            Deployment.objects.select_related("release__project", "environment")
            .filter(pk=kwargs["pk"])
            .first()
        )
        if deployment is not None:
            project, environment = deployment.release.project, deployment.environment
    if rule.posted_environment:
        posted = request.POST.get("environment", "")
        if posted.isdecimal() and posted.isascii():
            environment = Environment.objects.filter(pk=int(posted)).first()
    # A missing object is the view's 404 to give, after asking about no particular one.
    return decide(request.user, rule.action, project, environment, all_projects=rule.all_projects)


def forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    """The 403 page, saying why."""
    return render(request, "access/forbidden.html", {"reason": reason}, status=403)


class AccessMiddleware:
    """Asks the page's rule before its view runs; a refusal is a 403 that says why."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if not getattr(view_func, "login_required", True):
            return None  # public pages: the login page, the health check
        if not request.user.is_authenticated:
            return None  # LoginRequiredMiddleware has sent them to log in
        match = request.resolver_match
        view_name = match.view_name if match is not None else ""
        decision = decide_request(request, view_name, view_kwargs)
        if decision.allowed:
            return None
        return forbidden(request, decision.reason)
