"""A database made before the models moved to their domain apps migrates with nothing lost."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from deployer.deployments.models import Deployment, TaskLogLine
from deployer.feeds.models import Feed
from deployer.projects.models import Project, Variable
from deployer.releases.models import Release
from steps.models import Step

# Where every app stood before the move: the domain models still belonged to the deployer app.
BEFORE_THE_MOVE = [
    ("deployer", "0004_count_existing_log_lines"),
    ("steps", "0001_initial"),
    ("targets", "0003_account_sandbox_resources"),
    ("projects", None),
    ("feeds", None),
    ("releases", None),
    ("deployments", None),
]

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


@pytest.fixture
def old_database() -> Iterator[None]:
    """The schema and rows as a deployment made before the move left them."""
    executor = migrate(BEFORE_THE_MOVE)
    old = executor.loader.project_state([node for node in BEFORE_THE_MOVE if node[1]]).apps
    user = old.get_model("auth", "User").objects.create(username="ada")
    environment = old.get_model("targets", "Environment").objects.create(name="Production")
    project = old.get_model("deployer", "Project").objects.create(name="Payments", slug="payments")
    variable = old.get_model("deployer", "Variable").objects.create(
        project=project, name="Greeting", value="hello"
    )
    variable.environments.add(environment)
    old.get_model("deployer", "Feed").objects.create(
        name="Team registry", slug="team", kind="registry", url="https://registry.example.com"
    )
    old.get_model("steps", "Step").objects.create(project=project, name="web", document={})
    release = old.get_model("deployer", "Release").objects.create(
        project=project, version="1.0.0", notes="First", snapshot={}, created_by=user
    )
    deployment = old.get_model("deployer", "Deployment").objects.create(
        release=release, environment=environment, status="success", created_by=user
    )
    old.get_model("deployer", "TaskLogLine").objects.create(
        deployment=deployment, number=1, level="info", text="Deployed before the move."
    )
    yield
    # Leave the database at today's schema for the tests that follow.
    migrate(executor.loader.graph.leaf_nodes())


def test_rows_made_before_the_move_are_read_by_the_moved_models(old_database: None) -> None:
    executor = MigrationExecutor(connection)
    migrate(executor.loader.graph.leaf_nodes())

    project = Project.objects.get(slug="payments")
    variable = Variable.objects.get(project=project)
    assert [environment.name for environment in variable.environments.all()] == ["Production"]
    assert Feed.objects.get(slug="team").url == "https://registry.example.com"
    assert Step.objects.get(project=project).name == "web"
    release = Release.objects.get(project=project, version="1.0.0")
    assert release.created_by is not None and release.created_by.username == "ada"
    deployment = Deployment.objects.get(release=release)
    assert deployment.status == Deployment.Status.SUCCESS
    assert list(
        TaskLogLine.objects.filter(deployment=deployment).values_list("text", flat=True)
    ) == ["Deployed before the move."]


def test_pages_show_what_was_made_before_the_move(old_database: None) -> None:
    executor = MigrationExecutor(connection)
    migrate(executor.loader.graph.leaf_nodes())
    client = Client()
    client.force_login(User.objects.create_superuser("admin", password="unused-password"))

    assert "Payments" in client.get(reverse("projects:detail", args=["payments"])).content.decode()
    release_page = client.get(reverse("releases:detail", args=["payments", "1.0.0"]))
    assert "First" in release_page.content.decode()
    deployment = Deployment.objects.get()
    deployment_page = client.get(reverse("deployments:detail", args=[deployment.pk]))
    assert "Deployed before the move." in deployment_page.content.decode()
