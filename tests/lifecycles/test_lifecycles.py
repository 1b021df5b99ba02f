"""A release reaches an environment only after the required earlier phases; admins may force."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from deployer.audit.models import AuditEvent
from deployer.deployments.actions import start_deployment
from deployer.deployments.models import Deployment
from deployer.lifecycles.models import Lifecycle
from deployer.lifecycles.rules import deploy_blocker
from deployer.releases.actions import ActionRefused
from deployer.releases.models import Release
from steps.document.io import load_document
from steps.models import Step
from tests.conftest import client_for, make_project, make_target, stage

STEP = """\
version: 1
name: Deploy web
target_roles: [web-cluster]
configuration: {task_definition_name: web}
network: {security_group_ids: [sg-0123abcd], subnet_ids: [subnet-0123abcd]}
containers:
  - name: web
    image: {feed: docker-hub, package: nginx}
"""


@pytest.fixture
def release(db: None) -> Release:
    environments = [stage(name) for name in ("Development", "Staging", "Production")]
    make_target(environments=tuple(environments))
    project = make_project()
    Step.from_document(project, load_document(STEP), position=1).save()
    return Release.objects.create(project=project, version="1.0.0", snapshot={"steps": [
        {"name": "Deploy web", "document": Step.objects.get().document}
    ]})  # fmt: skip


def succeed(release: Release, environment: str) -> None:
    Deployment.objects.create(
        release=release, environment=stage(environment), status=Deployment.Status.SUCCESS
    )


def test_the_default_lifecycle_is_every_environment_in_order(release: Release) -> None:
    assert deploy_blocker(release, stage("Development")) == ""
    assert deploy_blocker(release, stage("Staging")) == "Deploy to Development first."
    assert (
        deploy_blocker(release, stage("Production")) == "Deploy to Development and Staging first."
    )
    succeed(release, "Development")
    assert deploy_blocker(release, stage("Staging")) == ""
    assert deploy_blocker(release, stage("Production")) == "Deploy to Staging first."


def test_a_failed_deployment_does_not_open_the_next_phase(release: Release) -> None:
    Deployment.objects.create(
        release=release, environment=stage("Development"), status=Deployment.Status.FAILED
    )
    assert deploy_blocker(release, stage("Staging")) == "Deploy to Development first."


def test_an_optional_phase_may_be_skipped(release: Release) -> None:
    lifecycle = Lifecycle.objects.create(name="Skip staging")
    for position, (name, optional) in enumerate(
        [("Development", False), ("Staging", True), ("Production", False)]
    ):
        phase = lifecycle.phases.create(name=name, position=position, optional=optional)
        phase.environments.set([stage(name)])
    release.project.lifecycle = lifecycle
    release.project.save()
    succeed(release, "Development")
    assert deploy_blocker(release, stage("Production")) == ""


def test_an_environment_outside_the_lifecycle_is_refused(release: Release) -> None:
    lifecycle = Lifecycle.objects.create(name="Dev only")
    lifecycle.phases.create(name="Dev", position=1).environments.set([stage("Development")])
    release.project.lifecycle = lifecycle
    release.project.save()
    assert "Production is not in the lifecycle of Payments" in deploy_blocker(
        release, stage("Production")
    )


def test_start_deployment_refuses_with_the_reason(release: Release, admin: User) -> None:
    with pytest.raises(ActionRefused) as refused:
        start_deployment(release, stage("Staging"), admin)
    assert refused.value.messages == ["Deploy to Development first."]
    assert not Deployment.objects.exists()


def test_an_administrator_forces_with_a_logged_reason(release: Release, admin: User) -> None:
    deployment = start_deployment(
        release, stage("Production"), admin, force_reason="Hotfix for incident 42"
    )
    log = " ".join(deployment.log_lines.values_list("text", flat=True))
    assert "Lifecycle forced by ada past “Deploy to Development and Staging first.”" in log
    assert "Hotfix for incident 42" in log
    event = AuditEvent.objects.get(kind="deployment.forced")
    assert event.details["reason"] == "Hotfix for incident 42"


def test_only_administrators_may_force(release: Release, developer: User) -> None:
    with pytest.raises(ActionRefused) as refused:
        start_deployment(release, stage("Staging"), developer, force_reason="I insist")
    assert "Only an administrator may deploy past the lifecycle" in refused.value.messages[0]


def test_the_command_refuses_then_forces(release: Release, admin: User) -> None:
    args = ["deploy_release", "--project", "payments", "--version", "1.0.0"]
    with pytest.raises(CommandError, match="Deploy to Development first"):
        call_command(*args, "--environment", "Staging", "--no-wait")
    call_command(
        *args, "--environment", "Staging", "--no-wait", "--force-reason", "Demo", "--user", "ada"
    )
    assert Deployment.objects.get().environment.name == "Staging"


def test_the_release_page_says_what_is_deployable(release: Release, developer: User) -> None:
    page = client_for(developer).get("/projects/payments/releases/1.0.0/").content.decode()
    assert "Deploy to Development</button>" in page
    assert "Deploy to Development first." in page
    assert "Deploy to Production</button>" not in page
    assert 'name="force_reason"' not in page


def test_the_deploy_form_lets_administrators_force(release: Release, admin_client: Client) -> None:
    page = admin_client.get("/projects/payments/releases/1.0.0/").content.decode()
    assert 'name="force_reason"' in page
    response = admin_client.post(
        "/projects/payments/releases/1.0.0/deploy/",
        {"environment": stage("Staging").pk},
        follow=True,
    )
    assert "Deploy to Development first." in response.content.decode()
    admin_client.post(
        "/projects/payments/releases/1.0.0/deploy/",
        {"environment": stage("Staging").pk, "force": "on", "force_reason": "Demo day"},
    )
    assert Deployment.objects.get().environment.name == "Staging"


def test_only_administrators_choose_a_project_s_lifecycle(
    release: Release, developer: User, admin_client: Client
) -> None:
    any_order = Lifecycle.objects.create(name="Any order")
    client = client_for(developer)
    assert 'name="lifecycle"' not in client.get("/projects/payments/edit/").content.decode()
    client.post(
        "/projects/payments/edit/",
        {"name": "Payments", "slug": "payments", "lifecycle": any_order.pk},
    )
    release.project.refresh_from_db()
    assert release.project.lifecycle is None
    admin_client.post(
        "/projects/payments/edit/",
        {"name": "Payments", "slug": "payments", "lifecycle": any_order.pk},
    )
    release.project.refresh_from_db()
    assert release.project.lifecycle == any_order
