"""Commands with --user act with that user's rights; a refusal exits 2 with the reason."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from deployer.access.models import Role, Team
from deployer.releases.models import Release
from tests.conftest import stage


def refusal(*args: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        call_command(*args)
    return caught.value


def test_create_release_refuses_a_viewer_with_exit_status_2(outsider: User) -> None:
    error = refusal("create_release", "--project", "payments", "--user", "otto")
    assert error.returncode == 2
    assert "You may not create releases of Payments" in str(error)
    assert not Release.objects.exists()


def test_deploy_release_refuses_the_developer_in_production(developer: User) -> None:
    from tests.conftest import make_project

    release = Release.objects.create(project=make_project(), version="1.0.0")
    stage("Production")
    error = refusal(
        "deploy_release", "--project", "payments", "--version", release.version,
        "--environment", "Production", "--user", "dev", "--no-wait",
    )  # fmt: skip
    assert error.returncode == 2
    assert "You may not deploy Payments in Production" in str(error)
    assert not release.deployments.exists()


def test_an_unknown_user_is_refused(db: None) -> None:
    error = refusal("create_release", "--project", "payments", "--user", "ghost")
    assert error.returncode == 2
    assert "--user ghost: there is no such user" in str(error)


def test_ensure_teams_seeds_the_teams_the_developer_and_the_release_manager(
    admin: User, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("Development", "Staging", "Production"):
        stage(name)
    monkeypatch.delenv("DEPLOYER_DEVELOPER_PASSWORD", raising=False)
    monkeypatch.setenv("DEPLOYER_RELEASE_MANAGER_PASSWORD", "release-manager-password-1")
    call_command("ensure_teams")
    out = capsys.readouterr().out
    assert "Developer login created: developer / " in out
    password = out.split("developer / ")[1].split()[0]
    developer = User.objects.get(username="developer")
    assert developer.check_password(password)
    assert list(Team.objects.get(name="Administrators").members.all()) == [admin]
    developers = Team.objects.get(name="Developers")
    assert developer in developers.members.all()
    deployer = developers.roles.get(role=Role.DEPLOYER)
    assert {e.name for e in deployer.environments.all()} == {"Development", "Staging"}
    assert developers.roles.filter(role=Role.PROJECT_EDITOR, projects=None).exists()
    # Someone other than an administrator who deploys to Production can approve it there.
    manager = User.objects.get(username="release-manager")
    assert manager.check_password("release-manager-password-1")
    assert "release-manager-password-1" not in out
    managers = Team.objects.get(name="Release managers")
    assert manager in managers.members.all()
    for role in (Role.DEPLOYER, Role.APPROVER):
        scoped = managers.roles.get(role=role)
        assert {e.name for e in scoped.environments.all()} == {"Production"}
    call_command("ensure_teams")
    again = capsys.readouterr().out
    assert "developer (password unchanged)" in again
    assert "release-manager (password unchanged)" in again
