"""The environment pages: create, rename, reorder, delete."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from targets.models import Environment
from tests.conftest import make_target

pytestmark = pytest.mark.django_db


def names() -> list[str]:
    return list(Environment.objects.values_list("name", flat=True))


def test_new_environments_go_to_the_end(admin_client: Client) -> None:
    for name in ("Development", "Staging", "Production"):
        response = admin_client.post(reverse("targets:create-environment"), {"name": name})
        assert response.status_code == 302
    assert names() == ["Development", "Staging", "Production"]


def test_duplicate_environment_name_is_refused(admin_client: Client) -> None:
    Environment.objects.create(name="Production")
    response = admin_client.post(reverse("targets:create-environment"), {"name": "Production"})
    assert response.status_code == 200
    assert "Environment with this Name already exists." in response.content.decode()
    assert names() == ["Production"]


def test_empty_environment_name_is_refused(admin_client: Client) -> None:
    response = admin_client.post(reverse("targets:create-environment"), {"name": "  "})
    assert "This field is required." in response.content.decode()
    assert not Environment.objects.exists()


def test_moving_an_environment_changes_the_order(admin_client: Client) -> None:
    for position, name in enumerate(("Development", "Production", "Staging"), start=1):
        Environment.objects.create(name=name, sort_order=position)
    staging = Environment.objects.get(name="Staging")
    admin_client.post(reverse("targets:move-environment", args=[staging.pk, "up"]))
    assert names() == ["Development", "Staging", "Production"]
    admin_client.post(reverse("targets:move-environment", args=[staging.pk, "down"]))
    assert names() == ["Development", "Production", "Staging"]


def test_moving_the_last_environment_down_changes_nothing(admin_client: Client) -> None:
    Environment.objects.create(name="Development", sort_order=1)
    last = Environment.objects.create(name="Production", sort_order=2)
    admin_client.post(reverse("targets:move-environment", args=[last.pk, "down"]))
    assert names() == ["Development", "Production"]


def test_moving_with_htmx_returns_only_the_table(htmx_client: Client) -> None:
    Environment.objects.create(name="Development", sort_order=1)
    production = Environment.objects.create(name="Production", sort_order=2)
    response = htmx_client.post(reverse("targets:move-environment", args=[production.pk, "up"]))
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<table class="table" id="environment-table">')
    assert "<nav" not in content
    assert content.index("Production") < content.index("Development")


def test_moving_in_an_unknown_direction_is_not_found(admin_client: Client) -> None:
    environment = Environment.objects.create(name="Production")
    response = admin_client.post(reverse("targets:move-environment", args=[environment.pk, "left"]))
    assert response.status_code == 404


def test_moving_needs_a_post(admin_client: Client) -> None:
    environment = Environment.objects.create(name="Production")
    response = admin_client.get(reverse("targets:move-environment", args=[environment.pk, "up"]))
    assert response.status_code == 405


def test_deleting_an_environment_warns_about_the_targets_serving_it(admin_client: Client) -> None:
    production = Environment.objects.create(name="Production")
    make_target("web-production", environments=(production,))
    confirm = admin_client.get(reverse("targets:delete-environment", args=[production.pk]))
    assert "web-production will no longer serve it" in confirm.content.decode()
    admin_client.post(reverse("targets:delete-environment", args=[production.pk]))
    assert not Environment.objects.exists()


def test_renaming_an_environment(admin_client: Client) -> None:
    environment = Environment.objects.create(name="Prod")
    admin_client.post(
        reverse("targets:edit-environment", args=[environment.pk]), {"name": "Production"}
    )
    environment.refresh_from_db()
    assert environment.name == "Production"
