"""Site-wide pages: the dashboard, the health check, and sections still to come."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from targets.models import AwsAccount, ClusterTarget, Environment


def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dashboard.html",
        {
            "account_count": AwsAccount.objects.count(),
            "environments": Environment.objects.all(),
            "target_count": ClusterTarget.objects.count(),
        },
    )


def list_projects(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "coming_soon.html",
        {
            "heading": "Projects",
            "explanation": "Projects and their ECS service steps are not available in this "
            "version yet.",
        },
    )


def list_deployments(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "coming_soon.html",
        {"heading": "Deployments", "explanation": "No deployments yet."},
    )


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
