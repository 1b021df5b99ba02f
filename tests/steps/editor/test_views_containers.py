"""The container editor: the documented multi-container example built in the browser."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings

from deployer.projects.models import Project
from steps.actions import document_changes
from steps.document.io import document_to_data
from steps.document.model import StepDocument
from steps.models import Step
from tests.steps.editor.test_views_editor import NGINX, form_values, make_step, page
from tests.steps.strategies import step_documents

pytestmark = pytest.mark.django_db

TARGET_GROUP = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"
)
DB_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-password"


@pytest.fixture
def step() -> Step:
    return make_step(Project.objects.create(name="Shop", slug="shop"), NGINX)


def edit_url(step: Step) -> str:
    return reverse("projects:steps:edit-step", args=[step.project.slug, step.pk])


def container_url(step: Step, index: int | None = None) -> str:
    if index is None:
        return reverse("projects:steps:add-container", args=[step.project.slug, step.pk])
    return reverse("projects:steps:edit-container", args=[step.project.slug, step.pk, index])


def post_rows(client: Client, url: str, values: dict[str, str], key: str) -> dict[str, str]:
    """Press a list's add button (without JavaScript) and read the redrawn form."""
    response = client.post(url, {**values, "_add": key})
    assert response.status_code == 200
    return form_values(response.content.decode())


def test_a_multi_container_task_is_built_in_the_browser(admin_client: Client, step: Step) -> None:
    # The step page: an EFS volume and a load balancer mapping.
    url = edit_url(step)
    values = post_rows(admin_client, url, page(admin_client, url), "volumes")
    values.update({"volumes-0-name": "data", "volumes-0-type_0": "efs"})
    values = form_values(admin_client.post(url, {**values, "_refresh": "volumes"}).content.decode())
    values["volumes-0-file_system_id"] = "fs-0123abcd"
    values = post_rows(admin_client, url, values, "lb")
    values.update(
        {
            "lb-0-container_name_0": "web",
            "lb-0-container_port": "80",
            "lb-0-target_group_arn": TARGET_GROUP,
        }
    )
    response = admin_client.post(url, values)
    assert response.status_code == 302, problems_on(response.content.decode())

    # A sidecar with a secret, the EFS mount and manual logging.
    url = container_url(step)
    values = page(admin_client, url)
    values.update(
        {
            "definition-name": "sidecar",
            "definition-image__package": "acme/agent",
            "definition-essential_0": "false",
        }
    )
    values = post_rows(admin_client, url, values, "variables")
    values.update({"variables-0-name": "DB_PASSWORD", "variables-0-value": DB_SECRET})
    values["variables-0-type_0"] = "secret"
    values = post_rows(admin_client, url, values, "mounts")
    values.update({"mounts-0-source_volume_0": "data", "mounts-0-container_path": "/data"})
    values["logging-logging__type_0"] = "manual"
    values = form_values(
        admin_client.post(url, {**values, "_refresh": "storage-logging"}).content.decode()
    )
    options = [("awslogs-group", "/custom"), ("awslogs-region", "us-east-1")]
    options.append(("awslogs-stream-prefix", "sidecar"))
    for index, (name, value) in enumerate(options):
        values = post_rows(admin_client, url, values, "log_options")
        values.update({f"log_options-{index}-name": name, f"log_options-{index}-value": value})
    response = admin_client.post(url, values)
    assert response.status_code == 302, problems_on(response.content.decode())

    # The web container waits for the sidecar.
    url = container_url(step, 0)
    values = post_rows(admin_client, url, page(admin_client, url), "depends_on")
    values.update({"depends_on-0-container_name_0": "sidecar", "depends_on-0-condition_0": "START"})
    response = admin_client.post(url, values)
    assert response.status_code == 302, problems_on(response.content.decode())

    document = Step.objects.get(pk=step.pk).to_document()
    web, sidecar = document.containers
    assert document.volumes[0].type == "efs"
    assert document.volumes[0].file_system_id == "fs-0123abcd"
    assert document.load_balancer_mappings[0].target_group_arn == TARGET_GROUP
    assert web.depends_on[0].container_name == "sidecar"
    assert sidecar.essential is False
    assert sidecar.environment.variables[0].type == "secret"
    assert sidecar.storage.mount_points[0].source_volume == "data"
    assert sidecar.logging.type == "manual"
    assert sidecar.logging.options[0].value == "/custom"


def test_container_groups_are_shown_in_the_documented_order(
    admin_client: Client, step: Step
) -> None:
    html = admin_client.get(container_url(step, 0)).content.decode()
    titles = [
        "Container definition",
        "Health Check",
        "Environment",
        "Container Storage and Logging",
        "Further options",
    ]
    positions = [html.index(f'<h2 class="h5 mb-0 me-auto">{title}</h2>') for title in titles]
    assert positions == sorted(positions)


def test_a_secret_that_is_no_arn_is_refused_next_to_its_value(
    admin_client: Client, step: Step
) -> None:
    url = container_url(step, 0)
    values = post_rows(admin_client, url, page(admin_client, url), "variables")
    values.update({"variables-0-name": "DB_PASSWORD", "variables-0-value": "hunter2"})
    values["variables-0-type_0"] = "secret"
    response = admin_client.post(url, values)
    html = unescape(response.content.decode())
    assert response.status_code == 200
    field = html[html.index('id="field-variables-0-value"') :][:2500]
    assert "a secret's value must be a Secrets Manager ARN" in field
    assert Step.objects.get(pk=step.pk).revision == 1


def test_a_mount_point_offers_the_steps_volumes(admin_client: Client) -> None:
    project = Project.objects.create(name="Shop", slug="shop")
    step = make_step(project, NGINX + "volumes:\n  - {name: scratch}\n  - {name: cache}\n")
    url = container_url(step, 0)
    response = admin_client.post(url, {**page(admin_client, url), "_add": "mounts"})
    html = response.content.decode()
    select = html[html.index('name="mounts-0-source_volume_0"') :]
    select = select[: select.index("</select>")]
    assert 'value="scratch"' in select and 'value="cache"' in select


def test_the_logging_type_shows_only_the_fields_that_apply(htmx_client: Client, step: Step) -> None:
    url = container_url(step, 0)
    values = page(htmx_client, url)
    assert "logging-logging__driver_0" not in values  # auto: no driver to choose
    values["logging-logging__type_0"] = "manual"
    response = htmx_client.post(url, {**values, "_refresh": "storage-logging"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card mb-4 step-section')
    assert 'name="logging-logging__driver_0"' in html
    assert 'id="rows-log_options"' in html


def test_removing_a_container_that_a_mapping_uses_is_refused(
    admin_client: Client,
) -> None:
    project = Project.objects.create(name="Shop", slug="shop")
    text = NGINX.replace(
        "containers:\n",
        "containers:\n  - name: api\n    image: {feed: docker-hub, package: acme/api}\n",
    ) + (
        "load_balancer_mappings:\n"
        f"  - {{container_name: web, container_port: 80, target_group_arn: '{TARGET_GROUP}'}}\n"
    )
    step = make_step(project, text)
    remove = reverse("projects:steps:remove-container", args=[project.slug, step.pk, 1])
    response = admin_client.post(remove, {"_revision": "1"}, follow=True)
    assert "was not removed" in unescape(response.content.decode())
    assert len(Step.objects.get(pk=step.pk).containers) == 2
    remove_api = reverse("projects:steps:remove-container", args=[project.slug, step.pk, 0])
    admin_client.post(remove_api, {"_revision": "1"})
    assert [c["name"] for c in Step.objects.get(pk=step.pk).containers] == ["web"]


def test_an_unknown_container_index_is_not_found(admin_client: Client, step: Step) -> None:
    assert admin_client.get(container_url(step, 5)).status_code == 404


def test_a_step_of_another_project_is_not_found(admin_client: Client, step: Step) -> None:
    other = Project.objects.create(name="Other", slug="other")
    url = reverse("projects:steps:edit-step", args=[other.slug, step.pk])
    assert admin_client.get(url).status_code == 404


def problems_on(html: str) -> str:
    """The error messages a page shows, for a failing assertion to explain itself."""
    found = re.findall(r'(?:invalid-feedback d-block|alert alert-danger[^"]*)">([^<]*)', html)
    return unescape(" | ".join(found))


@pytest.mark.parametrize("golden", ["minimal", "multi", "complex"])
def test_saving_every_page_unchanged_keeps_the_document(admin_client: Client, golden: str) -> None:
    text = (Path(__file__).parent.parent / "golden" / f"{golden}.step.yaml").read_text(
        encoding="utf-8"
    )
    step = make_step(Project.objects.create(name="Shop", slug="shop"), text)
    original = step.to_document()
    urls = [edit_url(step)] + [container_url(step, i) for i in range(len(original.containers))]
    for url in urls:
        response = admin_client.post(url, page(admin_client, url))
        assert response.status_code == 302, (url, problems_on(response.content.decode()))
        assert Step.objects.get(pk=step.pk).to_document() == original, url


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=step_documents())
def test_any_valid_document_survives_the_editor_unchanged(
    admin_client: Client, document: StepDocument
) -> None:
    project = Project.objects.create(name="Generated", slug="generated")
    try:
        step = Step.from_document(project, document)
        step.save()
        urls = [edit_url(step)] + [container_url(step, i) for i in range(len(document.containers))]
        for url in urls:
            response = admin_client.post(url, page(admin_client, url))
            assert response.status_code == 302, (url, problems_on(response.content.decode()))
            saved = Step.objects.get(pk=step.pk).document
            assert saved == document_to_data(document), document_changes(
                saved, document_to_data(document)
            )
    finally:
        project.delete()


def test_a_container_save_after_someone_else_saved_is_refused(
    admin_client: Client, step: Step
) -> None:
    url = container_url(step, 0)
    mine = page(admin_client, url)
    theirs = dict(mine, **{"definition-image__package": "nginx-unprivileged"})
    assert admin_client.post(url, theirs).status_code == 302
    mine["definition-memory_hard_limit"] = "256"
    response = admin_client.post(url, mine)
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "Your changes were not saved" in html
    assert "<code>containers[0].image.package</code></td><td>nginx</td><td>nginx-unprivileged" in (
        html
    )
    assert Step.objects.get(pk=step.pk).containers[0]["memory_hard_limit"] is None
