"""CloudFormation drift detection: each resource of a stack compared with what runs now."""

from __future__ import annotations

import json
from typing import Any

from deployer.sandbox.cfn_model import ResourceState, Stack, tag_map
from deployer.sandbox.ecs_sim import EcsSimulator
from deployer.sandbox.moto_state import ecs_backend

# The types whose live state the sandbox reads back; other resources report NOT_CHECKED.
CHECKED_TYPES = frozenset({"AWS::ECS::Service", "AWS::ECS::TaskDefinition"})


def resource_drifts(stack: Stack, ecs: EcsSimulator, now: Any) -> list[dict[str, Any]]:
    """DescribeStackResourceDrifts' entries for every resource of the stack."""
    drifts = []
    for state in stack.resources.values():
        if state.provisioned is None:
            continue
        status, differences, actual = _compare(stack, state, ecs)
        expected = json.dumps(state.properties, sort_keys=True, default=str)
        entry: dict[str, Any] = {
            "StackId": stack.stack_id,
            "LogicalResourceId": state.logical_id,
            "PhysicalResourceId": state.physical_id,
            "ResourceType": state.type_name,
            "ExpectedProperties": expected,
            "StackResourceDriftStatus": status,
            "PropertyDifferences": differences,
            "Timestamp": now,
        }
        if actual is not None:
            entry["ActualProperties"] = json.dumps(actual, sort_keys=True, default=str)
        drifts.append(entry)
    return drifts


def _difference(path: str, expected: Any, actual: Any, kind: str = "NOT_EQUAL") -> dict[str, Any]:
    return {
        "PropertyPath": path,
        "ExpectedValue": expected if isinstance(expected, str) else json.dumps(expected),
        "ActualValue": actual if isinstance(actual, str) else json.dumps(actual),
        "DifferenceType": kind,
    }


def _tag_differences(expected: dict[str, str], actual: dict[str, str]) -> list[dict[str, Any]]:
    differences = []
    for key in sorted(set(expected) | set(actual)):
        if key not in actual:
            differences.append(_difference(f"/Tags/{key}", expected[key], "", "REMOVE"))
        elif key not in expected:
            differences.append(_difference(f"/Tags/{key}", "", actual[key], "ADD"))
        elif expected[key] != actual[key]:
            differences.append(_difference(f"/Tags/{key}", expected[key], actual[key]))
    return differences


def _compare(
    stack: Stack, state: ResourceState, ecs: EcsSimulator
) -> tuple[str, list[dict[str, Any]], dict[str, Any] | None]:
    if state.type_name not in CHECKED_TYPES:
        return "NOT_CHECKED", [], None
    properties = state.properties
    # Tags the stack itself adds are the stack's, not the resource's declared properties.
    from_stack = set(tag_map(stack.tags))
    expected_tags = {str(tag["Key"]): str(tag["Value"]) for tag in properties.get("Tags") or []}
    if state.type_name == "AWS::ECS::Service":
        with ecs.lock:
            service = ecs.services.get(str(state.physical_id))
            if service is None or service.status != "ACTIVE":
                return "DELETED", [], None
            actual: dict[str, Any] = {
                "DesiredCount": service.desired_count,
                "TaskDefinition": service.task_definition,
                "Tags": {
                    tag["key"]: tag["value"]
                    for tag in service.tags
                    if tag["key"] not in from_stack or tag["key"] in expected_tags
                },
            }
        differences = []
        expected_count = int(properties.get("DesiredCount", 1))
        if actual["DesiredCount"] != expected_count:
            differences.append(
                _difference("/DesiredCount", str(expected_count), str(actual["DesiredCount"]))
            )
        if actual["TaskDefinition"] != properties.get("TaskDefinition"):
            differences.append(
                _difference(
                    "/TaskDefinition",
                    str(properties.get("TaskDefinition")),
                    str(actual["TaskDefinition"]),
                )
            )
        differences += _tag_differences(expected_tags, actual["Tags"])
        return ("MODIFIED" if differences else "IN_SYNC"), differences, actual
    try:
        definition = ecs_backend(stack.region).describe_task_definition(str(state.physical_id))
    except Exception:
        return "DELETED", [], None
    if getattr(definition, "status", "ACTIVE") != "ACTIVE":
        return "DELETED", [], None
    tags = {
        tag["key"]: tag["value"]
        for tag in definition.tags or []
        if tag["key"] not in from_stack or tag["key"] in expected_tags
    }
    differences = _tag_differences(expected_tags, tags)
    return ("MODIFIED" if differences else "IN_SYNC"), differences, {"Tags": tags}
