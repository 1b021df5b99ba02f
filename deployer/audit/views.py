"""The audit page: the trail, newest first, filtered by user, project, environment, kind, date."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from deployer.audit.models import AuditEvent
from deployer.core.http import HtmxHttpRequest
from deployer.core.query import query_id, query_text
from deployer.projects.models import Project
from targets.models import Environment


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def list_events(request: HtmxHttpRequest) -> HttpResponse:
    events = AuditEvent.objects.select_related("project", "environment")
    # A filter with a bad value is ignored, as if it were not given.
    environment_id = query_id(request, "environment")
    since, until = _day(query_text(request, "since")), _day(query_text(request, "until"))
    filters = {
        "user": query_text(request, "user").strip(),
        "project": query_text(request, "project"),
        "environment": str(environment_id or ""),
        "kind": query_text(request, "kind").strip(),
        "since": since.isoformat() if since else "",
        "until": until.isoformat() if until else "",
    }
    if filters["user"]:
        events = events.filter(username__iexact=filters["user"])
    if filters["project"]:
        events = events.filter(project__slug=filters["project"])
    if environment_id:
        events = events.filter(environment_id=environment_id)
    if filters["kind"]:
        # "deployment" finds deployment.created, deployment.approved, …
        events = events.filter(kind__startswith=filters["kind"])
    if since:
        events = events.filter(created__date__gte=since)
    if until:
        events = events.filter(created__date__lte=until)
    page = Paginator(events, 50).get_page(query_text(request, "page"))
    context = {
        "page": page,
        "filters": filters,
        "projects": Project.objects.all(),
        "environments": Environment.objects.all(),
        "kinds": sorted(
            {
                kind.split(".")[0]
                for kind in AuditEvent.objects.order_by().values_list("kind", flat=True).distinct()
            }
        ),
    }
    if request.htmx and request.htmx.target == "audit-table":
        return render(request, "audit/list.html#audit-table", context)
    return render(request, "audit/list.html", context)
