"""Deployment pages: start, the live progress page, cancel, downloads, and the history."""

from __future__ import annotations

import yaml
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from deployer import actions
from deployer.http import HtmxHttpRequest
from deployer.models import Deployment, Project, Release, TaskLogLine
from deployer.query import query_choice, query_id, query_text
from targets.models import Environment

POLL_STOP = 286  # htmx stops polling on this status and still swaps the response


@require_POST
def deploy_release(request: HtmxHttpRequest, slug: str, version: str) -> HttpResponse:
    release = get_object_or_404(Release, project__slug=slug, version=version)
    environment = get_object_or_404(Environment, pk=request.POST.get("environment") or 0)
    try:
        deployment = actions.start_deployment(release, environment, request.user)  # type: ignore[arg-type]
    except actions.ActionRefused as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("releases:detail", slug=slug, version=version)
    return redirect(deployment)


def _detail_context(deployment: Deployment, after: int, level: str) -> dict[str, object]:
    query = deployment.log_lines.filter(number__gt=after)
    if level:
        query = query.filter(level=level)
    lines = list(query[:2000])
    last = max([after] + [line.number for line in lines])
    first_error = deployment.log_lines.filter(level=TaskLogLine.Level.ERROR).first()
    return {
        "deployment": deployment,
        "lines": lines,
        "last": last,
        "level": level,
        "levels": TaskLogLine.Level.choices,
        "first_error": first_error,
        "steps": sorted(deployment.artifacts),
    }


def show_deployment(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    deployment = get_object_or_404(
        Deployment.objects.select_related("release__project", "environment", "created_by"), pk=pk
    )
    level = query_choice(request, "level", TaskLogLine.Level.values)
    context = _detail_context(deployment, 0, level)
    return render(request, "deployments/detail.html", context)


def poll_deployment(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """New log lines after `after`, and the header; 286 once the deployment has finished."""
    deployment = get_object_or_404(
        Deployment.objects.select_related("release__project", "environment", "created_by"), pk=pk
    )
    after = query_id(request, "after") or 0
    level = query_choice(request, "level", TaskLogLine.Level.values)
    context = _detail_context(deployment, after, level)
    response = render(request, "deployments/detail.html#poll", context)
    if deployment.is_finished:
        response.status_code = POLL_STOP
    return response


@require_POST
def cancel_deployment(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    deployment = get_object_or_404(Deployment, pk=pk)
    actions.cancel_deployment(deployment, request.user)  # type: ignore[arg-type]
    return redirect(deployment)


def download_artifact(request: HtmxHttpRequest, pk: int, step: str, kind: str) -> HttpResponse:
    """The generated template or the substituted step document of one step, as deployed."""
    deployment = get_object_or_404(Deployment, pk=pk)
    artifact = deployment.artifacts.get(step)
    if artifact is None or kind not in ("template", "document"):
        raise Http404("This deployment has no such file.")
    if kind == "template":
        body, name = artifact["template"], f"{step}.cloudformation.yaml"
    else:
        body = yaml.safe_dump(artifact["document"], sort_keys=False)
        name = f"{step}.step.yaml"
    response = HttpResponse(body, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def list_deployments(request: HtmxHttpRequest) -> HttpResponse:
    deployments = Deployment.objects.select_related("release__project", "environment", "created_by")
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
        "projects": Project.objects.all(),
        "environments": Environment.objects.all(),
        "statuses": Deployment.Status.choices,
    }
    if request.htmx and request.htmx.target == "deployment-table":
        return render(request, "deployments/list.html#deployment-table", context)
    return render(request, "deployments/list.html", context)
