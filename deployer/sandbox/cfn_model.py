"""The state the CloudFormation engine keeps: stacks, their resources and their events."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from deployer.sandbox.cfn_resources import Provisioned
from deployer.sandbox.cfn_template import ACCOUNT_ID, Resolver, TemplateError

STACK_TYPE = "AWS::CloudFormation::Stack"


class StackOperationError(Exception):
    """An API call refused because of the stack's state (ValidationError, AlreadyExists...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class ResourceState:
    logical_id: str
    type_name: str
    status: str
    timestamp: datetime
    properties: dict[str, Any] = field(default_factory=dict)
    provisioned: Provisioned | None = None
    reason: str | None = None
    previous_properties: dict[str, Any] = field(default_factory=dict)
    # A replacement that failed after its physical resource existed; rollback cleanup deletes it.
    abandoned: ResourceState | None = None

    @property
    def physical_id(self) -> str | None:
        return self.provisioned.physical_id if self.provisioned else None


@dataclass
class Stack:
    stack_id: str
    name: str
    region: str
    template: dict[str, Any]
    template_body: str
    parameters: dict[str, str]
    tags: list[dict[str, str]]
    capabilities: list[str]
    disable_rollback: bool
    created_at: datetime
    status: str = "CREATE_IN_PROGRESS"
    status_reason: str | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None
    resources: dict[str, ResourceState] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    cancel_requested: bool = False

    @property
    def in_progress(self) -> bool:
        return self.status.endswith("_IN_PROGRESS")


@dataclass
class Change:
    """One resource changed by an update, kept so a rollback can undo it."""

    logical_id: str
    kind: str  # "create", "replace" or "modify"
    old: ResourceState | None
    new_state: ResourceState | None = None


def pseudo_parameters(stack: Stack) -> dict[str, Any]:
    return {
        "AWS::Region": stack.region,
        "AWS::AccountId": ACCOUNT_ID,
        "AWS::StackName": stack.name,
        "AWS::StackId": stack.stack_id,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::NotificationARNs": [],
    }


def tag_map(tags: list[dict[str, str]]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in tags}


def append_event(
    stack: Stack,
    logical_id: str,
    physical_id: str,
    type_name: str,
    status: str,
    reason: str | None,
    properties: dict[str, Any] | None,
    timestamp: datetime,
) -> None:
    """Record one stack event in the shape DescribeStackEvents returns."""
    event: dict[str, Any] = {
        "StackId": stack.stack_id,
        "EventId": f"{logical_id}-{status}-{uuid.uuid4()}",
        "StackName": stack.name,
        "LogicalResourceId": logical_id,
        "PhysicalResourceId": physical_id,
        "ResourceType": type_name,
        "Timestamp": timestamp,
        "ResourceStatus": status,
    }
    if reason:
        event["ResourceStatusReason"] = reason
    if properties:
        event["ResourceProperties"] = json.dumps(properties)
    stack.events.append(event)


def stack_resolver(stack: Stack) -> Resolver:
    """Evaluates the stack's template against its parameters and provisioned resources."""

    def reference(logical_id: str) -> Any:
        state = stack.resources.get(logical_id)
        if state is None or state.provisioned is None:
            raise TemplateError(f"Unresolved resource dependencies [{logical_id}]")
        return state.provisioned.ref

    def attribute(logical_id: str, name: str) -> Any:
        state = stack.resources.get(logical_id)
        if state is None or state.provisioned is None:
            raise TemplateError(f"Unresolved resource dependencies [{logical_id}]")
        if name not in state.provisioned.attributes:
            raise TemplateError(
                f"Template error: resource {logical_id} does not support attribute type "
                f"{name} in Fn::GetAtt"
            )
        return state.provisioned.attributes[name]

    return Resolver(
        stack.template, stack.parameters, pseudo_parameters(stack), reference, attribute
    )


def resolve_outputs(stack: Stack, resolver: Resolver) -> list[dict[str, Any]]:
    """The Outputs section as DescribeStacks shows it (outputs whose condition is false omitted)."""
    outputs = []
    for key, output in (stack.template.get("Outputs") or {}).items():
        if output.get("Condition") and not resolver.condition(output["Condition"]):
            continue
        try:
            value = resolver.resolve(output.get("Value"))
        except TemplateError:
            continue
        entry: dict[str, Any] = {
            "OutputKey": key,
            "OutputValue": ",".join(value) if isinstance(value, list) else str(value),
        }
        if output.get("Description"):
            entry["Description"] = output["Description"]
        if isinstance(output.get("Export"), dict):
            entry["ExportName"] = str(resolver.resolve(output["Export"].get("Name")))
        outputs.append(entry)
    return outputs
