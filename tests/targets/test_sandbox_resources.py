"""The Infrastructure pages show what the sandbox has, so a step can be filled in from them."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from deployer.sandbox.seed import seed_aws
from deployer.sandbox.server import SandboxServer
from targets.models import AwsAccount
from tests.conftest import make_account

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(speed=100) as server:
        yield server


def test_accounts_and_clusters_pages_show_the_sandbox_network_and_target_group(
    admin_client: Client, sandbox: SandboxServer
) -> None:
    call_command("seed_sandbox", url=sandbox.url, stdout=StringIO())
    seeded = seed_aws(sandbox.url)  # idempotent: the ids the seed created
    for url in (reverse("targets:list-accounts"), reverse("targets:list-targets")):
        page = admin_client.get(url).content.decode()
        box = page[page.index('class="card mb-4 sandbox-resources"') :]
        assert ", ".join(seeded.subnet_ids) in box
        assert seeded.security_group_id in box
        assert seeded.target_group_arn in box
        assert "Target Group ARN" in box


def test_a_reseed_after_a_restart_replaces_the_ids(admin_client: Client) -> None:
    from deployer.sandbox.seed_product import seed_targets

    seed_targets("http://127.0.0.1:1", [], {"subnet_ids": ["subnet-0aaa1111"], "region": "x"})
    seed_targets("http://127.0.0.1:1", [], {"subnet_ids": ["subnet-0bbb2222"], "region": "x"})
    page = admin_client.get(reverse("targets:list-accounts")).content.decode()
    assert "subnet-0bbb2222" in page and "subnet-0aaa1111" not in page


def test_without_a_sandbox_there_is_no_such_box(admin_client: Client) -> None:
    make_account()
    assert not AwsAccount.objects.filter(is_sandbox=True).exists()
    page = admin_client.get(reverse("targets:list-targets")).content.decode()
    assert "sandbox-resources" not in page
