"""The Export dialog and `export_template --project` show sensitive values as SSM secrets."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from deployer.projects.models import Project
from steps.document.io import load_document
from steps.models import Step
from tests.conftest import make_project, make_variable

pytestmark = pytest.mark.django_db

SENTINEL = "Export-Sentinel-8812"
STEP = """\
version: 1
name: Deploy web
configuration: {task_definition_name: web}
network: {security_group_ids: [sg-0123456789abcdef0], subnet_ids: [subnet-0123456789abcdef0]}
containers:
  - name: web
    image: {feed: docker-hub, package: nginx}
    environment:
      variables:
        - {name: LOG_LEVEL, value: info}
        - {name: DB_URL, value: "#{DbUrl}"}
"""
EXPORT_ARN = (
    "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/deployer/shop/"
    "ENVIRONMENT/DbUrl"
)


def export_arn(environment: str = "#{Octopus.Environment.Name}") -> dict[str, str]:
    return {"Fn::Sub": EXPORT_ARN.replace("ENVIRONMENT", environment)}


@pytest.fixture
def project() -> Project:
    project = make_project("Shop", "shop")
    make_variable(project, "DbPassword", SENTINEL, sensitive=True)
    make_variable(project, "DbUrl", "postgres://app:#{DbPassword}@db/app")
    return project


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("export_template", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def container_of(template_yaml: str) -> dict[str, object]:
    template = yaml.safe_load(template_yaml)
    definition = template["Resources"]["TaskDefinitionweb"]["Properties"]
    return dict(definition["ContainerDefinitions"][0])


def test_export_template_with_a_project_shows_the_secret(project: Project, tmp_path: Path) -> None:
    step = tmp_path / "step.yaml"
    step.write_text(STEP)
    container = container_of(export(str(step), "--project", "shop"))
    assert container["Secrets"] == [{"Name": "DB_URL", "ValueFrom": export_arn()}]
    assert container["Environment"] == [{"Name": "LOG_LEVEL", "Value": "info"}]


def test_export_template_for_an_environment_with_values_never_prints_them(
    project: Project, tmp_path: Path
) -> None:
    step = tmp_path / "step.yaml"
    step.write_text(STEP)
    variables = tmp_path / "vars.yaml"
    variables.write_text(f"DbPassword: {SENTINEL}\nDbUrl: 'postgres://app:{SENTINEL}@db'\n")
    args = ("--project", "shop", "--environment", "Production", "--variables", str(variables))
    text = export(str(step), *args)
    assert SENTINEL not in text
    assert container_of(text)["Secrets"] == [
        {"Name": "DB_URL", "ValueFrom": export_arn("Production")}
    ]


def test_export_template_refuses_a_sensitive_value_in_a_tag(
    project: Project, tmp_path: Path
) -> None:
    step = tmp_path / "step.yaml"
    step.write_text(STEP + "tags:\n  tags: [{key: db, value: '#{DbUrl}'}]\n")
    with pytest.raises(CommandError) as raised:
        export(str(step), "--project", "shop")
    message = str(raised.value)
    assert (
        "tags.tags[0].value: the variable DbUrl (it reads the sensitive variable DbPassword)"
        in (message)
    )
    assert SENTINEL not in message


def test_the_export_dialog_shows_the_secrets_form(admin_client: Client, project: Project) -> None:
    step = Step.from_document(project, load_document(STEP))
    step.save()
    url = reverse("projects:steps:export-template", args=[project.slug, step.pk])
    page = admin_client.get(url).content.decode()
    assert "ValueFrom" in page
    assert "parameter/deployer/shop/" in page
    assert "The template passes validation" in page
    assert SENTINEL not in page
    download = admin_client.get(url, {"download": "1"})
    container = container_of(download.content.decode())
    assert container["Secrets"] == [{"Name": "DB_URL", "ValueFrom": export_arn()}]
