"""What a deployment waiting for approval would change: its steps against what runs there now."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from deployer.audit.record import document_diff
from deployer.deployments.models import Deployment


@dataclass
class StepChange:
    step: str
    what: str  # "added", "removed" or "changed"
    changes: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PlannedChanges:
    """The release running in the environment now (None: nothing yet) and the differences."""

    current: Deployment | None
    steps: list[StepChange]
    images: list[str]


def running_now(deployment: Deployment) -> Deployment | None:
    """The last successful deployment of the project to the same environment."""
    return (
        Deployment.objects.filter(
            release__project_id=deployment.release.project_id,
            environment_id=deployment.environment_id,
            status=Deployment.Status.SUCCESS,
        )
        .exclude(pk=deployment.pk)
        .select_related("release")
        .order_by("-finished", "-pk")
        .first()
    )


def _steps(snapshot: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["name"]: step.get("document", {}) for step in snapshot.get("steps", [])}


def _images(snapshot: dict[str, Any]) -> dict[str, str]:
    return {image["package"]: image["tag"] for image in snapshot.get("images", [])}


def planned_changes(deployment: Deployment) -> PlannedChanges:
    """A plain list of step differences (a dict diff of the snapshotted step documents)."""
    current = running_now(deployment)
    old = current.release.snapshot if current is not None else {}
    new = deployment.release.snapshot
    before, after = _steps(old), _steps(new)
    steps: list[StepChange] = []
    for name in sorted(before.keys() | after.keys()):
        if name not in before:
            steps.append(StepChange(name, "added", document_diff({}, after[name])))
        elif name not in after:
            steps.append(StepChange(name, "removed"))
        elif changes := document_diff(before[name], after[name]):
            steps.append(StepChange(name, "changed", changes))
    old_images, new_images = _images(old), _images(new)
    images = [
        f"{package}: {old_images.get(package, 'none')} → {tag}"
        for package, tag in sorted(new_images.items())
        if old_images.get(package) != tag
    ]
    return PlannedChanges(current, steps, images)
