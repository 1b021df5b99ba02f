"""Deployments to an environment requiring approval wait for an approver other than the asker."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from deployer.access.models import Team
from deployer.audit.models import AuditEvent
from deployer.deployments.actions import approve_deployment, reject_deployment, start_deployment
from deployer.deployments.models import Deployment
from deployer.deployments.tasks import run_deployment
from deployer.releases.actions import ActionRefused
from deployer.releases.models import Release
from steps.document.io import document_to_data, load_document
from tests.conftest import any_order_lifecycle, client_for, make_project, make_target, stage

STEP = """\
version: 1
name: Deploy web
target_roles: [web-cluster]
configuration: {{task_definition_name: web}}
deployment: {{desired_count: {count}}}
network: {{security_group_ids: [sg-0123abcd], subnet_ids: [subnet-0123abcd]}}
containers:
  - name: web
    image: {{feed: docker-hub, package: nginx}}
"""


def release(version: str, count: int = 1) -> Release:
    project = make_project() if version == "1.0.0" else Release.objects.first().project  # type: ignore[union-attr]
    document = document_to_data(load_document(STEP.format(count=count)))
    return Release.objects.create(
        project=project,
        version=version,
        snapshot={
            "steps": [{"name": "Deploy web", "document": document}],
            "images": [{"feed": "docker-hub", "package": "nginx", "tag": version}],
        },
    )


@pytest.fixture
def production(db: None) -> object:
    environment = stage("Production")
    environment.requires_approval = True
    environment.save()
    make_target(environments=(environment,))
    return environment


@pytest.fixture
def waiting(production: object, release_manager: User, developer: User) -> Deployment:
    first = release("1.0.0")
    first.project.lifecycle = any_order_lifecycle()
    first.project.save()
    Deployment.objects.create(
        release=first, environment=production, status=Deployment.Status.SUCCESS
    )
    return start_deployment(release("1.1.0", count=3), production, release_manager)  # type: ignore[arg-type]


def test_it_waits_without_taking_a_worker(waiting: Deployment) -> None:
    assert waiting.status == Deployment.Status.AWAITING_APPROVAL
    run_deployment(waiting.pk)  # a stray queue message must not start it
    waiting.refresh_from_db()
    assert waiting.status == Deployment.Status.AWAITING_APPROVAL and waiting.started is None
    log = list(waiting.log_lines.values_list("text", flat=True))
    assert "Production requires approval: awaiting an approver other than rita." in log


def test_the_requester_may_not_approve(waiting: Deployment, release_manager: User) -> None:
    with pytest.raises(ActionRefused, match="You asked for this deployment"):
        approve_deployment(waiting, release_manager, "fine by me")
    response = client_for(release_manager).post(
        f"/deployments/{waiting.pk}/approve/", {"comment": "x"}, follow=True
    )
    assert "You asked for this deployment" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Deployment.Status.AWAITING_APPROVAL


def test_the_requester_may_approve_when_the_setting_allows(
    waiting: Deployment, release_manager: User, settings: pytest.FixtureRequest
) -> None:
    settings.APPROVAL_BY_REQUESTER = True  # type: ignore[attr-defined]
    approve_deployment(waiting, release_manager, "")
    waiting.refresh_from_db()
    assert waiting.status == Deployment.Status.QUEUED


def test_another_approver_approves_and_it_is_queued(
    waiting: Deployment, release_manager: User
) -> None:
    approver = User.objects.create_user("anna", password="correct horse battery")
    Team.objects.get(name="Release managers").members.add(approver)
    response = client_for(approver).post(
        f"/deployments/{waiting.pk}/approve/", {"comment": "Change 123 approved"}
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Deployment.Status.QUEUED
    assert waiting.decided_by == approver
    assert "Approved by anna: Change 123 approved" in waiting.log_lines.values_list(
        "text", flat=True
    )
    event = AuditEvent.objects.get(kind="deployment.approved")
    assert (event.username, event.details["comment"]) == ("anna", "Change 123 approved")


def test_a_rejected_deployment_ends_rejected(waiting: Deployment, admin: User) -> None:
    reject_deployment(waiting, admin, "Not during the sale")
    waiting.refresh_from_db()
    assert waiting.status == Deployment.Status.REJECTED and waiting.is_finished
    assert "Rejected by ada: Not during the sale" in waiting.log_lines.values_list(
        "text", flat=True
    )
    assert AuditEvent.objects.get(kind="deployment.rejected").details == {
        "comment": "Not during the sale"
    }
    with pytest.raises(ActionRefused, match="not awaiting approval"):
        approve_deployment(waiting, admin)


def test_the_page_shows_who_asked_and_what_changes(
    waiting: Deployment, admin_client: Client
) -> None:
    page = admin_client.get(f"/deployments/{waiting.pk}/").content.decode()
    assert "Awaiting approval" in page
    assert "Asked by <strong>rita</strong>" in page
    assert "Against release 1.0.0, running there now." in page
    assert "Image nginx: 1.0.0 → 1.1.0" in page
    assert "<code>deployment.desired_count</code>: 1 → 3" in page
    assert 'id="approval-form"' in page


def test_the_developer_sees_no_approve_button(waiting: Deployment, developer: User) -> None:
    page = client_for(developer).get(f"/deployments/{waiting.pk}/").content.decode()
    assert "Awaiting approval" in page and 'id="approval-form"' not in page
    assert client_for(developer).post(f"/deployments/{waiting.pk}/approve/").status_code == 403


def test_waiting_approvals_show_on_the_dashboard(waiting: Deployment, admin_client: Client) -> None:
    page = admin_client.get("/").content.decode()
    assert "Waiting for approval" in page
    assert "Payments 1.1.0 to Production</a>, asked by rita" in page
