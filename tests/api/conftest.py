"""API tests: a token for each named person, and the Payments project with one step."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from deployer.api.actions import issue_token
from deployer.deployments.models import Deployment
from deployer.projects.models import Project
from deployer.releases.actions import create_release
from deployer.releases.models import Release
from steps.document.io import load_document
from steps.models import Step
from tests.conftest import make_account, make_target, stage

STEP = """
version: 1
name: Deploy web
target_roles: [web-cluster]
configuration: {task_definition_name: payments-web}
network:
  security_group_ids: [sg-0123456789abcdef0]
  subnet_ids: [subnet-0123456789abcdef0]
containers:
  - name: web
    image: {feed: docker-hub, package: nginx}
"""
# The tags Docker Hub "has" for nginx in these tests (no test reaches the internet).
NGINX_TAGS = ["1.27", "1.26", "1.25-alpine"]


@pytest.fixture
def _docker_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    def list_tags(feed: object, image: str, limit: int | None = 100, *, query: str = "") -> list:
        return [tag for tag in NGINX_TAGS if query.lower() in tag.lower()][:limit]

    monkeypatch.setattr("deployer.releases.actions.list_tags", list_tags)


@pytest.fixture
def people(admin: User, developer: User, release_manager: User, outsider: User) -> dict[str, User]:
    return {
        "admin": admin,
        "developer": developer,
        "release_manager": release_manager,
        "outsider": outsider,
    }


@pytest.fixture
def payments(people: dict[str, User], _docker_hub: None) -> Project:
    """Payments (made by the outsider fixture), with one step and a cluster in each stage."""
    project = Project.objects.get(slug="payments")
    Step.from_document(project, load_document(STEP)).save()
    # Nothing listens on the discard port: a plan's AWS calls fail at once (never real AWS).
    account = make_account(endpoint_url="http://127.0.0.1:9")
    make_target(
        account=account, environments=(stage("Development"), stage("Staging"), stage("Production"))
    )
    return project


@pytest.fixture
def release(payments: Project, admin: User) -> Release:
    return create_release(payments, version="1.0.0", tags={"docker-hub/nginx": "1.27"}, user=admin)


def api_client(user: User) -> Client:
    """A client sending a fresh token of `user`; it has no session."""
    _token, secret = issue_token(user, "test")
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def api_as(people: dict[str, User]) -> Callable[[str], Client]:
    return lambda person: api_client(people[person])


def deployment_to(release: Release, environment: str, status: str) -> Deployment:
    return Deployment.objects.create(release=release, environment=stage(environment), status=status)
