"""Project pages: list, create, edit, delete, and the project overview."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import ProtectedError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from deployer.access.permissions import ADMINISTER, can, only_visible
from deployer.core.http import HtmxHttpRequest
from deployer.projects.forms import ProjectForm
from deployer.projects.models import Project


def list_projects(request: HtmxHttpRequest) -> HttpResponse:
    return render(
        request,
        "projects/list.html",
        {"projects": only_visible(request.user, Project.objects.all())},
    )


def create_project(request: HtmxHttpRequest) -> HttpResponse:
    form = ProjectForm(request.POST or None, lifecycle=can(request.user, ADMINISTER))
    if request.method == "POST" and form.is_valid():
        project = form.save()
        messages.success(request, f"Project {project.name} created.")
        return redirect(project)
    return render(request, "projects/form.html", {"form": form, "title": "New project"})


def show_project(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = get_object_or_404(Project, slug=slug)
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "steps": project.steps.all(),
            "releases": project.releases.select_related("created_by")[:50],
            "variable_count": project.variables.count(),
        },
    )


def edit_project(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = get_object_or_404(Project, slug=slug)
    form = ProjectForm(
        request.POST or None, instance=project, lifecycle=can(request.user, ADMINISTER)
    )
    if request.method == "POST" and form.is_valid():
        project = form.save()
        messages.success(request, f"Project {project.name} saved.")
        return redirect(project)
    # A refused slug must not leak into the links of the page that shows the error.
    project.refresh_from_db()
    return render(
        request,
        "projects/form.html",
        {"form": form, "title": f"Project {project.name}", "project": project},
    )


def delete_project(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = get_object_or_404(Project, slug=slug)
    release_count = project.releases.count()
    refusal = (
        f"{project.name} has {release_count} release(s) and cannot be deleted: releases are the "
        "record of what was deployed."
        if release_count
        else ""
    )
    if request.method == "POST":
        if not refusal:
            try:
                project.delete()
            except ProtectedError:
                refusal = f"{project.name} has releases and cannot be deleted."
            else:
                messages.success(request, f"Project {project.name} deleted.")
                return redirect("projects:list")
        messages.error(request, refusal)
        return redirect(project)
    return render(
        request,
        "projects/confirm_delete.html",
        {"project": project, "refusal": refusal, "step_count": project.steps.count()},
    )
