""" "New step from an existing service": pick a cluster target, a service, preview, create."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from deployer.aws.errors import AwsError
from deployer.core.http import HtmxHttpRequest
from deployer.core.query import MAX_ID, MAX_QUERY_LENGTH
from deployer.projects.models import Project
from steps.actions import DuplicateStepName
from steps.document.model import DocumentError
from steps.importer.actions import (
    create_step_from_service,
    default_step_name,
    read_service,
    services_of,
)
from targets.models import ClusterTarget

TEMPLATE = "steps/import_service.html"


def _target(value: str | None) -> ClusterTarget | None:
    text = (value or "").strip()
    if not (text.isdecimal() and text.isascii()) or not 0 < int(text) <= MAX_ID:
        return None
    return ClusterTarget.objects.select_related("account").filter(pk=int(text)).first()


def _context(request: HtmxHttpRequest, project: Project) -> dict[str, Any]:
    data = request.POST if request.method == "POST" else request.GET
    return {
        "project": project,
        "targets": ClusterTarget.objects.order_by("name"),
        "target": _target(data.get("target")),
        "service": (data.get("service") or "").strip()[:MAX_QUERY_LENGTH],
        "step_name": (data.get("step_name") or "").strip()[: MAX_QUERY_LENGTH * 2],
        "services": None,
        "preview": None,
        "error": "",
        "problems": [],
    }


def _with_services(context: dict[str, Any]) -> dict[str, Any]:
    try:
        context["services"] = services_of(context["target"])
    except AwsError as exc:
        context["error"] = exc.message
    return context


def _with_preview(context: dict[str, Any]) -> dict[str, Any]:
    try:
        context["preview"] = read_service(
            context["target"], context["service"], step_name=context["step_name"]
        )
    except AwsError as exc:
        context["error"] = exc.message
    else:
        context["step_name"] = context["preview"].imported.document.name
    return context


@require_http_methods(["GET", "POST"])
def import_service(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The page; a POST creates the step from the service as it is now."""
    project = get_object_or_404(Project, slug=slug)
    context = _context(request, project)
    target, service = context["target"], context["service"]
    if request.method == "POST" and target is not None and service:
        context["step_name"] = context["step_name"] or default_step_name(service)
        _with_preview(context)
        preview = context["preview"]
        if preview is not None:
            try:
                result = create_step_from_service(project, preview, request.user)
            except DocumentError as error:
                context["problems"] = error.problems
            except DuplicateStepName as error:
                context["error"] = f"Not created: {error}."
            else:
                messages.success(
                    request, f"Step {result.step.name} created from service {service}."
                )
                return redirect(result.step)
    elif target is not None and service:
        _with_preview(context)
    elif target is not None:
        _with_services(context)
    return render(request, TEMPLATE, context)


@require_GET
def service_list(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The services of the chosen target's cluster (an htmx fragment)."""
    project = get_object_or_404(Project, slug=slug)
    context = _context(request, project)
    if context["target"] is not None:
        _with_services(context)
    return render(request, f"{TEMPLATE}#services", context)


@require_GET
def service_preview(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """What the chosen service becomes as a step, and what does not carry over (htmx)."""
    project = get_object_or_404(Project, slug=slug)
    context = _context(request, project)
    if context["target"] is not None and context["service"]:
        _with_preview(context)
    return render(request, f"{TEMPLATE}#preview", context)
