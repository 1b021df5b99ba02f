"""A sandbox stack's resources created, updated and deleted through their providers, with events."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

from deployer.sandbox.cfn_model import Change, ResourceState, Stack, append_event
from deployer.sandbox.cfn_resources import PROVIDERS, ProvisionContext, Provisioned, ResourceFailure
from deployer.sandbox.cfn_schema import property_error, requires_replacement
from deployer.sandbox.cfn_template import Resolver, TemplateError, creation_order
from deployer.sandbox.clock import SimulatedClock
from deployer.sandbox.ecs_sim import EcsSimulator

# Realistic seconds CloudFormation spends entering the cleanup phase before deleting anything.
CLEANUP_SECONDS = 5.0
# Realistic seconds a resource handler takes to answer before its operation shows progress.
HANDLER_SECONDS = 2.0


class ResourceProvisioning:
    """One resource at a time: the half of CloudFormationEngine below the stack's state machine."""

    clock: SimulatedClock
    ecs: EcsSimulator
    lock: threading.RLock
    service_timeout: float

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

    def _create_resource(self, stack: Stack, resolver: Resolver, logical_id: str) -> None:
        type_name = stack.template["Resources"][logical_id]["Type"]
        state = ResourceState(logical_id, type_name, "CREATE_IN_PROGRESS", self.clock.now())
        with self.lock:
            stack.resources[logical_id] = state
        self._resource_event(stack, state, "CREATE_IN_PROGRESS", None)
        try:
            state.properties = self._properties(stack, resolver, logical_id)
            self._provision(stack, state)
        except ResourceFailure as error:
            self._resource_event(stack, state, "CREATE_FAILED", error.reason)
            raise
        self._resource_event(stack, state, "CREATE_COMPLETE", None)

    def _provision(self, stack: Stack, state: ResourceState) -> Provisioned:
        """Create the physical resource for `state` (a new resource or a replacement)."""
        problem = property_error(state.type_name, state.logical_id, state.properties)
        if problem:
            raise ResourceFailure(problem)
        provider = PROVIDERS.get(state.type_name)
        if provider is None:
            raise ResourceFailure(
                f"Resource type {state.type_name} is valid in AWS but not simulated by the local "
                "sandbox."
            )
        announce = self._announcer(stack, state)
        self.clock.sleep(HANDLER_SECONDS)
        provisioned: Provisioned = provider.create(
            self._context(stack, announce), state.logical_id, state.properties
        )
        announce(provisioned)
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
        definition = stack.template["Resources"][logical_id]
        current = stack.resources.get(logical_id)
        if current is None or current.provisioned is None:
            self._create_resource(stack, resolver, logical_id)
            return Change(logical_id, "create", None)
        try:
            properties = self._properties(stack, resolver, logical_id)
        except ResourceFailure as error:
            current.previous_properties = current.properties
            self._resource_event(stack, current, "UPDATE_FAILED", error.reason)
            raise
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
                stack,
                current,
                "UPDATE_IN_PROGRESS",
                "Requested update requires the creation of a new physical resource; hence "
                "creating one.",
            )
            state = ResourceState(
                logical_id, definition["Type"], "UPDATE_IN_PROGRESS", self.clock.now(), properties
            )
            try:
                provisioned = self._provision(stack, state)
            except ResourceFailure as error:
                self._resource_event(stack, state, "UPDATE_FAILED", error.reason)
                with self.lock:
                    stack.resources[current.logical_id] = current
                    current.status = "UPDATE_FAILED"
                    current.previous_properties = current.properties
                    current.abandoned = state if state.provisioned else None
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
            self.clock.sleep(HANDLER_SECONDS)
            provider.update(
                self._context(stack),
                logical_id,
                current.provisioned,
                current.properties,
                properties,
            )
        except ResourceFailure as error:
            current.previous_properties = old.properties
            current.properties = properties
            self._resource_event(stack, current, "UPDATE_FAILED", error.reason)
            raise
        current.properties = properties
        self._resource_event(stack, current, "UPDATE_COMPLETE", None)
        return Change(logical_id, "modify", old)

    def _cleanup(self, stack: Stack, replaced: list[ResourceState], removed_ids: list[str]) -> None:
        self.clock.sleep(CLEANUP_SECONDS)
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
                self.clock.sleep(HANDLER_SECONDS)
                provider.delete(self._context(stack), state.provisioned, state.properties)
        except ResourceFailure as error:
            self._resource_event(stack, state, "DELETE_FAILED", error.reason)
            return False
        self._resource_event(stack, state, "DELETE_COMPLETE", None)
        return True

    def _context(
        self, stack: Stack, announce: Callable[[Provisioned], None] | None = None
    ) -> ProvisionContext:
        return ProvisionContext(
            announce=announce or (lambda provisioned: None),
            cancelled=lambda: stack.cancel_requested,
            region=stack.region,
            stack_name=stack.name,
            stack_id=stack.stack_id,
            stack_tags=stack.tags,
            clock=self.clock,
            ecs=self.ecs,
            service_timeout=self.service_timeout,
        )

    def _resource_event(
        self, stack: Stack, state: ResourceState, status: str, reason: str | None
    ) -> None:
        with self.lock:
            state.status = status
            state.reason = reason
            state.timestamp = self.clock.now()
            self._append_event(
                stack,
                state.logical_id,
                state.physical_id or "",
                state.type_name,
                status,
                reason,
                state.properties,
            )

    def _append_event(
        self,
        stack: Stack,
        logical_id: str,
        physical_id: str,
        type_name: str,
        status: str,
        reason: str | None,
        properties: dict[str, Any] | None,
    ) -> None:
        with self.lock:
            append_event(
                stack,
                logical_id,
                physical_id,
                type_name,
                status,
                reason,
                properties,
                self.clock.now(),
            )
