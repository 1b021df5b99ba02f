"""The sandbox's ECS service deployments: linear and canary traffic steps, lifecycle hooks that
time out or fail, StopServiceDeployment, and the service settings DescribeServices reflects."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from deployer.sandbox.seed import SeedResult
from deployer.sandbox.server import SandboxServer
from tests.sandbox.polling import wait_until

FINISHED = ("SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    # Faster than the other contract tests: hook timeouts and bake times are minutes long.
    with SandboxServer(speed=200) as server:
        yield server


@pytest.fixture
def answer_hooks(sandbox: SandboxServer) -> Iterator[Callable[[str, str], None]]:
    def post(target: str, answer: str) -> None:
        request = urllib.request.Request(
            f"{sandbox.url}/moto-api/sandbox/lifecycle-hooks",
            data=json.dumps({"target": target, "answer": answer}).encode(),
            method="POST",
        )
        urllib.request.urlopen(request).close()

    yield post
    request = urllib.request.Request(
        f"{sandbox.url}/moto-api/sandbox/lifecycle-hooks", method="DELETE"
    )
    urllib.request.urlopen(request).close()


class Service:
    """One service, created rolling-complete, then updated with a strategy to watch."""

    def __init__(self, ecs: Any, seeded: SeedResult, name: str, **settings: Any) -> None:
        self.ecs, self.seeded, self.name = ecs, seeded, name
        blue_green = seeded.blue_green
        assert blue_green is not None
        self.load_balancers = [
            {
                "targetGroupArn": seeded.target_group_arn,
                "containerName": "web",
                "containerPort": 80,
                "advancedConfiguration": {
                    "alternateTargetGroupArn": blue_green.alternate_target_group_arn,
                    "productionListenerRule": blue_green.production_listener_rule_arn,
                    "testListenerRule": blue_green.test_listener_rule_arn,
                    "roleArn": blue_green.role_arn,
                },
            }
        ]
        ecs.create_service(
            cluster="development",
            serviceName=name,
            taskDefinition=self.task_definition("1.0"),
            desiredCount=1,
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": seeded.subnet_ids,
                    "securityGroups": [seeded.security_group_id],
                }
            },
            loadBalancers=self.load_balancers,
            **settings,
        )
        assert self.wait()["status"] == "SUCCESSFUL"

    def task_definition(self, tag: str) -> str:
        return str(
            self.ecs.register_task_definition(
                family=self.name,
                networkMode="awsvpc",
                requiresCompatibilities=["FARGATE"],
                cpu="256",
                memory="512",
                containerDefinitions=[
                    {
                        "name": "web",
                        "image": f"nginx:{tag}",
                        "portMappings": [{"containerPort": 80}],
                    }
                ],
            )["taskDefinition"]["taskDefinitionArn"]
        )

    def describe(self) -> dict[str, Any]:
        return dict(
            self.ecs.describe_services(cluster="development", services=[self.name])["services"][0]
        )

    def current(self) -> dict[str, Any]:
        arn = self.describe()["currentServiceDeployment"]
        found = self.ecs.describe_service_deployments(serviceDeploymentArns=[arn])
        return dict(found["serviceDeployments"][0])

    def deploy(self, tag: str, configuration: dict[str, Any]) -> None:
        self.ecs.update_service(
            cluster="development",
            service=self.name,
            taskDefinition=self.task_definition(tag),
            deploymentConfiguration={"bakeTimeInMinutes": 0, **configuration},
        )

    def wait(self, condition: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any]:
        done = condition or (lambda current: current["status"] in FINISHED)

        def finished() -> dict[str, Any] | None:
            current = self.current()
            return current if done(current) else None

        return dict(wait_until(finished, "the service deployment"))

    def shifted(self) -> list[str]:
        events = [event["message"] for event in reversed(self.describe()["events"])]
        return [text.split("shifted ")[1].split("%")[0] for text in events if "shifted " in text]


def test_linear_shifts_production_traffic_in_steps_then_cleans_up(
    ecs: Any, seeded: SeedResult
) -> None:
    service = Service(ecs, seeded, "linear-web")
    service.deploy(
        "1.1",
        {
            "strategy": "LINEAR",
            "linearConfiguration": {"stepPercent": 34, "stepBakeTimeInMinutes": 0},
        },
    )
    done = service.wait()
    assert done["status"] == "SUCCESSFUL", done
    assert service.shifted() == ["34", "68", "100"]
    assert done["targetServiceRevision"]["requestedProductionTrafficWeight"] == 100.0
    assert [d["status"] for d in service.describe()["deployments"]] == ["PRIMARY"]


def test_canary_shifts_its_percent_then_the_rest(ecs: Any, seeded: SeedResult) -> None:
    service = Service(ecs, seeded, "canary-web")
    service.deploy(
        "1.1",
        {
            "strategy": "CANARY",
            "canaryConfiguration": {"canaryPercent": 10, "canaryBakeTimeInMinutes": 0},
        },
    )
    assert service.wait()["status"] == "SUCCESSFUL"
    assert service.shifted() == ["10", "100"]
    listed = ecs.list_service_deployments(cluster="development", service="canary-web")
    assert [d["status"] for d in listed["serviceDeployments"]] == ["SUCCESSFUL", "SUCCESSFUL"]


def test_a_pause_times_out_with_its_action(ecs: Any, seeded: SeedResult) -> None:
    service = Service(ecs, seeded, "pause-timeout-web")

    def pause(action: str) -> dict[str, Any]:
        return {
            "strategy": "BLUE_GREEN",
            "lifecycleHooks": [
                {
                    "targetType": "PAUSE",
                    "lifecycleStages": ["POST_SCALE_UP"],
                    "timeoutConfiguration": {"timeoutInMinutes": 1, "action": action},
                }
            ],
        }

    service.deploy("1.1", pause("CONTINUE"))
    waiting = service.wait(lambda c: bool(c["lifecycleHookDetails"]))
    assert waiting["lifecycleHookDetails"][0]["status"] == "AWAITING_ACTION"
    assert waiting["lifecycleHookDetails"][0]["timeoutAction"] == "CONTINUE"
    assert service.wait()["status"] == "SUCCESSFUL"

    service.deploy("1.2", pause("ROLLBACK"))
    done = service.wait()
    assert done["status"] == "ROLLBACK_SUCCESSFUL"
    assert "timed out after 1 minutes; its timeout action is ROLLBACK" in done["statusReason"]
    assert done["lifecycleHookDetails"][0]["status"] == "TIMED_OUT"
    assert service.describe()["taskDefinition"].endswith("pause-timeout-web:2")


def test_a_failed_lambda_hook_rolls_back_and_stop_rolls_back_too(
    ecs: Any, seeded: SeedResult, answer_hooks: Callable[[str, str], None]
) -> None:
    service = Service(ecs, seeded, "lambda-web")
    check = "arn:aws:lambda:us-east-1:123456789012:function:check"
    answer_hooks(check, "FAILED")
    service.deploy(
        "1.1",
        {
            "strategy": "BLUE_GREEN",
            "lifecycleHooks": [
                {
                    "targetType": "AWS_LAMBDA",
                    "hookTargetArn": check,
                    "roleArn": "arn:aws:iam::123456789012:role/hooks",
                    "lifecycleStages": ["PRE_SCALE_UP"],
                }
            ],
        },
    )
    done = service.wait()
    assert done["status"] == "ROLLBACK_SUCCESSFUL"
    assert done["statusReason"] == f"Lifecycle hook {check} at PRE_SCALE_UP returned FAILED."
    assert done["rollback"]["serviceRevisionArn"] == done["sourceServiceRevisions"][0]["arn"]

    service.deploy(
        "1.2", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 600, "lifecycleHooks": []}
    )
    baking = service.wait(lambda c: c.get("lifecycleStage") == "BAKE_TIME")
    ecs.stop_service_deployment(
        serviceDeploymentArn=baking["serviceDeploymentArn"], stopType="ROLLBACK"
    )
    done = service.wait()
    assert done["status"] == "ROLLBACK_SUCCESSFUL"
    assert done["statusReason"] == "Rolled back by StopServiceDeployment."
    assert done["targetServiceRevision"]["requestedProductionTrafficWeight"] == 0.0
    assert service.describe()["taskDefinition"].endswith("lambda-web:1")


def test_capacity_providers_exec_and_service_connect_are_reflected(
    ecs: Any, seeded: SeedResult
) -> None:
    service = Service(
        ecs,
        seeded,
        "settings-web",
        capacityProviderStrategy=[
            {"capacityProvider": "FARGATE_SPOT", "weight": 3},
            {"capacityProvider": "FARGATE", "weight": 1, "base": 1},
        ],
        enableExecuteCommand=True,
        serviceConnectConfiguration={"enabled": True, "namespace": "internal"},
    )
    described = service.describe()
    assert "launchType" not in described
    assert described["capacityProviderStrategy"][1] == {
        "capacityProvider": "FARGATE",
        "weight": 1,
        "base": 1,
    }
    assert described["enableExecuteCommand"] is True
    assert described["deployments"][0]["serviceConnectConfiguration"]["namespace"] == "internal"


def test_a_shifting_strategy_needs_the_advanced_load_balancing(
    ecs: Any, seeded: SeedResult
) -> None:
    service = Service(ecs, seeded, "no-advanced-web")
    plain = [{k: v for k, v in service.load_balancers[0].items() if k != "advancedConfiguration"}]
    with pytest.raises(ecs.exceptions.InvalidParameterException, match="alternateTargetGroupArn"):
        ecs.update_service(
            cluster="development",
            service="no-advanced-web",
            loadBalancers=plain,
            deploymentConfiguration={"strategy": "BLUE_GREEN"},
        )


def test_the_seed_has_the_load_balancing_blue_green_needs(
    sandbox: SandboxServer, seeded: SeedResult, aws_client: Callable[[str], Any]
) -> None:
    from deployer.sandbox.seed import seed_aws

    blue_green = seeded.blue_green
    assert blue_green is not None
    assert seed_aws(sandbox.url).blue_green == blue_green  # a second run creates nothing
    elbv2 = aws_client("elbv2")
    listeners = elbv2.describe_listeners(LoadBalancerArn=blue_green.load_balancer_arn)["Listeners"]
    assert sorted(listener["Port"] for listener in listeners) == [80, 8080]
    rules = elbv2.describe_rules(
        RuleArns=[blue_green.production_listener_rule_arn, blue_green.test_listener_rule_arn]
    )["Rules"]
    for rule in rules:
        action = rule["Actions"][0]
        # Forwarding to the demo target group (with weights, once a deployment shifted it).
        groups = [action.get("TargetGroupArn")] + [
            group["TargetGroupArn"]
            for group in action.get("ForwardConfig", {}).get("TargetGroups", [])
        ]
        assert seeded.target_group_arn in groups
    assert blue_green.alternate_target_group_arn != seeded.target_group_arn
    role = aws_client("iam").get_role(RoleName=blue_green.role_arn.rsplit("/", 1)[-1])["Role"]
    assert role["Arn"] == blue_green.role_arn
