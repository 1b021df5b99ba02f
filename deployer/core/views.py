"""Site-wide pages: the dashboard and the health check."""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from deployer.access.permissions import only_visible, only_visible_deployments
from deployer.core.dashboard import environment_states
from deployer.core.http import HtmxHttpRequest
from deployer.core.query import query_text
from deployer.deployments.models import Deployment
from deployer.projects.models import Project
from targets.models import AwsAccount, ClusterTarget, Environment


def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """Every project in each environment: its latest deployment and its last success."""
    environments = list(Environment.objects.all())
    projects = list(only_visible(request.user, Project.objects.all()))
    states = environment_states(project.pk for project in projects)
    rows = [
        {"project": project, "cells": [states.get((project.pk, e.pk)) for e in environments]}
        for project in projects
    ]
    context: dict[str, object] = {
        "rows": rows,
        "environments": environments,
        "account_count": AwsAccount.objects.count(),
        "target_count": ClusterTarget.objects.count(),
        "running": Deployment.objects.filter(status__in=Deployment.UNFINISHED).count(),
        "awaiting": only_visible_deployments(
            request.user,
            Deployment.objects.filter(status=Deployment.Status.AWAITING_APPROVAL)
            .select_related("release__project", "environment", "created_by")
            .order_by("created"),
        ),
    }
    # The page polls for the states; it only swaps them when they changed, so a keyboard
    # user's focus on a link in the table is not taken away every few seconds.
    table = render_to_string("core/dashboard.html#states-table", context, request)
    context["fingerprint"] = hashlib.sha256(table.encode()).hexdigest()[:16]
    if request.htmx and request.htmx.target == "dashboard-states":
        if query_text(request, "seen") == context["fingerprint"]:
            return HttpResponse(status=204)
        return render(request, "core/dashboard.html#states", context)
    return render(request, "core/dashboard.html", context)


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the app can reach its database, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any database failure means "not healthy", whatever its type
        return JsonResponse({"status": "error", "database": str(exc)}, status=503)
    return JsonResponse({"status": "ok"})
