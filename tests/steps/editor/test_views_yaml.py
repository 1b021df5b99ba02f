"""Download and import of the step document from the step page: all or nothing."""

from __future__ import annotations

from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from deployer.projects.models import Project
from steps.document.io import load_document
from steps.models import Step
from tests.steps.editor.test_views_editor import NGINX, make_step

pytestmark = pytest.mark.django_db


@pytest.fixture
def project() -> Project:
    return Project.objects.create(name="Shop", slug="shop")


def import_url(project: Project, step: Step | None = None) -> str:
    if step is None:
        return reverse("projects:steps:import-step", args=[project.slug])
    return reverse("projects:steps:import-yaml", args=[project.slug, step.pk])


def snapshot() -> list[tuple[str, int, dict[str, object]]]:
    return [(s.name, s.revision, s.document) for s in Step.objects.order_by("pk")]


def test_download_gives_yaml_that_imports_to_the_same_document(
    admin_client: Client, project: Project
) -> None:
    step = make_step(project)
    response = admin_client.get(
        reverse("projects:steps:download-yaml", args=[project.slug, step.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert load_document(response.content.decode()) == step.to_document()


def test_pasted_yaml_creates_a_step(admin_client: Client, project: Project) -> None:
    response = admin_client.post(import_url(project), {"text": NGINX})
    assert response.status_code == 302
    step = Step.objects.get()
    assert response["Location"] == step.get_absolute_url()
    assert step.to_document() == load_document(NGINX)


def test_an_uploaded_file_replaces_the_step_it_is_imported_into(
    admin_client: Client, project: Project
) -> None:
    step = make_step(project)
    upload = SimpleUploadedFile(
        "web.yaml", NGINX.replace("Deploy web", "Deploy site").encode(), "application/yaml"
    )
    response = admin_client.post(import_url(project, step), {"file": upload})
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.name == "Deploy site"
    assert step.revision == 2
    assert Step.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (NGINX.replace("configuration: {", "configuration: {{"), "line 5: malformed YAML"),
        (
            NGINX.replace("    port_mappings", "    portmappings"),
            "line 9: <code>containers[0].portmappings</code>: unknown field",
        ),
        (
            NGINX + "task_size: {cpu: 256, memory: 3072}\n",
            "line 10: <code>task_size.memory</code>: 3072 MiB is not valid with 256 CPU units",
        ),
    ],
    ids=["bad-yaml", "unknown-key", "invalid-value"],
)
def test_a_bad_document_is_reported_with_its_line_and_changes_nothing(
    admin_client: Client, project: Project, text: str, expected: str
) -> None:
    make_step(project)
    before = snapshot()
    for url in (import_url(project), import_url(project, Step.objects.get())):
        response = admin_client.post(url, {"text": text})
        assert response.status_code == 200
        assert expected in unescape(response.content.decode())
        assert snapshot() == before


def test_importing_nothing_asks_for_a_file_or_text(admin_client: Client, project: Project) -> None:
    response = admin_client.post(import_url(project), {"text": "  "})
    assert "Choose a YAML file or paste a step document." in response.content.decode()
    assert not Step.objects.exists()


def test_a_pasted_document_of_many_containers_is_refused_by_count(
    admin_client: Client, project: Project
) -> None:
    text = NGINX + "".join(
        f"  - name: c{n}\n    image: {{feed: docker-hub, package: nginx}}\n" for n in range(1000)
    )
    response = admin_client.post(import_url(project), {"text": text})
    assert response.status_code == 200
    assert "more than 10 containers; a task definition holds at most 10" in unescape(
        response.content.decode()
    )
    assert not Step.objects.exists()


def test_an_uploaded_file_far_over_the_size_limit_is_refused_unread(
    admin_client: Client, project: Project
) -> None:
    upload = SimpleUploadedFile("big.yaml", b"#" * (4 * 128 * 1024 + 1), "application/yaml")
    response = admin_client.post(import_url(project), {"file": upload})
    assert response.status_code == 200
    assert "The file has 524,289 bytes; a step document may have at most 128 KiB." in unescape(
        response.content.decode()
    )
    assert not Step.objects.exists()
