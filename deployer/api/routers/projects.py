"""Projects: the list the token's user may see, and one project with its steps and releases."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from deployer.access.permissions import VIEW, only_visible
from deployer.api.errors import request_user, require
from deployer.api.schemas import ERRORS, Pages
from deployer.projects.models import Project

router = Router(tags=["projects"])
RECENT_RELEASES = 20


class ProjectSummary(Schema):
    slug: str
    name: str
    description: str


class ReleaseSummary(Schema):
    version: str
    created: dt.datetime


class ProjectDetail(ProjectSummary):
    steps: list[str]
    releases: list[ReleaseSummary]
    url: str


def project_for(request: HttpRequest, slug: str, action: str) -> Project:
    """The project of the URL (404 when there is none), if the token's user may `action` it."""
    project = get_object_or_404(Project, slug=slug)
    require(request, action, project)
    return project


@router.get("", response={200: list[ProjectSummary], **ERRORS})
@paginate(Pages)
def list_projects(request: HttpRequest) -> object:
    """The projects the token's user may view, by name (paginated with `limit` and `offset`)."""
    require(request, VIEW)
    return only_visible(request_user(request), Project.objects.order_by("name"))


@router.get("/{slug}", response={200: ProjectDetail, **ERRORS})
def get_project(request: HttpRequest, slug: str) -> object:
    """One project: its steps in order and its latest releases."""
    project = project_for(request, slug, VIEW)
    return {
        "slug": project.slug,
        "name": project.name,
        "description": project.description,
        "steps": list(project.steps.order_by("position").values_list("name", flat=True)),
        "releases": list(project.releases.values("version", "created")[:RECENT_RELEASES]),
        "url": request.build_absolute_uri(project.get_absolute_url()),
    }
