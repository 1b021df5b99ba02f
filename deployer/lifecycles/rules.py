"""The lifecycle rule: may this release be deployed to that environment yet, and if not, why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from targets.models import Environment

if TYPE_CHECKING:
    from deployer.projects.models import Project
    from deployer.releases.models import Release


@dataclass(frozen=True)
class PhaseRule:
    name: str
    environments: tuple[Environment, ...]
    optional: bool


def phases_of(project: Project) -> list[PhaseRule]:
    """The project's lifecycle phases; by default every environment in order, each required."""
    lifecycle = getattr(project, "lifecycle", None)
    if lifecycle is None:
        return [PhaseRule(e.name, (e,), False) for e in Environment.objects.all()]
    return [
        PhaseRule(phase.name, tuple(phase.environments.all()), phase.optional)
        for phase in lifecycle.phases.prefetch_related("environments")
    ]


def deploy_blocker(release: Release, environment: Environment) -> str:
    """Why the release may not go to the environment yet ("Deploy to Staging first"), or "".

    A release reaches a phase after a successful deployment to every environment of each
    earlier required phase; optional phases may be skipped.
    """
    from deployer.deployments.models import Deployment

    phases = phases_of(release.project)
    index = next((i for i, phase in enumerate(phases) if environment in phase.environments), None)
    if index is None:
        return (
            f"{environment.name} is not in the lifecycle of {release.project.name}; an "
            "administrator can add it to a phase."
        )
    succeeded = set(
        Deployment.objects.filter(release=release, status=Deployment.Status.SUCCESS).values_list(
            "environment_id", flat=True
        )
    )
    missing = [
        e.name
        for phase in phases[:index]
        if not phase.optional
        for e in phase.environments
        if e.pk not in succeeded
    ]
    if missing:
        return f"Deploy to {' and '.join(missing)} first."
    return ""
