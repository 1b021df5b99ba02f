"""Every kind of change lands in the audit trail with who, from where and what; none is editable."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from deployer.access.models import Role, Team
from deployer.audit.context import acting
from deployer.audit.models import AppendOnly, AuditEvent
from deployer.deployments.actions import cancel_deployment
from deployer.deployments.models import Deployment
from deployer.feeds.models import Feed
from deployer.lifecycles.models import Lifecycle
from deployer.releases.models import Release
from steps.actions import save_step
from steps.document.io import load_document
from steps.models import Step
from targets.actions import move_environment
from tests.conftest import (
    any_order_lifecycle,
    make_account,
    make_project,
    make_target,
    make_variable,
    stage,
)

NGINX = """\
version: 1
name: Deploy web
target_roles: [web-cluster]
configuration: {task_definition_name: web}
network: {security_group_ids: [sg-0123abcd], subnet_ids: [subnet-0123abcd]}
containers:
  - name: web
    image: {feed: docker-hub, package: nginx}
    port_mappings: [{container_port: 80}]
"""


def kinds() -> set[str]:
    return set(AuditEvent.objects.values_list("kind", flat=True))


def test_pages_record_who_from_where(admin_client: Client, admin: User) -> None:
    response = admin_client.post(
        "/projects/new/", {"name": "Payments", "slug": "payments"}, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(kind="project.created")
    assert (event.username, event.user, event.source) == ("ada", admin, "ui")
    assert event.remote_address == "203.0.113.9"
    assert event.project is not None and event.project.slug == "payments"


def test_every_kind_of_change_is_recorded(admin: User) -> None:
    with acting(admin, "ui", "198.51.100.1"):
        account = make_account()
        development, production = stage("Development"), stage("Production")
        target = make_target(account=account, environments=(production,))
        feed = Feed.objects.create(
            name="Team registry", slug="team", kind=Feed.Kind.REGISTRY, url="https://r.example.com"
        )
        feed.username = "robot"
        feed.save()
        team = Team.objects.create(name="Operators")
        team.members.add(admin)
        team.roles.create(role=Role.VIEWER)
        lifecycle = Lifecycle.objects.create(name="Hotfix")
        lifecycle.phases.create(name="Production").environments.add(production)
        user = User.objects.create_user("newbie", password="correct horse battery")
        project = make_project()
        variable = make_variable(project, "DbPassword", "s3cret-value", production, sensitive=True)
        variable.secret_value = "another-s3cret"
        variable.save()
        step = Step.from_document(project, load_document(NGINX), position=1)
        step.save()
        changed = load_document(
            NGINX.replace("task_definition_name: web", "task_definition_name: api")
        )
        save_step(step, changed, step.revision, admin)
        move_environment(production, "up")
        release = Release.objects.create(project=project, version="1.0.0")
        from deployer.deployments.actions import start_deployment

        make_target("web-dev", account=account, environments=(development,))
        project.lifecycle = any_order_lifecycle()
        project.save()
        deployment = start_deployment(release, development, admin)
        cancel_deployment(deployment, admin)
        target.delete()
        user.set_password("another long phrase 1")
        user.save()
        user.delete()
    assert {
        "account.created", "environment.created", "target.created", "target.changed",
        "feed.created", "feed.changed", "team.created", "team.changed", "team_role.created",
        "user.created", "project.created", "variable.created", "variable.changed",
        "step.created", "step.changed", "environment.moved", "release.created",
        "deployment.created", "deployment.cancelled", "target.deleted", "user.deleted",
        "lifecycle.created", "phase.created", "phase.changed", "user.changed",
    } <= kinds()  # fmt: skip
    assert AuditEvent.objects.exclude(source="ui").filter(username="ada").count() == 0
    step_change = AuditEvent.objects.get(kind="step.changed")
    assert {
        "path": "configuration.task_definition_name", "old": "web", "new": "api"
    } in step_change.details["changes"]  # fmt: skip
    scope = AuditEvent.objects.filter(kind="variable.changed", details__fields=["environments"])
    assert scope.get().details["environments"] == ["Production"]
    # Sensitive values are never written down, only that the value changed.
    text = " ".join(f"{e.summary} {e.details}" for e in AuditEvent.objects.all())
    assert "s3cret" not in text and "another long phrase" not in text
    assert not any(user.password in text for user in User.objects.all())  # nor their hashes
    assert AuditEvent.objects.filter(kind="user.changed", summary__contains="password").exists()
    assert any(
        "secret_value" in e.details.get("fields", [])
        for e in AuditEvent.objects.filter(kind="variable.changed")
    )


def test_logins_and_failed_logins_are_recorded(admin: User) -> None:
    Client().post("/login/", {"username": "ada", "password": "wrong"}, REMOTE_ADDR="192.0.2.7")
    Client().post("/login/", {"username": "ada", "password": "correct horse battery"})
    failed = AuditEvent.objects.get(kind="login.failed")
    assert failed.details == {"username": "ada"}
    assert failed.remote_address == "192.0.2.7"
    assert "wrong" not in failed.summary
    assert AuditEvent.objects.get(kind="login").user == admin


def test_commands_are_recorded_as_commands(developer: User) -> None:
    from django.core.management import call_command

    project = make_project("Shop", "shop")
    Step.from_document(project, load_document(NGINX), position=1).save()
    Feed.objects.get_or_create(
        slug="docker-hub", defaults={"name": "Docker Hub", "kind": "docker-hub"}
    )
    call_command("create_release", "--project", "shop", "--image", "nginx=1.27", "--user", "dev")
    event = AuditEvent.objects.get(kind="release.created")
    assert (event.source, event.username) == ("command", "dev")


def test_records_cannot_be_changed_or_deleted(admin: User) -> None:
    with acting(admin, "ui"):
        make_project()
    event = AuditEvent.objects.get(kind="project.created")
    event.summary = "nothing happened"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.update(summary="x")


def test_the_audit_page_filters(admin_client: Client, admin: User) -> None:
    with acting(admin, "ui"):
        make_project()
        make_project("Billing", "billing")
        stage("Production")
    page = admin_client.get("/audit/?project=billing").content.decode()
    assert "Project Billing created" in page and "Project Payments created" not in page
    page = admin_client.get("/audit/?kind=environment&user=ada").content.decode()
    assert "Environment Production created" in page and "Project Billing" not in page
    assert "No records match" in admin_client.get("/audit/?until=2000-01-01").content.decode()
    assert "Project Billing" in admin_client.get("/audit/?since=not-a-date").content.decode()


def test_deployments_are_recorded_with_their_environment(admin: User) -> None:
    project = make_project()
    release = Release.objects.create(project=project, version="1.0.0")
    deployment = Deployment.objects.create(release=release, environment=stage("Staging"))
    with acting(admin, "ui"):
        cancel_deployment(deployment, admin)
    event = AuditEvent.objects.get(kind="deployment.cancelled")
    assert event.environment is not None and event.environment.name == "Staging"
    assert event.project == project
