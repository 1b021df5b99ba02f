"""A sensitive value is never kept or shown in plain text: database, pages, files, logs, CLI."""

from __future__ import annotations

import logging
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from deployer.deployments.models import Deployment
from deployer.projects.models import Project, Variable
from deployer.releases.models import Release
from steps.models import Step
from targets.models import Environment

pytestmark = [pytest.mark.database, pytest.mark.slow]

SENTINEL = "zq-Sentinel-Secret-7731"
# A plain value written by the same deployments: finding it proves the database read covers
# what the deployments committed, so not finding the sentinel means something.
PLAIN_MARKER = "plain-marker-4471"


def command(*args: str) -> str:
    out, err = StringIO(), StringIO()
    # deploy_release exits 1 on a failed deployment, a refused command raises CommandError:
    # what it says is what we read.
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        err.write(str(exc))
    except SystemExit:
        pass
    return out.getvalue() + err.getvalue()


@pytest.fixture
def synchronous_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    # The queue runs each task in this process as it is queued, as a worker would run it.
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


def database_bytes() -> bytes:
    """Everything the database holds: SQLite's files (WAL included), or on PostgreSQL every row
    of every table as text."""
    if connection.vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"])
        files = [name, Path(f"{name}-wal"), Path(f"{name}-shm"), Path(f"{name}-journal")]
        return b"".join(path.read_bytes() for path in files if path.exists())
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT t::text FROM {quoted} AS t")
            rows.extend(row[0] for row in cursor.fetchall())
    return "\n".join(rows).encode()


def set_step(project: Project, *, tag: bool) -> None:
    step = Step.objects.get(project=project)
    step.document["containers"][0]["environment"] = {
        "variables": [
            {"name": "LOG_LEVEL", "value": "#{PlainMarker}", "type": "plain"},
            {"name": "DB_PASSWORD", "value": "#{DbPassword}", "type": "plain"},
        ]
    }
    step.document["tags"] = {
        "enable_ecs_managed_tags": False,
        "tags": [{"key": "password", "value": "#{DbPassword}"}] if tag else [],
    }
    step.save()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_sensitive_value_appears_nowhere_in_plain_text(
    project: Project,
    synchronous_queue: None,
    admin_client: Client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    Variable.objects.create(
        project=project, name="DbPassword", secret_value=SENTINEL, is_sensitive=True
    )
    Variable.objects.create(project=project, name="PlainMarker", value=PLAIN_MARKER)

    # Bound where it may be (a container environment value): the deployment succeeds.
    set_step(project, tag=False)
    output = command("create_release", "--project", "web", "--image", "demo/web=1.0.0")
    output += command(
        "deploy_release", "--project", "web", "--version", "0.0.1", "--environment", "Development"
    )
    good = Deployment.objects.get()
    assert good.status == "success", output

    # Bound in a tag too: the release is refused, naming the field and the variable.
    set_step(project, tag=True)
    output += command("create_release", "--project", "web", "--image", "demo/web=1.0.0")
    assert "tags.tags[0].value: the sensitive variable DbPassword cannot be used here" in output
    assert not Release.objects.filter(version="0.0.2").exists()

    secret = Variable.objects.get(name="DbPassword")
    development = Environment.objects.get(name="Development")
    pages = [
        "/projects/web/variables/",
        f"/projects/web/variables/preview/?environment={development.pk}",
        f"/projects/web/variables/{secret.pk}/edit/",
        "/deployments/",
        f"/deployments/{good.pk}/",
        f"/deployments/{good.pk}/poll/",
        f"/deployments/{good.pk}/files/Deploy web/template/",
        f"/deployments/{good.pk}/files/Deploy web/document/",
        "/projects/web/",
        "/projects/web/releases/",
        "/projects/web/releases/0.0.1/",
        f"/projects/web/steps/{Step.objects.get().pk}/",
        f"/projects/web/steps/{Step.objects.get().pk}/preview/?environment={development.pk}",
        f"/projects/web/steps/{Step.objects.get().pk}/cloudformation/",
        "/",
    ]
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code in (200, 286), url
        assert SENTINEL.encode() not in response.content, url
    document = admin_client.get(f"/deployments/{good.pk}/files/Deploy web/document/")
    assert b"arn:aws:ssm:us-east-1:" in document.content  # the secret's reference, not its value

    assert SENTINEL not in output
    assert SENTINEL not in caplog.text
    stored = database_bytes()
    assert PLAIN_MARKER.encode() in stored
    assert SENTINEL.encode() not in stored


@pytest.mark.django_db
def test_a_file_stored_before_masking_is_served_masked(
    project: Project, release_with: Callable[..., Release], admin_client: Client
) -> None:
    Variable.objects.create(
        project=project, name="DbPassword", secret_value=SENTINEL, is_sensitive=True
    )
    release = release_with("1.0.0")
    deployment = Deployment.objects.create(
        release=release,
        environment=Environment.objects.get(name="Development"),
        status=Deployment.Status.SUCCESS,
        artifacts={
            "Deploy web": {
                "template": f"Value: {SENTINEL}\n",
                "document": {"containers": [{"environment": {"variables": [{"value": SENTINEL}]}}]},
            }
        },
    )
    for kind in ("template", "document"):
        response = admin_client.get(f"/deployments/{deployment.pk}/files/Deploy web/{kind}/")
        assert response.status_code == 200
        assert SENTINEL.encode() not in response.content
        assert b"********" in response.content
