"""ECS blue/green through a real deployment: the page follows the stages and traffic, Approve
continues a pause, Roll back and an alarm in bake roll it back and fail the deployment saying
why, Cancel during a pause rolls the service back too, and a step switched back to rolling
deploys again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from deployer.deployments.actions import (
    cancel_deployment,
    continue_deployment,
)
from deployer.deployments.failures import ROLLED_BACK
from deployer.deployments.models import Deployment
from deployer.projects.models import Project
from deployer.releases.actions import ActionRefused, create_release
from deployer.releases.models import Release
from deployer.sandbox.ecs_service_deployment_model import STAGES as ECS_STAGES
from deployer.sandbox.seed import SeedResult
from steps.document.io import load_document
from steps.models import Step
from tests.api.conftest import api_client
from tests.conftest import any_order_lifecycle
from tests.deployments.conftest import STEP as CONFTEST_STEP
from tests.deployments.conftest import (
    Worker,
    aws_client,
    log_text,
    service_task_definition,
)
from tests.sandbox.polling import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

STEP = CONFTEST_STEP.replace(
    "deployment: {{desired_count: 2}}\n",
    """load_balancer_mappings:
  - container_name: web
    container_port: 80
    target_group_arn: {target_group}
    advanced:
      alternate_target_group_arn: {alternate}
      production_listener_rule_arn: {production_rule}
      test_listener_rule_arn: {test_rule}
      role_arn: {role}
deployment:
  desired_count: 2
  strategy: {strategy}
  bake_time_minutes: {bake}
  lifecycle_hooks: {hooks}
  alarms: {{names: [{alarm}], rollback: true}}
""",
)

SCALED_STEP = CONFTEST_STEP.replace(
    "deployment: {{desired_count: 2}}",
    "deployment: {{auto_scaling: {{min: 2, max: 6, target_cpu_percent: 60}}}}",
)
PAUSE = "[{stages: [POST_TEST_TRAFFIC_SHIFT], target: pause, timeout_minutes: 600}]"


def step_document(seeded: SeedResult, family: str, strategy: str, alarm: str, bake: int = 5) -> Any:
    blue_green = seeded.blue_green
    assert blue_green is not None
    return load_document(
        STEP.format(
            family=family,
            security_group=seeded.security_group_id,
            subnets=", ".join(seeded.subnet_ids),
            target_group=seeded.target_group_arn,
            alternate=blue_green.alternate_target_group_arn,
            production_rule=blue_green.production_listener_rule_arn,
            test_rule=blue_green.test_listener_rule_arn,
            role=blue_green.role_arn,
            strategy=strategy,
            alarm=alarm,
            hooks="[]" if strategy == "rolling" else PAUSE,
            bake=bake,
        )
    )


def production_weights(seeded: SeedResult) -> dict[str, int]:
    assert seeded.blue_green is not None
    rule = aws_client("elbv2").describe_rules(
        RuleArns=[seeded.blue_green.production_listener_rule_arn]
    )["Rules"][0]
    action = rule["Actions"][0]
    if "ForwardConfig" not in action:  # as seeded: one target group, all the traffic
        return {action["TargetGroupArn"]: 100}
    return {g["TargetGroupArn"]: g["Weight"] for g in action["ForwardConfig"]["TargetGroups"]}


def serving(seeded: SeedResult) -> str:
    """The target group that takes the production traffic."""
    weights = production_weights(seeded)
    return max(weights, key=lambda arn: weights[arn])


def test_blue_green_pauses_for_approval_and_rolls_back_on_request_an_alarm_or_cancel(
    seeded: SeedResult, admin_user: User, admin_client: Client
) -> None:
    approver = admin_user
    project = Project.objects.create(name="Web", slug="web", lifecycle=any_order_lifecycle())
    family = "web-blue-green-journey"
    alarm = "web-blue-green-5xx"
    Step.from_document(project, step_document(seeded, family, "blue_green", alarm)).save()
    cloudwatch = aws_client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=alarm,
        MetricName="HTTPCode_Target_5XX_Count",
        Namespace="AWS/ApplicationELB",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )

    def release(tag: str) -> Release:
        return create_release(
            project,
            version=f"1.0.{project.releases.count()}",
            tags={"sandbox-ecr/demo/web": tag},
            user=approver,
        )

    # The first deployment creates the service: there is nothing to shift traffic from yet.
    first = Worker(release("1.0.0")).finish()
    assert first.status == "success", log_text(first)
    # moto's state outlives a sandbox within one process: an earlier test may have left either
    # target group serving the shared listener rule. Blue/green moves production to the other.
    pair = {seeded.target_group_arn, seeded.blue_green.alternate_target_group_arn}  # type: ignore[union-attr]
    (green,) = pair - {serving(seeded)}

    # Blue/green: test traffic shifts, then the pause waits for a person.
    worker = Worker(release("1.1.0"))
    paused = wait_until(worker.awaiting, "the pause after test traffic")
    assert paused["stage"] == "POST_TEST_TRAFFIC_SHIFT"
    assert (paused["test"], paused["production"]) == (100.0, 0.0)
    page = admin_client.get(reverse("deployments:detail", args=[worker.deployment.pk]))
    assert "Awaiting approval at POST_TEST_TRAFFIC_SHIFT" in page.content.decode()
    assert 'id="approve-service-deployment"' in page.content.decode()
    response = admin_client.post(
        reverse("deployments:continue", args=[worker.deployment.pk]), {"action": "continue"}
    )
    assert response.status_code == 302
    second = worker.finish()
    log = log_text(second)
    assert second.status == "success", log
    stages = [
        line.split("stage ")[1].rstrip(".") for line in log.splitlines() if ": stage " in line
    ]
    # Stages are logged as the watch sees them (a short one may pass between two looks).
    assert stages == sorted(stages, key=ECS_STAGES.index)
    assert {"POST_TEST_TRAFFIC_SHIFT", "BAKE_TIME"} <= set(stages)
    test_shift = log.index("Traffic: production 0% new / 100% old; test 100% new.")
    assert log.index("Traffic: production 100% new / 0% old; test 100% new.") > test_shift
    assert "Approved at POST_TEST_TRAFFIC_SHIFT by ada" in log
    assert "SUCCESSFUL" in log
    assert service_task_definition(second) == f"{family}:2"
    assert serving(seeded) == green
    with pytest.raises(ActionRefused, match="no ECS service deployment in progress"):
        continue_deployment(second, None, "continue")

    # Roll back at the pause: the deployment fails, the old revision serves again.
    worker = Worker(release("2.0.0"))
    wait_until(worker.awaiting, "the pause of the third deployment")
    # This time through the HTTP API, as a pipeline or a chat bot would.
    answer = api_client(approver).post(
        f"/api/v1/deployments/{worker.deployment.pk}/continue",
        {"action": "rollback"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    third = worker.finish()
    assert third.status == "failed", log_text(third)
    assert third.failure_code == ROLLED_BACK
    assert "Rolled back by ContinueServiceDeployment at POST_TEST_TRAFFIC_SHIFT" in (
        third.failure_reason
    )
    assert service_task_definition(second) == f"{family}:2"
    assert serving(seeded) == green

    # An alarm going off during bake time rolls back, and the deployment names it.
    worker = Worker(release("2.0.0"))
    wait_until(worker.awaiting, "the pause of the fourth deployment")
    call_command("continue_deployment", deployment=worker.deployment.pk, action="continue")
    wait_until(lambda: worker.service_deployment().get("stage") == "BAKE_TIME", "bake time")
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="5xx")
    fourth = worker.finish()
    log = log_text(fourth)
    assert fourth.status == "failed", log
    assert fourth.failure_code == ROLLED_BACK
    assert f"CloudWatch alarm {alarm} went into ALARM during BAKE_TIME" in fourth.failure_reason
    assert f"CloudWatch alarm {alarm} fired during BAKE_TIME." in log
    assert service_task_definition(second) == f"{family}:2"
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="fine")

    # Cancel while paused: CloudFormation rolls the service back, which ends the pause.
    worker = Worker(release("2.0.0"))
    wait_until(worker.awaiting, "the pause of the fifth deployment")
    cancel_deployment(worker.deployment, approver)
    cancelled = worker.finish()
    assert cancelled.status == "cancelled", log_text(cancelled)
    assert service_task_definition(second) == f"{family}:2"

    # Back to rolling: the advanced load balancing goes, and the deployment succeeds.
    step = project.steps.get()
    step.set_document(step_document(seeded, family, "rolling", alarm))
    step.save()
    sixth = Worker(release("2.0.0")).finish()
    assert sixth.status == "success", log_text(sixth)
    described = aws_client("ecs").describe_services(
        cluster="development", services=[sixth.outputs["Deploy web"]["ServiceName"]]
    )["services"][0]
    assert described["deploymentConfiguration"].get("strategy", "ROLLING") == "ROLLING"
    assert "advancedConfiguration" not in described["loadBalancers"][0]


@pytest.mark.django_db  # no thread: the deployments run in this test, as a worker would
def test_with_auto_scaling_a_redeploy_keeps_the_scaled_desired_count(
    seeded: SeedResult, admin_user: User, deploy: Callable[..., Deployment]
) -> None:
    project = Project.objects.create(name="Scaled", slug="scaled", lifecycle=any_order_lifecycle())
    document = SCALED_STEP.format(
        family="web-auto-scaled",
        security_group=seeded.security_group_id,
        subnets=", ".join(seeded.subnet_ids),
    )
    Step.from_document(project, load_document(document)).save()

    def release(tag: str) -> Release:
        return create_release(
            project,
            version=f"1.0.{project.releases.count()}",
            tags={"sandbox-ecr/demo/web": tag},
            user=admin_user,
        )

    first = deploy(release("1.0.0"))
    assert first.status == "success", log_text(first)
    service = first.outputs["Deploy web"]["ServiceName"]
    ecs = aws_client("ecs")
    # The scalable target's minimum raised the one task ECS starts with.
    assert (
        ecs.describe_services(cluster="development", services=[service])["services"][0][
            "desiredCount"
        ]
        == 2
    )
    # Application Auto Scaling scales out, as it would under load.
    ecs.update_service(cluster="development", service=service, desiredCount=3)
    second = deploy(release("1.1.0"))
    assert second.status == "success", log_text(second)
    described = ecs.describe_services(cluster="development", services=[service])["services"][0]
    assert described["desiredCount"] == 3
    assert described["runningCount"] == 3
    assert service_task_definition(second) == "web-auto-scaled:2"
