"""The CloudFormation calls that review a stack without changing it: change sets and drift."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from deployer.sandbox.cfn_changesets import (
    COMPUTE_SECONDS,
    NO_CHANGES,
    ChangeSet,
    compute_changes,
    new_change_set_id,
)
from deployer.sandbox.cfn_drift import resource_drifts
from deployer.sandbox.cfn_model import Stack, StackOperationError
from deployer.sandbox.protocol import query_list, query_structures

if TYPE_CHECKING:
    from deployer.sandbox.cfn_engine import CloudFormationEngine

CHANGE_SET_TYPES = ("CREATE", "UPDATE")  # IMPORT would take ResourcesToImport


def request_tags(params: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"Key": member["Key"], "Value": member.get("Value", "")}
        for member in query_structures(params, "Tags")
    ]


class ReviewCalls:
    """Mixed into the CloudFormation interceptor, which brings the template and parameter rules."""

    engine: CloudFormationEngine

    if TYPE_CHECKING:

        def _template(
            self, params: dict[str, str], stack: Stack | None
        ) -> tuple[dict[str, Any], str]: ...

        def _parameters(
            self, template: dict[str, Any], params: dict[str, str], stack: Stack | None
        ) -> dict[str, str]: ...

        @staticmethod
        def _check_capabilities(template: dict[str, Any], capabilities: list[str]) -> None: ...

    def _review_state(self) -> tuple[list[ChangeSet], dict[str, dict[str, Any]]]:
        # Kept on the engine so a reset or a deleted stack forgets them with the stacks.
        return self.engine.change_sets, self.engine.drift_detections

    # ---- change sets -----------------------------------------------------------------------

    def _CreateChangeSet(self, region: str, params: dict[str, str]) -> dict[str, Any]:
        change_sets, _ = self._review_state()
        kind = params.get("ChangeSetType", "UPDATE")
        if kind not in CHANGE_SET_TYPES:
            raise StackOperationError(
                "ValidationError", f"The local sandbox does not simulate {kind} change sets."
            )
        name = params["ChangeSetName"]
        stack = self.engine.find(region, params["StackName"])
        if kind == "UPDATE" and stack is None:
            raise StackOperationError(
                "ValidationError", f"Stack [{params['StackName']}] does not exist"
            )
        if kind == "CREATE" and stack is not None and stack.status != "REVIEW_IN_PROGRESS":
            raise StackOperationError(
                "ValidationError",
                f"Stack [{stack.name}] already exists and cannot be created again with the "
                "changeSet [" + name + "].",
            )
        if stack is not None and stack.in_progress and stack.status != "REVIEW_IN_PROGRESS":
            raise StackOperationError(
                "ValidationError",
                f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.",
            )
        template, body = self._template(params, stack if kind == "UPDATE" else None)
        parameters = self._parameters(template, params, stack if kind == "UPDATE" else None)
        capabilities = query_list(params, "Capabilities")
        self._check_capabilities(template, capabilities)
        if any(key.startswith("Tags.") for key in params) or stack is None:
            tags = request_tags(params)
        else:
            tags = stack.tags
        if stack is None:
            stack = self.engine.review(region, params["StackName"])
        with self.engine.lock:
            if any(c.stack is stack and c.name == name for c in change_sets):
                raise StackOperationError(
                    "AlreadyExistsException", f"ChangeSet {name} already exists"
                )
            change_set = ChangeSet(
                change_set_id=new_change_set_id(region, name),
                name=name,
                stack=stack,
                change_set_type=kind,
                template=template,
                template_body=body,
                parameters=parameters,
                tags=tags,
                capabilities=capabilities,
                created_at=self.engine.clock.now(),
                ready_at=time.monotonic() + self.engine.clock.scaled(COMPUTE_SECONDS),
                description=params.get("Description"),
            )
            change_set.changes = compute_changes(stack, template, parameters, tags)
            if not change_set.changes and kind == "UPDATE":
                change_set.failed_reason = NO_CHANGES
                change_set.execution_status = "UNAVAILABLE"
            change_sets.append(change_set)
        return {"Id": change_set.change_set_id, "StackId": stack.stack_id}

    def _find_change_set(self, region: str, params: dict[str, str]) -> ChangeSet:
        change_sets, _ = self._review_state()
        wanted = params.get("ChangeSetName", "")
        stack_name = params.get("StackName")
        with self.engine.lock:
            for change_set in change_sets:
                if change_set.stack.region != region:
                    continue
                if change_set.change_set_id == wanted:
                    return change_set
                if change_set.name == wanted and stack_name in (
                    change_set.stack.name,
                    change_set.stack.stack_id,
                ):
                    return change_set
        raise StackOperationError("ChangeSetNotFound", f"ChangeSet [{wanted}] does not exist")

    def _DescribeChangeSet(self, region: str, params: dict[str, str]) -> dict[str, Any]:
        change_set = self._find_change_set(region, params)
        result = change_set.summary()
        complete = result["Status"] == "CREATE_COMPLETE"
        result.update(
            {
                "Parameters": [
                    {"ParameterKey": key, "ParameterValue": value}
                    for key, value in change_set.parameters.items()
                ],
                "Tags": change_set.tags,
                "Capabilities": change_set.capabilities,
                "Changes": change_set.changes if complete else [],
                "NotificationARNs": [],
                "IncludeNestedStacks": False,
            }
        )
        return {key: value for key, value in result.items() if value is not None}

    def _DeleteChangeSet(self, region: str, params: dict[str, str]) -> dict[str, Any]:
        change_set = self._find_change_set(region, params)
        change_sets, _ = self._review_state()
        with self.engine.lock:
            change_sets.remove(change_set)
        return {}

    def _ListChangeSets(self, region: str, params: dict[str, str]) -> dict[str, Any]:
        stack = self.engine.require(region, params["StackName"])
        change_sets, _ = self._review_state()
        with self.engine.lock:
            summaries = [
                {key: value for key, value in c.summary().items() if value is not None}
                for c in change_sets
                if c.stack is stack
            ]
        return {"Summaries": summaries}

    # ---- drift -----------------------------------------------------------------------------

    def _DetectStackDrift(self, region: str, params: dict[str, str]) -> dict[str, Any]:
        stack = self.engine.require(region, params["StackName"])
        if stack.in_progress:
            raise StackOperationError(
                "ValidationError",
                f"Drift detection is not supported for stack {stack.name} in {stack.status} "
                "status.",
            )
        _, detections = self._review_state()
        drifts = resource_drifts(stack, self.engine.ecs, self.engine.clock.now())
        detection_id = str(uuid.uuid4())
        drifted = [d for d in drifts if d["StackResourceDriftStatus"] in ("MODIFIED", "DELETED")]
        with self.engine.lock:
            detections[detection_id] = {
                "stack": stack,
                "drifts": drifts,
                "status": {
                    "StackId": stack.stack_id,
                    "StackDriftDetectionId": detection_id,
                    "StackDriftStatus": "DRIFTED" if drifted else "IN_SYNC",
                    "DetectionStatus": "DETECTION_COMPLETE",
                    "DriftedStackResourceCount": len(drifted),
                    "Timestamp": self.engine.clock.now(),
                },
            }
        return {"StackDriftDetectionId": detection_id}

    def _DescribeStackDriftDetectionStatus(
        self, region: str, params: dict[str, str]
    ) -> dict[str, Any]:
        _, detections = self._review_state()
        detection = detections.get(params.get("StackDriftDetectionId", ""))
        if detection is None:
            raise StackOperationError(
                "ValidationError",
                f"Drift detection with ID {params.get('StackDriftDetectionId')} does not exist",
            )
        return dict(detection["status"])

    def _DescribeStackResourceDrifts(self, region: str, params: dict[str, str]) -> dict[str, Any]:
        stack = self.engine.require(region, params["StackName"])
        _, detections = self._review_state()
        wanted = set(query_list(params, "StackResourceDriftStatusFilters"))
        with self.engine.lock:
            latest = [d for d in detections.values() if d["stack"] is stack]
        drifts = latest[-1]["drifts"] if latest else []
        return {
            "StackResourceDrifts": [
                d for d in drifts if not wanted or d["StackResourceDriftStatus"] in wanted
            ]
        }
