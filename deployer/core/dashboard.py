"""Where each project stands in each environment: its latest deployment and its last success."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Max

from deployer.deployments.models import Deployment
from deployer.plans.models import DriftCheck


@dataclass(frozen=True)
class EnvironmentState:
    """The latest deployment (whatever its outcome) and, when that was not it, the last success.

    A failed or running deployment is what the environment is going through; showing only the
    last success would say all is well while it is not.
    """

    latest: Deployment | None = None
    last_success: Deployment | None = None
    # The latest drift check, when it found what runs differs from what was deployed.
    drift: DriftCheck | None = None

    @property
    def success_differs(self) -> bool:
        """Whether the last success needs its own mention beside the latest deployment."""
        return self.last_success is not None and self.last_success != self.latest


def environment_states(
    project_ids: Iterable[int],
) -> dict[tuple[int, int], EnvironmentState]:
    """(project id, environment id) → its state, for every pair that saw a deployment.

    Two grouped queries find the newest deployment and the newest successful one of each pair
    (ids grow with time), a third loads those rows: the cost does not grow with the history.
    """
    scope = Deployment.objects.filter(release__project_id__in=list(project_ids))
    pairs = scope.values("release__project_id", "environment_id")
    latest_ids = {
        (row["release__project_id"], row["environment_id"]): row["newest"]
        for row in pairs.annotate(newest=Max("pk"))
    }
    success_ids = {
        (row["release__project_id"], row["environment_id"]): row["newest"]
        for row in pairs.filter(status=Deployment.Status.SUCCESS).annotate(newest=Max("pk"))
    }
    rows = Deployment.objects.select_related(
        "release__project", "environment", "created_by"
    ).in_bulk([*latest_ids.values(), *success_ids.values()])
    drifted = {
        (check.project_id, check.environment_id): check
        for check in DriftCheck.objects.filter(
            project_id__in=list({key[0] for key in latest_ids}),
            status=DriftCheck.Status.DRIFTED,
        )
    }
    return {
        key: EnvironmentState(
            latest=rows.get(latest_ids.get(key, 0)),
            last_success=rows.get(success_ids.get(key, 0)),
            drift=drifted.get(key),
        )
        for key in latest_ids.keys() | success_ids.keys()
    }
