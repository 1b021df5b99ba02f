"""The crash-loop guard: a crashing image without a circuit breaker ends, and a good release
deploys after it whatever the failure left behind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from deployer.deployments.models import Deployment
from deployer.projects.models import Project
from deployer.releases.models import Release
from steps.document.io import dump_document, load_document
from steps.document.model import DocumentError
from steps.models import Step
from steps.validation.step import validate
from tests.deployments.conftest import log_text, service_task_definition, stack_status
from tests.steps.editor.test_views_editor import NGINX, edit_url, make_step, page

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def set_options(breaker: bool = False, **guard: Any) -> None:
    step = Step.objects.get()
    step.document["deployment"]["circuit_breaker"] = {"enable": breaker, "rollback": breaker}
    if guard:
        step.document.setdefault("deployment_options", {})["crash_loop_guard"] = guard
    step.save()


def test_a_crash_loop_without_breaker_fails_rolls_back_and_a_good_release_follows(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment]
) -> None:
    set_options(breaker=False)
    good = deploy(release_with("1.0.0"))
    assert good.status == "success", log_text(good)
    family = good.outputs["Deploy web"]["TaskDefinitionFamily"]
    stack = good.outputs["Deploy web"]["CloudFormationStackName"]

    crashed = deploy(release_with("2.1.0-crash"))
    log = log_text(crashed)
    assert crashed.status == "failed", log
    assert crashed.failure_code == "ECS-Deployment-CrashLoop"
    reason = crashed.failure_reason
    assert reason.startswith("Essential container in task exited: container web exit code 1"), (
        reason
    )
    assert "The crash-loop guard stopped the deployment after" in reason
    assert f"rolled the service back to task definition {family}:1." in reason
    assert (
        reason.index("exit code 1")
        < reason.index("crash-loop guard")
        < reason.index("ECS-Deployment-CrashLoop")
    )
    # The guard's default: 3 x the desired count (2) stopped tasks.
    assert "the crash-loop guard allows 6" in log
    assert "CancelUpdateStack" in log
    assert f"Stack {stack} is UPDATE_ROLLBACK_COMPLETE" in log
    assert stack_status(stack) == "UPDATE_ROLLBACK_COMPLETE"
    assert service_task_definition(good) == f"{family}:1"

    recovered = deploy(release_with("1.0.0"))
    assert recovered.status == "success", log_text(recovered)


def test_a_redeploy_cancels_the_update_a_failed_deployment_left_in_progress(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment]
) -> None:
    set_options(breaker=False, enable=True, stopped_tasks=2, rollback=False)
    good = deploy(release_with("1.0.0"))
    assert good.status == "success", log_text(good)
    stack = good.outputs["Deploy web"]["CloudFormationStackName"]

    crashed = deploy(release_with("2.1.0-crash"))
    log = log_text(crashed)
    assert crashed.status == "failed", log
    assert "the crash-loop guard allows 2" in log
    assert "the service was left as it was (rollback is off)" in crashed.failure_reason
    assert f"stack {stack} is left UPDATE_IN_PROGRESS" in log
    assert stack_status(stack) == "UPDATE_IN_PROGRESS"

    redeploy = deploy(release_with("1.0.0"))
    log = log_text(redeploy)
    assert redeploy.status == "success", log
    assert (
        f"Stack {stack} is UPDATE_IN_PROGRESS, left by deployment {crashed.pk} (Failed); "
        "cancelling that update (CancelUpdateStack)"
    ) in log
    assert log.index("cancelling that update") < log.index("Updating stack")


def test_a_crash_loop_on_the_first_deploy_removes_the_stack(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment]
) -> None:
    set_options(breaker=False)
    crashed = deploy(release_with("2.1.0-crash"))
    log = log_text(crashed)
    assert crashed.status == "failed", log
    assert crashed.failure_code == "ECS-Deployment-CrashLoop"
    assert crashed.failure_reason.startswith("Essential container in task exited"), log
    assert "and removed the stack it was creating" in crashed.failure_reason
    assert "nothing was left behind" in log
    first = deploy(release_with("1.0.0"))
    log = log_text(first)
    assert first.status == "success", log
    assert "Creating stack" in log


def test_a_first_deploy_left_crash_looping_does_not_block_the_next(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment]
) -> None:
    set_options(breaker=False, enable=True, stopped_tasks=None, rollback=False)
    crashed = deploy(release_with("2.1.0-crash"))
    log = log_text(crashed)
    assert crashed.status == "failed", log
    assert "is left CREATE_IN_PROGRESS" in log
    good = deploy(release_with("1.0.0"))
    log = log_text(good)
    assert good.status == "success", log
    assert f"is CREATE_IN_PROGRESS, left by deployment {crashed.pk} (Failed)" in log
    assert log.index("letting that creation settle") < log.index("Updating stack")


def test_the_guard_is_set_in_the_deployment_options_section_and_round_trips(
    admin_client: Client, db: None
) -> None:
    project = Project.objects.create(name="Shop", slug="shop")
    step = make_step(project)
    prefix = "options-deployment_options__crash_loop_guard__"
    values = page(admin_client, edit_url(step))
    assert values[f"{prefix}enable_0"] == "true"
    assert values[f"{prefix}stopped_tasks"] == ""  # null: 3 x the desired count
    assert values[f"{prefix}rollback_0"] == "true"

    values[f"{prefix}stopped_tasks"] = "0"
    response = admin_client.post(edit_url(step), values)
    assert response.status_code == 200
    html = response.content.decode()
    field = html[html.index(f'id="field-{prefix}stopped_tasks"') :][:3000]
    assert "0 is too small; use at least 1" in field

    values[f"{prefix}stopped_tasks"] = "4"
    values[f"{prefix}rollback_0"] = "false"
    assert admin_client.post(edit_url(step), values).status_code == 302
    step.refresh_from_db()
    assert step.document["deployment_options"]["crash_loop_guard"] == {
        "enable": True,
        "stopped_tasks": 4,
        "rollback": False,
    }
    exported = dump_document(step.to_document())
    assert "  crash_loop_guard:\n    stopped_tasks: 4\n    rollback: false\n" in exported
    assert load_document(exported) == step.to_document()


def test_the_guard_setting_is_validated() -> None:
    def problems(guard: str) -> list[str]:
        text = NGINX + f"deployment_options:\n  crash_loop_guard: {guard}\n"
        return [f"{p.path}: {p.message}" for p in validate(load_document(text))]

    assert problems("{stopped_tasks: 0}") == [
        "deployment_options.crash_loop_guard.stopped_tasks: 0 is too small; use at least 1"
    ]
    assert problems('{stopped_tasks: "#{StoppedTasks}"}') == []
    assert problems("{enable: false, stopped_tasks: null, rollback: false}") == []
    with pytest.raises(DocumentError, match=r"crash_loop_guard\.stoped_tasks: unknown field"):
        load_document(NGINX + "deployment_options:\n  crash_loop_guard: {stoped_tasks: 2}\n")
