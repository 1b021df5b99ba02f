"""The deployments' sandbox fixtures, shared by the plan and drift tests, and a drifted check."""

from __future__ import annotations

from django.utils import timezone

from deployer.deployments.models import Deployment
from deployer.plans.models import DeployedState, DriftCheck
from tests.conftest import make_target
from tests.deployments.conftest import (  # noqa: F401
    deploy,
    deployer_user,
    project,
    release_with,
    sandbox,
    seeded,
    seeded_aws,
)


def make_drifted(deployed: Deployment) -> DriftCheck:
    """The deployment's step recorded, and a check that found its desired count 2 -> 3."""
    DeployedState.objects.create(
        project=deployed.release.project,
        environment=deployed.environment,
        target=make_target(environments=(deployed.environment,)),
        step_name="Deploy web",
        deployment=deployed,
        stack_name="cf-ecs-web",
        service_name="web-service",
        settings={"Desired count": "2"},
    )
    return DriftCheck.objects.create(
        project=deployed.release.project,
        environment=deployed.environment,
        status=DriftCheck.Status.DRIFTED,
        differences=[
            {
                "step": "Deploy web",
                "target": "web-production",
                "setting": "Desired count",
                "deployed": "2",
                "running": "3",
            }
        ],
        checked=timezone.now(),
    )
