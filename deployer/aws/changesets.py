"""CloudFormation's own view of a stack: change sets (never executed) and drift detection."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from deployer.aws.cloudformation import RECREATE_STATES, KnownStack
from deployer.aws.errors import AwsError, aws_errors

NO_CHANGES_REASON = "didn't contain changes"
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]


@dataclass(frozen=True)
class ResourceChange:
    """One entry of a change set: a resource added, modified or removed, and why."""

    action: str  # Add, Modify, Remove (Import, Dynamic: AWS's other actions)
    logical_id: str
    resource_type: str
    replacement: str = ""  # True, False, Conditional ("" for Add and Remove)
    scope: tuple[str, ...] = ()
    # (attribute or property name, requires recreation: Always / Never / Conditionally)
    causes: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_aws(cls, change: dict[str, Any]) -> ResourceChange:
        causes = []
        for detail in change.get("Details") or []:
            target = detail.get("Target") or {}
            name = target.get("Name") or target.get("Attribute") or ""
            cause = (str(name), str(target.get("RequiresRecreation", "Never")))
            if cause not in causes:
                causes.append(cause)
        return cls(
            action=str(change.get("Action", "")),
            logical_id=str(change.get("LogicalResourceId", "")),
            resource_type=str(change.get("ResourceType", "")),
            replacement=str(change.get("Replacement", "")),
            scope=tuple(change.get("Scope") or ()),
            causes=tuple(causes),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "logical_id": self.logical_id,
            "resource_type": self.resource_type,
            "replacement": self.replacement,
            "scope": list(self.scope),
            "causes": [{"name": name, "requires_recreation": r} for name, r in self.causes],
        }


@dataclass
class StackPlan:
    """What CloudFormation says an update of the stack to the template would do."""

    stack_name: str
    # "create" (no stack), "recreate" (a failed stack that a deployment deletes first),
    # "update", or "busy" (an operation still in progress after waiting)
    operation: str
    status: str = ""
    changes: list[ResourceChange] = field(default_factory=list)
    # The stack's outputs as they are now (ServiceName names the service it runs).
    outputs: dict[str, str] = field(default_factory=dict)


def _describe(client: Any, stack_name: str) -> dict[str, Any] | None:
    try:
        with aws_errors("cloudformation:DescribeStacks"):
            stacks = client.describe_stacks(StackName=stack_name)["Stacks"]
    except AwsError as exc:
        if exc.code == "ValidationError" and "does not exist" in exc.message:
            return None
        raise
    return stacks[0] if stacks else None


def plan_stack(
    client: Any,
    stack_name: str,
    template_body: str,
    *,
    parameters: list[dict[str, str]],
    tags: list[dict[str, str]],
    wait_seconds: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
    poll_seconds: float = 1.0,
    review_creation: bool = True,
    known: KnownStack | None = None,
) -> StackPlan:
    """Create a change set for the template, read it, delete it; the stack itself is untouched.

    A stack that is busy is waited for up to `wait_seconds`; still busy, the plan says so. A
    stack that does not exist is planned with a CREATE change set, and the empty stack AWS
    keeps for it (REVIEW_IN_PROGRESS) is deleted with the change set; with
    `review_creation=False` (a deployment about to create the stack) no change set is made and
    the plan has no changes listed: every resource of the template is added. `known`: the
    stack as the caller has just described it, not asked for again.
    """
    stack = known[0] if known is not None else _describe(client, stack_name)
    waited = 0.0
    while (
        stack is not None
        and stack["StackStatus"].endswith("_IN_PROGRESS")
        and stack["StackStatus"] != "REVIEW_IN_PROGRESS"
    ):
        if waited >= wait_seconds:
            return StackPlan(stack_name, "busy", stack["StackStatus"])
        sleep(poll_seconds)
        waited += poll_seconds
        stack = _describe(client, stack_name)
    if stack is not None and stack["StackStatus"] in RECREATE_STATES:
        operation = "recreate"
    elif stack is None or stack["StackStatus"] in ("DELETE_COMPLETE", "REVIEW_IN_PROGRESS"):
        operation = "create"
    else:
        operation = "update"
    status = stack["StackStatus"] if stack is not None else ""
    if operation == "recreate" or (operation == "create" and not review_creation):
        # The deployment deletes this stack first; a CREATE change set cannot be made beside it.
        # Nor is one made just before a deployment creates the stack: its empty stack would
        # have to be gone first.
        return StackPlan(stack_name, operation, status)
    name = f"deployer-plan-{uuid.uuid4().hex[:12]}"
    with aws_errors("cloudformation:CreateChangeSet"):
        created = client.create_change_set(
            StackName=stack_name,
            ChangeSetName=name,
            ChangeSetType="CREATE" if operation == "create" else "UPDATE",
            TemplateBody=template_body,
            Parameters=parameters,
            Tags=tags,
            Capabilities=CAPABILITIES,
            Description="Change plan by Deployer; never executed.",
        )
    change_set_id = str(created["Id"])
    try:
        changes = _read_changes(client, change_set_id, sleep, poll_seconds)
    finally:
        _clean_up(client, change_set_id, stack_name, operation == "create", sleep)
    outputs = {
        str(o["OutputKey"]): str(o.get("OutputValue", ""))
        for o in (stack or {}).get("Outputs") or []
    }
    return StackPlan(stack_name, operation, status, changes, outputs)


def _read_changes(
    client: Any, change_set_id: str, sleep: Callable[[float], None], poll_seconds: float
) -> list[ResourceChange]:
    delay = min(0.05, poll_seconds)
    while True:
        with aws_errors("cloudformation:DescribeChangeSet"):
            described = client.describe_change_set(ChangeSetName=change_set_id)
        if described["Status"] not in ("CREATE_PENDING", "CREATE_IN_PROGRESS"):
            break
        sleep(delay)
        delay = min(delay * 2, poll_seconds)
    if described["Status"] == "FAILED":
        reason = str(described.get("StatusReason", ""))
        if NO_CHANGES_REASON in reason:
            return []
        raise AwsError(f"The change set could not be computed: {reason}", code="ChangeSetFailed")
    raw = list(described.get("Changes") or [])
    while described.get("NextToken"):
        with aws_errors("cloudformation:DescribeChangeSet"):
            described = client.describe_change_set(
                ChangeSetName=change_set_id, NextToken=described["NextToken"]
            )
        raw += described.get("Changes") or []
    return [
        ResourceChange.from_aws(change["ResourceChange"])
        for change in raw
        if change.get("Type") == "Resource"
    ]


def _clean_up(
    client: Any,
    change_set_id: str,
    stack_name: str,
    under_review: bool,
    sleep: Callable[[float], None],
) -> None:
    try:
        with aws_errors("cloudformation:DeleteChangeSet"):
            client.delete_change_set(ChangeSetName=change_set_id)
        if not under_review:
            return
        stack = _describe(client, stack_name)
        if stack is None or stack["StackStatus"] != "REVIEW_IN_PROGRESS":
            return
        with aws_errors("cloudformation:DeleteStack"):
            client.delete_stack(StackName=stack_name)
        # Gone before returning: a deployment creating the stack next must not find it.
        delay, waited = 0.1, 0.0
        while stack is not None and stack["StackStatus"] != "DELETE_COMPLETE" and waited < 60:
            sleep(delay)
            waited += delay
            delay = min(delay * 2, 2.0)
            stack = _describe(client, stack_name)
    except AwsError:
        pass  # a left-over change set is harmless: it is never executed


@dataclass(frozen=True)
class ResourceDrift:
    """A property of a stack's resource that differs from the template (or a resource gone)."""

    logical_id: str
    resource_type: str
    status: str  # MODIFIED or DELETED
    path: str = ""
    expected: str = ""
    actual: str = ""


def detect_drift(
    client: Any,
    stack_name: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    poll_seconds: float = 1.0,
    limit_seconds: float = 120.0,
) -> tuple[str, list[ResourceDrift]]:
    """Run CloudFormation drift detection on the stack: (IN_SYNC / DRIFTED / ..., differences)."""
    with aws_errors("cloudformation:DetectStackDrift"):
        detection = client.detect_stack_drift(StackName=stack_name)["StackDriftDetectionId"]
    waited = 0.0
    while True:
        with aws_errors("cloudformation:DescribeStackDriftDetectionStatus"):
            status = client.describe_stack_drift_detection_status(StackDriftDetectionId=detection)
        if status["DetectionStatus"] != "DETECTION_IN_PROGRESS":
            break
        if waited >= limit_seconds:
            return "UNKNOWN", []
        sleep(poll_seconds)
        waited += poll_seconds
    with aws_errors("cloudformation:DescribeStackResourceDrifts"):
        drifts = client.describe_stack_resource_drifts(
            StackName=stack_name, StackResourceDriftStatusFilters=["MODIFIED", "DELETED"]
        )["StackResourceDrifts"]
    found = []
    for drift in drifts:
        common = (
            str(drift["LogicalResourceId"]),
            str(drift["ResourceType"]),
            str(drift["StackResourceDriftStatus"]),
        )
        differences = drift.get("PropertyDifferences") or []
        if not differences:
            found.append(ResourceDrift(*common))
        for difference in differences:
            found.append(
                ResourceDrift(
                    *common,
                    path=str(difference.get("PropertyPath", "")),
                    expected=str(difference.get("ExpectedValue", "")),
                    actual=str(difference.get("ActualValue", "")),
                )
            )
    return str(status.get("StackDriftStatus", "UNKNOWN")), found
