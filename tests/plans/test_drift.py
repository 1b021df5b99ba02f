"""Drift against the sandbox: changes made behind Deployer's back, found and listed."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from deployer.deployments.models import Deployment
from deployer.plans.models import DeployedState, DriftCheck
from deployer.releases.models import Release
from tests.deployments.conftest import aws_client

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def check_drift(**options: Any) -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("check_drift", stdout=out, stderr=err, **options)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def test_drift_lists_what_was_changed_outside_deployer(
    release_with: Callable[..., Release],
    deploy: Callable[..., Deployment],
    htmx_client: Client,
    sync_queue: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    deployment = deploy(release_with("1.0.0"))
    assert deployment.status == "success"
    deployed = DeployedState.objects.get()
    assert deployed.deployment == deployment
    assert deployed.settings["Desired count"] == "2"

    code, out = check_drift()
    assert (code, out.strip()) == (0, "Web in Development: No drift")

    ecs = aws_client("ecs")
    outputs = deployment.outputs["Deploy web"]
    cluster, service = outputs["ClusterName"], outputs["ServiceName"]
    ecs.update_service(cluster=cluster, service=service, desiredCount=3)
    code, out = check_drift(project="web", environment="Development")
    assert code == 2, out
    assert "Web in Development: Drifted" in out
    assert "Deploy web on sandbox-development: Desired count: deployed 2, running 3" in out
    assert ": Serviceweb" in out and " /DesiredCount: deployed 2, running 3" in out

    running = ecs.describe_task_definition(
        taskDefinition=ecs.describe_services(cluster=cluster, services=[service])["services"][0][
            "taskDefinition"
        ]
    )["taskDefinition"]
    registered = ecs.register_task_definition(
        family=running["family"],
        containerDefinitions=running["containerDefinitions"],
        cpu=running["cpu"],
        memory=running["memory"],
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        executionRoleArn=running.get("executionRoleArn", ""),
    )["taskDefinition"]
    ecs.update_service(
        cluster=cluster,
        service=service,
        taskDefinition=registered["taskDefinitionArn"],
        desiredCount=2,
    )
    code, out = check_drift()
    assert code == 2, out
    revision = f"{running['family']}:{running['revision']}"
    assert (
        f"Task definition: deployed {revision}, running {running['family']}:"
        f"{registered['revision']}"
    ) in out
    assert "Desired count" not in out
    check = DriftCheck.objects.get()
    assert check.drifted and {d["setting"] for d in check.differences} >= {"Task definition"}

    # Put back by hand, then "Check now": a worker checks, and the page's next poll shows it.
    ecs.update_service(
        cluster=cluster, service=service, taskDefinition=running["taskDefinitionArn"]
    )
    environment = deployment.environment
    with django_capture_on_commit_callbacks(execute=True):
        asked = htmx_client.post(reverse("plans:check-drift", args=["web", environment.pk]))
    assert "Checking: asked at" in asked.content.decode()
    polled = htmx_client.get(reverse("plans:drift", args=["web", environment.pk])).content.decode()
    assert "No drift" in polled and "Checking" not in polled
