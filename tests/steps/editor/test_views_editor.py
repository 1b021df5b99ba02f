"""The step editor pages: building a step, the container editor, inline HTMX, stale edits."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from deployer.projects.models import Project
from steps.document.io import load_document
from steps.models import Step

pytestmark = pytest.mark.django_db

NGINX = """\
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


class FormReader(HTMLParser):
    """What a browser would submit from the page's editor form (first option when none is
    selected; submit buttons left out)."""

    def __init__(self, form_id: str = "editor-form") -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.values: dict[str, str] = {}
        self.select: str | None = None
        self.select_has_value = False
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "checkbox"):
            self.values[name] = a.get("value", "")
        elif tag == "select" and name:
            self.select, self.select_has_value = name, False
        elif tag == "option" and self.select:
            if "selected" in a or self.select not in self.values:
                self.values[self.select] = a.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.values[name] = ""

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.values[self.textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea:
            # Browsers drop the line break that follows <textarea>.
            text = self.values[self.textarea]
            self.values[self.textarea] = text[1:] if text.startswith("\n") else text
            self.textarea = None


def form_values(html: str) -> dict[str, str]:
    reader = FormReader()
    reader.feed(html)
    return reader.values


def page(client: Client, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200
    return form_values(response.content.decode())


@pytest.fixture
def project() -> Project:
    return Project.objects.create(name="Shop", slug="shop")


def make_step(project: Project, text: str = NGINX) -> Step:
    step = Step.from_document(project, load_document(text), position=1)
    step.save()
    return step


def test_a_new_step_with_one_nginx_container_is_built_in_the_browser(
    admin_client: Client, project: Project
) -> None:
    url = reverse("projects:steps:create-step", args=[project.slug])
    values = page(admin_client, url)
    values.update(
        {
            "configuration-name": "Deploy web",
            "configuration-target_roles": "web-cluster",
            "configuration-configuration__task_definition_name": "web",
            "network-network__security_group_ids": "sg-0123abcd",
            "network-network__subnet_ids": "subnet-0123abcd, subnet-0456abcd",
            "first-name": "web",
            "first-image__feed_1": "docker-hub",
            "first-image__package": "nginx",
            "first-port": "80",
        }
    )
    response = admin_client.post(url, values)
    assert response.status_code == 302, response.content.decode()[:3000]
    document = Step.objects.get().to_document()
    assert document.name == "Deploy web"
    assert document.network.subnet_ids == ["subnet-0123abcd", "subnet-0456abcd"]
    assert document.containers[0].image.package == "nginx"
    assert document.containers[0].port_mappings[0].container_port == 80


def edit_url(step: Step) -> str:
    return reverse("projects:steps:edit-step", args=[step.project.slug, step.pk])


def container_url(step: Step, index: int | None = None) -> str:
    if index is None:
        return reverse("projects:steps:add-container", args=[step.project.slug, step.pk])
    return reverse("projects:steps:edit-container", args=[step.project.slug, step.pk, index])


def test_saving_the_step_page_unchanged_keeps_the_document(
    admin_client: Client, project: Project
) -> None:
    step = make_step(project)
    before = step.to_document()
    response = admin_client.post(edit_url(step), page(admin_client, edit_url(step)))
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.to_document() == before
    assert step.revision == 2


def test_invalid_memory_is_shown_next_to_the_memory_field(
    admin_client: Client, project: Project
) -> None:
    step = make_step(project)
    values = page(admin_client, edit_url(step))
    values["size-task_size__memory_1"] = "3072"  # typed into the expression box: any text
    response = admin_client.post(edit_url(step), values)
    assert response.status_code == 200
    html = response.content.decode()
    field = html[html.index('id="field-size-task_size__memory"') :]
    field = field[: field.index("</div>\n</div>") if "</div>\n</div>" in field else 3000]
    assert "3072 MiB is not valid with 256 CPU units; valid: 512, 1024, 2048" in field
    step.refresh_from_db()
    assert step.revision == 1


def test_a_word_in_a_number_field_is_refused_next_to_it(
    admin_client: Client, project: Project
) -> None:
    step = make_step(project)
    values = page(admin_client, edit_url(step))
    values["deployment-deployment__desired_count"] = "many"
    response = admin_client.post(edit_url(step), values)
    html = response.content.decode()
    assert response.status_code == 200
    field = html[html.index('id="field-deployment-deployment__desired_count"') :][:2500]
    assert "expected a whole number or an #{expression}" in field
    assert 'href="#section-deployment"' in html
    assert "list-group-item-danger" in html[html.index('href="#section-deployment"') - 120 :][:200]


def test_a_wrong_type_and_a_rule_broken_elsewhere_are_reported_together(
    admin_client: Client, project: Project
) -> None:
    step = make_step(project)
    values = page(admin_client, edit_url(step))
    values["deployment-deployment__desired_count"] = "many"
    values["network-network__subnet_ids"] = "net-1"
    html = unescape(admin_client.post(edit_url(step), values).content.decode())
    assert "expected a whole number or an #{expression}, got 'many'" in html
    assert "'net-1' is not a subnet id: subnet- and 8 or 17 hex digits" in html


def test_expressions_are_accepted_and_badged(admin_client: Client, project: Project) -> None:
    step = make_step(project)
    values = page(admin_client, edit_url(step))
    values["size-task_size__cpu_1"] = "#{TaskCpu}"
    values["deployment-deployment__desired_count"] = "#{Replicas}"
    assert admin_client.post(edit_url(step), values).status_code == 302
    document = Step.objects.get(pk=step.pk).to_document()
    assert document.task_size.cpu == "#{TaskCpu}"
    assert document.deployment.desired_count == "#{Replicas}"
    html = admin_client.get(edit_url(step)).content.decode()
    assert html.count(">expression</span>") == 2


def test_a_duplicate_step_name_is_refused_on_the_name_field(
    admin_client: Client, project: Project
) -> None:
    make_step(project, NGINX.replace("Deploy web", "Deploy api"))
    step = make_step(project)
    values = page(admin_client, edit_url(step))
    values["configuration-name"] = "Deploy api"
    response = admin_client.post(edit_url(step), values)
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "already has a step named 'Deploy api'" in html


def test_adding_a_tag_row_with_htmx_returns_only_the_tags_section(
    htmx_client: Client, project: Project
) -> None:
    step = make_step(project)
    values = page(htmx_client, edit_url(step))
    response = htmx_client.post(edit_url(step), {**values, "_add": "tags"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card mb-4 step-section')
    assert 'id="section-tags"' in html
    assert 'name="tags-TOTAL_FORMS" value="1"' in html
    assert "<html" not in html
    step.refresh_from_db()
    assert step.revision == 1  # adding a row saves nothing


def test_rows_are_added_and_removed_without_javascript_too(
    admin_client: Client, project: Project
) -> None:
    step = make_step(project)
    values = page(admin_client, edit_url(step))
    html = admin_client.post(edit_url(step), {**values, "_add": "tags"}).content.decode()
    values = form_values(html)
    values.update({"tags-0-key": "team", "tags-0-value": "payments"})
    html = admin_client.post(edit_url(step), {**values, "_add": "tags"}).content.decode()
    values = form_values(html)
    values.update({"tags-1-key": "cost-centre", "tags-1-value": "42"})
    html = admin_client.post(edit_url(step), {**values, "_remove": "tags-0"}).content.decode()
    values = form_values(html)
    assert values["tags-0-key"] == "cost-centre"
    assert admin_client.post(edit_url(step), values).status_code == 302
    tags = Step.objects.get(pk=step.pk).to_document().tags.tags
    assert [(t.key, t.value) for t in tags] == [("cost-centre", "42")]


def test_choosing_task_cpu_narrows_the_memory_choices(
    htmx_client: Client, project: Project
) -> None:
    step = make_step(project)
    values = page(htmx_client, edit_url(step))
    values["size-task_size__cpu_0"] = "4096"
    response = htmx_client.post(edit_url(step), {**values, "_refresh": "task-size"})
    html = response.content.decode()
    assert 'id="section-task-size"' in html
    memory = html[html.index('name="size-task_size__memory_0"') :]
    memory = memory[: memory.index("</select>")]
    assert 'value="8192" selected' in memory and 'value="30720"' in memory
    assert 'value="512"' not in memory


def test_the_wait_option_shows_the_timeout_only_when_it_applies(
    htmx_client: Client, project: Project
) -> None:
    step = make_step(project)
    values = page(htmx_client, edit_url(step))
    assert 'type="hidden" name="options-deployment_options__timeout_minutes"' in (
        htmx_client.get(edit_url(step)).content.decode()
    )
    values["options-deployment_options__wait_0"] = "wait_with_timeout"
    html = htmx_client.post(edit_url(step), {**values, "_refresh": "deployment-options"}).content
    assert 'id="field-options-deployment_options__timeout_minutes"' in html.decode()


def test_a_field_that_loses_focus_is_validated_alone(htmx_client: Client, project: Project) -> None:
    step = make_step(project)
    values = page(htmx_client, edit_url(step))
    values["network-network__subnet_ids"] = "subnet-0123abcd, net-1"
    response = htmx_client.post(
        edit_url(step), {**values, "_validate": "network-network__subnet_ids"}
    )
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert html.startswith('<div class="mb-2 step-field" id="field-network-network__subnet_ids"')
    assert "'net-1' is not a subnet id: subnet- and 8 or 17 hex digits" in html
    assert "<section" not in html  # just the one field...
    assert 'id="nav-network" class="list-group-item list-group-item-action d-flex ' in html
    assert 'list-group-item-danger" href="#section-network" hx-swap-oob="true"' in html


def test_every_section_is_on_the_step_page_in_the_documented_order(
    admin_client: Client, project: Project
) -> None:
    html = admin_client.get(edit_url(make_step(project))).content.decode()
    titles = [
        "Configuration",
        "Task Execution IAM Role",
        "Task Size",
        "Network Configuration",
        "Tags",
        "Container Definitions",
        "Deployment",
        "Deployment Options",
        "Load Balancer Mappings",
        "Volumes",
    ]
    positions = [html.index(f'<h2 class="h5 mb-0 me-auto">{title}</h2>') for title in titles]
    assert positions == sorted(positions)
    for label in ("Task definition name", "Task Execution Role", "Minimum Health Percentage"):
        assert label in html
    assert "Export to CloudFormation template" in html


def test_a_save_after_someone_else_saved_is_refused_and_shows_their_changes(
    admin_client: Client, project: Project
) -> None:
    step = make_step(project)
    mine = page(admin_client, edit_url(step))
    theirs = dict(mine)
    theirs["deployment-deployment__desired_count"] = "3"
    assert admin_client.post(edit_url(step), theirs).status_code == 302
    mine["configuration-configuration__task_definition_name"] = "web-v2"
    response = admin_client.post(edit_url(step), mine)
    html = response.content.decode()
    assert response.status_code == 200
    assert "was changed" in html and "Your changes were not saved" in html
    assert "<code>deployment.desired_count</code></td><td>1</td><td>3</td>" in html
    step.refresh_from_db()
    assert step.to_document().configuration.task_definition_name == "web"
    assert step.to_document().deployment.desired_count == 3
    # Saving again from the refused page is deliberate: it replaces their version.
    again = form_values(html)
    assert again["_revision"] == "2"
    assert admin_client.post(edit_url(step), again).status_code == 302
    assert Step.objects.get(pk=step.pk).to_document().configuration.task_definition_name == (
        "web-v2"
    )


def test_the_step_page_needs_the_same_queries_for_ten_containers(
    admin_client: Client, project: Project, django_assert_max_num_queries: Any
) -> None:
    containers = "".join(
        f"  - name: c{i}\n    image: {{feed: docker-hub, package: nginx}}\n"
        f"    port_mappings: [{{container_port: {8000 + i}}}]\n"
        for i in range(10)
    )
    step = make_step(project, NGINX.split("containers:")[0] + "containers:\n" + containers)
    with django_assert_max_num_queries(5):  # session, user, project, step, feeds
        html = admin_client.get(edit_url(step)).content.decode()
    assert html.count("container-card") == 10


def test_deleting_a_step_returns_to_the_project(admin_client: Client, project: Project) -> None:
    step = make_step(project)
    response = admin_client.post(
        reverse("projects:steps:delete-step", args=[project.slug, step.pk])
    )
    assert response.status_code == 302
    assert response["Location"] == project.get_absolute_url()
    assert not Step.objects.exists()


def test_a_step_name_longer_than_the_database_keeps_is_refused_on_the_page(
    admin_client: Client, project: Project
) -> None:
    step = make_step(project)
    values = page(admin_client, edit_url(step))
    (name_field,) = [key for key in values if key.endswith("-name") and "__" not in key]
    values[name_field] = "n" * 201
    response = admin_client.post(edit_url(step), values)
    assert response.status_code == 200
    assert "a step name may have at most 200 characters; this one has 201" in unescape(
        response.content.decode()
    )
    step.refresh_from_db()
    assert step.name == "Deploy web"
    assert step.revision == 1


def test_a_role_that_is_not_a_role_arn_is_refused_under_its_field(
    htmx_client: Client, project: Project
) -> None:
    step = make_step(project)
    values = page(htmx_client, edit_url(step))
    (field,) = [key for key in values if key.endswith("configuration__task_role_arn")]
    values[field] = "arn:aws:iam::123456789012:user/app"
    response = htmx_client.post(edit_url(step), {**values, "_validate": field})
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert html.startswith(f'<div class="mb-2 step-field" id="field-{field}"')
    assert "is not an IAM role ARN for the task role; use arn:aws:iam::ACCOUNT:role/NAME" in html
