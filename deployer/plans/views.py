"""The change plan dialog and page, and the drift page with its "Check now" button."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from deployer.core.http import HtmxHttpRequest
from deployer.core.query import query_id, query_text
from deployer.plans.drift import UNANSWERED, request_drift_check
from deployer.plans.models import DeployedState, DriftCheck
from deployer.plans.planner import compute_plan
from deployer.projects.models import Project
from deployer.releases.models import Release
from targets.models import Environment


@require_GET
def preview_plan(request: HtmxHttpRequest, slug: str, version: str) -> HttpResponse:
    """What deploying the release to ?environment= would change.

    Through htmx the dialog opens at once with a spinner and loads the plan itself (`?load=1`),
    since a change set takes AWS a few seconds; without JavaScript the page waits for it.
    """
    project = get_object_or_404(Project, slug=slug)
    release = get_object_or_404(Release, project=project, version=version)
    environment = get_object_or_404(Environment, pk=query_id(request, "environment") or 0)
    context: dict[str, object] = {
        "project": project,
        "release": release,
        "environment": environment,
    }
    if request.htmx and not query_text(request, "load"):
        return render(request, "plans/plan.html#plan-dialog", context)
    context["plan"] = compute_plan(release, environment, interactive=True)
    if request.htmx:
        return render(request, "plans/plan.html#plan-body", context)
    return render(request, "plans/plan.html", context)


def _drift_context(
    project: Project, environment: Environment, refused: str = ""
) -> dict[str, object]:
    check = DriftCheck.objects.filter(project=project, environment=environment).first()
    return {
        "project": project,
        "environment": environment,
        "check": check,
        "refused": refused,
        "unanswered": bool(
            check and check.requested and timezone.now() - check.requested > UNANSWERED
        ),
        "deployed": DeployedState.objects.filter(project=project, environment=environment)
        .select_related("target", "deployment__release")
        .order_by("step_name"),
    }


@require_GET
def show_drift(request: HtmxHttpRequest, slug: str, environment: int) -> HttpResponse:
    """Each difference between what the last successful deployment made and what runs.

    Through htmx, the result alone: the page polls it while a check is queued or running.
    """
    project = get_object_or_404(Project, slug=slug)
    where = get_object_or_404(Environment, pk=environment)
    if request.htmx:
        return render(request, "plans/drift.html#drift-result", _drift_context(project, where))
    return render(request, "plans/drift.html", _drift_context(project, where))


@require_POST
def check_drift_now(request: HtmxHttpRequest, slug: str, environment: int) -> HttpResponse:
    """Queue a check now rather than wait for the next scheduled one."""
    project = get_object_or_404(Project, slug=slug)
    where = get_object_or_404(Environment, pk=environment)
    refused = request_drift_check(project, where)
    if request.htmx:
        return render(
            request, "plans/drift.html#drift-result", _drift_context(project, where, refused)
        )
    if refused:
        messages.warning(request, refused)
    return redirect("plans:drift", slug=slug, environment=environment)
