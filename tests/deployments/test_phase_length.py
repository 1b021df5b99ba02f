"""The phase a deployment shows fits its column whatever the user named the step and target."""

from __future__ import annotations

import pytest

from deployer.deployments.engine import DeploymentRun
from deployer.deployments.models import Deployment
from deployer.projects.models import Project
from deployer.releases.models import Release
from tests.conftest import make_environment

pytestmark = pytest.mark.django_db


def test_a_phase_named_after_long_user_names_is_cut_to_fit() -> None:
    project = Project.objects.create(name="Shop", slug="shop")
    release = Release.objects.create(project=project, version="1.0.0", snapshot={})
    deployment = Deployment.objects.create(release=release, environment=make_environment())
    run = DeploymentRun(deployment, "worker-1")
    name = f"Step {'s' * 200} on {'t' * 100}"

    with run.phase(name):
        deployment.refresh_from_db()

    assert len(deployment.phase) == Deployment._meta.get_field("phase").max_length
    assert deployment.phase.startswith("Step sss")
    assert deployment.phase.endswith("…")
