"""The live deployment page: what the last poll brings, the level filter, one time per line."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from deployer.deployments.models import Deployment, TaskLogLine
from deployer.releases.models import Release
from tests.conftest import make_environment, make_project

pytestmark = pytest.mark.django_db

ARTIFACTS = {"Deploy web": {"template": "Resources: {}\n", "document": {"name": "Deploy web"}}}


@pytest.fixture
def deployment() -> Deployment:
    release = Release.objects.create(project=make_project("Web", "web"), version="2.1.0-crash")
    deployment = Deployment.objects.create(
        release=release,
        environment=make_environment("Development"),
        status=Deployment.Status.RUNNING,
        started=timezone.now(),
    )
    for number, (level, text) in enumerate(
        [
            ("verbose", "Resolved 12 variables."),
            ("info", "Creating stack cf-ecs-development-web-development."),
            ("info", "14:03:07 AWS::ECS::Service ServiceWeb CREATE_IN_PROGRESS"),
            ("warning", "ECS: service web was unable to place a task."),
            ("error", "Task 1a2b stopped (EssentialContainerExited): container web: exit 1"),
        ],
        start=1,
    ):
        TaskLogLine.objects.create(deployment=deployment, number=number, level=level, text=text)
    return deployment


def _finish(deployment: Deployment, **fields: object) -> None:
    Deployment.objects.filter(pk=deployment.pk).update(finished=timezone.now(), **fields)


def _poll(client: Client, deployment: Deployment, **params: object) -> tuple[int, str]:
    response = client.get(reverse("deployments:poll", args=[deployment.pk]), params)
    return response.status_code, response.content.decode()


def test_the_last_poll_of_a_failed_deployment_brings_the_summary_and_the_downloads(
    htmx_client: Client, deployment: Deployment
) -> None:
    status, content = _poll(htmx_client, deployment, after=5)
    assert status == 200
    assert 'id="failure-summary"' not in content
    Deployment.objects.filter(pk=deployment.pk).update(artifacts=ARTIFACTS)
    _finish(
        deployment,
        status=Deployment.Status.FAILED,
        failure_code="ECS-Deployment-DeployFailed",
        failure_reason="Task 1a2b stopped: Essential container in task exited (exit code 1).",
    )
    status, content = _poll(htmx_client, deployment, after=5)
    assert status == 286
    summary = content[content.index('id="failure-summary"') :]
    assert "ECS-Deployment-DeployFailed" in summary
    assert "Essential container in task exited (exit code 1)" in summary
    files = content[content.index('id="deployment-files"') :]
    assert 'hx-swap-oob="true"' in files[: files.index(">")]
    download = reverse("deployments:download", args=[deployment.pk, "Deploy web", "template"])
    assert f'href="{download}"' in files
    assert "Deploy web: step document" in files


def test_the_last_poll_of_a_successful_deployment_brings_the_outputs(
    htmx_client: Client, deployment: Deployment
) -> None:
    _finish(
        deployment,
        status=Deployment.Status.SUCCESS,
        artifacts=ARTIFACTS,
        outputs={"Deploy web": {"ServiceName": "web-Service-XYZ", "TaskDefinitionRevision": "3"}},
    )
    status, content = _poll(htmx_client, deployment, after=5)
    assert status == 286
    assert "Octopus.Action[Deploy web].Output.ServiceName" in content
    assert "web-Service-XYZ" in content
    assert "Deploy web: template" in content


ALL = ["Resolved 12", "Creating stack", "CREATE_IN_PROGRESS", "unable to place", "stopped"]


def _shown(content: str) -> list[str]:
    return [text for text in ALL if text in content]


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("verbose", ALL),
        ("info", ["Creating stack", "CREATE_IN_PROGRESS", "unable to place", "stopped"]),
        ("warning", ["unable to place", "stopped"]),
        ("error", ["stopped"]),
    ],
)
def test_the_level_filter_shows_that_level_and_above(
    admin_client: Client, deployment: Deployment, level: str, expected: list[str]
) -> None:
    page = admin_client.get(deployment.get_absolute_url(), {"level": level}).content.decode()
    log = page[page.index('id="log-lines"') :]
    assert _shown(log) == expected
    assert f'<option value="{level}" selected>' in page


def test_polling_with_a_filter_does_not_ask_again_for_lines_it_filtered_out(
    htmx_client: Client, deployment: Deployment
) -> None:
    _, content = _poll(htmx_client, deployment, after=0, level="error")
    assert _shown(content) == ["stopped"]
    assert "?after=5&level=error" in content


def test_each_line_shows_one_timestamp(admin_client: Client, deployment: Deployment) -> None:
    TaskLogLine.objects.filter(deployment=deployment).update(
        created=dt.datetime(2026, 11, 29, 14, 3, 9, tzinfo=dt.UTC)
    )
    page = admin_client.get(deployment.get_absolute_url()).content.decode()
    event = page[page.index('data-number="3"') :]
    event = event[: event.index("</div>")]
    # The stack event keeps its own time and is not prefixed with a second one.
    assert event.count("14:03:") == 1
    assert '<span class="text-body-secondary log-time">14:03:07</span> AWS::ECS::Service' in event
    plain = page[page.index('data-number="2"') :]
    assert '<span class="text-body-secondary log-time">14:03:09</span> Creating stack' in plain


def test_the_failure_summary_leads_with_the_cause_and_ends_with_the_code(
    admin_client: Client, deployment: Deployment
) -> None:
    _finish(
        deployment,
        status=Deployment.Status.FAILED,
        failure_code="ECS-Deployment-DeployFailed",
        failure_reason="Container web exited with code 1 (Essential container in task exited).\n"
        "The circuit breaker rolled the service back to revision 3.",
    )
    page = admin_client.get(deployment.get_absolute_url()).content.decode()
    summary = page[page.index('id="failure-summary"') :]
    summary = summary[: summary.index("</div>\n  </div>")]
    assert summary.index("exited with code 1") < summary.index("rolled the service back")
    assert summary.index("rolled the service back") < summary.index("ECS-Deployment-DeployFailed")
