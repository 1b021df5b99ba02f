"""The CloudFormation stack workflow: create, update, no-op or recreate, and watch it settle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from deployer.aws.errors import AwsError, aws_errors
from deployer.aws.polling import Poller

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
# A stack as just described, wrapped so that "absent" (None) differs from "not known".
KnownStack = tuple[dict[str, Any] | None]


@dataclass(frozen=True)
class StackEvent:
    event_id: str
    timestamp: dt.datetime
    logical_id: str
    resource_type: str
    status: str
    reason: str
    physical_id: str = ""

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
        on_poll: Callable[[str], str | None] | None = None,
        settle_poller: Poller | None = None,
        left_by: Callable[[dict[str, Any]], str | None] | None = None,
        settle_creation: Callable[[str], None] | None = None,
        before_write: Callable[[KnownStack | None], None] | None = None,
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
        # what CloudFormation is waiting on (the ECS rollout of the service it updates). It may
        # answer "waiting" (the rollout is under way: the stack cannot end before it does),
        # "nearly" (the same, but the rollout may end any moment: poll quickly) or "ending" (it
        # has ended: the stack's operation ends a moment later).
        self.on_poll = on_poll
        # How to wait once this deployment stops its own operation (cancelled, or a crash loop):
        # no cancel check and no deadline, or stopping would itself be stopped half-way.
        self.settle_poller = settle_poller or Poller(sleep=poller.sleep)
        # Names the finished deployment of ours whose operation a stack is still in, if any.
        self.left_by = left_by
        # Makes a creation in progress settle now (scales its service to zero) rather than
        # after ECS gives up on tasks that never start.
        self.settle_creation = settle_creation
        # Called once before this workflow's first write to AWS (the caller's last checks, such
        # as cfn-lint running while the stack is read); raising there writes nothing.
        self.before_write = before_write
        # The settled stack (None: absent) that the next write acts on, as just described: the
        # check before the write reads it from here instead of asking again.
        self.known_stack: KnownStack | None = None
        # "created" or "updated" once this workflow has started an operation of its own.
        self.started: str | None = None
        self._seen_events: set[str] = set()
        # The stack's ECS service, once an event of this deployment's time names it.
        self.service_id: str | None = None
        # The stack's own final status, once an event has announced it.
        self._final_status: dict[str, str] = {}

    def run(self, *, wait: bool = True) -> StackResult:
        stack = self.describe()
        status = stack["StackStatus"] if stack is not None else ""
        owner = self.left_by(stack) if stack is not None and self.left_by is not None else None
        if stack is not None and status == "CREATE_IN_PROGRESS" and owner is not None:
            self.log(
                "warning",
                f"Stack {self.stack_name} is CREATE_IN_PROGRESS, left by {owner}; letting that "
                "creation settle (its service scaled to 0) before deploying.",
            )
            if self.settle_creation is not None:
                self._before_write()
                self.settle_creation(stack["StackId"])
            stack = self.wait_until_settled(
                stack["StackId"], "the abandoned creation to settle", watch=False
            )
            self.log("info", f"Stack {self.stack_name} is {stack['StackStatus']}; deploying.")
        if stack is not None and status == "UPDATE_IN_PROGRESS" and owner is not None:
            # Nobody is waiting for that update any more (its deployment failed or was
            # cancelled, maybe on a crash loop that would never settle): undo it first.
            self.log(
                "warning",
                f"Stack {self.stack_name} is UPDATE_IN_PROGRESS, left by {owner}; cancelling "
                "that update (CancelUpdateStack) and waiting for CloudFormation to roll it "
                "back.",
            )
            self._cancel_update(stack["StackId"])
            stack = self.wait_until_settled(
                stack["StackId"], "the rollback of the abandoned update", watch=False
            )
            self.log("info", f"Stack {self.stack_name} is {stack['StackStatus']}; deploying.")
        if stack is not None and stack["StackStatus"] == "REVIEW_IN_PROGRESS":
            self._delete_review_stack(stack["StackId"])
            stack = None
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
            self.known_stack = (None,)
            stack_id = self._create_past_a_plan()
            operation = "created"
        else:
            stack_id = stack["StackId"]
            self.known_stack = (stack,)
            if not self.update():
                self.log("info", "No updates are to be performed: the stack already matches.")
                return self._result("no changes", stack)
            operation = "updated"
        self.started = operation
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

    def _before_write(self) -> None:
        if self.before_write is not None:
            check, self.before_write = self.before_write, None
            check(self.known_stack)

    def create(self) -> str:
        self._before_write()
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

    def _create_past_a_plan(self) -> str:
        """Create the stack; if a change plan made its empty stack meanwhile, replace that."""
        try:
            return self.create()
        except AwsError as exc:
            if exc.code != "AlreadyExistsException":
                raise
            stack = self.describe()
            if stack is None or stack["StackStatus"] != "REVIEW_IN_PROGRESS":
                raise
            self._delete_review_stack(stack["StackId"])
            return self.create()

    def _delete_review_stack(self, stack_id: str) -> None:
        # The empty stack of a CREATE change set that was never executed (a change plan's):
        # nothing runs in it, and CloudFormation cannot create the stack while it is there.
        self.log(
            "info",
            f"Stack {self.stack_name} is REVIEW_IN_PROGRESS (the empty stack of a change plan); "
            "deleting it to create the stack.",
        )
        self.delete(stack_id, watch=False)

    def update(self) -> bool:
        """Start an update; False when CloudFormation says there is nothing to change."""
        self._before_write()
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

    def delete(self, stack_id: str, *, watch: bool = True) -> None:
        self._before_write()
        with aws_errors("cloudformation:DeleteStack"):
            self.client.delete_stack(StackName=stack_id)
        stack = self.wait_until_settled(
            stack_id, f"deletion of stack {self.stack_name}", watch=watch
        )
        if stack["StackStatus"] != "DELETE_COMPLETE":
            raise AwsError(
                f"Stack {self.stack_name} could not be deleted ({stack['StackStatus']}: "
                f"{stack.get('StackStatusReason', '')}). Delete it in the CloudFormation console, "
                "then deploy again."
            )
        self.log("info", f"Stack {self.stack_name} deleted.")

    def stop(self, *, before_delete: Callable[[str], None] | None = None) -> str:
        """Stop the operation this workflow started and say in what state the stack was left.

        An update is cancelled (CancelUpdateStack): CloudFormation rolls the stack and its
        service back to the previous template. A creation cannot be stopped half-way, so it is
        waited for and the stack deleted (`before_delete(stack_id)` may first help it settle).
        A stack this workflow did not touch is left alone.
        """
        stack = self.describe()
        if stack is None:
            return f"Stack {self.stack_name} was not created: nothing was left behind."
        status = str(stack["StackStatus"])
        stack_id = str(stack["StackId"])
        if self.started is None:
            return f"Stack {self.stack_name} was not changed by this deployment; it is {status}."
        if self.started == "updated":
            if status == "UPDATE_IN_PROGRESS":
                self.log(
                    "warning",
                    f"Cancelling the update of stack {self.stack_name} (CancelUpdateStack); "
                    "waiting for CloudFormation to roll it back.",
                )
                self._cancel_update(stack_id)
            if status.endswith("_IN_PROGRESS"):
                status = self.wait_until_settled(stack_id, "the stack to settle", watch=False)[
                    "StackStatus"
                ]
            if status == "UPDATE_ROLLBACK_COMPLETE":
                return (
                    f"Stack {self.stack_name} is UPDATE_ROLLBACK_COMPLETE: the update was rolled "
                    "back and the service runs the task definition it ran before."
                )
            if status == "UPDATE_COMPLETE":
                return (
                    f"Stack {self.stack_name} is UPDATE_COMPLETE: the update had finished before "
                    "it could be stopped."
                )
            return f"Stack {self.stack_name} was left {status}."
        # Created by this workflow.
        if status.endswith("_IN_PROGRESS") and status != "DELETE_IN_PROGRESS":
            self.log(
                "warning",
                f"Stack {self.stack_name} is {status}: a creation cannot be stopped half-way; "
                "waiting for it to settle, then deleting the stack.",
            )
            if before_delete is not None:
                before_delete(stack_id)
            status = self.wait_until_settled(stack_id, "the stack to settle", watch=False)[
                "StackStatus"
            ]
        if status == "DELETE_COMPLETE":
            return f"Stack {self.stack_name} is DELETE_COMPLETE: nothing was left behind."
        try:
            self.log("info", f"Deleting stack {self.stack_name}, which this deployment created.")
            self.delete(stack_id, watch=False)
        except AwsError as exc:
            return f"Stack {self.stack_name} was left {status}: {exc.message}"
        return (
            f"Stack {self.stack_name} was created ({status}) and then deleted: nothing was left "
            "behind."
        )

    def _cancel_update(self, stack_id: str) -> None:
        self._before_write()
        try:
            with aws_errors("cloudformation:CancelUpdateStack"):
                self.client.cancel_update_stack(StackName=stack_id)
        except AwsError as exc:
            # The update may have ended between the look and the call: the wait says how.
            self.log("verbose", f"CancelUpdateStack: {exc.message}")

    def wait_until_settled(
        self, stack_id: str, phase: str, *, watch: bool = True
    ) -> dict[str, Any]:
        """Poll until the stack's operation ends.

        `watch=False` is for waits after this deployment stopped its own operation: no rollout
        hook, and the settle poller, which neither cancels nor times out.
        """
        poller = self.poller if watch else self.settle_poller
        clock = poller.monotonic
        # A poll reads the new events, which announce the stack's own status changes, and
        # DescribeStacks only once they say the operation ended (or every poll_seconds, in
        # case an event was missed). While CloudFormation only waits for the ECS service,
        # whose rollout `on_poll` follows, the events are read every poll_seconds at least.
        quick_polls = 2  # right after an operation starts, its first changes are due
        last_events = last_describe = clock()
        first = True
        while True:
            hint = ""
            if watch and self.on_poll is not None and not first:
                hint = self.on_poll(stack_id) or ""
            first = False
            # While the rollout runs, the stack cannot end: its events can wait a while.
            look_at_events = (
                hint not in ("waiting", "nearly") or clock() - last_events >= self.poll_seconds
            )
            fresh: list[StackEvent] = []
            if look_at_events:
                fresh = self._log_new_events(stack_id)
                last_events = clock()
            ended = self._final_status.pop(stack_id, None)
            if ended is not None or clock() - last_describe >= self.poll_seconds:
                with aws_errors("cloudformation:DescribeStacks"):
                    stack = self.client.describe_stacks(StackName=stack_id)["Stacks"][0]
                last_describe = clock()
                if not stack["StackStatus"].endswith("_IN_PROGRESS"):
                    if not look_at_events:
                        self._log_new_events(stack_id)
                    return dict(stack)
            busy = bool(fresh) or hint in ("busy", "nearly") or quick_polls > 0
            quick_polls -= 1
            poller.wait(self.poll_seconds, phase, busy=busy, imminent=hint == "ending")

    # Events

    def _log_new_events(self, stack_id: str) -> list[StackEvent]:
        fresh = self._new_events(stack_id)
        for event in fresh:
            self.log("error" if event.failed else "info", str(event))
            if event.resource_type == "AWS::ECS::Service" and event.physical_id:
                self.service_id = event.physical_id.rsplit("/", 1)[-1]
            if (
                event.resource_type == "AWS::CloudFormation::Stack"
                and event.physical_id == stack_id
                and not event.status.endswith("_IN_PROGRESS")
            ):
                self._final_status[stack_id] = event.status
        return fresh

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
                    physical_id=raw.get("PhysicalResourceId", ""),
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
