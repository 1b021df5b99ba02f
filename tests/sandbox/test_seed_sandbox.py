"""`seed_sandbox`: a fresh install gets a working account, environments and cluster targets."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command

from deployer.sandbox.server import SandboxServer
from targets.models import AwsAccount, ClusterTarget, Environment

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(speed=100) as server:
        yield server


def seed(url: str) -> str:
    out = StringIO()
    call_command("seed_sandbox", url=url, stdout=out)
    return out.getvalue()


def test_seed_creates_account_environments_and_targets_that_connect(
    sandbox: SandboxServer,
) -> None:
    output = seed(sandbox.url)
    assert "sandbox-development, sandbox-staging, sandbox-production" in output
    account = AwsAccount.objects.get()
    assert account.is_sandbox
    assert account.endpoint_url == sandbox.url
    assert account.label == "Local sandbox (simulated AWS)"
    assert list(Environment.objects.values_list("name", flat=True)) == [
        "Development",
        "Staging",
        "Production",
    ]
    for target in ClusterTarget.objects.all():
        environment = target.environments.get()
        assert target.name == f"sandbox-{environment.name.lower()}"
        assert [r.name for r in target.roles.all()] == ["web-cluster"]
        result = target.check_connection()
        assert result.ok, result.message
        assert result.status == "ACTIVE"


def test_seeding_twice_changes_nothing(sandbox: SandboxServer) -> None:
    seed(sandbox.url)
    before = (
        AwsAccount.objects.count(),
        Environment.objects.count(),
        ClusterTarget.objects.count(),
    )
    seed(sandbox.url)
    after = (AwsAccount.objects.count(), Environment.objects.count(), ClusterTarget.objects.count())
    assert before == after == (1, 3, 3)


def test_seed_keeps_what_the_user_changed(sandbox: SandboxServer) -> None:
    seed(sandbox.url)
    target = ClusterTarget.objects.get(name="sandbox-production")
    target.environments.clear()
    seed(sandbox.url)
    assert not target.environments.exists()


def test_seed_reports_an_unreachable_sandbox() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"Could not seed the sandbox at http://127\.0\.0\.1:9"):
        seed("http://127.0.0.1:9")
