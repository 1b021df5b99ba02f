"""Management commands a new user meets in `make run`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_ensure_admin_creates_one_login_and_prints_its_password_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DEPLOYER_ADMIN_PASSWORD", raising=False)
    first = run("ensure_admin")
    password = first.split("admin / ")[1].split()[0]
    assert User.objects.get(username="admin").check_password(password)
    second = run("ensure_admin")
    assert "password unchanged" in second
    assert password not in second
    assert User.objects.count() == 1


def test_ensure_admin_takes_the_password_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEPLOYER_ADMIN_PASSWORD", "s3cret-from-env")
    output = run("ensure_admin")
    assert "s3cret-from-env" not in output
    assert User.objects.get(username="admin").check_password("s3cret-from-env")
