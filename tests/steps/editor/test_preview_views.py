"""The Export dialog and the per-environment preview on the step page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from deployer.projects.models import Project
from steps.document.io import load_document
from steps.editor.preview_views import highlight_yaml
from steps.models import Step
from targets.models import Environment
from tests.conftest import make_project, make_target, make_variable

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent.parent / "golden"


@pytest.fixture
def project() -> Project:
    return make_project()


@pytest.fixture
def step(project: Project) -> Step:
    step = Step.from_document(project, load_document((GOLDEN / "minimal.step.yaml").read_text()))
    step.save()
    return step


def test_export_dialog_is_an_htmx_partial_with_the_golden_template(
    htmx_client: Client, project: Project, step: Step
) -> None:
    response = htmx_client.get(
        reverse("projects:steps:export-template", args=[project.slug, step.pk])
    )
    content = response.content.decode()
    assert content.lstrip().startswith('<dialog id="export-dialog"')
    assert "<nav" not in content
    assert "The template passes validation" in content
    assert 'data-copy-target="#template-yaml"' in content
    assert '<span class="yaml-key">AWSTemplateFormatVersion</span>' in content


def test_export_without_javascript_is_a_page(
    admin_client: Client, project: Project, step: Step
) -> None:
    response = admin_client.get(
        reverse("projects:steps:export-template", args=[project.slug, step.pk])
    )
    assert "<nav" in response.content.decode()
    assert "CloudFormation template" in response.content.decode()


def test_export_download_is_the_exact_golden_yaml(
    admin_client: Client, project: Project, step: Step
) -> None:
    response = admin_client.get(
        reverse("projects:steps:export-template", args=[project.slug, step.pk]), {"download": "1"}
    )
    name = step.to_document().configuration.task_definition_name
    assert response["Content-Disposition"] == f'attachment; filename="{name}.cloudformation.yaml"'
    assert response.content.decode() == (GOLDEN / "minimal.template.yaml").read_text()


def test_export_lists_validation_findings_for_an_invalid_step(
    htmx_client: Client, project: Project, step: Step
) -> None:
    step.document["task_size"]["memory"] = 4096
    step.save()
    response = htmx_client.get(
        reverse("projects:steps:export-template", args=[project.slug, step.pk])
    )
    content = response.content.decode()
    assert "The step is not valid" in content
    assert "<code>task_size.memory</code>" in content


def test_preview_substitutes_for_the_chosen_environment_and_masks_secrets(
    admin_client: Client, project: Project, step: Step
) -> None:
    production = Environment.objects.create(name="Production", sort_order=2)
    development = Environment.objects.create(name="Development", sort_order=1)
    make_target("web-prod", environments=(production,), cluster_name="prod")
    step.document["task_size"]["cpu"] = "#{Cpu}"
    step.document["containers"][0]["user"] = "#{RunAs}"
    step.save()
    make_variable(project, "Cpu", "512", production)
    make_variable(project, "RunAs", "s3cret-user", sensitive=True)
    url = reverse("projects:steps:preview-step", args=[project.slug, step.pk])
    prod = admin_client.get(url, {"environment": production.pk}).content.decode()
    assert '<span class="yaml-key">cpu</span>: 512' in prod
    assert "s3cret-user" not in prod and "********" in prod
    assert "on web-prod" in prod
    dev = admin_client.get(url, {"environment": development.pk}).content.decode()
    assert '<mark class="expression">#{Cpu}</mark>' in dev
    assert "task_size.cpu: #{Cpu} did not resolve" in dev


def test_highlighting_marks_keys_and_expressions_but_not_text_inside_a_block() -> None:
    text = "command: |\n  echo a: b\nimage: '#{Image}'\n"

    html = highlight_yaml(text)

    assert html == (
        '<span class="yaml-key">command</span>: |\n  echo a: b\n'
        '<span class="yaml-key">image</span>: '
        '&#x27;<mark class="expression">#{Image}</mark>&#x27;\n'
    )


def test_highlighting_escapes_html() -> None:
    assert "<script>" not in highlight_yaml("name: <script>alert(1)</script>\n")
