"""CloudFormation change sets: what an update would do to each resource, computed, never run."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from deployer.sandbox.cfn_model import Stack, pseudo_parameters, tag_map
from deployer.sandbox.cfn_schema import create_only, is_taggable
from deployer.sandbox.cfn_template import ACCOUNT_ID, Resolver, TemplateError, creation_order

NO_CHANGES = (
    "The submitted information didn't contain changes. Submit different information to create "
    "a change set."
)
# Realistic seconds CloudFormation takes to compute a change set.
COMPUTE_SECONDS = 3.0
# A stand-in for a value only known once a resource is created or replaced.
UNKNOWN = "{{unknown-after-change:%s}}"


@dataclass
class ChangeSet:
    change_set_id: str
    name: str
    stack: Stack
    change_set_type: str  # "CREATE" or "UPDATE" ("IMPORT" would add resources to import)
    template: dict[str, Any]
    template_body: str
    parameters: dict[str, str]
    tags: list[dict[str, str]]
    capabilities: list[str]
    created_at: datetime
    ready_at: float
    description: str | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)
    failed_reason: str | None = None
    execution_status: str = "AVAILABLE"

    @property
    def status(self) -> str:
        if time.monotonic() < self.ready_at:
            return "CREATE_PENDING"
        return "FAILED" if self.failed_reason else "CREATE_COMPLETE"

    def summary(self) -> dict[str, Any]:
        status = self.status
        return {
            "StackId": self.stack.stack_id,
            "StackName": self.stack.name,
            "ChangeSetId": self.change_set_id,
            "ChangeSetName": self.name,
            "ExecutionStatus": (
                "UNAVAILABLE" if status != "CREATE_COMPLETE" else self.execution_status
            ),
            "Status": status,
            "StatusReason": self.failed_reason if status == "FAILED" else None,
            "CreationTime": self.created_at,
            "Description": self.description,
        }


def new_change_set_id(region: str, name: str) -> str:
    return f"arn:aws:cloudformation:{region}:{ACCOUNT_ID}:changeSet/{name}/{uuid.uuid4()}"


def compute_changes(
    stack: Stack,
    template: dict[str, Any],
    parameters: dict[str, str],
    tags: list[dict[str, str]],
) -> list[dict[str, Any]]:
    """Each resource's Add / Modify / Remove, as DescribeChangeSet lists them.

    Properties are resolved as an update would resolve them, against the resources the stack
    has now; a reference to a resource that is added or replaced is unknown until then, which
    makes the change Dynamic and a replacement it causes Conditional, as on AWS.
    """
    changing: set[str] = set()

    def reference(logical_id: str) -> Any:
        state = stack.resources.get(logical_id)
        if logical_id in changing or state is None or state.provisioned is None:
            return UNKNOWN % logical_id
        return state.provisioned.ref

    def attribute(logical_id: str, name: str) -> Any:
        state = stack.resources.get(logical_id)
        if logical_id in changing or state is None or state.provisioned is None:
            return UNKNOWN % logical_id
        return state.provisioned.attributes.get(name, UNKNOWN % logical_id)

    resolver = Resolver(template, parameters, pseudo_parameters(stack), reference, attribute)
    resources = template.get("Resources") or {}
    active = {
        logical_id: resource
        for logical_id, resource in resources.items()
        if not resource.get("Condition") or resolver.condition(resource["Condition"])
    }
    stack_tags_changed = tag_map(tags) != tag_map(stack.tags)
    old_definitions = stack.template.get("Resources") or {}
    changes = []
    for logical_id in creation_order(active):
        type_name = str(active[logical_id]["Type"])
        current = stack.resources.get(logical_id)
        if current is None or current.provisioned is None:
            changing.add(logical_id)
            changes.append(_change("Add", logical_id, type_name, None))
            continue
        try:
            properties = dict(resolver.resolve(active[logical_id].get("Properties") or {}))
        except (TemplateError, KeyError, IndexError, ValueError, TypeError):
            properties = {}
        if current.type_name != type_name:
            changing.add(logical_id)
            replaced = _change("Modify", logical_id, type_name, current.physical_id)
            replaced["Replacement"] = "True"
            changes.append(replaced)
            continue
        written = (old_definitions.get(logical_id) or {}).get("Properties") or {}
        change = _modification(
            logical_id,
            type_name,
            current.physical_id,
            current.properties,
            properties,
            written,
            active[logical_id].get("Properties") or {},
            stack_tags_changed and is_taggable(type_name),
        )
        if change is None:
            continue
        if change["Replacement"] != "False":
            changing.add(logical_id)
        changes.append(change)
    for logical_id, state in stack.resources.items():
        if logical_id not in active and state.provisioned is not None:
            changes.append(_change("Remove", logical_id, state.type_name, state.physical_id))
    return [{"Type": "Resource", "ResourceChange": change} for change in changes]


def _change(
    action: str, logical_id: str, type_name: str, physical_id: str | None
) -> dict[str, Any]:
    change: dict[str, Any] = {
        "Action": action,
        "LogicalResourceId": logical_id,
        "ResourceType": type_name,
        "Scope": [],
        "Details": [],
    }
    if physical_id:
        change["PhysicalResourceId"] = physical_id
    return change


def _modification(
    logical_id: str,
    type_name: str,
    physical_id: str | None,
    old: dict[str, Any],
    new: dict[str, Any],
    old_written: dict[str, Any],
    new_written: dict[str, Any],
    stack_tags_changed: bool,
) -> dict[str, Any] | None:
    replaced_by = create_only(type_name) or frozenset()
    details: list[dict[str, Any]] = []
    replacement = "False"
    scope: list[str] = []
    for name in sorted(set(old) | set(new)):
        if old.get(name) == new.get(name):
            continue
        dynamic = "{{unknown-after-change:" in json.dumps(new.get(name), default=str)
        if name == "Tags":
            target = {"Attribute": "Tags", "RequiresRecreation": "Never"}
            scope.append("Tags")
        else:
            recreate = name in replaced_by
            target = {
                "Attribute": "Properties",
                "Name": name,
                "RequiresRecreation": "Always" if recreate else "Never",
            }
            if "Properties" not in scope:
                scope.append("Properties")
            if recreate:
                replacement = "Conditional" if dynamic and replacement != "True" else "True"
        detail: dict[str, Any] = {"Target": target}
        if dynamic:
            detail["Evaluation"] = "Dynamic"
            detail["ChangeSource"] = "ResourceReference"
            detail["CausingEntity"] = _causing(new.get(name))
        else:
            detail["Evaluation"] = "Static"
            written_same = old_written.get(name) == new_written.get(name)
            detail["ChangeSource"] = "ParameterReference" if written_same else "DirectModification"
        details.append(detail)
    if stack_tags_changed and "Tags" not in scope:
        scope.append("Tags")
        details.append(
            {
                "Target": {"Attribute": "Tags", "RequiresRecreation": "Never"},
                "Evaluation": "Static",
                "ChangeSource": "DirectModification",
            }
        )
    if not details:
        return None
    change = _change("Modify", logical_id, type_name, physical_id)
    change["Replacement"] = replacement
    change["Scope"] = scope
    change["Details"] = details
    return change


def _causing(value: Any) -> str:
    text = json.dumps(value, default=str)
    start = text.find("{{unknown-after-change:") + len("{{unknown-after-change:")
    return text[start : text.find("}}", start)]
