"""Shared fixtures: named people and small builders for the objects tests need."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client
from hypothesis import settings as hypothesis_settings

from deployer.access.models import Role, Team, TeamRole
from deployer.lifecycles.models import Lifecycle
from deployer.projects.models import Project, Variable
from targets.models import AwsAccount, ClusterTarget, Environment, TargetRole

# CI runs the property tests on a fixed seed, so a run is repeatable; a developer's machine
# explores new examples every run, and what it finds becomes a regular test.
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

DATABASE_FIXTURES = frozenset({"db", "transactional_db", "live_server"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests whose outcome can depend on the database: those that use it, "
        "except slow ones not marked `database` (they check simulated AWS, not the database)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-tests-only"):
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        uses_database = item.get_closest_marker("django_db") is not None or bool(
            DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        )
        # A slow test drives the sandbox; only some of them check what the database does.
        aws_only = item.get_closest_marker("slow") and not item.get_closest_marker("database")
        (kept if uses_database and not aws_only else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None) -> None:
    """The test databases, with what their migrations made restorable in every context.

    Serialized rollback restores the rows the migrations made (the Docker Hub feed, the default
    lifecycle) from contents Django keeps on the connection object. Playwright's sync API runs
    each later test in a greenlet of its own, where Django's connection handler hands out a new
    connection object without them: from the first browser test on, every rollback would leave
    those rows out. Kept on the connection's class, they are there for every connection object.
    """
    for alias in connections:
        wrapper = connections[alias]
        contents = getattr(wrapper, "_test_serialized_contents", None)
        if contents is not None:
            type(wrapper)._test_serialized_contents = contents


@pytest.fixture(autouse=True)
def _aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests never reach real AWS: no credentials from the machine, a fixed default region.
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Tests make and log in many people: a production-strength hash of each would cost seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sync_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    """The queue runs each task in this process as it is queued, as a worker would."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def admin(db: None) -> User:
    """Ada, who administers Deployer."""
    return User.objects.create_superuser("ada", "ada@example.com", "correct horse battery")


@pytest.fixture
def admin_client(admin: User) -> Client:
    client = Client()
    client.force_login(admin)
    return client


@pytest.fixture
def htmx_client(admin: User) -> Client:
    client = Client(headers={"HX-Request": "true"})
    client.force_login(admin)
    return client


def make_team(
    name: str,
    *members: User,
    role: str,
    projects: tuple[Project, ...] = (),
    environments: tuple[Environment, ...] = (),
) -> Team:
    """A team (made once per name) holding one more role with the given scope."""
    team, _ = Team.objects.get_or_create(name=name)
    team.members.add(*members)
    team_role = TeamRole.objects.create(team=team, role=role)
    team_role.projects.set(projects)
    team_role.environments.set(environments)
    return team


def stage(name: str) -> Environment:
    """Development, Staging or Production, in that order, made when first asked for."""
    order = {"Development": 1, "Staging": 2, "Production": 3}
    return Environment.objects.get_or_create(name=name, defaults={"sort_order": order[name]})[0]


@pytest.fixture
def developer(db: None) -> User:
    """Dev, who edits every project and deploys to Development and Staging, not Production."""
    user = User.objects.create_user("dev", "dev@example.com", "correct horse battery")
    make_team("Developers", user, role=Role.PROJECT_EDITOR)
    make_team(
        "Developers", role=Role.DEPLOYER, environments=(stage("Development"), stage("Staging"))
    )
    return user


@pytest.fixture
def release_manager(db: None) -> User:
    """Rita, who deploys to Production and approves deployments there."""
    user = User.objects.create_user("rita", "rita@example.com", "correct horse battery")
    make_team("Release managers", user, role=Role.DEPLOYER, environments=(stage("Production"),))
    make_team("Release managers", role=Role.APPROVER, environments=(stage("Production"),))
    return user


@pytest.fixture
def outsider(db: None) -> User:
    """Otto, from another department, who may only look at the Payments project."""
    user = User.objects.create_user("otto", "otto@example.com", "correct horse battery")
    payments = Project.objects.get_or_create(slug="payments", defaults={"name": "Payments"})[0]
    make_team("Payments watchers", user, role=Role.VIEWER, projects=(payments,))
    return user


def client_for(user: User, **headers: str) -> Client:
    client = Client(headers=headers)
    client.force_login(user)
    return client


def any_order_lifecycle() -> Lifecycle:
    """A lifecycle of one optional phase per environment: any environment, in any order.

    For tests about deploying itself; the lifecycle's order is tested in tests/lifecycles.
    """
    lifecycle, created = Lifecycle.objects.get_or_create(name="Any order")
    if created:
        for position, environment in enumerate(Environment.objects.all()):
            phase = lifecycle.phases.create(name=environment.name, position=position, optional=True)
            phase.environments.set([environment])
    return lifecycle


def make_account(**fields: Any) -> AwsAccount:
    values: dict[str, Any] = {
        "name": "Production AWS",
        "credentials": AwsAccount.Credentials.KEYS,
        "access_key_id": "AKIAIOSFODNN7EXAMPLE",
        "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    }
    values.update(fields)
    return AwsAccount.objects.create(**values)


def make_environment(name: str = "Production", sort_order: int = 0) -> Environment:
    return Environment.objects.create(name=name, sort_order=sort_order)


def make_target(
    name: str = "web-production",
    *,
    account: AwsAccount | None = None,
    cluster_name: str = "production",
    roles: tuple[str, ...] = ("web-cluster",),
    environments: tuple[Environment, ...] = (),
    region: str = "us-east-1",
) -> ClusterTarget:
    target = ClusterTarget.objects.create(
        name=name,
        account=account or make_account(),
        cluster_name=cluster_name,
        region=region,
    )
    target.roles.set([TargetRole.objects.get_or_create(name=role)[0] for role in roles])
    target.environments.set(environments)
    return target


@pytest.fixture
def moto_aws() -> Iterator[None]:
    """AWS, in process."""
    from moto import mock_aws

    with mock_aws():
        yield


def make_project(name: str = "Payments", slug: str = "payments") -> Project:
    return Project.objects.create(name=name, slug=slug)


def make_variable(
    project: Project,
    name: str,
    value: str,
    *environments: Environment,
    sensitive: bool = False,
) -> Variable:
    variable = Variable.objects.create(
        project=project,
        name=name,
        value="" if sensitive else value,
        secret_value=value if sensitive else "",
        is_sensitive=sensitive,
    )
    variable.environments.set(environments)
    return variable
