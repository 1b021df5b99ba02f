"""The validator's rules for deployment strategies, hooks and the service settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from steps.document.io import load_document
from steps.validation.step import validate

GOLDEN = Path(__file__).parent.parent / "golden"


def golden(name: str) -> str:
    return (GOLDEN / f"{name}.step.yaml").read_text(encoding="utf-8")


def issues(text: str) -> dict[str, list[str]]:
    return validate(load_document(text)).by_path()


@pytest.mark.parametrize("name", ["blue_green", "linear", "canary"])
def test_the_golden_strategy_steps_are_valid(name: str) -> None:
    assert issues(golden(name)) == {}


def test_a_shifting_strategy_needs_a_load_balancer_mapping() -> None:
    text = golden("blue_green")
    text = text[: text.index("load_balancer_mappings:")]

    found = issues(text)

    assert "add a load balancer mapping" in found["load_balancer_mappings"][0]


def test_a_shifting_strategy_needs_the_advanced_settings() -> None:
    text = golden("linear")
    text = text[: text.index("    advanced:")]

    found = issues(text)

    assert "needs the advanced settings" in found["load_balancer_mappings[0].advanced"][0]


def test_rolling_needs_no_advanced_settings() -> None:
    text = golden("blue_green").replace("strategy: blue_green", "strategy: rolling")
    text = text[: text.index("  lifecycle_hooks:")] + text[text.index("  alarms:") :]
    text = text[: text.index("    advanced:")]

    assert issues(text) == {}


def test_advanced_settings_are_checked_as_arns() -> None:
    text = golden("blue_green").replace("listener-rule/app/web/0123456789abcdef/0123", "rule/0123")
    text = text.replace("role/ecs-traffic-shift", "ecs-traffic-shift")

    found = issues(text)

    prefix = "load_balancer_mappings[0].advanced."
    assert (
        "is not a production listener rule ARN like"
        in (found[prefix + "production_listener_rule_arn"][0])
    )
    assert "is not an IAM role ARN" in found[prefix + "role_arn"][0]


def test_missing_advanced_fields_are_named() -> None:
    text = golden("canary")
    start = text.index("      test_listener_rule_arn:")
    end = text.index("\n", start) + 1
    text = text[:start] + text[end:]

    found = issues(text)

    assert found == {
        "load_balancer_mappings[0].advanced.test_listener_rule_arn": [
            "a test listener rule ARN is required"
        ]
    }


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        ("step_percent: 10", "step_percent: 2", "deployment.linear.step_percent", "use 3-100"),
        (
            "step_bake_minutes: 2",
            "step_bake_minutes: -1",
            "deployment.linear.step_bake_minutes",
            "use 0-1440",
        ),
        (
            "bake_time_minutes: 5",
            "bake_time_minutes: 1441",
            "deployment.bake_time_minutes",
            "use 0-1440",
        ),
        ("strategy: linear", "strategy: bluegreen", "deployment.strategy", "not one of rolling"),
        ("weight: 3}", "weight: 3, base: 2}", "deployment.capacity_providers[1].base", "only one"),
        (
            "provider: FARGATE_SPOT",
            "provider: EC2",
            "deployment.capacity_providers[0].provider",
            "FARGATE",
        ),
        (
            "min: 2, max: 10",
            "min: 12, max: 10",
            "deployment.auto_scaling.max",
            "below the minimum 12",
        ),
        (
            "target_cpu_percent: 60",
            "target_cpu_percent: 160",
            "deployment.auto_scaling.target_cpu_percent",
            "use 1-100",
        ),
        (
            ", target_cpu_percent: 60",
            "",
            "deployment.auto_scaling.target_cpu_percent",
            "needs a target",
        ),
    ],
)
def test_linear_numbers_capacity_and_scaling_rules(
    old: str, new: str, path: str, message: str
) -> None:
    found = issues(golden("linear").replace(old, new))

    assert any(message in text for text in found[path]), found


def test_canary_percent_is_a_percent() -> None:
    found = issues(golden("canary").replace("percent: 10", "percent: 0"))

    assert found["deployment.canary.percent"] == ["0 is out of range; use 1-100"]


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        (
            "[POST_TEST_TRAFFIC_SHIFT]",
            "[AFTER_TEST]",
            "stages[0]",
            "is not one of RECONCILE_SERVICE",
        ),
        ("[POST_TEST_TRAFFIC_SHIFT]", "[TEST_TRAFFIC_SHIFT]", "stages[0]", "a pause cannot be"),
        ("[POST_TEST_TRAFFIC_SHIFT]", "[]", "stages", "choose at least one stage"),
        ("timeout_minutes: 30", "timeout_minutes: 0", "timeout_minutes", "use 1-20160"),
        ("timeout_action: ROLLBACK", "timeout_action: WAIT", "timeout_action", "CONTINUE"),
        ("target: pause", "target: wait", "target", "neither pause nor a Lambda function ARN"),
    ],
)
def test_lifecycle_hook_rules(old: str, new: str, path: str, message: str) -> None:
    found = issues(golden("blue_green").replace(old, new))

    assert any(message in text for text in found[f"deployment.lifecycle_hooks[0].{path}"]), found


def test_a_lambda_hook_needs_its_role() -> None:
    text = golden("blue_green").replace(
        "      role_arn: arn:aws:iam::123456789012:role/hooks\n", ""
    )

    found = issues(text)

    assert found == {
        "deployment.lifecycle_hooks[1].role_arn": [
            "a role ECS uses to invoke the function is required"
        ]
    }


def test_hooks_with_the_rolling_strategy_are_refused() -> None:
    text = golden("blue_green").replace("strategy: blue_green", "strategy: rolling")

    found = issues(text)

    assert "lifecycle hooks run only in blue_green" in found["deployment.lifecycle_hooks[0]"][0]


def test_service_connect_port_name_must_name_a_port_mapping() -> None:
    found = issues(golden("canary").replace("port_name: http", "port_name: web"))

    assert found == {
        "deployment.service_connect.services[0].port_name": [
            "no container port mapping is named 'web'; use one of http"
        ]
    }


def test_port_mapping_names_are_unique_and_well_formed() -> None:
    text = golden("canary").replace(
        "      - {container_port: 80, name: http}",
        "      - {container_port: 80, name: http}\n"
        "      - {container_port: 81, name: http}\n"
        "      - {container_port: 82, name: Admin}",
    )

    found = issues(text)

    assert "already used by" in found["containers[0].port_mappings[1].name"][0]
    assert "is not a port name" in found["containers[0].port_mappings[2].name"][0]


def test_expressions_wait_for_substitution() -> None:
    text = golden("linear").replace("step_percent: 10", 'step_percent: "#{Step}"')
    text = text.replace("provider: FARGATE_SPOT", 'provider: "#{Spot}"')
    text = text.replace("strategy: linear", 'strategy: "#{Strategy}"')

    assert issues(text) == {}
