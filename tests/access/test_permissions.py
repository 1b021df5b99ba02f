"""Every page, tried by each person, answers as the role table (docs/access.md) says."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from deployer.access.models import Role
from deployer.access.permissions import can, why_not
from deployer.deployments.models import Deployment
from deployer.projects.models import Project
from deployer.releases.models import Release
from tests.conftest import client_for, make_project, make_team, make_variable, stage
from tests.core.test_auth_required import PUBLIC, ROUTES

ADMIN, DEV, RM, OUT = "admin", "developer", "release_manager", "outsider"
EVERYONE = {ADMIN, DEV, RM, OUT}
ADMINS = {ADMIN}
EDITORS = {ADMIN, DEV}

# URL name -> (path, who may use it). Paths name the Payments project, its release 1.0.0 and
# its deployment to Production ({prod}); a missing step or variable is a 404, not a 403.
TABLE: dict[str, tuple[str, set[str]]] = {
    "dashboard": ("/", EVERYONE),
    "logout": ("/logout/", EVERYONE),
    "projects:list": ("/projects/", EVERYONE),
    "projects:create": ("/projects/new/", EDITORS),
    "projects:detail": ("/projects/payments/", EVERYONE),
    "projects:edit": ("/projects/payments/edit/", EDITORS),
    "projects:delete": ("/projects/payments/delete/", ADMINS),
    "projects:steps:create-step": ("/projects/payments/steps/new/", EDITORS),
    "projects:steps:import-step": ("/projects/payments/steps/import/", EDITORS),
    "projects:steps:import-service": ("/projects/payments/steps/from-service/", EDITORS),
    "projects:steps:pick-aws-id": ("/projects/payments/steps/aws-ids/", EDITORS),
    "projects:steps:service-list": ("/projects/payments/steps/from-service/services/", EDITORS),
    "projects:steps:service-preview": ("/projects/payments/steps/from-service/preview/", EDITORS),
    "projects:steps:edit-step": ("/projects/payments/steps/1/", EDITORS),
    "projects:steps:delete-step": ("/projects/payments/steps/1/delete/", EDITORS),
    "projects:steps:download-yaml": ("/projects/payments/steps/1/yaml/", EVERYONE),
    "projects:steps:export-template": ("/projects/payments/steps/1/cloudformation/", EVERYONE),
    "projects:steps:preview-step": ("/projects/payments/steps/1/preview/", EDITORS),
    "projects:steps:import-yaml": ("/projects/payments/steps/1/import/", EDITORS),
    "projects:steps:add-container": ("/projects/payments/steps/1/containers/new/", EDITORS),
    "projects:steps:edit-container": ("/projects/payments/steps/1/containers/0/", EDITORS),
    "projects:steps:remove-container": ("/projects/payments/steps/1/containers/0/remove/", EDITORS),
    "variables:list": ("/projects/payments/variables/", EVERYONE),
    "variables:create": ("/projects/payments/variables/new/", EDITORS),
    "variables:preview": ("/projects/payments/variables/preview/", EVERYONE),
    "variables:show": ("/projects/payments/variables/1/", EVERYONE),
    "variables:edit": ("/projects/payments/variables/1/edit/", EDITORS),
    "variables:delete": ("/projects/payments/variables/1/delete/", EDITORS),
    "releases:list": ("/projects/payments/releases/", EVERYONE),
    "releases:create": ("/projects/payments/releases/new/", EDITORS),
    "releases:detail": ("/projects/payments/releases/1.0.0/", EVERYONE),
    "releases:delete": ("/projects/payments/releases/1.0.0/delete/", EDITORS),
    # Posted with the Production environment; Development is tried below.
    "releases:deploy": ("/projects/payments/releases/1.0.0/deploy/", {ADMIN, RM}),
    "plans:preview-plan": ("/projects/payments/releases/1.0.0/plan/", EVERYONE),
    "plans:drift": ("/projects/payments/drift/1/", EVERYONE),
    "plans:check-drift": ("/projects/payments/drift/1/check/", EVERYONE),
    "deployments:list": ("/deployments/", EVERYONE),
    "deployments:detail": ("/deployments/{prod}/", EVERYONE),
    "deployments:poll": ("/deployments/{prod}/poll/", EVERYONE),
    "deployments:download": ("/deployments/{prod}/files/web/template/", EVERYONE),
    "deployments:cancel": ("/deployments/{prod}/cancel/", {ADMIN, RM}),
    "deployments:approve": ("/deployments/{prod}/approve/", {ADMIN, RM}),
    "deployments:reject": ("/deployments/{prod}/reject/", {ADMIN, RM}),
    "deployments:continue": ("/deployments/{prod}/continue/", {ADMIN, RM}),
    "feeds:list-feeds": ("/infrastructure/feeds/", EVERYONE),
    "feeds:create-feed": ("/infrastructure/feeds/new/", ADMINS),
    "feeds:edit-feed": ("/infrastructure/feeds/docker-hub/", ADMINS),
    "feeds:delete-feed": ("/infrastructure/feeds/docker-hub/delete/", ADMINS),
    "feeds:test-feed": ("/infrastructure/feeds/docker-hub/test/", ADMINS),
    "feeds:search-tags": ("/infrastructure/feeds/docker-hub/tags/", EVERYONE),
    "targets:list-accounts": ("/infrastructure/accounts/", EVERYONE),
    "targets:create-account": ("/infrastructure/accounts/new/", ADMINS),
    "targets:edit-account": ("/infrastructure/accounts/1/", ADMINS),
    "targets:delete-account": ("/infrastructure/accounts/1/delete/", ADMINS),
    "targets:list-environments": ("/infrastructure/environments/", EVERYONE),
    "targets:create-environment": ("/infrastructure/environments/new/", ADMINS),
    "targets:edit-environment": ("/infrastructure/environments/1/", ADMINS),
    "targets:move-environment": ("/infrastructure/environments/1/move/up/", ADMINS),
    "targets:delete-environment": ("/infrastructure/environments/1/delete/", ADMINS),
    "targets:list-targets": ("/infrastructure/clusters/", EVERYONE),
    "targets:create-target": ("/infrastructure/clusters/new/", ADMINS),
    "targets:edit-target": ("/infrastructure/clusters/1/", ADMINS),
    "targets:delete-target": ("/infrastructure/clusters/1/delete/", ADMINS),
    "targets:test-connection": ("/infrastructure/clusters/1/test/", ADMINS),
    "audit:list": ("/audit/", ADMINS),
    "lifecycles:list-lifecycles": ("/lifecycles/", EVERYONE),
    "lifecycles:create-lifecycle": ("/lifecycles/new/", ADMINS),
    "lifecycles:edit-lifecycle": ("/lifecycles/1/", ADMINS),
    "lifecycles:add-phase": ("/lifecycles/1/phases/", ADMINS),
    "lifecycles:remove-phase": ("/lifecycles/1/phases/1/remove/", ADMINS),
    "access:list-users": ("/users/", ADMINS),
    "access:create-user": ("/users/new/", ADMINS),
    "access:edit-user": ("/users/1/", ADMINS),
    "access:reset-password": ("/users/1/password/", ADMINS),
    "access:create-team": ("/users/teams/new/", ADMINS),
    "access:edit-team": ("/users/teams/1/", ADMINS),
    "access:add-role": ("/users/teams/1/roles/", ADMINS),
    "access:remove-role": ("/users/teams/1/roles/1/remove/", ADMINS),
    # Webhook URLs can hold secrets (Slack's do): for the project's editors only.
    "webhooks:list": ("/projects/payments/webhooks/", EDITORS),
    "webhooks:create": ("/projects/payments/webhooks/new/", EDITORS),
    "webhooks:detail": ("/projects/payments/webhooks/1/", EDITORS),
    "webhooks:delete": ("/projects/payments/webhooks/1/delete/", EDITORS),
    # One's own profile and API tokens (another's token is a 404).
    "profile:show": ("/profile/", EVERYONE),
    "profile:revoke-token": ("/profile/tokens/1/revoke/", EVERYONE),
}


@pytest.fixture
def people(admin: User, developer: User, release_manager: User, outsider: User) -> dict[str, User]:
    return {ADMIN: admin, DEV: developer, RM: release_manager, OUT: outsider}


@pytest.fixture
def world(people: dict[str, User]) -> dict[str, object]:
    payments = Project.objects.get(slug="payments")  # made by the outsider fixture
    release = Release.objects.create(project=payments, version="1.0.0")
    production = stage("Production")
    prod = Deployment.objects.create(
        release=release, environment=production, status=Deployment.Status.SUCCESS
    )
    return {"project": payments, "release": release, "production": production, "prod": prod}


def test_every_page_has_an_entry_in_the_table() -> None:
    # A new page without an entry here (and a rule in deployer/access/policy.py) fails.
    names = {name for name, _ in ROUTES if name not in PUBLIC}
    assert names == set(TABLE), "pages missing from TABLE or gone from the site"


def ask(client: Client, name: str, path: str, world: dict[str, object]) -> object:
    if name == "releases:deploy":
        return client.post(path, {"environment": world["production"].pk})  # type: ignore[attr-defined]
    return client.get(path)


@pytest.mark.parametrize("person", sorted(EVERYONE))
@pytest.mark.parametrize("name", sorted(TABLE))
def test_each_person_gets_what_the_role_table_says(
    name: str, person: str, people: dict[str, User], world: dict[str, object]
) -> None:
    path, allowed = TABLE[name]
    path = path.format(prod=world["prod"].pk)  # type: ignore[attr-defined]
    response = ask(client_for(people[person]), name, path, world)
    status = response.status_code  # type: ignore[attr-defined]
    if person in allowed:
        assert status != 403, f"{person} was refused {name}: {response.content[:300]!r}"  # type: ignore[attr-defined]
    else:
        assert status == 403, f"{person} was let into {name} ({status})"
        assert "Ask an administrator" in response.content.decode()  # type: ignore[attr-defined]


def test_the_outsider_sees_only_their_project(
    outsider: User, people: dict[str, User], world: dict[str, object]
) -> None:
    make_project("Billing", "billing")
    client = client_for(outsider)
    assert client.get("/projects/billing/").status_code == 403
    page = client.get("/projects/").content.decode()
    assert "Payments" in page and "Billing" not in page
    assert "Billing" not in client.get("/").content.decode()


def test_the_developer_may_deploy_to_development_but_not_production(
    developer: User, world: dict[str, object]
) -> None:
    project, development = world["project"], stage("Development")
    assert can(developer, "deploy", project, development)  # type: ignore[arg-type]
    assert not can(developer, "deploy", project, world["production"])  # type: ignore[arg-type]
    reason = why_not(developer, "deploy", project, world["production"])  # type: ignore[arg-type]
    assert reason.startswith("You may not deploy Payments in Production")
    assert "Deployer role" in reason
    client = client_for(developer)
    response = client.post(
        "/projects/payments/releases/1.0.0/deploy/", {"environment": development.pk}
    )
    assert response.status_code != 403
    page = client.get("/projects/payments/releases/1.0.0/").content.decode()
    assert ">Development</option>" in page and ">Production</option>" not in page


def test_a_user_in_no_team_sees_the_dashboard_and_nothing_else(db: None) -> None:
    nobody = User.objects.create_user("nobody", password="correct horse battery")
    make_project()
    client = client_for(nobody)
    assert client.get("/").status_code == 200
    assert client.get("/projects/payments/").status_code == 403
    assert client.get("/deployments/").status_code == 403


def test_a_deactivated_user_is_refused_by_can(developer: User) -> None:
    developer.is_active = False
    assert not can(developer, "view")
    assert why_not(developer, "view") == "Your account is deactivated."


def test_viewers_see_no_edit_buttons(outsider: User, world: dict[str, object]) -> None:
    page = client_for(outsider).get("/projects/payments/").content.decode()
    assert "Create release" not in page
    assert "/projects/payments/edit/" not in page
    assert "/projects/payments/delete/" not in page
    assert "Add ECS service step" not in page


def test_viewers_never_see_sensitive_values(outsider: User, world: dict[str, object]) -> None:
    project = world["project"]
    secret = make_variable(project, "DbPassword", "hunter2-secret", sensitive=True)  # type: ignore[arg-type]
    make_variable(project, "Greeting", "hello")  # type: ignore[arg-type]
    client = client_for(outsider)
    page = client.get("/projects/payments/variables/").content.decode()
    assert "DbPassword" in page and "hello" in page
    assert "hunter2-secret" not in page
    assert "Add a variable" not in page and "/variables/new/" not in page
    assert f"/variables/{secret.pk}/edit/" not in page
    shown = client.get(f"/projects/payments/variables/{secret.pk}/", headers={"HX-Request": "true"})
    assert "hunter2-secret" not in shown.content.decode()
    assert f"/variables/{secret.pk}/edit/" not in shown.content.decode()


def test_creating_projects_needs_the_editor_role_on_every_project(
    developer: User, world: dict[str, object]
) -> None:
    scoped = User.objects.create_user("sam", password="correct horse battery")
    make_team("Payments editors", scoped, role=Role.PROJECT_EDITOR, projects=(world["project"],))  # type: ignore[arg-type]
    response = client_for(scoped).get("/projects/new/")
    assert response.status_code == 403
    assert "You may not edit all projects (to create one)" in response.content.decode()
    assert "Add project" not in client_for(scoped).get("/projects/").content.decode()
    assert "Add project" in client_for(developer).get("/projects/").content.decode()


def test_the_deployment_list_shows_what_each_person_may_open(
    release_manager: User, outsider: User, world: dict[str, object]
) -> None:
    development = Deployment.objects.create(
        release=world["release"],  # type: ignore[misc]
        environment=stage("Development"),
        status=Deployment.Status.SUCCESS,
    )
    page = client_for(release_manager).get("/deployments/").content.decode()
    assert f"/deployments/{world['prod'].pk}/" in page  # type: ignore[attr-defined]
    assert f"/deployments/{development.pk}/" not in page
    assert client_for(release_manager).get(f"/deployments/{development.pk}/").status_code == 403
    page = client_for(outsider).get("/deployments/").content.decode()
    assert f"/deployments/{development.pk}/" in page
