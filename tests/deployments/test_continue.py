"""Approve / Roll back of an ECS service deployment: who may, when it is refused and why, and
when the page offers the buttons (AWS itself is exercised in test_strategies)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from deployer.deployments.actions import continue_deployment
from deployer.deployments.models import Deployment
from deployer.projects.models import Project
from deployer.releases.actions import ActionRefused
from deployer.releases.models import Release
from tests.conftest import client_for, stage

pytestmark = pytest.mark.django_db

PAUSED = {
    "desired": 2,
    "running": 2,
    "pending": 0,
    "failed": 0,
    "service_deployment": {
        "arn": "arn:aws:ecs:us-east-1:123456789012:service-deployment/production/web/1",
        "strategy": "BLUE_GREEN",
        "status": "IN_PROGRESS",
        "active": True,
        "stage": "POST_TEST_TRAFFIC_SHIFT",
        "production": 0.0,
        "test": 100.0,
        "bake_seconds_left": None,
        "hooks": [{"id": "hook-1", "name": "pause", "status": "AWAITING_ACTION"}],
        "awaiting": "hook-1",
        "alarms_fired": [],
        "reason": "",
        "target": 0,
    },
}


def paused_deployment(environment: str = "Production", **rollout: object) -> Deployment:
    project = Project.objects.get_or_create(slug="payments", defaults={"name": "Payments"})[0]
    release = Release.objects.create(project=project, version=f"1.0.{project.releases.count()}")
    return Deployment.objects.create(
        release=release,
        environment=stage(environment),
        status=Deployment.Status.RUNNING,
        rollout={**PAUSED, **rollout},
    )


def test_the_page_shows_approve_and_roll_back_to_an_approver_only(
    release_manager: User, developer: User
) -> None:
    deployment = paused_deployment()
    page = client_for(release_manager).get(deployment.get_absolute_url()).content.decode()
    assert "Awaiting approval at POST_TEST_TRAFFIC_SHIFT" in page
    assert "production 0% new · test 100% new" in page
    assert 'id="approve-service-deployment"' in page
    assert 'id="roll-back-service-deployment"' in page
    # Dev deploys to Development and Staging only: Production's pause is not theirs to decide.
    other = paused_deployment("Development")
    page = client_for(developer).get(other.get_absolute_url()).content.decode()
    assert "Awaiting approval at POST_TEST_TRAFFIC_SHIFT" in page
    assert 'id="approve-service-deployment"' not in page
    response = client_for(developer).post(
        reverse("deployments:continue", args=[other.pk]), {"action": "continue"}
    )
    assert response.status_code == 403


def test_a_poll_sends_the_buttons_again_only_when_the_pause_changes(admin_client: Client) -> None:
    deployment = paused_deployment()
    url = reverse("deployments:poll", args=[deployment.pk])
    changed = admin_client.get(url, {"after": 0, "gate": ".1"}, headers={"HX-Request": "true"})
    assert 'id="approve-service-deployment"' in changed.content.decode()
    assert "gate=hook-1.1" in changed.content.decode()
    same = admin_client.get(url, {"after": 0, "gate": "hook-1.1"}, headers={"HX-Request": "true"})
    assert 'id="service-deployment-actions"' not in same.content.decode()
    # Approve and Roll back have their own box: the Cancel button is not redrawn with them.
    assert 'id="deployment-actions"' not in changed.content.decode()


def test_refusals_say_why(admin: User) -> None:
    deployment = paused_deployment()
    with pytest.raises(ActionRefused, match="Unknown action 'skip'"):
        continue_deployment(deployment, admin, "skip")
    Deployment.objects.filter(pk=deployment.pk).update(
        rollout={**PAUSED, "service_deployment": {**PAUSED["service_deployment"], "awaiting": ""}}  # type: ignore[dict-item]
    )
    with pytest.raises(ActionRefused, match="is not awaiting approval at a lifecycle hook"):
        continue_deployment(deployment, admin, "continue")
    # Roll back needs no pause; the target recorded for it is gone here.
    with pytest.raises(ActionRefused, match="cluster target of this deployment no longer exists"):
        continue_deployment(deployment, admin, "rollback")
    Deployment.objects.filter(pk=deployment.pk).update(status=Deployment.Status.SUCCESS)
    with pytest.raises(ActionRefused, match="has no ECS service deployment in progress"):
        continue_deployment(deployment, admin, "rollback")


def test_the_command_refuses_someone_who_may_not_approve(developer: User) -> None:
    deployment = paused_deployment()
    with pytest.raises(CommandError, match="needs the Approver role") as refused:
        call_command("continue_deployment", deployment=deployment.pk, action="continue", user="dev")
    assert refused.value.returncode == 2
    with pytest.raises(CommandError, match="No deployment 999"):
        call_command("continue_deployment", deployment=999, action="continue")
