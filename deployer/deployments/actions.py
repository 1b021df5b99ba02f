"""The deployment writers: starting and cancelling deployments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from deployer.access.permissions import ADMINISTER, can
from deployer.audit.record import record
from deployer.deployments.models import Deployment
from deployer.deployments.tasklog import TaskLog
from deployer.deployments.tasks import enqueue_deployment, start_next_waiting
from deployer.lifecycles.rules import deploy_blocker
from deployer.releases.actions import ActionRefused
from deployer.releases.snapshot import snapshot_documents
from targets.selection import no_targets_message, targets_for

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from deployer.releases.models import Release
    from targets.models import Environment


def start_deployment(
    release: Release,
    environment: Environment,
    user: User | None,
    *,
    force_reason: str = "",
) -> Deployment:
    """Queue a deployment of the release to the environment; the worker picks it up on commit.

    Refused when the project's lifecycle does not let the release reach the environment yet
    (unless an administrator, or the operator (no user), forces it with a reason, which is
    logged) or a step has no ECS cluster target with its roles in the environment.
    """
    force_reason = force_reason.strip()
    blocker = deploy_blocker(release, environment)
    if blocker and not force_reason:
        raise ActionRefused([blocker])
    if blocker and user is not None and not can(user, ADMINISTER):
        raise ActionRefused([f"{blocker} Only an administrator may deploy past the lifecycle."])
    problems = [
        no_targets_message(document.target_roles, environment.name)
        for document in snapshot_documents(release)
        if not targets_for(document.target_roles, environment.pk)
    ]
    if problems:
        raise ActionRefused(problems)
    with transaction.atomic():
        deployment = Deployment.objects.create(
            release=release, environment=environment, created_by=user
        )
        who = f" by {user.get_username()}" if user else ""
        TaskLog(deployment).info(
            f"Queued{who}: release {release.version} of {release.project.name} to "
            f"{environment.name}."
        )
        if blocker:
            TaskLog(deployment).warning(f"Lifecycle forced{who} past “{blocker}”: {force_reason}")
            record(
                "deployment.forced",
                f"Lifecycle forced for {deployment}: {force_reason}",
                obj=deployment,
                project=release.project,
                environment=environment,
                details={"blocker": blocker, "reason": force_reason},
            )
        record(
            "deployment.created",
            f"Deployment of {release.project.name} {release.version} to {environment.name} queued",
            obj=deployment,
            project=release.project,
            environment=environment,
            details={"release": release.version},
        )
        transaction.on_commit(lambda: enqueue_deployment(deployment.pk))
    return deployment


def cancel_deployment(deployment: Deployment, user: User | None) -> None:
    """Cancel a queued deployment at once; ask a running one to stop at its next poll."""
    who = f" by {user.get_username()}" if user else ""
    cancelled_now = Deployment.objects.filter(
        pk=deployment.pk, status=Deployment.Status.QUEUED
    ).update(status=Deployment.Status.CANCELLED, finished=timezone.now(), phase="")
    asked = not cancelled_now and Deployment.objects.filter(
        pk=deployment.pk, status=Deployment.Status.RUNNING
    ).update(cancel_requested=True)
    if cancelled_now or asked:
        record(
            "deployment.cancelled",
            f"{deployment} cancelled" + ("" if cancelled_now else " (stops at its next poll)"),
            obj=deployment,
            project=deployment.release.project,
            environment=deployment.environment,
        )
    if cancelled_now:
        TaskLog(deployment).warning(f"Cancelled{who} before it started.")
        start_next_waiting(deployment)
        return
    if asked:
        TaskLog(deployment).warning(
            f"Cancellation requested{who}; the deployment stops at its next poll."
        )
