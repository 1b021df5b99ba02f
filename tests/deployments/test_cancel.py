"""Cancel on the deployment page stops a running deployment: it ends Cancelled, its stack
operation is stopped, and its log says in what state the stack was left."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django.urls import reverse

from deployer.deployments.models import Deployment
from deployer.releases.models import Release
from deployer.sandbox.server import SandboxServer
from tests.deployments.conftest import (
    Worker,
    log_text,
    service_task_definition,
    stack_status,
)
from tests.sandbox.polling import wait_until

pytestmark = [
    pytest.mark.database,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    # Slow enough that a deployment is still running when Cancel is pressed.
    with SandboxServer(speed=5) as server:
        yield server


def deployed_once(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment]
) -> tuple[Deployment, str, str]:
    """A first, successful deployment of 1.0.0: it, its task definition family and its stack."""
    first = deploy(release_with("1.0.0"))
    assert first.status == "success", log_text(first)
    outputs = first.outputs["Deploy web"]
    return first, outputs["TaskDefinitionFamily"], outputs["CloudFormationStackName"]


def press_cancel(client: Client, deployment: Deployment) -> None:
    response = client.post(reverse("deployments:cancel", args=[deployment.pk]))
    assert response.status_code in (200, 204, 302)


def test_cancelling_a_create_deletes_the_stack_once_it_settles(
    admin_client: Client, release_with: Callable[..., Release]
) -> None:
    worker = Worker(release_with("1.0.0"))
    wait_until(worker.logged("Creating stack"), "the stack creation to start")
    press_cancel(admin_client, worker.deployment)
    deployment = worker.finish()
    log = log_text(deployment)
    assert deployment.status == "cancelled", log
    assert deployment.failure_code == ""
    assert "Cancellation requested by ada" in log
    stack = next(
        line.split()[2].rstrip(".") for line in log.splitlines() if line.startswith("Creating")
    )
    assert f"Stack {stack} is CREATE_IN_PROGRESS: a creation cannot be stopped half-way" in log
    assert "nothing was left behind" in log
    assert stack_status(stack) == "absent"
    assert log.rstrip().endswith("Deployment Cancelled.")


def test_cancelling_an_update_rolls_the_stack_back(
    admin_client: Client,
    release_with: Callable[..., Release],
    deploy: Callable[..., Deployment],
) -> None:
    first, family, stack = deployed_once(release_with, deploy)
    worker = Worker(release_with("1.1.0"))
    wait_until(worker.logged("Updating stack"), "the stack update to start")
    press_cancel(admin_client, worker.deployment)
    deployment = worker.finish()
    log = log_text(deployment)
    assert deployment.status == "cancelled", log
    assert f"Cancelling the update of stack {stack} (CancelUpdateStack)" in log
    assert f"Stack {stack} is UPDATE_ROLLBACK_COMPLETE: the update was rolled back" in log
    assert stack_status(stack) == "UPDATE_ROLLBACK_COMPLETE"
    assert service_task_definition(first) == f"{family}:1"


def test_cancelling_while_the_rollout_is_followed_rolls_the_service_back(
    admin_client: Client,
    release_with: Callable[..., Release],
    deploy: Callable[..., Deployment],
) -> None:
    first, family, stack = deployed_once(release_with, deploy)
    worker = Worker(release_with("1.1.0"))
    # The new tasks are starting: CloudFormation is waiting on the ECS rollout.
    wait_until(
        worker.logged("has started 2 tasks", after="Updating stack"),
        "the new tasks to start",
    )
    press_cancel(admin_client, worker.deployment)
    deployment = worker.finish()
    log = log_text(deployment)
    assert deployment.status == "cancelled", log
    assert f"Cancelling the update of stack {stack} (CancelUpdateStack)" in log
    assert f"Stack {stack} is UPDATE_ROLLBACK_COMPLETE" in log
    assert service_task_definition(first) == f"{family}:1"
    # And the next deployment goes ahead.
    again = deploy(release_with("1.1.0"))
    assert again.status == "success", log_text(again)


def test_cancelling_after_the_stack_finished_says_the_stack_was_left_as_it_is(
    admin_client: Client,
    release_with: Callable[..., Release],
    deploy: Callable[..., Deployment],
) -> None:
    from steps.models import Step

    _first, _family, stack = deployed_once(release_with, deploy)
    step = Step.objects.get()
    step.document["deployment"]["desired_count"] = 4
    step.save()
    worker = Worker(release_with("1.0.0"))
    # The stack is done; the deployment now waits for ECS to start the extra tasks.
    wait_until(
        worker.logged("Tasks: 4 desired", after="ECS rollout of"), "the rollout to be followed"
    )
    press_cancel(admin_client, worker.deployment)
    deployment = worker.finish()
    log = log_text(deployment)
    assert deployment.status == "cancelled", log
    assert "CancelUpdateStack" not in log
    assert f"Stack {stack} is UPDATE_COMPLETE: the update had finished before it could be" in log
    assert stack_status(stack) == "UPDATE_COMPLETE"


def test_roll_back_during_a_rolling_update_returns_the_service_to_its_revision(
    admin_client: Client,
    release_with: Callable[..., Release],
    deploy: Callable[..., Deployment],
) -> None:
    first, family, _stack = deployed_once(release_with, deploy)
    worker = Worker(release_with("1.1.0"))
    wait_until(
        worker.logged("has started 2 tasks", after="Updating stack"),
        "the new tasks to start",
    )
    page = admin_client.get(reverse("deployments:detail", args=[worker.deployment.pk]))
    assert 'id="roll-back-service-deployment"' in page.content.decode()
    assert 'id="approve-service-deployment"' not in page.content.decode()
    response = admin_client.post(
        reverse("deployments:continue", args=[worker.deployment.pk]), {"action": "rollback"}
    )
    assert response.status_code == 302
    deployment = worker.finish()
    log = log_text(deployment)
    assert deployment.status == "failed", log
    assert "Roll back at its current stage requested by ada" in log
    assert "StopServiceDeployment" in deployment.failure_reason or "StopServiceDeployment" in log
    assert service_task_definition(first) == f"{family}:1"
