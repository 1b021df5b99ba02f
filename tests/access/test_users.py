"""Administrators create users, reset passwords, deactivate them and set their teams."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client

from deployer.access.models import Role, Team
from deployer.access.permissions import can
from tests.conftest import make_project


def test_an_administrator_creates_a_user_in_a_team(admin_client: Client) -> None:
    team = Team.objects.create(name="Viewers")
    team.roles.create(role=Role.VIEWER)
    response = admin_client.post(
        "/users/new/",
        {
            "username": "newbie",
            "email": "n@example.com",
            "password1": "a long unusual phrase 42",
            "password2": "a long unusual phrase 42",
            "teams": [team.pk],
        },
    )
    assert response.status_code == 302
    newbie = User.objects.get(username="newbie")
    assert newbie.check_password("a long unusual phrase 42")
    assert list(newbie.teams.all()) == [team]
    assert can(newbie, "view", make_project())


def test_a_weak_password_is_refused_by_the_validators(admin_client: Client) -> None:
    response = admin_client.post(
        "/users/new/", {"username": "newbie", "password1": "123", "password2": "123"}
    )
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_deactivating_and_resetting_a_password(admin_client: Client, developer: User) -> None:
    response = admin_client.post(
        f"/users/{developer.pk}/password/",
        {"new_password1": "another long phrase 77", "new_password2": "another long phrase 77"},
    )
    assert response.status_code == 302
    developer.refresh_from_db()
    assert developer.check_password("another long phrase 77")
    admin_client.post(f"/users/{developer.pk}/", {"email": "", "teams": []})
    developer.refresh_from_db()
    assert not developer.is_active and not developer.teams.exists()
    response = Client().post("/login/", {"username": "dev", "password": "another long phrase 77"})
    assert response.status_code == 200  # the form again: an inactive user cannot log in


def test_a_team_gets_a_scoped_role_from_its_page(admin_client: Client, developer: User) -> None:
    team = Team.objects.create(name="Payments watchers")
    project = make_project()
    admin_client.post(
        f"/users/teams/{team.pk}/roles/", {"role-role": Role.VIEWER, "role-projects": [project.pk]}
    )
    role = team.roles.get()
    assert role.role == Role.VIEWER and list(role.projects.all()) == [project]
    page = admin_client.get(f"/users/teams/{team.pk}/").content.decode()
    assert "Payments; all environments" in page
    admin_client.post(f"/users/teams/{team.pk}/roles/{role.pk}/remove/")
    assert not team.roles.exists()
