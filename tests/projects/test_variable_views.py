"""The variables page: inline add, edit, delete, filter, and the environment preview."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from deployer.projects.models import Project, Variable
from targets.models import Environment
from tests.conftest import make_project, make_variable

pytestmark = pytest.mark.django_db


@pytest.fixture
def project() -> Project:
    return make_project()


@pytest.fixture
def production() -> Environment:
    return Environment.objects.create(name="Production", sort_order=2)


@pytest.fixture
def development() -> Environment:
    return Environment.objects.create(name="Development", sort_order=1)


def add(client: Client, project: Project, **fields: object) -> object:
    data: dict[str, object] = {"name": "", "value": "", "description": "", "environments": []}
    data.update(fields)
    return client.post(reverse("variables:create", args=[project.slug]), data)


def test_page_lists_values_and_masks_sensitive_ones(
    admin_client: Client, project: Project, production: Environment
) -> None:
    make_variable(project, "Cpu", "1024", production)
    make_variable(project, "DbPassword", "hunter22", sensitive=True)
    page = admin_client.get(reverse("variables:list", args=[project.slug])).content.decode()
    assert "Cpu" in page and "1024" in page and "Production" in page
    assert "hunter22" not in page
    assert "********" in page


def test_adding_with_htmx_returns_a_fresh_form_and_the_table(
    htmx_client: Client, project: Project
) -> None:
    response = add(htmx_client, project, name="Cpu", value="512")
    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="add-variable"' in content
    assert 'hx-swap-oob="outerHTML"' in content
    assert "<nav" not in content
    assert Variable.objects.get().value == "512"


def test_adding_without_javascript_redirects(admin_client: Client, project: Project) -> None:
    response = add(admin_client, project, name="Cpu", value="512")
    assert response.status_code == 302


@pytest.mark.parametrize("name", [" Cpu", "Cpu ", "Cpu#{x}"])
def test_bad_names_are_refused(htmx_client: Client, project: Project, name: str) -> None:
    response = add(htmx_client, project, name=name, value="1")
    assert response.status_code == 200
    assert "cannot contain “#{” or start or end with spaces" in response.content.decode()
    assert not Variable.objects.exists()


def test_equally_specific_values_are_refused(
    htmx_client: Client, project: Project, production: Environment
) -> None:
    make_variable(project, "Cpu", "1024", production)
    response = add(htmx_client, project, name="cpu", value="2048", environments=[production.pk])
    assert "cpu already has a value for Production" in response.content.decode()
    assert Variable.objects.count() == 1
    make_variable(project, "Cpu", "256")
    response = add(htmx_client, project, name="Cpu", value="512")
    assert "Cpu already has a value for all environments" in response.content.decode()


def test_a_scoped_and_an_unscoped_value_may_coexist(
    htmx_client: Client, project: Project, production: Environment
) -> None:
    make_variable(project, "Cpu", "256")
    add(htmx_client, project, name="Cpu", value="1024", environments=[production.pk])
    assert Variable.objects.count() == 2


def test_inline_edit_round_trip(htmx_client: Client, project: Project) -> None:
    variable = make_variable(project, "Cpu", "256")
    url = reverse("variables:edit", args=[project.slug, variable.pk])
    form = htmx_client.get(url).content.decode()
    assert form.lstrip().startswith(f'<tr id="variable-{variable.pk}">')
    assert 'value="256"' in form
    row = htmx_client.post(url, {"name": "Cpu", "value": "512", "description": ""})
    assert row.content.decode().lstrip().startswith(f'<tr id="variable-{variable.pk}">')
    variable.refresh_from_db()
    assert variable.value == "512"


def test_editing_a_sensitive_value_never_shows_it_and_blank_keeps_it(
    htmx_client: Client, project: Project
) -> None:
    variable = make_variable(project, "DbPassword", "hunter22", sensitive=True)
    url = reverse("variables:edit", args=[project.slug, variable.pk])
    form = htmx_client.get(url).content.decode()
    assert "hunter22" not in form
    assert "leave blank to keep" in form
    htmx_client.post(
        url, {"name": "DbPassword", "value": "", "is_sensitive": "on", "description": "db"}
    )
    variable.refresh_from_db()
    assert variable.secret_value == "hunter22"
    assert variable.description == "db"


def test_delete_with_htmx_removes_the_row(htmx_client: Client, project: Project) -> None:
    variable = make_variable(project, "Cpu", "256")
    response = htmx_client.post(reverse("variables:delete", args=[project.slug, variable.pk]))
    assert response.content == b""
    assert not Variable.objects.exists()


def test_filter_returns_matching_rows_only(htmx_client: Client, project: Project) -> None:
    make_variable(project, "Cpu", "256")
    make_variable(project, "DbHost", "db.internal")
    make_variable(project, "DbPassword", "secret-cpu", sensitive=True)
    response = htmx_client.get(
        reverse("variables:list", args=[project.slug]),
        {"q": "cpu"},
        headers={"HX-Target": "variable-table"},
    )
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="variable-table"')
    assert "Cpu" in content
    assert "DbHost" not in content
    assert "DbPassword" not in content  # sensitive values are never searched


def test_another_projects_variable_is_not_found(admin_client: Client, project: Project) -> None:
    other = make_variable(make_project("Other", "other"), "Cpu", "256")
    response = admin_client.get(reverse("variables:edit", args=[project.slug, other.pk]))
    assert response.status_code == 404


def test_preview_shows_the_effective_values_for_an_environment(
    admin_client: Client, project: Project, production: Environment, development: Environment
) -> None:
    make_variable(project, "Cpu", "256")
    make_variable(project, "Cpu", "1024", production)
    make_variable(project, "DbPassword", "hunter22", sensitive=True)
    url = reverse("variables:preview", args=[project.slug])
    prod = admin_client.get(url, {"environment": production.pk}).content.decode()
    assert "1024" in prod and ">256<" not in prod
    assert "hunter22" not in prod and "********" in prod
    dev = admin_client.get(url, {"environment": development.pk}).content.decode()
    assert "256" in dev and "1024" not in dev


def test_preview_for_an_unknown_environment_is_not_found(
    admin_client: Client, project: Project
) -> None:
    response = admin_client.get(reverse("variables:preview", args=[project.slug]))
    assert response.status_code == 404
