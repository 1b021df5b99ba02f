"""The CloudFormation provisioning engine: stacks that create, update, roll back and delete."""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable
from typing import Any

from deployer.sandbox.cfn_model import (
    STACK_TYPE,
    Change,
    Stack,
    StackOperationError,
    resolve_outputs,
    stack_resolver,
    tag_map,
)
from deployer.sandbox.cfn_provisioning import HANDLER_SECONDS, ResourceProvisioning
from deployer.sandbox.cfn_resources import (
    DEFAULT_SERVICE_TIMEOUT_SECONDS,
    PROVIDERS,
    ResourceFailure,
)
from deployer.sandbox.cfn_template import ACCOUNT_ID, Resolver
from deployer.sandbox.clock import SimulatedClock
from deployer.sandbox.ecs_sim import EcsSimulator

FINAL_DELETED = "DELETE_COMPLETE"


class CloudFormationEngine(ResourceProvisioning):
    """Owns the stacks; each operation runs in its own thread and writes events as it goes."""

    def __init__(self, clock: SimulatedClock, ecs: EcsSimulator) -> None:
        self.clock = clock
        self.ecs = ecs
        self.lock = threading.RLock()
        self.stacks: list[Stack] = []
        self.service_timeout = DEFAULT_SERVICE_TIMEOUT_SECONDS
        # Reviews of stacks (cfn_review_api): change sets, and drift detections by id.
        self.change_sets: list[Any] = []
        self.drift_detections: dict[str, dict[str, Any]] = {}

    def reset(self) -> None:
        with self.lock:
            self.stacks.clear()
            self.change_sets.clear()
            self.drift_detections.clear()
        self.service_timeout = DEFAULT_SERVICE_TIMEOUT_SECONDS

    # ---- lookup ----------------------------------------------------------------------------

    def find(self, region: str, name_or_id: str) -> Stack | None:
        with self.lock:
            for stack in reversed(self.stacks):
                if stack.region != region:
                    continue
                if stack.stack_id == name_or_id:
                    return stack
                if stack.name == name_or_id and stack.status != FINAL_DELETED:
                    return stack
        return None

    def require(self, region: str, name_or_id: str) -> Stack:
        stack = self.find(region, name_or_id)
        if stack is None:
            raise StackOperationError(
                "ValidationError", f"Stack with id {name_or_id} does not exist"
            )
        return stack

    # ---- operations ------------------------------------------------------------------------

    def create(
        self,
        region: str,
        name: str,
        template: dict[str, Any],
        body: str,
        parameters: dict[str, str],
        tags: list[dict[str, str]],
        capabilities: list[str],
        disable_rollback: bool,
    ) -> Stack:
        with self.lock:
            if self.find(region, name) is not None:
                raise StackOperationError(
                    "AlreadyExistsException", f"Stack [{name}] already exists"
                )
            stack_id = f"arn:aws:cloudformation:{region}:{ACCOUNT_ID}:stack/{name}/{uuid.uuid4()}"
            stack = Stack(
                stack_id,
                name,
                region,
                template,
                body,
                parameters,
                tags,
                capabilities,
                disable_rollback,
                self.clock.now(),
            )
            self.stacks.append(stack)
            self._stack_event(stack, "CREATE_IN_PROGRESS", "User Initiated")
        self._run(stack, self._create)
        return stack

    def review(self, region: str, name: str) -> Stack:
        """The empty stack a CREATE change set makes: REVIEW_IN_PROGRESS until executed."""
        with self.lock:
            stack_id = f"arn:aws:cloudformation:{region}:{ACCOUNT_ID}:stack/{name}/{uuid.uuid4()}"
            stack = Stack(stack_id, name, region, {}, "", {}, [], [], False, self.clock.now())
            stack.status = "REVIEW_IN_PROGRESS"
            self.stacks.append(stack)
            self._stack_event(stack, "REVIEW_IN_PROGRESS", "User Initiated")
        return stack

    def update(
        self,
        stack: Stack,
        template: dict[str, Any],
        body: str,
        parameters: dict[str, str],
        tags: list[dict[str, str]],
        capabilities: list[str],
    ) -> Stack:
        with self.lock:
            if stack.in_progress:
                raise StackOperationError(
                    "ValidationError",
                    f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.",
                )
            if stack.status in (
                "CREATE_FAILED",
                "ROLLBACK_COMPLETE",
                "ROLLBACK_FAILED",
                "DELETE_FAILED",
                "UPDATE_ROLLBACK_FAILED",
            ):
                raise StackOperationError(
                    "ValidationError",
                    f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.",
                )
            if (
                template == stack.template
                and parameters == stack.parameters
                and tag_map(tags) == tag_map(stack.tags)
            ):
                raise StackOperationError("ValidationError", "No updates are to be performed.")
            previous = (stack.template, stack.template_body, stack.parameters, stack.tags)
            stack.template, stack.template_body = template, body
            stack.parameters, stack.tags, stack.capabilities = parameters, tags, capabilities
            stack.status = "UPDATE_IN_PROGRESS"
            stack.updated_at = self.clock.now()
            self._stack_event(stack, "UPDATE_IN_PROGRESS", "User Initiated")
        self._run(stack, lambda s: self._update(s, previous))
        return stack

    def cancel_update(self, stack: Stack) -> None:
        with self.lock:
            if stack.status != "UPDATE_IN_PROGRESS":
                raise StackOperationError(
                    "ValidationError",
                    f"CancelUpdateStack cannot be called from current stack status {stack.status}.",
                )
            stack.cancel_requested = True

    def delete(self, stack: Stack) -> None:
        with self.lock:
            if stack.status in (FINAL_DELETED, "DELETE_IN_PROGRESS"):
                return
            self.change_sets[:] = [c for c in self.change_sets if c.stack is not stack]
            if stack.in_progress and stack.status != "REVIEW_IN_PROGRESS":
                raise StackOperationError(
                    "ValidationError",
                    f"Stack [{stack.name}] cannot be deleted while in status {stack.status}",
                )
            stack.status = "DELETE_IN_PROGRESS"
            stack.status_reason = "User Initiated"
            self._stack_event(stack, "DELETE_IN_PROGRESS", "User Initiated")
        self._run(stack, self._delete)

    def _run(self, stack: Stack, operation: Callable[[Stack], None]) -> None:
        def guarded() -> None:
            try:
                operation(stack)
            except Exception as error:  # a bug here must not leave the stack in progress forever
                with self.lock:
                    failed = stack.status.replace("_IN_PROGRESS", "_FAILED")
                    stack.status = failed
                    stack.status_reason = f"Internal sandbox error: {error}"
                    self._stack_event(stack, failed, stack.status_reason)

        threading.Thread(target=guarded, name=f"stack-{stack.name}", daemon=True).start()

    # ---- the state machine -----------------------------------------------------------------

    def _create(self, stack: Stack) -> None:
        resolver = self._resolver(stack)
        failed: str | None = None
        for logical_id in self._active_order(stack, resolver):
            try:
                self._create_resource(stack, resolver, logical_id)
            except ResourceFailure:
                failed = logical_id
                break
            if self.clock.stopping:
                return
        if failed is None:
            self._finish(stack, "CREATE_COMPLETE", resolver)
            return
        reason = f"The following resource(s) failed to create: [{failed}]. "
        if stack.disable_rollback:
            self._set_status(stack, "CREATE_FAILED", reason)
            return
        self._set_status(stack, "ROLLBACK_IN_PROGRESS", reason + "Rollback requested by user.")
        ok = self._delete_resources(stack, list(stack.resources))
        self._set_status(stack, "ROLLBACK_COMPLETE" if ok else "ROLLBACK_FAILED", None)

    def _update(self, stack: Stack, previous: tuple[Any, ...]) -> None:
        resolver = self._resolver(stack)
        changes: list[Change] = []
        failed: tuple[str, str] | None = None
        wanted = self._active_order(stack, resolver)
        for logical_id in wanted:
            if stack.cancel_requested:
                failed = (logical_id, "cancel")
                break
            try:
                change = self._update_resource(stack, resolver, logical_id)
            except ResourceFailure:
                kind = (
                    "create"
                    if logical_id not in stack.resources
                    or stack.resources[logical_id].status == "CREATE_FAILED"
                    else "update"
                )
                failed = (logical_id, kind)
                break
            if change is not None:
                changes.append(change)
        if failed is None:
            self._set_status(stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", None)
            leftovers = [
                change.old for change in changes if change.kind == "replace" and change.old
            ]
            removed = [logical for logical in stack.resources if logical not in wanted]
            self._cleanup(stack, leftovers, removed)
            self._finish(stack, "UPDATE_COMPLETE", resolver)
            return
        logical_id, kind = failed
        reason = f"The following resource(s) failed to {kind}: [{logical_id}]. "
        if stack.cancel_requested:
            reason = "Stack update cancelled"
        stack.cancel_requested = False
        self._set_status(stack, "UPDATE_ROLLBACK_IN_PROGRESS", reason)
        stack.template, stack.template_body, stack.parameters, stack.tags = previous
        old_resolver = self._resolver(stack)
        ok = self._roll_back_changes(stack, old_resolver, changes, logical_id)
        self._set_status(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", None)
        leftovers = [
            stack_resource
            for change in changes
            if change.kind == "replace"
            for stack_resource in [change.new_state]
            if stack_resource is not None
        ]
        failed_state = stack.resources.get(logical_id)
        if failed_state is not None and failed_state.abandoned is not None:
            leftovers.append(failed_state.abandoned)
            failed_state.abandoned = None
        created = [change.logical_id for change in changes if change.kind == "create"]
        if logical_id not in (stack.template.get("Resources") or {}):
            created.append(logical_id)
        self._cleanup(stack, leftovers, created)
        if ok:
            self._finish(stack, "UPDATE_ROLLBACK_COMPLETE", old_resolver)
        else:
            self._set_status(stack, "UPDATE_ROLLBACK_FAILED", None)

    def _roll_back_changes(
        self, stack: Stack, resolver: Resolver, changes: list[Change], failed_id: str
    ) -> bool:
        ok = True
        failed_state = stack.resources.get(failed_id)
        undo = list(reversed(changes))
        if failed_state is not None and failed_state.status == "UPDATE_FAILED":
            # An in-place update that failed half-way is undone like a completed one.
            before = copy.copy(failed_state)
            before.properties = failed_state.previous_properties
            undo.insert(0, Change(failed_id, "modify", before))
        for change in undo:
            if change.kind == "create":
                continue
            current = stack.resources[change.logical_id]
            old = change.old
            if old is None:
                continue
            self._resource_event(stack, current, "UPDATE_IN_PROGRESS", None)
            if change.kind == "replace":
                change.new_state = copy.copy(current)
                current.provisioned = old.provisioned
                current.properties = old.properties
            else:
                provider = PROVIDERS[current.type_name]
                properties = old.properties
                try:
                    assert current.provisioned is not None
                    self.clock.sleep(HANDLER_SECONDS)
                    provider.update(
                        self._context(stack),
                        change.logical_id,
                        current.provisioned,
                        current.properties,
                        properties,
                    )
                    current.properties = properties
                except ResourceFailure as error:
                    self._resource_event(stack, current, "UPDATE_FAILED", error.reason)
                    ok = False
                    continue
            self._resource_event(stack, current, "UPDATE_COMPLETE", None)
        return ok

    def _delete(self, stack: Stack) -> None:
        ok = self._delete_resources(stack, list(stack.resources))
        if ok:
            with self.lock:
                stack.deleted_at = self.clock.now()
            self._set_status(stack, FINAL_DELETED, None)
        else:
            self._set_status(stack, "DELETE_FAILED", "The following resource(s) failed to delete.")

    # ---- helpers ---------------------------------------------------------------------------

    def _resolver(self, stack: Stack) -> Resolver:
        return stack_resolver(stack)

    def _finish(self, stack: Stack, status: str, resolver: Resolver) -> None:
        outputs = resolve_outputs(stack, resolver)
        with self.lock:
            stack.outputs = outputs
        self._set_status(stack, status, None)

    def _set_status(self, stack: Stack, status: str, reason: str | None) -> None:
        with self.lock:
            stack.status = status
            stack.status_reason = reason
            self._stack_event(stack, status, reason)

    def _stack_event(self, stack: Stack, status: str, reason: str | None) -> None:
        self._append_event(stack, stack.name, stack.stack_id, STACK_TYPE, status, reason, None)
