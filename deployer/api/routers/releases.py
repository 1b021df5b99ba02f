"""Releases of a project: create one, and deploy one to an environment."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from deployer.access.permissions import CREATE_RELEASE, DEPLOY, VIEW
from deployer.api.errors import refused, request_user, require
from deployer.api.routers.projects import project_for
from deployer.api.schemas import ERRORS, Body, Problem
from deployer.deployments.actions import start_deployment
from deployer.plans.planner import compute_plan
from deployer.releases.actions import ActionRefused, choose_tags, create_release
from deployer.releases.models import Release
from deployer.releases.snapshot import suggest_version
from targets.models import Environment

router = Router(tags=["releases"])


# Text fields are bounded: a longer value is a 400 before any database query sees it.
Tag = Annotated[str, Field(max_length=200)]


class NewRelease(Body):
    version: str | None = Field(None, max_length=100)
    # Package name (as in the step's image, e.g. demo/web) → tag; the others get their newest.
    images: dict[Annotated[str, Field(max_length=300)], Tag] = Field({}, max_length=100)
    notes: str = Field("", max_length=10_000)


class ReleaseCreated(Schema):
    version: str
    url: str


class NewDeployment(Body):
    environment: str = Field(max_length=100)
    # Deploy past the lifecycle (administrators only); the reason is logged.
    force_reason: str = Field("", max_length=2_000)


class PlanQuery(Schema):
    environment: str = Field(max_length=100)


class PlanOut(Schema):
    project: str
    version: str
    environment: str
    # One line: "no changes", "tags only (the service will not roll)", "the service will roll to
    # a new task definition", "the service will be replaced", "creates …" or "cannot plan: …".
    verdict: str
    has_changes: bool
    error: str
    # Per step and target: the operation, the verdict and its reasons, CloudFormation's resource
    # changes and the readable settings diff (sensitive values only "changed").
    steps: list[dict[str, Any]]


class DeploymentQueued(Schema):
    id: int
    status: str
    url: str


@router.post("/{slug}/releases", response={201: ReleaseCreated, 409: Problem, **ERRORS})
def post_release(request: HttpRequest, slug: str, body: NewRelease) -> Status[dict[str, str]]:
    """Create a release; 409 when the version exists, 400 naming an unknown image or tag."""
    project = project_for(request, slug, CREATE_RELEASE)
    if body.version is not None and project.releases.filter(version=body.version.strip()).exists():
        raise HttpError(409, f"Version {body.version.strip()} already exists in {project.name}.")
    try:
        tags = choose_tags(project, body.images, check_pinned=True)
        latest = project.releases.first()
        version = body.version or suggest_version(latest.version if latest else None)
        release = create_release(
            project, version=version, tags=tags, notes=body.notes, user=request_user(request)
        )
    except ActionRefused as exc:
        raise refused(exc, 400) from None
    page = reverse("releases:detail", kwargs={"slug": project.slug, "version": release.version})
    url = request.build_absolute_uri(page)
    return Status(201, {"version": release.version, "url": url})


def environment_named(name: str) -> Environment:
    """The environment called `name` (any case), or a 400 listing the ones there are."""
    environment = Environment.objects.filter(name__iexact=name.strip()).first()
    if environment is None:
        names = ", ".join(Environment.objects.values_list("name", flat=True))
        raise HttpError(400, f"No environment {name}; there are: {names}.")
    return environment


@router.get("/{slug}/releases/{version}/plan", response={200: PlanOut, **ERRORS})
def get_plan(request: HttpRequest, slug: str, version: str, query: Query[PlanQuery]) -> Any:
    """What deploying the release to the environment would change; reads AWS, writes nothing."""
    project = project_for(request, slug, VIEW)
    release = get_object_or_404(Release, project=project, version=version)
    environment = environment_named(query.environment)
    require(request, VIEW, project, environment)
    return compute_plan(release, environment, interactive=True).to_dict()


@router.post(
    "/{slug}/releases/{version}/deployments",
    response={201: DeploymentQueued, 409: Problem, **ERRORS},
)
def post_deployment(
    request: HttpRequest, slug: str, version: str, body: NewDeployment
) -> Status[dict[str, object]]:
    """Queue a deployment of the release; 403 without the right, 409 when the lifecycle refuses."""
    project = project_for(request, slug, VIEW)
    release = get_object_or_404(Release, project=project, version=version)
    environment = environment_named(body.environment)
    require(request, DEPLOY, project, environment)
    try:
        deployment = start_deployment(
            release, environment, request_user(request), force_reason=body.force_reason
        )
    except ActionRefused as exc:
        raise refused(exc) from None
    url = request.build_absolute_uri(deployment.get_absolute_url())
    return Status(201, {"id": deployment.pk, "status": deployment.status, "url": url})
