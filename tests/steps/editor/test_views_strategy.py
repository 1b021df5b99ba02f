"""The step editor's strategy and service settings: fields, rows, and nothing lost on save."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest
from django.test import Client

from deployer.projects.models import Project
from steps.models import Step
from tests.steps.editor.test_views_editor import container_url, edit_url, make_step, page

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent.parent / "golden"


def golden(name: str) -> str:
    return (GOLDEN / f"{name}.step.yaml").read_text(encoding="utf-8")


@pytest.fixture
def project() -> Project:
    return Project.objects.create(name="Shop", slug="shop")


@pytest.mark.parametrize("name", ["blue_green", "linear", "canary"])
def test_saving_a_strategy_step_unchanged_keeps_every_new_key(
    admin_client: Client, project: Project, name: str
) -> None:
    step = make_step(project, golden(name))
    before = step.to_document()

    response = admin_client.post(edit_url(step), page(admin_client, edit_url(step)))

    assert response.status_code == 302, unescape(response.content.decode())[-3000:]
    step.refresh_from_db()
    assert step.to_document() == before


def test_saving_a_container_keeps_its_port_names(admin_client: Client, project: Project) -> None:
    step = make_step(project, golden("canary"))
    before = step.to_document()

    response = admin_client.post(container_url(step, 0), page(admin_client, container_url(step, 0)))

    assert response.status_code == 302, unescape(response.content.decode())[-3000:]
    step.refresh_from_db()
    assert step.to_document() == before


def test_choosing_blue_green_in_the_form_explains_what_the_mapping_lacks(
    admin_client: Client, project: Project
) -> None:
    step = make_step(project, golden("minimal"))
    values = page(admin_client, edit_url(step))
    values["strategy-deployment__strategy_0"] = "blue_green"
    values["lb-TOTAL_FORMS"] = "0"

    response = admin_client.post(edit_url(step), values)

    assert response.status_code == 200
    assert "the blue_green strategy shifts traffic between target groups" in unescape(
        response.content.decode()
    )


def test_strategy_bake_time_and_auto_scaling_are_saved_from_the_form(
    admin_client: Client, project: Project
) -> None:
    step = make_step(project, golden("linear"))
    values = page(admin_client, edit_url(step))
    values["strategy-deployment__linear__step_percent"] = "20"
    values["strategy-deployment__bake_time_minutes"] = "#{BakeMinutes}"
    values["service-deployment__auto_scaling__min"] = ""
    values["service-deployment__auto_scaling__max"] = ""
    values["service-deployment__auto_scaling__target_cpu_percent"] = ""

    response = admin_client.post(edit_url(step), values)

    assert response.status_code == 302, unescape(response.content.decode())[-3000:]
    deployment = Step.objects.get(pk=step.pk).to_document().deployment
    assert deployment.linear.step_percent == 20
    assert deployment.bake_time_minutes == "#{BakeMinutes}"
    assert deployment.auto_scaling is None


def test_the_deployment_section_links_each_setting_to_its_aws_page(
    admin_client: Client, project: Project
) -> None:
    step = make_step(project, golden("blue_green"))

    html = admin_client.get(edit_url(step)).content.decode()

    for anchor in (
        "deployment-types.html",
        "deployment-lifecycle-hooks.html",
        "service-connect.html",
        "service-autoscaling-targettracking.html",
        "blue-green-deployment-implementation.html",
    ):
        assert anchor in html
    assert "Deployment strategy" in html and "Add lifecycle hook" in html
