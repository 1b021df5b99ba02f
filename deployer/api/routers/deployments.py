"""One deployment: its state, its task log for tailing, and cancel / approve / reject."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from deployer.access.permissions import APPROVE, CANCEL, VIEW
from deployer.api.errors import refused, request_user, require
from deployer.api.schemas import ERRORS, MAX_NUMBER, Body, Problem
from deployer.deployments import actions
from deployer.deployments.models import Deployment
from deployer.releases.actions import ActionRefused

router = Router(tags=["deployments"])
MAX_LINES = 1000


class DeploymentState(Schema):
    id: int
    project: str
    release: str
    environment: str
    status: str
    finished: bool
    phase: str
    created: dt.datetime
    started: dt.datetime | None
    ended: dt.datetime | None
    elapsed: str
    error_code: str
    error_reason: str
    error_hint: str
    outputs: dict[str, Any]
    log_lines: int
    url: str


class LogLine(Schema):
    number: int
    level: str
    text: str


class LogPage(Schema):
    lines: list[LogLine]
    # Ask for the lines after this one next.
    last: int
    status: str
    finished: bool


class LogQuery(Schema):
    after: int = Field(0, ge=0, le=MAX_NUMBER)
    limit: int = Field(500, ge=1, le=MAX_LINES)


class Decision(Body):
    comment: str = Field("", max_length=2_000)


class Continuation(Body):
    # continue: approve the pause hook awaiting action; rollback: roll the ECS deployment back.
    action: Literal["continue", "rollback"]


class Answer(Schema):
    id: int
    status: str
    detail: str


def deployment_for(request: HttpRequest, pk: int, action: str) -> Deployment:
    """The deployment of the URL (404 when there is none), if the user may `action` it."""
    deployment = get_object_or_404(
        Deployment.objects.select_related("release__project", "environment"), pk=pk
    )
    require(request, action, deployment.release.project, deployment.environment)
    return deployment


def state(request: HttpRequest, deployment: Deployment) -> dict[str, Any]:
    return {
        "id": deployment.pk,
        "project": deployment.release.project.slug,
        "release": deployment.release.version,
        "environment": deployment.environment.name,
        "status": deployment.status,
        "finished": deployment.is_finished,
        "phase": deployment.phase,
        "created": deployment.created,
        "started": deployment.started,
        "ended": deployment.finished,
        "elapsed": deployment.elapsed,
        "error_code": deployment.failure_code,
        "error_reason": deployment.failure_reason,
        "error_hint": deployment.failure_hint,
        "outputs": deployment.outputs,
        "log_lines": deployment.log_line_count,
        "url": request.build_absolute_uri(deployment.get_absolute_url()),
    }


@router.get("/{int:id}", response={200: DeploymentState, **ERRORS})
def get_deployment(request: HttpRequest, id: int) -> dict[str, Any]:
    """Status, phase, timings, the error's code, reason and hint, and the output variables."""
    return state(request, deployment_for(request, id, VIEW))


@router.get("/{int:id}/log", response={200: LogPage, **ERRORS})
def get_log(request: HttpRequest, id: int, query: Query[LogQuery]) -> dict[str, Any]:
    """The task log lines numbered after `after` (secrets masked), at most `limit` of them."""
    deployment = deployment_for(request, id, VIEW)
    # Status first: lines logged before a deployment ends are all there once it reads as ended.
    status, finished = deployment.status, deployment.is_finished
    lines = list(
        deployment.log_lines.filter(number__gt=query.after)
        .order_by("number")
        .values("number", "level", "text")[: query.limit]
    )
    last = lines[-1]["number"] if lines else query.after
    more = len(lines) == query.limit
    return {"lines": lines, "last": last, "status": status, "finished": finished and not more}


def _answer(deployment: Deployment, detail: str) -> dict[str, Any]:
    deployment.refresh_from_db(fields=["status"])
    return {"id": deployment.pk, "status": deployment.status, "detail": detail}


@router.post("/{int:id}/cancel", response={200: Answer, 409: Problem, **ERRORS})
def cancel(request: HttpRequest, id: int) -> dict[str, Any]:
    """Cancel a queued deployment at once, or ask a running one to stop at its next poll."""
    deployment = deployment_for(request, id, CANCEL)
    if deployment.is_finished:
        raise HttpError(409, f"Deployment {id} has ended ({deployment.get_status_display()}).")
    actions.cancel_deployment(deployment, request_user(request))
    return _answer(deployment, "Cancelled, or stopping at its next poll.")


@router.post("/{int:id}/approve", response={200: Answer, 409: Problem, **ERRORS})
def approve(request: HttpRequest, id: int, body: Decision) -> dict[str, Any]:
    """Approve a deployment awaiting approval: it is queued."""
    deployment = deployment_for(request, id, APPROVE)
    try:
        actions.approve_deployment(deployment, request_user(request), body.comment)
    except ActionRefused as exc:
        raise refused(exc) from None
    return _answer(deployment, "Approved.")


@router.post("/{int:id}/reject", response={200: Answer, 409: Problem, **ERRORS})
def reject(request: HttpRequest, id: int, body: Decision) -> dict[str, Any]:
    """Reject a deployment awaiting approval: it ends Rejected without running."""
    deployment = deployment_for(request, id, APPROVE)
    try:
        actions.reject_deployment(deployment, request_user(request), body.comment)
    except ActionRefused as exc:
        raise refused(exc) from None
    return _answer(deployment, "Rejected.")


@router.post("/{int:id}/continue", response={200: Answer, 409: Problem, **ERRORS})
def continue_(request: HttpRequest, id: int, body: Continuation) -> dict[str, Any]:
    """Approve (continue) or roll back the ECS blue/green, linear or canary deployment that a
    running deployment follows; 409 when nothing awaits the answer."""
    deployment = deployment_for(request, id, APPROVE)
    try:
        done = actions.continue_deployment(deployment, request_user(request), body.action)
    except ActionRefused as exc:
        raise refused(exc) from None
    return _answer(deployment, done)
