"""Drift: what runs now compared with what the last successful deployment made run."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from deployer.aws.changesets import detect_drift
from deployer.aws.errors import AwsError
from deployer.aws.service_state import ServiceState, read_service_state
from deployer.aws.session import ClientFactory
from deployer.deployments.models import Deployment
from deployer.plans.models import DeployedState, DriftCheck
from deployer.plans.settings import differences, settings_from_aws
from deployer.projects.models import Project
from targets.models import Environment

if TYPE_CHECKING:
    from targets.models import ClusterTarget

logger = logging.getLogger(__name__)

# A check asked for this long ago and still not finished: no worker may be running; the page
# says so, and Check now queues another.
UNANSWERED = dt.timedelta(minutes=2)


def comparable(state: ServiceState) -> dict[str, str]:
    """The settings drift compares: the service's, plus which task definition revision runs."""
    settings = settings_from_aws(state)
    arn = str(state.service.get("taskDefinition", ""))
    settings["Task definition"] = arn.rsplit("/", 1)[-1]
    return settings


def record_deployed_state(
    deployment: Deployment,
    step_name: str,
    target: ClusterTarget,
    stack_name: str,
    service_name: str,
    state: ServiceState,
    mask: Callable[[str], str],
    ignore: tuple[str, ...] = (),
) -> None:
    """Remember what a successful step left running, as the reference drift compares with.

    Settings named in `ignore` are left out, and so never compared.
    """
    settings = {key: mask(value) for key, value in comparable(state).items() if key not in ignore}
    DeployedState.objects.update_or_create(
        project_id=deployment.release.project_id,
        environment_id=deployment.environment_id,
        target=target,
        step_name=step_name,
        defaults={
            "deployment": deployment,
            "stack_name": stack_name,
            "service_name": service_name,
            "settings": settings,
        },
    )
    # What was just deployed is by definition not drifted: drop an older verdict.
    DriftCheck.objects.filter(
        project_id=deployment.release.project_id, environment_id=deployment.environment_id
    ).delete()


def keep_only_states_of(deployment: Deployment) -> None:
    """After a successful deployment, what it made is the whole reference for drift.

    A step it no longer has (removed or renamed), a target it no longer deploys to, or a step
    that did not wait for its service to settle is no longer compared with what runs.
    """
    DeployedState.objects.filter(
        project_id=deployment.release.project_id, environment_id=deployment.environment_id
    ).exclude(deployment=deployment).delete()


def _deployment_running(project: Project, environment: Environment) -> bool:
    return Deployment.objects.filter(
        release__project=project, environment=environment, status__in=Deployment.UNFINISHED
    ).exists()


def request_drift_check(project: Project, environment: Environment) -> str:
    """Queue a check now ("Check now"): "" once queued, otherwise why it was not.

    Drift detection takes CloudFormation seconds to minutes per stack, so a queue worker runs
    it; the request's time stays on the check until a check finishes, for the page to show.
    """
    if not DeployedState.objects.filter(project=project, environment=environment).exists():
        return "Nothing has been deployed here by Deployer yet: there is nothing to compare."
    if _deployment_running(project, environment):
        return (
            "A deployment to this environment is running: what runs is changing on purpose. "
            "Check again once it has finished."
        )
    now = timezone.now()
    pending = (
        DriftCheck.objects.filter(project=project, environment=environment)
        .values_list("requested", flat=True)
        .first()
    )
    if pending is not None and now - pending < UNANSWERED:
        return ""  # queued already: a second press does not queue a second check
    DriftCheck.objects.update_or_create(
        project=project,
        environment=environment,
        defaults={"requested": now},
        create_defaults={"requested": now, "status": ""},
    )
    transaction.on_commit(
        partial(
            async_task,
            "deployer.plans.drift.run_drift_check",
            project.pk,
            environment.pk,
            task_name=f"drift-{project.pk}-{environment.pk}-{now.timestamp():.0f}",
        )
    )
    return ""


def run_drift_check(project_id: int, environment_id: int) -> str:
    """The queued "Check now": check, and never leave the request hanging on the page."""
    project = Project.objects.filter(pk=project_id).first()
    environment = Environment.objects.filter(pk=environment_id).first()
    if project is None or environment is None:
        return "nothing to do"
    try:
        check = check_drift(project, environment)
    except Exception as exc:  # a bug must still end the check, visibly
        logger.exception("Drift check of %s in %s crashed", project, environment)
        DriftCheck.objects.filter(project=project, environment=environment).update(
            status=DriftCheck.Status.ERROR,
            errors=[f"Internal error: {exc.__class__.__name__}: {exc}"],
            differences=[],
            checked=timezone.now(),
            requested=None,
        )
        return "error"
    if check is None:  # a deployment started meanwhile, or its reference was removed
        DriftCheck.objects.filter(project=project, environment=environment).update(requested=None)
        return "not checked"
    return str(check.status)


def check_drift(project: Project, environment: Environment) -> DriftCheck | None:
    """Compare each deployed step's service and stack with what runs.

    None when nothing was deployed here, or while a deployment runs (what runs is changing
    on purpose then).
    """
    if _deployment_running(project, environment):
        return None
    states = DeployedState.objects.filter(project=project, environment=environment).select_related(
        "target__account"
    )
    if not states:
        return None
    found: list[dict[str, Any]] = []
    errors: list[str] = []
    for deployed in states:
        where = {"step": deployed.step_name, "target": deployed.target.name}
        factory = ClientFactory(deployed.target.account)
        region = deployed.target.region
        try:
            now = read_service_state(
                factory.client("ecs", region), deployed.target.cluster_name, deployed.service_name
            )
            if now is None:
                found.append(
                    {
                        **where,
                        "setting": "Service",
                        "deployed": deployed.service_name,
                        "running": "(gone)",
                    }
                )
                continue
            running = {
                k: v
                for k, v in comparable(now).items()
                if k in deployed.settings or not k.startswith("Desired")
            }
            for difference in differences(deployed.settings, running):
                found.append(
                    {
                        **where,
                        "setting": difference.setting,
                        "deployed": difference.before,
                        "running": difference.after,
                    }
                )
            _, drifts = detect_drift(factory.client("cloudformation", region), deployed.stack_name)
            for drift in drifts:
                found.append(
                    {
                        **where,
                        "setting": f"Stack {deployed.stack_name}: {drift.logical_id} "
                        f"{drift.path or drift.status}".strip(),
                        "deployed": drift.expected or "(as in the template)",
                        "running": drift.actual or drift.status.lower(),
                    }
                )
        except AwsError as exc:
            errors.append(f"Step {deployed.step_name} on {deployed.target.name}: {exc.message}")
    status = (
        DriftCheck.Status.DRIFTED
        if found
        else DriftCheck.Status.ERROR
        if errors
        else DriftCheck.Status.CLEAN
    )
    check, _ = DriftCheck.objects.update_or_create(
        project=project,
        environment=environment,
        defaults={
            "status": status,
            "differences": found,
            "errors": errors,
            "checked": timezone.now(),
            "requested": None,
        },
    )
    return check


def check_all_drift(
    project: Project | None = None, environment: Environment | None = None
) -> list[DriftCheck]:
    """Check every project and environment that has a deployed state (the scheduled task)."""
    pairs = DeployedState.objects.all()
    if project is not None:
        pairs = pairs.filter(project=project)
    if environment is not None:
        pairs = pairs.filter(environment=environment)
    checks = []
    seen: set[tuple[int, int]] = set()
    for deployed in pairs.select_related("project", "environment").order_by(
        "project__name", "environment__sort_order"
    ):
        key = (deployed.project_id, deployed.environment_id)
        if key in seen:
            continue
        seen.add(key)
        check = check_drift(deployed.project, deployed.environment)
        if check is not None:
            checks.append(check)
    return checks
