"""Deploying releases to the sandbox: create, no-op, new image, failures and recovery."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from deployer.aws.session import ClientFactory
from deployer.deployments.models import Deployment
from deployer.releases.models import Release
from targets.models import AwsAccount as Account
from tests.deployments.conftest import log_text

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_first_deploy_creates_the_stack_and_runs_the_tasks(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment]
) -> None:
    deployment = deploy(release_with("1.0.0"))
    log = log_text(deployment)
    assert deployment.status == "success", log
    assert "Creating stack cf-ecs-development-" in log
    assert "CREATE_COMPLETE" in log
    assert "The ECS deployment completed: 2 of 2 tasks running." in log
    outputs = deployment.outputs["Deploy web"]
    assert outputs["ClusterName"] == "development"
    assert outputs["CloudFormationStackName"].startswith("cf-ecs-development-")
    assert outputs["TaskDefinitionRevision"] == "1"
    assert outputs["Region"] == "us-east-1"
    counts = {key: deployment.rollout[key] for key in ("desired", "running", "pending", "failed")}
    assert counts == {"desired": 2, "running": 2, "pending": 0, "failed": 0}
    # What Roll back would stop: the service this deployment updated, on its cluster.
    assert deployment.rollout["service"]["cluster"] == "development"
    assert deployment.rollout["service"]["service"].startswith(outputs["CloudFormationStackName"])


def test_redeploying_a_release_succeeds_on_the_same_service(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment]
) -> None:
    release = release_with("1.0.0")
    first = deploy(release)
    again = deploy(release)
    assert first.status == again.status == "success", log_text(again)
    # The stack's tags name the deployment, so a redeploy is an update, never a new stack.
    assert again.outputs["Deploy web"]["StackId"] == first.outputs["Deploy web"]["StackId"]
    assert again.outputs["Deploy web"]["ServiceName"] == first.outputs["Deploy web"]["ServiceName"]


def test_a_resumed_deployment_finds_the_stack_up_to_date(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment]
) -> None:
    import datetime as dt

    from deployer.deployments.tasks import run_deployment

    deployment = deploy(release_with("1.0.0"))
    # As if the worker died after the stack was updated but before it recorded the outcome.
    Deployment.objects.filter(pk=deployment.pk).update(
        status="running", heartbeat=deployment.created - dt.timedelta(hours=1)
    )
    assert run_deployment(deployment.pk) == "done"
    deployment.refresh_from_db()
    log = log_text(deployment)
    assert deployment.status == "success", log
    assert deployment.attempt == 2
    assert "Resuming (attempt 2)" in log
    assert "No updates are to be performed: the stack already matches." in log


def test_a_new_image_tag_repoints_the_service(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment]
) -> None:
    first = deploy(release_with("1.0.0"))
    second = deploy(release_with("1.1.0"))
    assert second.status == "success", log_text(second)
    assert "Updating stack" in log_text(second)
    assert "UPDATE_COMPLETE" in log_text(second)
    assert second.outputs["Deploy web"]["TaskDefinitionRevision"] == "2"
    service = second.outputs["Deploy web"]["ServiceName"]
    assert first.outputs["Deploy web"]["ServiceName"] == service
    # The old tasks were drained: only revision 2 runs now.
    ecs = ClientFactory(Account.objects.get()).client("ecs", "us-east-1")
    running = ecs.list_tasks(cluster="development", serviceName=service, desiredStatus="RUNNING")
    tasks = ecs.describe_tasks(cluster="development", tasks=running["taskArns"])["tasks"]
    assert len(tasks) == 2
    assert {task["taskDefinitionArn"].rsplit(":", 1)[-1] for task in tasks} == {"2"}


def test_a_new_desired_count_waits_for_the_extra_tasks(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment]
) -> None:
    from steps.models import Step

    assert deploy(release_with("1.0.0")).status == "success"
    step = Step.objects.get()
    step.document["deployment"]["desired_count"] = 4
    step.save()
    scaled = deploy(release_with("1.0.0"))
    assert scaled.status == "success", log_text(scaled)
    assert "The ECS deployment completed: 4 of 4 tasks running." in log_text(scaled)


def test_a_crashing_image_fails_with_the_exit_code_and_a_good_release_recovers(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment]
) -> None:
    assert deploy(release_with("1.0.0")).status == "success"
    crashed = deploy(release_with("2.1.0-crash"))
    log = log_text(crashed)
    assert crashed.status == "failed", log
    assert "exit code 1" in log
    assert "Essential container in task exited" in log
    # Shown live, while CloudFormation was still waiting on the service.
    assert log.index("exit code 1") < log.index("ECS-Deployment-DeployFailed")
    assert crashed.failure_code in {"ECS-Deployment-DeployFailed", "ECS-Deployment-RolloutFailed"}
    recovered = deploy(release_with("2.0.0"))
    assert recovered.status == "success", log_text(recovered)


def test_a_missing_cluster_fails_then_the_stack_is_recreated(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment], settings: Any
) -> None:
    from targets.models import ClusterTarget

    # The pre-flight would find the missing cluster before CloudFormation is asked.
    settings.PREFLIGHT_SKIP = frozenset({"cluster"})
    target = ClusterTarget.objects.get(name="sandbox-development")
    target.cluster_name = "no-such-cluster"
    target.save()
    failed = deploy(release_with("1.0.0"))
    log = log_text(failed)
    assert failed.status == "failed", log
    assert failed.failure_code == "ECS-Deployment-DeployFailed"
    assert "ROLLBACK_COMPLETE" in log
    # Once the cluster exists, the same stack is deleted from its failed state and created again.
    ClientFactory(target.account).client("ecs", "us-east-1").create_cluster(
        clusterName="no-such-cluster"
    )
    retried = deploy(release_with("1.0.0"))
    assert retried.status == "success", log_text(retried)
    assert "cannot be updated; deleting it to create it again" in log_text(retried)


def test_a_stack_operation_in_progress_is_waited_for(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment]
) -> None:
    from io import StringIO

    from django.core.management import call_command

    from deployer.sandbox.server import SandboxServer

    # Slow enough that the other operation is still running when the deployment looks.
    slow = SandboxServer(speed=5).start()
    call_command("seed_sandbox", url=slow.url, stdout=StringIO())
    try:
        _check_waits_for_operation_in_progress(release_with, deploy)
    finally:
        slow.stop()


def _check_waits_for_operation_in_progress(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment]
) -> None:
    first = deploy(release_with("1.0.0"))
    stack = first.outputs["Deploy web"]["CloudFormationStackName"]
    cloudformation = ClientFactory(Account.objects.get()).client("cloudformation", "us-east-1")
    cloudformation.delete_stack(StackName=stack)  # someone else's operation, still running
    second = deploy(release_with("1.1.0"))
    log = log_text(second)
    assert second.status == "success", log
    assert f"Stack {stack} is DELETE_IN_PROGRESS; waiting for it." in log
    assert log.index("waiting for it") < log.index("Creating stack")


def test_invalid_values_after_substitution_stop_before_any_aws_call(
    release_with: Callable[..., Release],
    deploy: Callable[..., Deployment],
    sandbox: object,
) -> None:
    from deployer.projects.models import Variable
    from steps.models import Step

    step = Step.objects.get()
    step.document["task_size"]["memory"] = "#{Memory}"
    step.save()
    Variable.objects.create(project=step.project, name="Memory", value="3072")
    deployment = deploy(release_with("1.0.0"))
    log = log_text(deployment)
    assert deployment.status == "failed"
    assert deployment.failure_code == "ECS-Deploy-ValidationError"
    assert "task_size.memory: 3072 MiB is not valid with 256 CPU units" in log
    assert "Creating stack" not in log


def test_no_matching_target_is_refused_when_queueing(release_with: Callable[..., Release]) -> None:
    from deployer.deployments.actions import start_deployment
    from deployer.releases.actions import ActionRefused
    from targets.models import ClusterTarget, Environment

    ClusterTarget.objects.filter(name="sandbox-production").delete()
    with pytest.raises(ActionRefused) as refused:
        start_deployment(release_with("1.0.0"), Environment.objects.get(name="Production"), None)
    assert refused.value.messages == [
        "No ECS cluster targets with role web-cluster in environment Production."
    ]


def test_dont_wait_succeeds_once_the_stack_operation_is_accepted(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment]
) -> None:
    from steps.models import Step

    step = Step.objects.get()
    step.document["deployment_options"]["wait"] = "dont_wait"
    step.save()
    deployment = deploy(release_with("1.0.0"))
    log = log_text(deployment)
    assert deployment.status == "success", log
    assert "Not waiting for the stack or the tasks" in log
    assert "ECS rollout" not in log


def test_a_release_binding_a_sensitive_value_where_aws_would_see_it_is_refused(
    release_with: Callable[..., Release],
) -> None:
    from deployer.projects.models import Variable
    from deployer.releases.actions import ActionRefused
    from steps.models import Step

    step = Step.objects.get()
    step.document["configuration"]["task_definition_name"] = "#{Family}"
    step.save()
    Variable.objects.create(
        project=step.project, name="Family", secret_value="webSecretFamily", is_sensitive=True
    )
    with pytest.raises(ActionRefused) as refused:
        release_with("1.0.0")
    message = str(refused.value)
    assert "configuration.task_definition_name: the sensitive variable Family cannot be used" in (
        message
    )
    assert "webSecretFamily" not in message


def test_an_older_release_binding_a_sensitive_value_is_refused_at_deploy_time_without_showing_it(
    release_with: Callable[..., Release], deploy: Callable[..., Deployment]
) -> None:
    from deployer.core.crypto import encrypt
    from deployer.projects.models import Variable
    from steps.models import Step

    step = Step.objects.get()
    step.document["configuration"]["task_definition_name"] = "#{Family}"
    step.save()
    Variable.objects.create(project=step.project, name="Family", value="webFamily")
    release = release_with("1.0.0")
    # A release made before the rule existed: the variable was already sensitive in it.
    release.snapshot["variables"] = [
        {
            "name": "Family",
            "environments": [],
            "sensitive": True,
            "encrypted_value": encrypt("webSecretFamily"),
        }
    ]
    release.save()
    deployment = deploy(release)
    log = log_text(deployment)
    assert deployment.status == "failed", log
    assert deployment.failure_code == "ECS-Deploy-ValidationError"
    assert (
        "configuration.task_definition_name: the sensitive variable Family cannot be used here"
        in log
    )
    assert "webSecretFamily" not in log
