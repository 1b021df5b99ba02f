"""The CloudFormation provisioning engine: stacks that create, update, roll back and delete."""

from __future__ import annotations

import copy
import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from deployer.sandbox.cfn_resources import (
    DEFAULT_SERVICE_TIMEOUT_SECONDS,
    PROVIDERS,
    ProvisionContext,
    Provisioned,
    ResourceFailure,
)
from deployer.sandbox.cfn_template import (
    ACCOUNT_ID,
    Resolver,
    TemplateError,
    creation_order,
)
from deployer.sandbox.clock import SimulatedClock
from deployer.sandbox.ecs_sim import EcsSimulator

STACK_TYPE = "AWS::CloudFormation::Stack"
FINAL_DELETED = "DELETE_COMPLETE"


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


class CloudFormationEngine:
    """Owns the stacks; each operation runs in its own thread and writes events as it goes."""

    def __init__(self, clock: SimulatedClock, ecs: EcsSimulator) -> None:
        self.clock = clock
        self.ecs = ecs
        self.lock = threading.RLock()
        self.stacks: list[Stack] = []
        self.service_timeout = DEFAULT_SERVICE_TIMEOUT_SECONDS

    def reset(self) -> None:
        with self.lock:
            self.stacks.clear()
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
        self, region: str, name: str, template: dict[str, Any], body: str,
        parameters: dict[str, str], tags: list[dict[str, str]], capabilities: list[str],
        disable_rollback: bool,
    ) -> Stack:  # fmt: skip
        with self.lock:
            if self.find(region, name) is not None:
                raise StackOperationError(
                    "AlreadyExistsException", f"Stack [{name}] already exists"
                )
            stack_id = f"arn:aws:cloudformation:{region}:{ACCOUNT_ID}:stack/{name}/{uuid.uuid4()}"
            stack = Stack(
                stack_id, name, region, template, body, parameters, tags, capabilities,
                disable_rollback, self.clock.now(),
            )  # fmt: skip
            self.stacks.append(stack)
            self._stack_event(stack, "CREATE_IN_PROGRESS", "User Initiated")
        self._run(stack, self._create)
        return stack

    def update(
        self, stack: Stack, template: dict[str, Any], body: str, parameters: dict[str, str],
        tags: list[dict[str, str]], capabilities: list[str],
    ) -> Stack:  # fmt: skip
        with self.lock:
            if stack.in_progress:
                raise StackOperationError(
                    "ValidationError",
                    f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.",
                )
            if stack.status in ("CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED",
                                "DELETE_FAILED", "UPDATE_ROLLBACK_FAILED"):  # fmt: skip
                raise StackOperationError(
                    "ValidationError",
                    f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.",
                )
            if (
                template == stack.template
                and parameters == stack.parameters
                and _tag_map(tags) == _tag_map(stack.tags)
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

    def delete(self, stack: Stack) -> None:
        with self.lock:
            if stack.status in (FINAL_DELETED, "DELETE_IN_PROGRESS"):
                return
            if stack.in_progress:
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
                self._create_resource(stack, resolver, logical_id, "CREATE")
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
            try:
                change = self._update_resource(stack, resolver, logical_id)
            except ResourceFailure:
                kind = "create" if logical_id not in stack.resources or stack.resources[
                    logical_id].status == "CREATE_FAILED" else "update"  # fmt: skip
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
        self._set_status(
            stack,
            "UPDATE_ROLLBACK_IN_PROGRESS",
            f"The following resource(s) failed to {kind}: [{logical_id}]. ",
        )
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
                    provider.update(
                        self._context(stack), change.logical_id, current.provisioned,
                        current.properties, properties,
                    )  # fmt: skip
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

    # ---- resources -------------------------------------------------------------------------

    def _active_order(self, stack: Stack, resolver: Resolver) -> list[str]:
        resources = stack.template.get("Resources") or {}
        active = {
            logical_id: resource
            for logical_id, resource in resources.items()
            if not resource.get("Condition") or resolver.condition(resource["Condition"])
        }
        return creation_order(active)

    def _properties(self, stack: Stack, resolver: Resolver, logical_id: str) -> dict[str, Any]:
        definition = stack.template["Resources"][logical_id]
        try:
            return dict(resolver.resolve(definition.get("Properties") or {}))
        except (TemplateError, KeyError, IndexError, ValueError, TypeError) as error:
            raise ResourceFailure(f"Template error: {error}") from error

    def _create_resource(
        self, stack: Stack, resolver: Resolver, logical_id: str, phase: str
    ) -> Provisioned:
        type_name = stack.template["Resources"][logical_id]["Type"]
        state = ResourceState(logical_id, type_name, f"{phase}_IN_PROGRESS", self.clock.now())
        with self.lock:
            existing = stack.resources.get(logical_id)
            stack.resources[logical_id] = state
        self._resource_event(stack, state, f"{phase}_IN_PROGRESS", None)
        try:
            properties = self._properties(stack, resolver, logical_id)
            state.properties = properties
            provisioned = self._provision(stack, logical_id, type_name, properties)
        except ResourceFailure as error:
            if phase == "UPDATE" and existing is not None:
                with self.lock:
                    stack.resources[logical_id] = existing
            self._resource_event(stack, state, f"{phase}_FAILED", error.reason)
            raise
        return provisioned

    def _provision(
        self, stack: Stack, logical_id: str, type_name: str, properties: dict[str, Any]
    ) -> Provisioned:
        from deployer.sandbox.cfn_schema import property_error

        state = stack.resources[logical_id]
        problem = property_error(type_name, logical_id, properties)
        if problem:
            raise ResourceFailure(problem)
        provider = PROVIDERS.get(type_name)
        if provider is None:
            raise ResourceFailure(
                f"Resource type {type_name} is valid in AWS but not simulated by the local sandbox."
            )
        provisioned: Provisioned = provider.create(
            self._context(stack, self._announcer(stack, state)), logical_id, properties
        )
        self._announcer(stack, state)(provisioned)
        self._resource_event(stack, state, state.status.replace("IN_PROGRESS", "COMPLETE"), None)
        return provisioned

    def _announcer(self, stack: Stack, state: ResourceState) -> Callable[[Provisioned], None]:
        """Records the physical id as soon as it exists, as AWS's "creation Initiated" does."""

        def announce(provisioned: Provisioned) -> None:
            if state.provisioned is provisioned:
                return
            state.provisioned = provisioned
            self._resource_event(stack, state, state.status, "Resource creation Initiated")

        return announce

    def _update_resource(self, stack: Stack, resolver: Resolver, logical_id: str) -> Change | None:
        from deployer.sandbox.cfn_schema import requires_replacement

        definition = stack.template["Resources"][logical_id]
        current = stack.resources.get(logical_id)
        if current is None or current.provisioned is None:
            self._create_resource(stack, resolver, logical_id, "CREATE")
            return Change(logical_id, "create", None)
        properties = self._properties(stack, resolver, logical_id)
        if definition["Type"] == current.type_name and properties == current.properties:
            return None
        old = copy.copy(current)
        changed = {
            key
            for key in set(properties) | set(current.properties)
            if properties.get(key) != current.properties.get(key)
        }
        if definition["Type"] != current.type_name or requires_replacement(
            current.type_name, changed
        ):
            self._resource_event(
                stack, current, "UPDATE_IN_PROGRESS",
                "Requested update requires the creation of a new physical resource; hence "
                "creating one.",
            )  # fmt: skip
            state = ResourceState(logical_id, definition["Type"], "UPDATE_IN_PROGRESS",
                                  self.clock.now(), properties)  # fmt: skip
            try:
                provisioned = self._provision_replacement(stack, state, logical_id, properties)
            except ResourceFailure as error:
                self._resource_event(stack, state, "UPDATE_FAILED", error.reason)
                with self.lock:
                    stack.resources[logical_id] = old
                    old.status = "UPDATE_FAILED"
                raise
            state.provisioned = provisioned
            with self.lock:
                stack.resources[logical_id] = state
            self._resource_event(stack, state, "UPDATE_COMPLETE", None)
            return Change(logical_id, "replace", old)
        self._resource_event(stack, current, "UPDATE_IN_PROGRESS", None)
        provider = PROVIDERS[current.type_name]
        try:
            assert current.provisioned is not None
            provider.update(
                self._context(stack), logical_id, current.provisioned, current.properties,
                properties,
            )  # fmt: skip
        except ResourceFailure as error:
            current.previous_properties = old.properties
            current.properties = properties
            self._resource_event(stack, current, "UPDATE_FAILED", error.reason)
            raise
        current.properties = properties
        self._resource_event(stack, current, "UPDATE_COMPLETE", None)
        return Change(logical_id, "modify", old)

    def _provision_replacement(
        self, stack: Stack, state: ResourceState, logical_id: str, properties: dict[str, Any]
    ) -> Provisioned:
        from deployer.sandbox.cfn_schema import property_error

        problem = property_error(state.type_name, logical_id, properties)
        if problem:
            raise ResourceFailure(problem)
        provider = PROVIDERS.get(state.type_name)
        if provider is None:
            raise ResourceFailure(
                f"Resource type {state.type_name} is valid in AWS but not simulated by the local "
                "sandbox."
            )
        announce = self._announcer(stack, state)
        provisioned: Provisioned = provider.create(
            self._context(stack, announce), logical_id, properties
        )
        announce(provisioned)
        return provisioned

    def _cleanup(self, stack: Stack, replaced: list[ResourceState], removed_ids: list[str]) -> None:
        for old in replaced:
            self._delete_one(stack, old)
        for logical_id in reversed(removed_ids):
            state = stack.resources.get(logical_id)
            if state is not None:
                self._delete_one(stack, state)
                with self.lock:
                    stack.resources.pop(logical_id, None)

    def _delete_resources(self, stack: Stack, logical_ids: list[str]) -> bool:
        ok = True
        order = [
            logical_id
            for logical_id in reversed(creation_order(stack.template.get("Resources") or {}))
            if logical_id in logical_ids
        ]
        for logical_id in order:
            state = stack.resources.get(logical_id)
            if state is None or state.status == "DELETE_COMPLETE":
                continue
            ok = self._delete_one(stack, state) and ok
        return ok

    def _delete_one(self, stack: Stack, state: ResourceState) -> bool:
        if state.provisioned is None:
            self._resource_event(stack, state, "DELETE_COMPLETE", None)
            return True
        self._resource_event(stack, state, "DELETE_IN_PROGRESS", None)
        provider = PROVIDERS.get(state.type_name)
        try:
            if provider is not None:
                provider.delete(self._context(stack), state.provisioned, state.properties)
        except ResourceFailure as error:
            self._resource_event(stack, state, "DELETE_FAILED", error.reason)
            return False
        self._resource_event(stack, state, "DELETE_COMPLETE", None)
        return True

    # ---- helpers ---------------------------------------------------------------------------

    def _context(
        self, stack: Stack, announce: Callable[[Provisioned], None] | None = None
    ) -> ProvisionContext:
        return ProvisionContext(
            announce=announce or (lambda provisioned: None),
            region=stack.region,
            stack_name=stack.name,
            stack_id=stack.stack_id,
            stack_tags=stack.tags,
            clock=self.clock,
            ecs=self.ecs,
            service_timeout=self.service_timeout,
        )

    def _resolver(self, stack: Stack) -> Resolver:
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

        return Resolver(stack.template, stack.parameters, pseudo_parameters(stack), reference,
                        attribute)  # fmt: skip

    def _finish(self, stack: Stack, status: str, resolver: Resolver) -> None:
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

    def _resource_event(
        self, stack: Stack, state: ResourceState, status: str, reason: str | None
    ) -> None:
        with self.lock:
            state.status = status
            state.reason = reason
            state.timestamp = self.clock.now()
            self._append_event(
                stack, state.logical_id, state.physical_id or "", state.type_name, status,
                reason, state.properties,
            )  # fmt: skip

    def _append_event(
        self, stack: Stack, logical_id: str, physical_id: str, type_name: str, status: str,
        reason: str | None, properties: dict[str, Any] | None,
    ) -> None:  # fmt: skip
        event: dict[str, Any] = {
            "StackId": stack.stack_id,
            "EventId": f"{logical_id}-{status}-{uuid.uuid4()}",
            "StackName": stack.name,
            "LogicalResourceId": logical_id,
            "PhysicalResourceId": physical_id,
            "ResourceType": type_name,
            "Timestamp": self.clock.now(),
            "ResourceStatus": status,
        }
        if reason:
            event["ResourceStatusReason"] = reason
        if properties:
            event["ResourceProperties"] = json.dumps(properties)
        with self.lock:
            stack.events.append(event)


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


def _tag_map(tags: list[dict[str, str]]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in tags}
