"""The dashboard and the project's overview say what each environment is going through."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from deployer.deployments.models import Deployment
from deployer.projects.models import Project
from deployer.releases.models import Release
from targets.models import Environment
from tests.conftest import make_environment, make_project

pytestmark = pytest.mark.django_db


def _deploy(project: Project, version: str, environment: Environment, status: str) -> Deployment:
    release, _ = Release.objects.get_or_create(project=project, version=version)
    finished = None if status in Deployment.UNFINISHED else timezone.now()
    return Deployment.objects.create(
        release=release, environment=environment, status=status, finished=finished
    )


def _cell(page: str, table_id: str, row_label: str, index: int) -> str:
    table = page[page.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    if row_label:
        table = table[table.index(row_label) :]
    row = table[table.index("<td>") :]
    row = row[: row.index("</tr>")]
    return row.split("<td>")[1:][index]


def _dashboard_cell(client: Client) -> str:
    """The Web project's cell for its first environment on the dashboard."""
    page = client.get(reverse("dashboard")).content.decode()
    return _cell(page, "current-releases", ">Web</a>", 0)


@pytest.fixture
def web() -> Project:
    return make_project("Web", "web")


@pytest.fixture
def production() -> Environment:
    return make_environment("Production", 1)


def test_a_failed_latest_deployment_shows_red_with_the_last_success_beside_it(
    admin_client: Client, web: Project, production: Environment
) -> None:
    _deploy(web, "1.0.0", production, Deployment.Status.SUCCESS)
    _deploy(web, "2.1.0-crash", production, Deployment.Status.FAILED)
    cell = _dashboard_cell(admin_client)
    assert "text-bg-danger" in cell
    assert "2.1.0-crash · Failed" in cell
    assert "text-bg-success" not in cell  # not green while the latest failed
    assert "Last success:" in cell and ">1.0.0</a>" in cell


def test_a_running_deployment_spins_with_its_release(
    admin_client: Client, web: Project, production: Environment
) -> None:
    _deploy(web, "1.0.0", production, Deployment.Status.SUCCESS)
    _deploy(web, "1.1.0", production, Deployment.Status.RUNNING)
    cell = _dashboard_cell(admin_client)
    assert "spinner-border" in cell
    assert "1.1.0 · Running" in cell
    assert "Last success:" in cell and ">1.0.0</a>" in cell


def test_a_successful_latest_deployment_is_green_and_said_once(
    admin_client: Client, web: Project, production: Environment
) -> None:
    _deploy(web, "1.0.0", production, Deployment.Status.FAILED)
    _deploy(web, "1.1.0", production, Deployment.Status.SUCCESS)
    cell = _dashboard_cell(admin_client)
    assert "text-bg-success" in cell and ">1.1.0</span>" in cell
    assert "Last success" not in cell
    assert "spinner" not in cell


def test_a_failure_without_any_success_says_so(
    admin_client: Client, web: Project, production: Environment
) -> None:
    _deploy(web, "1.0.0", production, Deployment.Status.FAILED)
    cell = _dashboard_cell(admin_client)
    assert "text-bg-danger" in cell
    assert "No successful deployment yet" in cell


def test_the_release_overview_shows_the_environment_as_it_stands(
    admin_client: Client, web: Project, production: Environment
) -> None:
    staging = make_environment("Staging", 0)
    _deploy(web, "1.0.0", production, Deployment.Status.SUCCESS)
    _deploy(web, "1.1.0", production, Deployment.Status.FAILED)
    _deploy(web, "1.1.0", staging, Deployment.Status.QUEUED)
    page = admin_client.get(reverse("releases:list", args=["web"])).content.decode()
    staging_cell = _cell(page, "current-state", "", 0)
    production_cell = _cell(page, "current-state", "", 1)
    assert "spinner-border" in staging_cell and "1.1.0 · Queued" in staging_cell
    assert "1.1.0 · Failed" in production_cell and "text-bg-danger" in production_cell
    assert "Last success:" in production_cell and ">1.0.0</a>" in production_cell


def test_the_dashboard_follows_deployments_as_they_happen(
    admin_client: Client, htmx_client: Client, web: Project, production: Environment
) -> None:
    running = _deploy(web, "1.1.0", production, Deployment.Status.RUNNING)
    page = admin_client.get(reverse("dashboard")).content.decode()
    poll = page[page.index('id="dashboard-states"') :]
    poll = poll[: poll.index(">")]
    assert 'hx-trigger="every 2s"' in poll
    url = poll[poll.index('hx-get="') + 8 :].split('"')[0].replace("&amp;", "&")
    headers = {"HX-Target": "dashboard-states"}
    unchanged = htmx_client.get(url, headers=headers)
    assert unchanged.status_code == 204  # nothing to swap: focus and scroll stay put
    Deployment.objects.filter(pk=running.pk).update(
        status=Deployment.Status.SUCCESS, finished=timezone.now()
    )
    changed = htmx_client.get(url, headers=headers)
    content = changed.content.decode()
    assert changed.status_code == 200
    assert content.lstrip().startswith('<div id="dashboard-states"')
    assert "<html" not in content
    assert ">1.1.0</span>" in content and "text-bg-success" in content
    assert 'hx-trigger="every 10s"' in content  # nothing runs: it checks less often
