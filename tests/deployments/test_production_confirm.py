"""Deploying to a production-like environment asks first, naming the release and environment."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from deployer.deployments.models import Deployment
from deployer.releases.models import Release
from targets.models import Environment
from tests.conftest import make_environment, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def release() -> Release:
    # No steps: nothing needs a cluster target, so the deployment is queued as soon as asked.
    return Release.objects.create(project=make_project("Web", "web"), version="2.0.0")


@pytest.fixture
def production() -> Environment:
    environment = make_environment("Production", 3)
    environment.production_like = True
    environment.save()
    return environment


def _deploy(client: Client, environment: Environment, **extra: str) -> object:
    return client.post(
        reverse("releases:deploy", args=["web", "2.0.0"]), {"environment": environment.pk, **extra}
    )


def test_a_production_like_deploy_without_confirmation_asks_and_queues_nothing(
    admin_client: Client, release: Release, production: Environment
) -> None:
    response = _deploy(admin_client, production)
    page = response.content.decode()  # type: ignore[attr-defined]
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "Deploy Web 2.0.0 to Production?" in page
    assert 'name="confirm" value="deploy"' in page
    assert f'name="environment" value="{production.pk}"' in page
    assert not Deployment.objects.exists()


def test_a_wrong_confirmation_value_asks_again(
    admin_client: Client, release: Release, production: Environment
) -> None:
    response = _deploy(admin_client, production, confirm="yes please")
    assert "Deploy Web 2.0.0 to Production?" in response.content.decode()  # type: ignore[attr-defined]
    assert not Deployment.objects.exists()


def test_the_confirmation_page_deploys_when_submitted(
    admin_client: Client, release: Release, production: Environment
) -> None:
    response = _deploy(admin_client, production, confirm="deploy")
    deployment = Deployment.objects.get()
    assert deployment.environment == production
    assert response["Location"] == deployment.get_absolute_url()  # type: ignore[index]


def test_other_environments_deploy_without_a_question(
    admin_client: Client, release: Release
) -> None:
    development = make_environment("Development", 1)
    response = _deploy(admin_client, development)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert Deployment.objects.get().environment == development


def test_an_environment_is_marked_production_like_in_its_form(admin_client: Client) -> None:
    form = admin_client.get(reverse("targets:create-environment")).content.decode()
    assert 'name="production_like"' in form and 'type="checkbox"' in form
    admin_client.post(
        reverse("targets:create-environment"),
        {"name": "Production", "description": "", "production_like": "on"},
    )
    assert Environment.objects.get(name="Production").production_like
    listing = admin_client.get(reverse("targets:list-environments")).content.decode()
    assert "production-like" in listing


def test_the_sandbox_seed_marks_production_and_only_production(db: None) -> None:
    from deployer.sandbox.seed_product import seed_targets

    seed_targets("http://127.0.0.1:1", [])
    marked = dict(Environment.objects.values_list("name", "production_like"))
    assert marked == {"Development": False, "Staging": False, "Production": True}
