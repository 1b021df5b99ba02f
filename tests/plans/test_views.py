"""Where the plan and drift show: the Preview dialog, the drift page and the drifted badge."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ

from deployer.aws.changesets import ResourceChange
from deployer.deployments.models import Deployment
from deployer.plans import views
from deployer.plans.drift import keep_only_states_of
from deployer.plans.models import DeployedState, DriftCheck
from deployer.plans.planner import ROLL, Plan, StepPlan
from deployer.plans.settings import Difference
from deployer.releases.models import Release
from targets.models import Environment
from tests.conftest import make_environment, make_project, make_target
from tests.plans.conftest import make_drifted

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


def test_a_drifted_environment_is_badged_and_its_page_lists_each_difference(
    admin_client: Client, deployed: Deployment, monkeypatch: Any
) -> None:
    make_drifted(deployed)
    drift_url = reverse("plans:drift", args=["web", deployed.environment.pk])
    dashboard = admin_client.get(reverse("dashboard")).content.decode()
    assert ">drifted</a>" in dashboard and drift_url in dashboard
    overview = admin_client.get(reverse("releases:list", args=["web"])).content.decode()
    assert ">drifted</a>" in overview

    page = admin_client.get(drift_url).content.decode()
    assert "Drifted" in page and "Desired count" in page
    assert "<td>2</td><td>3</td>" in page
    assert "Check now" in page


def test_check_now_queues_the_check_and_the_page_polls_until_a_worker_has_done_it(
    htmx_client: Client, deployed: Deployment, django_capture_on_commit_callbacks: Any
) -> None:
    make_drifted(deployed)
    drift_url = reverse("plans:drift", args=["web", deployed.environment.pk])
    check_url = reverse("plans:check-drift", args=["web", deployed.environment.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = htmx_client.post(check_url)
    page = response.content.decode()
    # Drift detection takes CloudFormation a while: a worker runs it, and the page polls.
    assert "Checking: asked at" in page
    assert f'hx-get="{drift_url}" hx-trigger="load delay:1s"' in page
    queued = [task.task for task in OrmQ.objects.all()]
    assert [(t["func"], t["args"]) for t in queued] == [
        (
            "deployer.plans.drift.run_drift_check",
            (deployed.release.project_id, deployed.environment_id),
        )
    ]
    # The last verdict stands while the check runs.
    assert "<td>2</td><td>3</td>" in page
    assert ">drifted</a>" in htmx_client.get(reverse("dashboard")).content.decode()
    # Pressing again while it is queued queues nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        again = htmx_client.post(check_url)
    assert "Checking: asked at" in again.content.decode()
    assert OrmQ.objects.count() == 1

    DriftCheck.objects.update(requested=timezone.now() - dt.timedelta(minutes=3))
    assert "No queue worker has taken the check yet" in htmx_client.get(drift_url).content.decode()
    # After that long, a press queues a new check.
    with django_capture_on_commit_callbacks(execute=True):
        htmx_client.post(check_url)
    assert OrmQ.objects.count() == 2

    # What the worker records ends the polling.
    DriftCheck.objects.update(
        status=DriftCheck.Status.CLEAN, differences=[], checked=timezone.now(), requested=None
    )
    done = htmx_client.get(drift_url).content.decode()
    assert "No drift" in done and "hx-trigger" not in done


def test_check_now_is_refused_while_a_deployment_runs_and_before_anything_was_deployed(
    admin_client: Client, deployed: Deployment
) -> None:
    environment = deployed.environment
    check_url = reverse("plans:check-drift", args=["web", environment.pk])
    nothing = admin_client.post(check_url, follow=True).content.decode()
    assert "Nothing has been deployed here by Deployer yet" in nothing
    make_drifted(deployed)
    Deployment.objects.create(release=deployed.release, environment=environment)
    running = admin_client.post(check_url, follow=True).content.decode()
    assert "A deployment to this environment is running" in running
    assert not OrmQ.objects.exists()
    assert DriftCheck.objects.get().requested is None


def test_a_successful_deployment_is_the_whole_reference_for_drift(deployed: Deployment) -> None:
    project, environment = deployed.release.project, deployed.environment
    target = make_target("web-development", environments=(environment,))
    newer = Deployment.objects.create(
        release=Release.objects.create(project=project, version="1.1.0"),
        environment=environment,
        status=Deployment.Status.SUCCESS,
    )
    for deployment, step in ((deployed, "Deploy old name"), (newer, "Deploy web")):
        DeployedState.objects.create(
            project=project,
            environment=environment,
            target=target,
            step_name=step,
            deployment=deployment,
            stack_name=f"stack-{step}",
            service_name="web",
        )
    keep_only_states_of(newer)
    # A step renamed or removed since is no longer compared with what runs.
    assert list(DeployedState.objects.values_list("step_name", flat=True)) == ["Deploy web"]
