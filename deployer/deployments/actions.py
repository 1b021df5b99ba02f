"""The deployment writers: starting and cancelling deployments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from deployer.access.permissions import ADMINISTER, can
from deployer.audit.record import record
from deployer.deployments.events import announce
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
    waits = environment.requires_approval
    with transaction.atomic():
        deployment = Deployment.objects.create(
            release=release,
            environment=environment,
            created_by=user,
            status=Deployment.Status.AWAITING_APPROVAL if waits else Deployment.Status.QUEUED,
        )
        who = f" by {user.get_username()}" if user else ""
        log = TaskLog(deployment)
        log.info(
            f"{'Asked' if waits else 'Queued'}{who}: release {release.version} of "
            f"{release.project.name} to {environment.name}."
        )
        if blocker:
            log.warning(f"Lifecycle forced{who} past “{blocker}”: {force_reason}")
            record(
                "deployment.forced",
                f"Lifecycle forced for {deployment}: {force_reason}",
                obj=deployment,
                project=release.project,
                environment=environment,
                details={"blocker": blocker, "reason": force_reason},
            )
        if waits:
            other = (
                ""
                if settings.APPROVAL_BY_REQUESTER or user is None
                else f" other than {user.get_username()}"
            )
            log.info(f"{environment.name} requires approval: awaiting an approver{other}.")
        state = "awaiting approval" if waits else "queued"
        record(
            "deployment.created",
            f"Deployment of {release.project.name} {release.version} to {environment.name} {state}",
            obj=deployment,
            project=release.project,
            environment=environment,
            details={"release": release.version},
        )
        announce(deployment.pk, deployment.status)
        if not waits:
            transaction.on_commit(lambda: enqueue_deployment(deployment.pk))
    return deployment


def approval_refusal(deployment: Deployment, user: User | None) -> str:
    """Why `user` may not decide on this deployment ("" when they may); rights aside."""
    if not deployment.is_awaiting_approval:
        return f"Deployment {deployment.pk} is not awaiting approval."
    if (
        not settings.APPROVAL_BY_REQUESTER
        and user is not None
        and deployment.created_by_id == user.pk
    ):
        return "You asked for this deployment: another approver must decide on it."
    return ""


def approve_deployment(deployment: Deployment, user: User | None, comment: str = "") -> None:
    """Approve a deployment awaiting approval: it is queued, and runs as any other."""
    _decide(deployment, user, comment, approve=True)


def reject_deployment(deployment: Deployment, user: User | None, comment: str = "") -> None:
    """Reject a deployment awaiting approval: it ends Rejected without running."""
    _decide(deployment, user, comment, approve=False)


def _decide(deployment: Deployment, user: User | None, comment: str, *, approve: bool) -> None:
    if problem := approval_refusal(deployment, user):
        raise ActionRefused([problem])
    comment = comment.strip()
    now = timezone.now()
    new_status = Deployment.Status.QUEUED if approve else Deployment.Status.REJECTED
    with transaction.atomic():
        # Conditional: of two approvers deciding at once, only the first decision counts.
        decided = Deployment.objects.filter(
            pk=deployment.pk, status=Deployment.Status.AWAITING_APPROVAL
        ).update(
            status=new_status,
            decided_by=user,
            decided=now,
            decision_comment=comment,
            finished=None if approve else now,
        )
        if not decided:
            raise ActionRefused([f"Deployment {deployment.pk} was decided on meanwhile."])
        announce(deployment.pk, new_status)
        who = user.get_username() if user else "the operator"
        verb = "Approved" if approve else "Rejected"
        text = f"{verb} by {who}" + (f": {comment}" if comment else ".")
        log = TaskLog(deployment)
        if approve:
            log.info(text)
        else:
            log.warning(text)
        record(
            f"deployment.{verb.lower()}",
            f"{deployment} {verb.lower()} by {who}" + (f": {comment}" if comment else ""),
            obj=deployment,
            project=deployment.release.project,
            environment=deployment.environment,
            details={"comment": comment},
        )
        if approve:
            transaction.on_commit(lambda: enqueue_deployment(deployment.pk))


def cancel_deployment(deployment: Deployment, user: User | None) -> None:
    """Cancel a queued deployment at once; ask a running one to stop at its next poll."""
    who = f" by {user.get_username()}" if user else ""
    # One waiting for approval is cancelled as one waiting in the queue is: it never started.
    cancelled_now = Deployment.objects.filter(
        pk=deployment.pk,
        status__in=[Deployment.Status.QUEUED, Deployment.Status.AWAITING_APPROVAL],
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
        announce(deployment.pk, Deployment.Status.CANCELLED)
        TaskLog(deployment).warning(f"Cancelled{who} before it started.")
        start_next_waiting(deployment)
        return
    if asked:
        TaskLog(deployment).warning(
            f"Cancellation requested{who}; the deployment stops at its next poll."
        )


CONTINUE_ACTIONS = ("continue", "rollback")


def continue_deployment(deployment: Deployment, user: User | None, action: str) -> str:
    """Approve (``continue``) or roll back (``rollback``) the ECS service deployment that a
    running deployment follows; returns what was done, in words.

    Continue answers the pause hook that is AWAITING_ACTION (ContinueServiceDeployment
    CONTINUE). Roll back answers that hook with ROLLBACK, or, with no pause waiting, stops the
    running service deployment with a rollback (StopServiceDeployment ROLLBACK). Needs the
    approver permission of the deployment's environment (the operator, no user, may). Raises
    ActionRefused, whose messages say why, when it cannot be done.
    """
    from deployer.access.permissions import APPROVE, decide
    from deployer.aws.errors import AwsError
    from deployer.aws.service_deployments import (
        continue_service_deployment,
        running_service_deployment,
        stop_service_deployment,
    )
    from deployer.aws.session import ClientFactory
    from targets.models import ClusterTarget

    if action not in CONTINUE_ACTIONS:
        raise ActionRefused([f"Unknown action {action!r}: use continue or rollback."])
    project, environment = deployment.release.project, deployment.environment
    if user is not None and not (decision := decide(user, APPROVE, project, environment)):
        raise ActionRefused([decision.reason])
    deployment.refresh_from_db(fields=["status", "rollout"])
    state = deployment.ecs_rollout
    nothing_running = ActionRefused(
        [f"Deployment {deployment.pk} has no ECS service deployment in progress."]
    )
    if not state:
        raise nothing_running
    hook = str(state.get("awaiting") or "")
    if action == "continue" and not hook:
        raise ActionRefused(
            [f"Deployment {deployment.pk} is not awaiting approval at a lifecycle hook."]
        )
    target = (
        ClusterTarget.objects.filter(pk=state.get("target") or 0).select_related("account").first()
    )
    if target is None:
        raise ActionRefused(["The ECS cluster target of this deployment no longer exists."])
    client = ClientFactory(target.account, interactive=True).client("ecs", target.region)
    stage = state.get("stage") or "its current stage"
    try:
        if hook:
            continue_service_deployment(
                client, state["arn"], hook, "CONTINUE" if action == "continue" else "ROLLBACK"
            )
        elif state.get("arn"):
            stop_service_deployment(client, state["arn"])
        else:
            # A rolling deployment: its service deployment is looked up only now.
            since = deployment.started or deployment.created
            arn = running_service_deployment(client, state["cluster"], state["service"], since)
            if not arn:
                raise nothing_running
            stop_service_deployment(client, arn)
    except AwsError as exc:
        raise ActionRefused([exc.message]) from exc
    who = user.get_username() if user else "the operator"
    done = (
        f"Approved at {stage} by {who}: the ECS service deployment continues."
        if action == "continue"
        else f"Roll back at {stage} requested by {who}: ECS returns to the previous revision."
    )
    log = TaskLog(deployment)
    if action == "continue":
        log.info(done)
    else:
        log.warning(done)
    record(
        "deployment.continued" if action == "continue" else "deployment.rolled_back",
        f"{deployment}: {done}",
        obj=deployment,
        project=project,
        environment=environment,
        details={"service_deployment": state.get("arn", ""), "stage": state.get("stage", "")},
    )
    return done
