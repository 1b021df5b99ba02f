"""Where the plan and drift show: the Preview dialog, the drift page and the drifted badge."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from deployer.aws.changesets import ResourceChange
from deployer.deployments.models import Deployment
from deployer.plans import views
from deployer.plans.models import DeployedState, DriftCheck
from deployer.plans.planner import ROLL, Plan, StepPlan
from deployer.plans.settings import Difference
from deployer.projects.models import Project
from deployer.releases.models import Release
from targets.models import Environment
from tests.conftest import make_environment, make_project, make_target

pytestmark = pytest.mark.django_db


@pytest.fixture
def deployed() -> Deployment:
    project = make_project("Web", "web")
    environment = make_environment("Development")
    release = Release.objects.create(project=project, version="1.0.0")
    return Deployment.objects.create(
        release=release,
        environment=environment,
        status=Deployment.Status.SUCCESS,
        finished=timezone.now(),
    )


def _plan(release: Release, environment: Environment, **kwargs: Any) -> Plan:
    step = StepPlan(
        "Deploy web",
        "sandbox-development",
        "cf-ecs-development-web-development",
        "update",
        ROLL,
        ["container web: image: demo/web:1.0.0 → demo/web:1.1.0"],
        [
            ResourceChange(
                "Modify",
                "TaskDefinitionWeb",
                "AWS::ECS::TaskDefinition",
                "True",
                ("Properties",),
                (("ContainerDefinitions", "Always"),),
            )
        ],
        [
            Difference("CPU", "256", "512"),
            Difference(
                "secret DbPassword (SSM /deployer/web/Development/DbPassword)",
                None,
                None,
                masked=True,
            ),
        ],
    )
    return Plan(release.project.name, release.version, environment.name, [step])


def test_preview_changes_opens_a_dialog_that_loads_the_plan(
    admin_client: Client, htmx_client: Client, deployed: Deployment, monkeypatch: Any
) -> None:
    environment = deployed.environment
    detail = admin_client.get(reverse("releases:detail", args=["web", "1.0.0"])).content.decode()
    url = reverse("plans:preview-plan", args=["web", "1.0.0"])
    assert "Preview changes" in detail and url in detail

    dialog = htmx_client.get(url, {"environment": environment.pk}).content.decode()
    assert "<dialog" in dialog and "data-modal" in dialog
    assert "spinner-border" in dialog and f"environment={environment.pk}&amp;load=1" in dialog

    monkeypatch.setattr(views, "compute_plan", _plan)
    body = htmx_client.get(url, {"environment": environment.pk, "load": "1"}).content.decode()
    assert "The service will roll to a new task definition" in body
    assert "CPU" in body and "256" in body and "512" in body
    assert "sensitive: not shown" in body
    assert "TaskDefinitionWeb" in body

    page = admin_client.get(url, {"environment": environment.pk}).content.decode()
    assert "<dialog" not in page and "The service will roll to a new task definition" in page


def test_the_confirmation_and_the_approval_load_the_plan(
    admin_client: Client, deployed: Deployment
) -> None:
    deployed.environment.production_like = True
    deployed.environment.save()
    make_target(environments=(deployed.environment,))
    confirm = admin_client.post(
        reverse("releases:deploy", args=["web", "1.0.0"]),
        {"environment": deployed.environment.pk},
    ).content.decode()
    loader = (
        f"{reverse('plans:preview-plan', args=['web', '1.0.0'])}"
        f"?environment={deployed.environment.pk}&amp;load=1"
    )
    assert "What this deployment changes" in confirm and loader in confirm

    waiting = Deployment.objects.create(
        release=deployed.release,
        environment=deployed.environment,
        status=Deployment.Status.AWAITING_APPROVAL,
    )
    detail = admin_client.get(waiting.get_absolute_url()).content.decode()
    assert "What AWS will change" in detail and loader in detail


def _drifted(deployed: Deployment) -> DriftCheck:
    project = deployed.release.project
    DeployedState.objects.create(
        project=project,
        environment=deployed.environment,
        target=make_target(environments=(deployed.environment,)),
        step_name="Deploy web",
        deployment=deployed,
        stack_name="cf-ecs-web",
        service_name="web-service",
        settings={"Desired count": "2"},
    )
    return DriftCheck.objects.create(
        project=project,
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


def test_a_drifted_environment_is_badged_and_its_page_lists_each_difference(
    admin_client: Client, deployed: Deployment, monkeypatch: Any
) -> None:
    _drifted(deployed)
    drift_url = reverse("plans:drift", args=["web", deployed.environment.pk])
    dashboard = admin_client.get(reverse("dashboard")).content.decode()
    assert ">drifted</a>" in dashboard and drift_url in dashboard
    overview = admin_client.get(reverse("releases:list", args=["web"])).content.decode()
    assert ">drifted</a>" in overview

    page = admin_client.get(drift_url).content.decode()
    assert "Drifted" in page and "Desired count" in page
    assert "<td>2</td><td>3</td>" in page
    assert "Check now" in page

    def clean(project: Project, environment: Environment) -> DriftCheck:
        check = DriftCheck.objects.get(project=project, environment=environment)
        check.status, check.differences = DriftCheck.Status.CLEAN, []
        check.save()
        return check

    monkeypatch.setattr(views, "check_drift", clean)
    response = admin_client.post(
        reverse("plans:check-drift", args=["web", deployed.environment.pk])
    )
    assert response.status_code == 302
    assert ">drifted</a>" not in admin_client.get(reverse("dashboard")).content.decode()
    assert "No drift" in admin_client.get(drift_url).content.decode()
