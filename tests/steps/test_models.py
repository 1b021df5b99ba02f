"""The stored step: a document goes into the database and comes back unchanged."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from deployer.projects.models import Project
from steps.document.io import load_document
from steps.document.model import StepDocument
from steps.models import Step
from tests.steps.strategies import step_documents

pytestmark = pytest.mark.django_db

MINIMAL = """\
version: 1
name: Deploy web
target_roles: [web-cluster]
configuration: {task_definition_name: web}
network: {security_group_ids: [sg-0123abcd], subnet_ids: [subnet-0123abcd]}
containers:
  - name: web
    image: {feed: docker-hub, package: nginx}
    port_mappings: [{container_port: 80}]
"""


@pytest.fixture
def project() -> Project:
    return Project.objects.create(name="Shop", slug="shop")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=step_documents())
def test_any_valid_document_survives_the_database_unchanged(
    project: Project, document: StepDocument
) -> None:
    step = Step.from_document(project, document)
    step.save()
    try:
        assert Step.objects.get(pk=step.pk).to_document() == document
    finally:
        step.delete()


def test_step_takes_its_name_from_the_document(project: Project) -> None:
    step = Step.from_document(project, load_document(MINIMAL))
    step.save()
    assert Step.objects.get(pk=step.pk).name == "Deploy web"


def test_set_document_replaces_every_value(project: Project) -> None:
    step = Step.from_document(project, load_document(MINIMAL))
    step.save()
    changed = load_document(MINIMAL.replace("Deploy web", "Deploy api").replace("80", "8080"))
    step.set_document(changed)
    step.save()
    stored = Step.objects.get(pk=step.pk)
    assert stored.name == "Deploy api"
    assert stored.to_document().containers[0].port_mappings[0].container_port == 8080


def test_steps_are_listed_in_position_order(project: Project) -> None:
    for position, name in ((2, "second"), (1, "first"), (3, "third")):
        document = load_document(MINIMAL.replace("Deploy web", name))
        Step.from_document(project, document, position=position).save()
    assert [step.name for step in project.steps.all()] == ["first", "second", "third"]
