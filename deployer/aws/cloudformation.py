"""The CloudFormation stack workflow: create, update, no-op or recreate, and watch it settle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from deployer.aws.errors import AwsError, aws_errors

# A stack in one of these cannot be updated: delete it and create it again.
RECREATE_STATES = frozenset(
    {"CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED",
     "UPDATE_ROLLBACK_FAILED"}
)  # fmt: skip
# The operation this deployment started ended here: the deployment failed.
FAILURE_STATES = RECREATE_STATES | {
    "UPDATE_ROLLBACK_COMPLETE",
    "UPDATE_FAILED",
    "ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
}
FAILED_EVENT_STATUSES = ("_FAILED",)
NO_UPDATES = "No updates are to be performed"


class Cancelled(Exception):
    """The user cancelled the deployment; raised at the next poll."""


class TimedOut(Exception):
    """The wait-with-timeout deadline passed while waiting for `phase`."""

    def __init__(self, phase: str, waited: float) -> None:
        super().__init__(f"Timed out after {waited / 60:.1f} minutes waiting for {phase}.")
        self.phase = phase
        self.waited = waited


@dataclass
class Poller:
    """How the workflow waits: a sleep, a cancel check, an optional deadline, and a clock."""

    sleep: Callable[[float], None]
    cancelled: Callable[[], bool] = lambda: False
    deadline: float | None = None  # monotonic time
    started: float = 0.0
    monotonic: Callable[[], float] = field(default=lambda: 0.0)

    def check(self, phase: str) -> None:
        if self.cancelled():
            raise Cancelled()
        if self.deadline is not None and self.monotonic() > self.deadline:
            raise TimedOut(phase, self.monotonic() - self.started)

    def wait(self, seconds: float, phase: str) -> None:
        self.check(phase)
        self.sleep(seconds)
        self.check(phase)


@dataclass(frozen=True)
class StackEvent:
    event_id: str
    timestamp: dt.datetime
    logical_id: str
    resource_type: str
    status: str
    reason: str

    @property
    def failed(self) -> bool:
        return self.status.endswith(FAILED_EVENT_STATUSES)

    def __str__(self) -> str:
        reason = f": {self.reason}" if self.reason else ""
        return (
            f"{self.timestamp:%H:%M:%S} {self.resource_type} {self.logical_id} "
            f"{self.status}{reason}"
        )


@dataclass
class StackResult:
    operation: str  # "created", "updated", "no changes"
    status: str
    stack_id: str
    outputs: dict[str, str]
    failed_events: list[StackEvent] = field(default_factory=list)
    status_reason: str = ""

    @property
    def ok(self) -> bool:
        return self.operation == "no changes" or self.status in {
            "CREATE_COMPLETE",
            "UPDATE_COMPLETE",
        }


Log = Callable[[str, str], None]  # (level, text)


class StackWorkflow:
    """Drives one stack to the template: idempotent, so running it again resumes where AWS is."""

    def __init__(
        self,
        client: Any,
        stack_name: str,
        template_body: str,
        *,
        parameters: list[dict[str, str]] | None = None,
        tags: list[dict[str, str]] | None = None,
        log: Log,
        poller: Poller,
        started_at: dt.datetime,
        poll_seconds: float = 5.0,
        on_poll: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.stack_name = stack_name
        self.template_body = template_body
        self.parameters = parameters or []
        self.tags = tags or []
        self.log = log
        self.poller = poller
        # Events before this moment belong to earlier deployments and are never shown.
        self.started_at = started_at
        self.poll_seconds = poll_seconds
        # Called with the stack id at each poll while an operation runs, so the caller can show
        # what CloudFormation is waiting on (the ECS rollout of the service it updates).
        self.on_poll = on_poll
        self._seen_events: set[str] = set()

    def run(self, *, wait: bool = True) -> StackResult:
        stack = self.describe()
        if stack is not None and stack["StackStatus"].endswith("_IN_PROGRESS"):
            self.log("info", f"Stack {self.stack_name} is {stack['StackStatus']}; waiting for it.")
            stack = self.wait_until_settled(stack["StackId"], "the stack's previous operation")
        if stack is not None and stack["StackStatus"] in RECREATE_STATES:
            self.log(
                "warning",
                f"Stack {self.stack_name} is {stack['StackStatus']} and cannot be updated; "
                "deleting it to create it again.",
            )
            self.delete(stack["StackId"])
            stack = None
        if stack is None or stack["StackStatus"] == "DELETE_COMPLETE":
            stack_id = self.create()
            operation = "created"
        else:
            stack_id = stack["StackId"]
            if not self.update():
                self.log("info", "No updates are to be performed: the stack already matches.")
                return self._result("no changes", stack)
            operation = "updated"
        if not wait:
            stack = self.describe() or {"StackStatus": "", "StackId": stack_id}
            return self._result(operation, stack)
        stack = self.wait_until_settled(stack_id, f"stack {self.stack_name}")
        result = self._result(operation, stack)
        if not result.ok:
            result.failed_events = [e for e in self._all_events(stack_id) if e.failed]
        return result

    # AWS calls

    def describe(self) -> dict[str, Any] | None:
        try:
            with aws_errors("cloudformation:DescribeStacks"):
                stacks = self.client.describe_stacks(StackName=self.stack_name)["Stacks"]
        except AwsError as exc:
            if exc.code == "ValidationError" and "does not exist" in exc.message:
                return None
            raise
        return stacks[0] if stacks else None

    def create(self) -> str:
        self.log("info", f"Creating stack {self.stack_name}.")
        with aws_errors("cloudformation:CreateStack"):
            response = self.client.create_stack(
                StackName=self.stack_name,
                TemplateBody=self.template_body,
                Parameters=self.parameters,
                Tags=self.tags,
                Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
            )
        return str(response["StackId"])

    def update(self) -> bool:
        """Start an update; False when CloudFormation says there is nothing to change."""
        self.log("info", f"Updating stack {self.stack_name}.")
        try:
            with aws_errors("cloudformation:UpdateStack"):
                self.client.update_stack(
                    StackName=self.stack_name,
                    TemplateBody=self.template_body,
                    Parameters=self.parameters,
                    Tags=self.tags,
                    Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
                )
        except AwsError as exc:
            if NO_UPDATES in exc.message:
                return False
            raise
        return True

    def delete(self, stack_id: str) -> None:
        with aws_errors("cloudformation:DeleteStack"):
            self.client.delete_stack(StackName=stack_id)
        stack = self.wait_until_settled(stack_id, f"deletion of stack {self.stack_name}")
        if stack["StackStatus"] != "DELETE_COMPLETE":
            raise AwsError(
                f"Stack {self.stack_name} could not be deleted ({stack['StackStatus']}: "
                f"{stack.get('StackStatusReason', '')}). Delete it in the CloudFormation console, "
                "then deploy again."
            )
        self.log("info", f"Stack {self.stack_name} deleted.")

    def cancel_update(self) -> str:
        """Cancel an in-progress update and say where the stack was left."""
        stack = self.describe()
        if stack is None:
            return "The stack does not exist."
        if stack["StackStatus"] == "UPDATE_IN_PROGRESS":
            with aws_errors("cloudformation:CancelUpdateStack"):
                self.client.cancel_update_stack(StackName=stack["StackId"])
            return f"Stack {self.stack_name} update cancelled; CloudFormation rolls it back."
        return f"Stack {self.stack_name} was left {stack['StackStatus']}."

    def wait_until_settled(self, stack_id: str, phase: str) -> dict[str, Any]:
        while True:
            with aws_errors("cloudformation:DescribeStacks"):
                stack = self.client.describe_stacks(StackName=stack_id)["Stacks"][0]
            self._log_new_events(stack_id)
            if not stack["StackStatus"].endswith("_IN_PROGRESS"):
                return dict(stack)
            if self.on_poll is not None:
                self.on_poll(stack_id)
            self.poller.wait(self.poll_seconds, phase)

    # Events

    def _log_new_events(self, stack_id: str) -> None:
        for event in self._new_events(stack_id):
            self.log("error" if event.failed else "info", str(event))

    def _new_events(self, stack_id: str) -> list[StackEvent]:
        fresh: list[StackEvent] = []
        for event in self._events_newest_first(stack_id):
            if event.event_id in self._seen_events or event.timestamp < self.started_at:
                break
            fresh.append(event)
        self._seen_events.update(e.event_id for e in fresh)
        return list(reversed(fresh))

    def _all_events(self, stack_id: str) -> list[StackEvent]:
        events = []
        for event in self._events_newest_first(stack_id):
            if event.timestamp < self.started_at:
                break
            events.append(event)
        return list(reversed(events))

    def _events_newest_first(self, stack_id: str) -> Any:
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"StackName": stack_id}
            if token:
                kwargs["NextToken"] = token
            with aws_errors("cloudformation:DescribeStackEvents"):
                page = self.client.describe_stack_events(**kwargs)
            for raw in page.get("StackEvents", []):
                yield StackEvent(
                    event_id=raw["EventId"],
                    timestamp=raw["Timestamp"],
                    logical_id=raw.get("LogicalResourceId", ""),
                    resource_type=raw.get("ResourceType", ""),
                    status=raw.get("ResourceStatus", ""),
                    reason=raw.get("ResourceStatusReason", ""),
                )
            token = page.get("NextToken")
            if not token:
                return

    def _result(self, operation: str, stack: dict[str, Any]) -> StackResult:
        return StackResult(
            operation=operation,
            status=stack.get("StackStatus", ""),
            stack_id=stack.get("StackId", ""),
            outputs={o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", []) or []},
            status_reason=stack.get("StackStatusReason", ""),
        )
