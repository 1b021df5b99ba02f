"""The project pages: list, create, edit, delete, and the overview of steps and releases."""

from __future__ import annotations

from html import unescape

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from deployer.projects.models import Project
from deployer.releases.models import Release
from steps.document.io import load_document
from steps.models import Step

pytestmark = pytest.mark.django_db

STEP = """\
version: 1
name: Deploy web
target_roles: [web-cluster]
configuration: {task_definition_name: web}
network: {security_group_ids: [sg-0123abcd], subnet_ids: [subnet-0123abcd]}
containers:
  - {name: web, image: {feed: docker-hub, package: nginx}}
"""


@pytest.fixture
def project() -> Project:
    return Project.objects.create(name="Shop", slug="shop", description="The web shop.")


def test_projects_are_listed_with_links(admin_client: Client, project: Project) -> None:
    html = admin_client.get(reverse("projects:list")).content.decode()
    assert f'href="{project.get_absolute_url()}"' in html
    assert "The web shop." in html


def test_create_project(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("projects:create"),
        {"name": "Payments", "slug": "payments-api", "description": "Card payments."},
    )
    project = Project.objects.get()
    assert response.status_code == 302
    assert response["Location"] == project.get_absolute_url()
    assert (project.name, project.slug, project.description) == (
        "Payments",
        "payments-api",
        "Card payments.",
    )


@pytest.mark.parametrize("slug", ["", "Has Caps", "double--hyphen", "-leading"])
def test_invalid_slugs_are_refused(admin_client: Client, slug: str) -> None:
    response = admin_client.post(reverse("projects:create"), {"name": "Payments", "slug": slug})
    assert response.status_code == 200
    assert not Project.objects.exists()


def test_a_taken_name_is_refused(admin_client: Client, project: Project) -> None:
    response = admin_client.post(reverse("projects:create"), {"name": "Shop", "slug": "shop-2"})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Project.objects.count() == 1


def test_edit_project(admin_client: Client, project: Project) -> None:
    url = reverse("projects:edit", args=[project.slug])
    response = admin_client.post(url, {"name": "Shop", "slug": "webshop", "description": ""})
    project.refresh_from_db()
    assert response.status_code == 302
    assert project.slug == "webshop"
    assert admin_client.get(reverse("projects:detail", args=["shop"])).status_code == 404


def test_project_page_lists_steps_variables_and_releases(
    admin_client: Client, project: Project, admin: User
) -> None:
    step = Step.from_document(project, load_document(STEP))
    step.save()
    Release.objects.create(project=project, version="1.0.3", created_by=admin)
    html = admin_client.get(project.get_absolute_url()).content.decode()
    assert f'href="{step.get_absolute_url()}"' in html
    assert 'href="/projects/shop/variables/"' in html
    assert "1.0.3" in html
    assert reverse("projects:steps:create-step", args=[project.slug]) in html


def test_delete_project_removes_it_and_its_steps(admin_client: Client, project: Project) -> None:
    Step.from_document(project, load_document(STEP)).save()
    url = reverse("projects:delete", args=[project.slug])
    assert "will be deleted with it" in admin_client.get(url).content.decode()
    response = admin_client.post(url)
    assert response.status_code == 302
    assert not Project.objects.exists()
    assert not Step.objects.exists()


def test_delete_is_refused_while_releases_exist(admin_client: Client, project: Project) -> None:
    Release.objects.create(project=project, version="1.0.0")
    url = reverse("projects:delete", args=[project.slug])
    page = unescape(admin_client.get(url).content.decode())
    assert "has 1 release(s) and cannot be deleted" in page
    assert 'type="submit" class="btn btn-danger"' not in page
    response = admin_client.post(url, follow=True)
    assert "cannot be deleted" in unescape(response.content.decode())
    assert Project.objects.filter(pk=project.pk).exists()


def test_unknown_project_is_not_found(admin_client: Client) -> None:
    assert admin_client.get(reverse("projects:detail", args=["nope"])).status_code == 404
