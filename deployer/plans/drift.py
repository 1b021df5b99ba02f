"""Drift: what runs now compared with what the last successful deployment made run."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from deployer.aws.changesets import detect_drift
from deployer.aws.errors import AwsError
from deployer.aws.service_state import ServiceState, read_service_state
from deployer.aws.session import ClientFactory
from deployer.deployments.models import Deployment
from deployer.plans.models import DeployedState, DriftCheck
from deployer.plans.settings import differences, settings_from_aws

if TYPE_CHECKING:
    from deployer.projects.models import Project
    from targets.models import ClusterTarget, Environment


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


def check_drift(project: Project, environment: Environment) -> DriftCheck | None:
    """Compare each deployed step's service and stack with what runs.

    None when nothing was deployed here, or while a deployment runs (what runs is changing
    on purpose then).
    """
    if Deployment.objects.filter(
        release__project=project, environment=environment, status__in=Deployment.UNFINISHED
    ).exists():
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
