"""Importing the seeded legacy-web service: the step runs the same containers, gaps are listed."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from deployer.deployments.models import Deployment
from deployer.projects.models import Project
from deployer.releases.actions import create_release
from deployer.sandbox.seed import SeedResult
from steps.models import Step
from targets.models import ClusterTarget
from tests.conftest import any_order_lifecycle
from tests.deployments.conftest import aws_client, log_text

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# What ECS reports for a setting nobody gave; left out before comparing two definitions.
UNSET: tuple[Any, ...] = (None, [], {}, 0, False)


def comparable(definitions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {key: value for key, value in sorted(d.items()) if value not in UNSET}
        for d in sorted(definitions, key=lambda d: d["name"])
    ]


@pytest.fixture
def project() -> Project:
    return Project.objects.create(name="Legacy", slug="legacy", lifecycle=any_order_lifecycle())


def test_imported_legacy_web_deploys_the_same_containers_and_lists_what_it_left_out(
    seeded: SeedResult,
    project: Project,
    deployer_user: User,
    deploy: Callable[..., Deployment],
    settings: Any,
) -> None:
    # Tests reach no registry on the internet: Docker Hub cannot answer the pre-flight.
    settings.DOCKER_HUB_URL = "http://127.0.0.1:9"
    legacy = seeded.legacy_web
    assert legacy is not None
    out = StringIO()
    call_command(
        "import_service",
        project="legacy",
        target="sandbox-development",
        service="legacy-web",
        name="Deploy web",
        stdout=out,
    )
    printed = out.getvalue()
    assert "Not carried over: 2 setting(s)" in printed
    assert "containerDefinitions[web].linuxParameters" in printed
    assert "taskDefinition.ephemeralStorage" in printed
    step = Step.objects.get(project=project)
    document = step.to_document()
    assert document.target_roles == ["web-cluster"]
    assert [(c.image.feed, c.image.package) for c in document.containers] == [
        ("sandbox-ecr", "demo/web"),
        ("docker-hub", "busybox"),
    ]

    # The images the service runs, pinned by a release, deployed by Deployer's own stack.
    release = create_release(
        project,
        version="1.0.0",
        tags={"sandbox-ecr/demo/web": "1.1.0", "docker-hub/busybox": "1.36"},
        user=deployer_user,
    )
    deployment = deploy(release)
    log = log_text(deployment)
    assert deployment.status == "success", log
    assert "Image demo/web:1.1.0 in Sandbox ECR: sha256:" in log
    assert "Could not check busybox:1.36 in Docker Hub" in log
    ecs = aws_client("ecs")
    outputs = deployment.outputs["Deploy web"]
    ours = ecs.describe_services(cluster="development", services=[outputs["ServiceName"]])
    new = ecs.describe_task_definition(taskDefinition=ours["services"][0]["taskDefinition"])
    old = ecs.describe_task_definition(taskDefinition=legacy.task_definition_arn)
    old_containers = old["taskDefinition"]["containerDefinitions"]
    for container in old_containers:
        container.pop("linuxParameters", None)  # listed as not carried over
    assert comparable(new["taskDefinition"]["containerDefinitions"]) == comparable(old_containers)
    for key in ("cpu", "memory", "executionRoleArn", "taskRoleArn", "volumes"):
        assert new["taskDefinition"][key] == old["taskDefinition"][key]
    # The old service is left running, untouched, next to Deployer's.
    old_service = ecs.describe_services(cluster="development", services=["legacy-web"])
    assert old_service["services"][0]["status"] == "ACTIVE"
    assert old_service["services"][0]["taskDefinition"] == legacy.task_definition_arn

    with pytest.raises(CommandError, match="already has a step named 'Deploy web'"):
        call_command(
            "import_service",
            project="legacy",
            target="sandbox-development",
            service="legacy-web",
            name="Deploy web",
            stdout=StringIO(),
        )


def test_new_step_from_an_existing_service_page(
    seeded: SeedResult, project: Project, admin_client: Client
) -> None:
    target = ClusterTarget.objects.get(name="sandbox-development")
    page = admin_client.get(reverse("projects:detail", args=["legacy"]))
    assert "New step from an existing service" in page.content.decode()

    listed = admin_client.get(
        reverse("projects:steps:service-list", args=["legacy"]),
        {"target": target.pk},
        HTTP_HX_REQUEST="true",
    )
    assert "legacy-web" in listed.content.decode()
    assert "<html" not in listed.content.decode()

    preview = admin_client.get(
        reverse("projects:steps:service-preview", args=["legacy"]),
        {"target": target.pk, "service": "legacy-web"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "Not carried over (2)" in preview
    assert "ephemeralStorage" in preview
    assert "task_definition_name: legacy-web" in preview

    missing = admin_client.get(
        reverse("projects:steps:service-preview", args=["legacy"]),
        {"target": target.pk, "service": "nope"},
        HTTP_HX_REQUEST="true",
    )
    assert missing.status_code == 200
    assert "Cluster development has no active service named nope." in missing.content.decode()

    url = reverse("projects:steps:import-service", args=["legacy"])
    created = admin_client.post(
        url, {"target": target.pk, "service": "legacy-web", "step_name": "Deploy legacy"}
    )
    step = Step.objects.get(project=project, name="Deploy legacy")
    assert created.status_code == 302
    assert created["Location"] == step.get_absolute_url()
    again = admin_client.post(
        url, {"target": target.pk, "service": "legacy-web", "step_name": "Deploy legacy"}
    )
    assert "already has a step named" in again.content.decode()
    assert Step.objects.filter(project=project).count() == 1
