"""The template of steps with ECS deployment strategies, capacity providers, exec, Service Connect
and auto scaling: goldens, cfn-lint, and the properties each setting writes."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest

from steps.document.io import load_document
from steps.document.model import CapacityProvider, Configuration, StepDocument
from steps.template.builder import build_template, render_template
from steps.template.preflight import lint_template
from steps.template.substitution import substitute_step

GOLDEN = Path(__file__).parent.parent / "golden"
STRATEGY_GOLDENS = ["blue_green", "linear", "canary"]
REGENERATE = os.environ.get("DEPLOYER_REGENERATE_GOLDEN") == "1"


def golden_document(name: str) -> StepDocument:
    return load_document((GOLDEN / f"{name}.step.yaml").read_text(encoding="utf-8"))


def service(template: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = template["Resources"]["Serviceweb"]["Properties"]
    return properties


def with_deployment(document: StepDocument, **changes: Any) -> StepDocument:
    return dataclasses.replace(
        document, deployment=dataclasses.replace(document.deployment, **changes)
    )


@pytest.mark.parametrize("name", STRATEGY_GOLDENS)
def test_golden_template_matches_byte_for_byte(name: str) -> None:
    rendered = render_template(golden_document(name))
    expected_path = GOLDEN / f"{name}.template.yaml"
    if REGENERATE:
        expected_path.write_text(rendered, encoding="utf-8")
    assert rendered == expected_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", STRATEGY_GOLDENS)
def test_exported_template_of_each_strategy_is_cfn_lint_clean(name: str) -> None:
    findings = lint_template(render_template(golden_document(name)))

    assert [str(finding) for finding in findings] == []


def test_blue_green_writes_strategy_bake_hooks_alarms_and_advanced_load_balancing() -> None:
    properties = service(build_template(golden_document("blue_green")))
    configuration = properties["DeploymentConfiguration"]

    assert configuration["Strategy"] == "BLUE_GREEN"
    assert configuration["BakeTimeInMinutes"] == 5
    assert configuration["LifecycleHooks"] == [
        {
            "LifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
            "TargetType": "PAUSE",
            "TimeoutConfiguration": {"Action": "ROLLBACK", "TimeoutInMinutes": 30},
        },
        {
            "HookTargetArn": "arn:aws:lambda:us-east-1:123456789012:function:check",
            "LifecycleStages": ["PRE_SCALE_UP"],
            "RoleArn": "arn:aws:iam::123456789012:role/hooks",
            "TargetType": "AWS_LAMBDA",
        },
    ]
    assert configuration["Alarms"] == {"AlarmNames": ["web-5xx"], "Enable": True, "Rollback": True}
    advanced = properties["LoadBalancers"][0]["AdvancedConfiguration"]
    assert advanced["AlternateTargetGroupArn"].endswith("targetgroup/web-green/fedcba9876543210")
    assert set(advanced) == {
        "AlternateTargetGroupArn",
        "ProductionListenerRule",
        "RoleArn",
        "TestListenerRule",
    }


def test_linear_and_canary_write_their_configuration_only() -> None:
    linear = service(build_template(golden_document("linear")))["DeploymentConfiguration"]
    canary = service(build_template(golden_document("canary")))["DeploymentConfiguration"]

    assert linear["LinearConfiguration"] == {"StepBakeTimeInMinutes": 2, "StepPercent": 10}
    assert "CanaryConfiguration" not in linear
    assert canary["CanaryConfiguration"] == {"CanaryBakeTimeInMinutes": 5, "CanaryPercent": 10}
    assert "LinearConfiguration" not in canary


def test_a_rolling_step_template_has_none_of_the_new_properties() -> None:
    properties = service(build_template(golden_document("minimal")))

    assert properties["LaunchType"] == "FARGATE"
    assert set(properties["DeploymentConfiguration"]) == {
        "DeploymentCircuitBreaker",
        "MaximumPercent",
        "MinimumHealthyPercent",
    }
    for key in ("CapacityProviderStrategy", "EnableExecuteCommand", "ServiceConnectConfiguration"):
        assert key not in properties


def test_advanced_load_balancing_is_left_out_when_switching_back_to_rolling() -> None:
    document = with_deployment(
        golden_document("blue_green"), strategy="rolling", lifecycle_hooks=[]
    )

    properties = service(build_template(document))

    assert "AdvancedConfiguration" not in properties["LoadBalancers"][0]
    assert "Strategy" not in properties["DeploymentConfiguration"]


def test_capacity_providers_replace_the_launch_type() -> None:
    properties = service(build_template(golden_document("linear")))

    assert "LaunchType" not in properties
    assert properties["CapacityProviderStrategy"] == [
        {"CapacityProvider": "FARGATE_SPOT", "Weight": 3},
        {"Base": 1, "CapacityProvider": "FARGATE", "Weight": 1},
    ]


def test_auto_scaling_adds_target_and_policies_and_leaves_the_desired_count_alone() -> None:
    template = build_template(golden_document("canary"))
    resources = template["Resources"]

    assert "DesiredCount" not in service(template)
    assert "DesiredCount" not in template["Parameters"]
    target = resources["ServicewebScalableTarget"]["Properties"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 10)
    assert target["ScalableDimension"] == "ecs:service:DesiredCount"
    policies = {
        logical_id: resource["Properties"]["TargetTrackingScalingPolicyConfiguration"]
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::ApplicationAutoScaling::ScalingPolicy"
    }
    assert policies == {
        "ServicewebCpuScalingPolicy": {
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
            },
            "TargetValue": 60,
        },
        "ServicewebMemoryScalingPolicy": {
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ECSServiceAverageMemoryUtilization"
            },
            "TargetValue": 75,
        },
    }


def test_ecs_exec_creates_a_task_role_with_the_ssm_channel_permissions() -> None:
    template = build_template(golden_document("canary"))
    role = template["Resources"]["ServicewebExecTaskRole"]["Properties"]

    assert service(template)["EnableExecuteCommand"] is True
    (statement,) = role["Policies"][0]["PolicyDocument"]["Statement"]
    assert "ssmmessages:CreateDataChannel" in statement["Action"]
    task_definition = template["Resources"]["TaskDefinitionweb"]["Properties"]
    assert task_definition["TaskRoleArn"] == {"Fn::GetAtt": ["ServicewebExecTaskRole", "Arn"]}


def test_ecs_exec_with_a_named_task_role_creates_no_role() -> None:
    document = golden_document("canary")
    role = "arn:aws:iam::123456789012:role/web-task"
    document = dataclasses.replace(
        document, configuration=Configuration(task_definition_name="web", task_role_arn=role)
    )

    template = build_template(document)

    assert "ServicewebExecTaskRole" not in template["Resources"]
    assert template["Resources"]["TaskDefinitionweb"]["Properties"]["TaskRoleArn"] == {
        "Ref": "TaskRole"
    }


def test_service_connect_and_port_names() -> None:
    template = build_template(golden_document("canary"))

    assert service(template)["ServiceConnectConfiguration"] == {
        "Enabled": True,
        "Namespace": "internal",
        "Services": [{"ClientAliases": [{"DnsName": "web", "Port": 80}], "PortName": "http"}],
    }
    container = template["Resources"]["TaskDefinitionweb"]["Properties"]["ContainerDefinitions"][0]
    assert container["PortMappings"][0]["Name"] == "http"


def test_expressions_pass_through_to_the_template() -> None:
    document = with_deployment(
        golden_document("linear"),
        strategy="#{Strategy}",
        capacity_providers=[CapacityProvider(provider="#{Provider}", weight="#{Weight}")],
    )

    properties = service(build_template(document))

    assert properties["DeploymentConfiguration"]["Strategy"] == "#{Strategy}"
    assert properties["CapacityProviderStrategy"] == [
        {"CapacityProvider": "#{Provider}", "Weight": "#{Weight}"}
    ]


def test_bound_strategy_settings_are_typed_and_validated_after_substitution() -> None:
    text = (GOLDEN / "canary.step.yaml").read_text(encoding="utf-8")
    text = text.replace("strategy: canary", 'strategy: "#{Strategy}"')
    text = text.replace("percent: 10", 'percent: "#{CanaryPercent}"')

    good = substitute_step(load_document(text), {"Strategy": "canary", "CanaryPercent": "25"})
    bad = substitute_step(load_document(text), {"Strategy": "canary", "CanaryPercent": "250"})

    assert good.document is not None and good.problems == []
    assert good.document.deployment.canary.percent == 25
    configuration = service(build_template(good.document))["DeploymentConfiguration"]
    assert configuration["Strategy"] == "CANARY"
    assert "deployment.canary.percent: 250 is out of range; use 1-100" in bad.problems
