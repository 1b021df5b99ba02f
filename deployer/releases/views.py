"""Release pages: create, show (with a diff against another release), delete, the overview."""

from __future__ import annotations

import difflib
import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from deployer.access.permissions import ADMINISTER, DEPLOY, can
from deployer.core.dashboard import environment_states
from deployer.core.http import HtmxHttpRequest
from deployer.core.query import query_text
from deployer.deployments.models import Deployment
from deployer.feeds.models import Feed
from deployer.feeds.registries import FeedError, list_tags
from deployer.lifecycles.rules import deploy_blocker
from deployer.projects.models import Project
from deployer.releases import actions
from deployer.releases.forms import ReleaseForm
from deployer.releases.models import Release
from deployer.releases.snapshot import images_used, snapshot_summary, suggest_version
from steps.document.model import DocumentError
from targets.models import Environment


def _project_images(project: Project) -> list:
    documents = []
    for step in project.steps.all():
        try:
            documents.append(step.to_document())
        except DocumentError:
            continue  # create_release reports it
    return images_used(documents)


def create_release(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = get_object_or_404(Project, slug=slug)
    latest = project.releases.first()
    form = ReleaseForm(
        request.POST or None,
        images=_project_images(project),
        initial={"version": suggest_version(latest.version if latest else None)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            release = actions.create_release(
                project,
                version=form.cleaned_data["version"],
                tags=form.tags(),
                notes=form.cleaned_data["notes"],
                user=request.user,  # type: ignore[arg-type]
            )
        except actions.ActionRefused as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            for warning in _unknown_tag_warnings(release):
                messages.warning(request, warning)
            messages.success(request, f"Release {release.version} created.")
            return redirect("releases:detail", slug=slug, version=release.version)
    return render(
        request,
        "releases/create.html",
        {"project": project, "form": form, "has_steps": project.steps.exists()},
    )


def _unknown_tag_warnings(release: Release) -> list[str]:
    """Tags the feed does not list: allowed (registries lag) but worth a second look."""
    warnings = []
    feeds = {feed.slug: feed for feed in Feed.objects.select_related("account")}
    for image in release.snapshot.get("images", []):
        feed = feeds.get(image["feed"])
        if feed is None:
            continue
        try:
            known = list_tags(feed, image["package"], limit=None)
        except FeedError:
            continue  # unreachable: the form already said so
        if image["tag"] not in known:
            warnings.append(
                f"Tag {image['tag']} of {image['package']} was not found in {feed.name}; the "
                "release uses it anyway. Check it was pushed before deploying."
            )
    return warnings


def show_release(request: HtmxHttpRequest, slug: str, version: str) -> HttpResponse:
    project = get_object_or_404(Project, slug=slug)
    release = get_object_or_404(Release, project=project, version=version)
    others = project.releases.exclude(pk=release.pk)
    compare_to = others.filter(version=query_text(request, "compare")).first()
    may_force = can(request.user, ADMINISTER)
    stages = [
        {
            "environment": environment,
            "allowed": can(request.user, DEPLOY, project, environment),
            "blocker": deploy_blocker(release, environment),
        }
        for environment in Environment.objects.all()
    ]
    context = {
        "project": project,
        "release": release,
        "summary": snapshot_summary(release),
        "environments": {e.pk: e.name for e in Environment.objects.all()},
        # Each environment: may this user deploy there, and does the lifecycle let the release
        # reach it yet ("Deploy to Staging first")? Administrators may force past the lifecycle.
        "stages": stages,
        "deploy_to": [
            stage["environment"]
            for stage in stages
            if stage["allowed"] and (not stage["blocker"] or may_force)
        ],
        "may_force": may_force,
        "others": others,
        "compare_to": compare_to,
        "diff": _diff(compare_to, release) if compare_to else None,
        "deployments": release.deployments.select_related("environment", "created_by")[:20],
    }
    if request.htmx and request.htmx.target == "release-diff":
        return render(request, "releases/detail.html#release-diff", context)
    return render(request, "releases/detail.html", context)


def _diff(old: Release, new: Release) -> list[str]:
    def lines(release: Release) -> list[str]:
        text = json.dumps(snapshot_summary(release), indent=2, sort_keys=True)
        return text.splitlines()

    return list(
        difflib.unified_diff(
            lines(old), lines(new), f"release {old.version}", f"release {new.version}", lineterm=""
        )
    )


@require_POST
def delete_release(request: HtmxHttpRequest, slug: str, version: str) -> HttpResponse:
    project = get_object_or_404(Project, slug=slug)
    release = get_object_or_404(Release, project=project, version=version)
    if release.deployments.exists():
        messages.error(request, f"Release {version} has been deployed, so it is kept for history.")
        return redirect("releases:detail", slug=slug, version=version)
    release.delete()
    messages.success(request, f"Release {version} deleted.")
    return redirect("releases:list", slug=slug)


def list_releases(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The overview: environments as columns, releases as rows, the latest deployment in each."""
    project = get_object_or_404(Project, slug=slug)
    environments = list(Environment.objects.all())
    releases = list(project.releases.select_related("created_by")[:50])
    latest: dict[tuple[int, int], Deployment] = {}
    for deployment in Deployment.objects.filter(release__in=releases).select_related("created_by"):
        key = (deployment.release_id, deployment.environment_id)
        if key not in latest:  # ordered newest first
            latest[key] = deployment
    rows = [
        {"release": r, "cells": [(e, latest.get((r.pk, e.pk))) for e in environments]}
        for r in releases
    ]
    states = environment_states([project.pk])
    current = [(e, states.get((project.pk, e.pk))) for e in environments]
    return render(
        request,
        "releases/list.html",
        {"project": project, "environments": environments, "rows": rows, "current": current},
    )
