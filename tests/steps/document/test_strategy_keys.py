"""The deployment strategy and service settings keys: read, defaults, and a stable export."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from steps.document.io import dump_document, load_document
from steps.document.model import (
    AdvancedLoadBalancing,
    AutoScaling,
    CapacityProvider,
    DocumentError,
    LifecycleHook,
)

GOLDEN = Path(__file__).parent.parent / "golden"
STRATEGY_GOLDENS = ["blue_green", "linear", "canary"]


def golden(name: str) -> str:
    return (GOLDEN / f"{name}.step.yaml").read_text(encoding="utf-8")


def test_the_issue_example_keys_are_read() -> None:
    document = load_document(golden("blue_green"))
    deployment = document.deployment

    assert deployment.strategy == "blue_green"
    assert deployment.bake_time_minutes == 5
    assert deployment.lifecycle_hooks[0] == LifecycleHook(
        stages=["POST_TEST_TRAFFIC_SHIFT"],
        target="pause",
        timeout_minutes=30,
        timeout_action="ROLLBACK",
    )
    assert deployment.lifecycle_hooks[1].role_arn == "arn:aws:iam::123456789012:role/hooks"
    assert deployment.alarms.names == ["web-5xx"]
    advanced = document.load_balancer_mappings[0].advanced
    assert isinstance(advanced, AdvancedLoadBalancing)
    assert advanced.role_arn == "arn:aws:iam::123456789012:role/ecs-traffic-shift"
    assert document.containers[0].port_mappings[0].name == "http"


def test_service_settings_are_read() -> None:
    deployment = load_document(golden("linear")).deployment

    assert (deployment.linear.step_percent, deployment.linear.step_bake_minutes) == (10, 2)
    assert deployment.capacity_providers == [
        CapacityProvider(provider="FARGATE_SPOT", weight=3),
        CapacityProvider(provider="FARGATE", weight=1, base=1),
    ]
    assert deployment.auto_scaling == AutoScaling(min=2, max=10, target_cpu_percent=60)


def test_a_step_without_the_new_keys_keeps_rolling_and_the_launch_type() -> None:
    deployment = load_document(golden("minimal")).deployment

    assert deployment.strategy == "rolling"
    assert deployment.bake_time_minutes is None
    assert deployment.lifecycle_hooks == []
    assert deployment.capacity_providers == []
    assert deployment.enable_execute_command is False
    assert deployment.service_connect.namespace == ""
    assert deployment.auto_scaling is None


def test_the_new_keys_are_not_exported_at_their_defaults() -> None:
    exported = yaml.safe_load(dump_document(load_document(golden("minimal"))))

    assert "deployment" not in exported
    assert "name" not in exported["containers"][0]["port_mappings"][0]


@pytest.mark.parametrize("name", STRATEGY_GOLDENS)
def test_round_trip_is_stable(name: str) -> None:
    document = load_document(golden(name))
    exported = dump_document(document)

    assert load_document(exported) == document
    assert dump_document(load_document(exported)) == exported


def test_every_new_field_takes_an_expression() -> None:
    text = golden("canary").replace("percent: 10", 'percent: "#{CanaryPercent}"')
    text = text.replace("enable_execute_command: true", 'enable_execute_command: "#{Exec}"')
    text = text.replace("min: 2,", 'min: "#{MinTasks}",')

    deployment = load_document(text).deployment

    assert deployment.canary.percent == "#{CanaryPercent}"
    assert deployment.enable_execute_command == "#{Exec}"
    assert deployment.auto_scaling is not None
    assert deployment.auto_scaling.min == "#{MinTasks}"


def test_unknown_keys_in_the_new_sections_name_their_path() -> None:
    text = golden("linear").replace("step_bake_minutes: 2", "step_bake: 2")

    with pytest.raises(DocumentError) as caught:
        load_document(text)

    assert "deployment.linear.step_bake: unknown field" in str(caught.value)


def test_auto_scaling_needs_min_and_max() -> None:
    text = golden("linear").replace("{min: 2, max: 10, ", "{")

    with pytest.raises(DocumentError) as caught:
        load_document(text)

    assert "deployment.auto_scaling.min: required field missing" in str(caught.value)
