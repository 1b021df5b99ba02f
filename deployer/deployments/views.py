"""Deployment pages: start, the live progress page, cancel, downloads, and the history."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from deployer.access.permissions import only_visible, only_visible_deployments
from deployer.core.http import HtmxHttpRequest
from deployer.core.query import query_choice, query_id, query_text
from deployer.deployments import actions
from deployer.deployments.approvals import planned_changes
from deployer.deployments.models import Deployment, TaskLogLine
from deployer.projects.models import Project
from deployer.projects.variables import masked_artifacts, masker_for
from deployer.releases.actions import ActionRefused
from deployer.releases.models import Release
from deployer.releases.snapshot import snapshot_variables
from steps.document.yaml_output import dump_yaml
from targets.models import Environment

CONFIRM_VALUE = "deploy"  # the confirmation page's submit sends confirm=deploy


@require_POST
def deploy_release(request: HtmxHttpRequest, slug: str, version: str) -> HttpResponse:
    release = get_object_or_404(
        Release.objects.select_related("project"), project__slug=slug, version=version
    )
    environment = get_object_or_404(Environment, pk=request.POST.get("environment") or 0)
    # Forcing past the lifecycle is offered to administrators; start_deployment checks it again.
    force_reason = request.POST.get("force_reason", "") if request.POST.get("force") else ""
    # A production-like environment needs an explicit "yes" naming what goes where; a POST
    # without it (a stale form, a script, a double click) gets the question, never a deployment.
    if environment.production_like and request.POST.get("confirm") != CONFIRM_VALUE:
        return render(
            request,
            "deployments/confirm_deploy.html",
            {
                "release": release,
                "project": release.project,
                "environment": environment,
                "force_reason": force_reason,
            },
        )
    try:
        deployment = actions.start_deployment(
            release,
            environment,
            request.user,  # type: ignore[arg-type]
            force_reason=force_reason,
        )
    except ActionRefused as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("releases:detail", slug=slug, version=version)
    return redirect(deployment)


# "Show: Info" means Info and above, as in Octopus: each choice lists the levels it includes.
LEVEL_FILTERS: dict[str, tuple[str, list[str]]] = {
    TaskLogLine.Level.VERBOSE: ("Verbose (everything)", ["verbose", "info", "warning", "error"]),
    TaskLogLine.Level.INFO: ("Info and above", ["info", "warning", "error"]),
    TaskLogLine.Level.WARNING: ("Warnings and errors", ["warning", "error"]),
    TaskLogLine.Level.ERROR: ("Errors only", ["error"]),
}
# A line that carries its own time (a stack event's) shows that one instead of when it was logged.
_OWN_TIME = re.compile(r"^(\s*)(\d{2}:\d{2}:\d{2}) (.*)$", re.DOTALL)


@dataclass(frozen=True)
class LogRow:
    """A task log line as the page shows it: one timestamp, then the text."""

    number: int
    level: str
    stamp: str
    text: str

    @classmethod
    def of(cls, line: TaskLogLine) -> LogRow:
        stamp = timezone.localtime(line.created).strftime("%H:%M:%S")
        text = line.text
        if match := _OWN_TIME.match(text):
            stamp, text = match.group(2), match.group(1) + match.group(3)
        return cls(number=line.number, level=line.level, stamp=stamp, text=text)


def _detail_context(deployment: Deployment, after: int, level: str) -> dict[str, object]:
    if level not in LEVEL_FILTERS:
        level = TaskLogLine.Level.VERBOSE
    # Lines filtered out count as seen up to the newest line now, so the next poll does not
    # ask for them again; a line written after this query waits for the next poll.
    newest = deployment.log_lines.aggregate(last=Max("number"))["last"] or 0
    query = deployment.log_lines.filter(
        number__gt=after, number__lte=newest, level__in=LEVEL_FILTERS[level][1]
    )
    lines = list(query[:2000])
    last = max(after, newest) if len(lines) < 2000 else lines[-1].number
    return {
        "deployment": deployment,
        "lines": [LogRow.of(line) for line in lines],
        "last": last,
        "level": level,
        "levels": [(value, label) for value, (label, _) in LEVEL_FILTERS.items()],
        "steps": sorted(deployment.artifacts),
        "gate": _gate(deployment),
    }


def _gate(deployment: Deployment) -> str:
    """What decides the Approve / Roll back buttons; a poll redraws them when it changes."""
    state = deployment.ecs_rollout
    return f"{state.get('awaiting', '')}.{int(bool(state))}"


def show_deployment(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    deployment = get_object_or_404(
        Deployment.objects.select_related("release__project", "environment", "created_by"), pk=pk
    )
    context = _detail_context(deployment, 0, query_choice(request, "level", LEVEL_FILTERS))
    if deployment.is_awaiting_approval:
        context["planned"] = planned_changes(deployment)
        context["approval_refusal"] = actions.approval_refusal(deployment, request.user)  # type: ignore[arg-type]
    return render(request, "deployments/detail.html", context)


@require_POST
def approve_deployment(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=True)


@require_POST
def reject_deployment(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=False)


def _decide(request: HtmxHttpRequest, pk: int, *, approve: bool) -> HttpResponse:
    deployment = get_object_or_404(
        Deployment.objects.select_related("release__project", "environment"), pk=pk
    )
    decide = actions.approve_deployment if approve else actions.reject_deployment
    comment = request.POST.get("comment", "")[:2000]
    try:
        decide(deployment, request.user, comment)  # type: ignore[arg-type]
    except ActionRefused as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "Approved: the deployment is queued." if approve else "Rejected.")
    return redirect(deployment)


@require_POST
def continue_deployment(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Approve or Roll back: answer the ECS service deployment's pause, or roll it back."""
    deployment = get_object_or_404(
        Deployment.objects.select_related("release__project", "environment"), pk=pk
    )
    action = request.POST.get("action", "")[:20]
    try:
        done = actions.continue_deployment(deployment, request.user, action)  # type: ignore[arg-type]
    except ActionRefused as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect(deployment)


def poll_deployment(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """New log lines after `after`, and the header; 286 once the deployment has finished."""
    deployment = get_object_or_404(
        Deployment.objects.select_related("release__project", "environment", "created_by"), pk=pk
    )
    after = query_id(request, "after") or 0
    level = query_choice(request, "level", LEVEL_FILTERS)
    context = _detail_context(deployment, after, level)
    context["gate_changed"] = request.GET.get("gate", "") != context["gate"]
    response = render(request, "deployments/detail.html#poll", context)
    if deployment.is_finished:
        # htmx stops polling on this status (286) and still swaps the response in.
        return HttpResponseStopPolling(response.content)
    return response


@require_POST
def cancel_deployment(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    deployment = get_object_or_404(Deployment, pk=pk)
    actions.cancel_deployment(deployment, request.user)  # type: ignore[arg-type]
    return redirect(deployment)


def download_artifact(request: HtmxHttpRequest, pk: int, step: str, kind: str) -> HttpResponse:
    """The generated template or the substituted step document of one step, as deployed."""
    deployment = get_object_or_404(Deployment.objects.select_related("release"), pk=pk)
    artifact = deployment.artifacts.get(step)
    if artifact is None or kind not in ("template", "document"):
        raise Http404("This deployment has no such file.")
    # Stored masked; masked again as served, so a file stored before masking covered it is safe.
    artifact = masked_artifacts(artifact, masker_for(snapshot_variables(deployment.release)))
    if kind == "template":
        body, name = artifact["template"], f"{step}.cloudformation.yaml"
    else:
        body = dump_yaml(artifact["document"])
        name = f"{step}.step.yaml"
    response = HttpResponse(body, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def list_deployments(request: HtmxHttpRequest) -> HttpResponse:
    deployments = only_visible_deployments(
        request.user,
        Deployment.objects.select_related("release__project", "environment", "created_by"),
    )
    # A filter with a bad value is ignored, as if it were not given.
    environment_id = query_id(request, "environment")
    filters = {
        "project": query_text(request, "project"),
        "environment": str(environment_id or ""),
        "status": query_choice(request, "status", Deployment.Status.values),
    }
    if filters["project"]:
        deployments = deployments.filter(release__project__slug=filters["project"])
    if environment_id:
        deployments = deployments.filter(environment_id=environment_id)
    if filters["status"]:
        deployments = deployments.filter(status=filters["status"])
    page = Paginator(deployments, 50).get_page(query_text(request, "page"))
    context = {
        "page": page,
        "filters": filters,
        "projects": only_visible(request.user, Project.objects.all()),
        "environments": Environment.objects.all(),
        "statuses": Deployment.Status.choices,
    }
    if request.htmx and request.htmx.target == "deployment-table":
        return render(request, "deployments/list.html#deployment-table", context)
    return render(request, "deployments/list.html", context)
