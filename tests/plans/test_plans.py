"""Change plans against the sandbox: before the first deployment, in the log, and from the CLI."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from deployer.deployments.models import Deployment
from deployer.plans.planner import REPLACE, ROLL, TAGS_ONLY, compute_plan
from deployer.projects.models import Variable
from deployer.releases.models import Release
from steps.models import Step
from targets.models import Environment
from tests.api.conftest import api_client
from tests.deployments.conftest import aws_client, log_text, stack_status

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def development() -> Environment:
    return Environment.objects.get(name="Development")


def plan_release(release: Release) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command(
            "plan_release",
            project=release.project.slug,
            version=release.version,
            environment="Development",
            stdout=out,
        )
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def wait_until_absent(stack: str) -> None:
    deadline = time.monotonic() + 10
    while stack_status(stack) != "absent":
        assert time.monotonic() < deadline, f"stack {stack} is still {stack_status(stack)}"
        time.sleep(0.05)


def test_a_release_plans_as_a_creation_then_as_tags_only_then_as_a_roll(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment]
) -> None:
    first = release_with("1.0.0")
    plan = compute_plan(first, development())
    [step] = plan.steps
    assert plan.verdict.startswith("creates stack cf-ecs-development-"), plan.lines()
    assert {change.action for change in step.resource_changes} == {"Add"}
    assert {change.resource_type for change in step.resource_changes} >= {
        "AWS::ECS::Service",
        "AWS::ECS::TaskDefinition",
    }
    assert plan.has_changes
    # The plan leaves nothing behind: the stack AWS keeps for a CREATE change set is deleted.
    wait_until_absent(step.stack_name)

    deployment = deploy(first)
    log = log_text(deployment)
    assert deployment.status == "success", log
    assert f"Change plan: creates stack {step.stack_name}" in log
    assert log.index("Change plan:") < log.index(f"Creating stack {step.stack_name}")

    code, out = plan_release(first)
    assert code == 0, out
    assert f"Plan for Web {first.version} → Development: {TAGS_ONLY}" in out
    assert f"Tag Octopus.Deployment.Id: Deployments-{deployment.pk} → (the deployment's id)" in out
    # CI asks the API the same question.
    api = api_client(User.objects.create_superuser("ci", "ci@example.com", "x"))
    url = f"/api/v1/projects/{first.project.slug}/releases/{first.version}/plan"
    answer = api.get(url, {"environment": "development"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["verdict"] == TAGS_ONLY and answer.json()["has_changes"] is False
    assert answer.json()["steps"][0]["stack_name"] == step.stack_name
    assert api.get(url, {"environment": "Nowhere"}).status_code == 400

    second = release_with("1.1.0")
    code, out = plan_release(second)
    assert code == 2, out
    assert f": {ROLL}" in out.splitlines()[0]
    assert "  because container web: image " in out and "demo/web: 1.0.0 → 1.1.0" in out
    assert "Modify TaskDefinition" in out and "replacement True: ContainerDefinitions" in out

    second_deployment = deploy(second)
    assert second_deployment.status == "success"
    assert f"Change plan: {ROLL}" in log_text(second_deployment)


def test_changes_to_the_step_plan_as_rolls_replacements_and_masked_secrets(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment]
) -> None:
    step = Step.objects.get()
    step.document["containers"][0]["environment"] = {
        "variables": [{"name": "DB_PASSWORD", "value": "#{DbPassword}", "type": "plain"}]
    }
    # Not waiting: the stack is still being created when the plan below looks at it.
    step.document["deployment_options"] = {"wait": "dont_wait"}
    step.save()
    password = Variable.objects.create(
        project=step.project, name="DbPassword", secret_value="first-Secret-1", is_sensitive=True
    )
    first = release_with("1.0.0")
    assert deploy(first).status == "success"

    busy = compute_plan(first, development(), wait_seconds=0)
    assert "is CREATE_IN_PROGRESS" in busy.error and "plan again once it settles" in busy.error
    assert busy.verdict.startswith("cannot plan: ")
    settled = compute_plan(first, development(), wait_seconds=30)
    assert settled.error == "" and settled.verdict == TAGS_ONLY, settled.lines()

    step.document["task_size"] = {"cpu": 512, "memory": 1024}
    step.save()
    bigger = compute_plan(release_with("1.0.0"), development())
    assert bigger.verdict == ROLL
    assert any(line.endswith("~ CPU: 256 → 512") for line in bigger.lines())
    assert any(line.endswith("~ Memory: 512 → 1024") for line in bigger.lines())

    password.secret_value = "second-Secret-2"
    password.save()
    step.document["task_size"] = {"cpu": 256, "memory": 512}
    step.save()
    rotated = compute_plan(release_with("1.0.0"), development())
    text = "\n".join(rotated.lines()) + json.dumps(rotated.to_dict())
    assert "Secret-1" not in text and "Secret-2" not in text
    [secret] = [d for d in rotated.steps[0].differences if d.setting.startswith("secret")]
    assert secret.to_dict() == {"setting": secret.setting, "change": "changed", "masked": True}
    assert "~ secret DbPassword (SSM /deployer/web/Development/DbPassword): changed" in text
    assert rotated.has_changes

    step.document["tags"] = {"enable_ecs_managed_tags": True}
    step.save()
    managed = compute_plan(release_with("1.0.0"), development())
    assert managed.verdict == REPLACE
    assert any(
        "EnableECSManagedTags requires re-creating the service" in r
        for r in managed.steps[0].reasons
    )


def test_the_empty_stack_a_plan_leaves_does_not_stop_the_first_deployment(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment]
) -> None:
    first = release_with("1.0.0")
    [step] = compute_plan(first, development()).steps
    wait_until_absent(step.stack_name)
    # A plan of the new stack, caught between its CREATE change set and its clean-up.
    aws_client("cloudformation").create_change_set(
        StackName=step.stack_name,
        ChangeSetName="preview",
        ChangeSetType="CREATE",
        TemplateBody=json.dumps({"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup"}}}),
    )
    assert stack_status(step.stack_name) == "REVIEW_IN_PROGRESS"

    deployment = deploy(first)
    log = log_text(deployment)
    assert deployment.status == "success", log
    assert "is REVIEW_IN_PROGRESS (the empty stack of a change plan); deleting it" in log
