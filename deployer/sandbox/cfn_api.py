"""The CloudFormation query API, answered by the sandbox's own provisioning engine."""

from __future__ import annotations

from typing import Any

from deployer.sandbox.cfn_engine import CloudFormationEngine
from deployer.sandbox.cfn_model import Stack, StackOperationError
from deployer.sandbox.cfn_review_api import ReviewCalls, request_tags
from deployer.sandbox.cfn_schema import is_known_type
from deployer.sandbox.cfn_template import TemplateError, parse_template, resolve_parameters
from deployer.sandbox.protocol import (
    AwsRequest,
    StartResponse,
    WsgiResult,
    query_list,
    query_structures,
    xml_error,
    xml_response,
)

NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
IAM_TYPES = {
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::User",
    "AWS::IAM::Group",
    "AWS::IAM::InstanceProfile",
    "AWS::IAM::AccessKey",
}
NAMED_IAM = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
}


class CloudFormationInterceptor(ReviewCalls):
    """Every CloudFormation call lands here, so moto's synchronous stacks never appear."""

    def __init__(self, engine: CloudFormationEngine) -> None:
        self.engine = engine

    def reset(self) -> None:
        self.engine.reset()

    def stop(self) -> None:
        """Operation threads end with the clock."""

    def handle(self, request: AwsRequest, start_response: StartResponse) -> WsgiResult | None:
        if request.service != "cloudformation":
            return None
        handler = getattr(self, f"_{request.action}", None)
        if handler is None:
            return xml_error(
                start_response,
                "ValidationError",
                f"The local sandbox does not simulate CloudFormation {request.action}.",
            )
        try:
            result = handler(request.region, request.params)
        except TemplateError as error:
            return xml_error(start_response, "ValidationError", str(error))
        except StackOperationError as error:
            return xml_error(start_response, error.code, error.message)
        return xml_response(start_response, request.action, result, NAMESPACE)

    # ---- writes ----------------------------------------------------------------------------

    def _template(self, params: dict[str, str], stack: Stack | None) -> tuple[dict[str, Any], str]:
        if params.get("UsePreviousTemplate") == "true" and stack is not None:
            return stack.template, stack.template_body
        if "TemplateURL" in params and "TemplateBody" not in params:
            raise TemplateError("The local sandbox takes templates as TemplateBody only.")
        body = params.get("TemplateBody", "")
        if not body:
            raise TemplateError("Either Template URL or Template Body must be specified.")
        template = parse_template(body)
        unknown = sorted(
            {
                resource["Type"]
                for resource in template["Resources"].values()
                if not is_known_type(str(resource["Type"]))
            }
        )
        if unknown:
            raise TemplateError(
                f"Template format error: Unrecognized resource types: [{', '.join(unknown)}]"
            )
        return template, body

    def _parameters(
        self, template: dict[str, Any], params: dict[str, str], stack: Stack | None
    ) -> dict[str, str]:
        given, use_previous = {}, set()
        for member in query_structures(params, "Parameters"):
            if member.get("UsePreviousValue") == "true":
                use_previous.add(member["ParameterKey"])
            else:
                given[member["ParameterKey"]] = member.get("ParameterValue", "")
        return resolve_parameters(
            template, given, stack.parameters if stack else None, use_previous
        )

    @staticmethod
    def _check_capabilities(template: dict[str, Any], capabilities: list[str]) -> None:
        needed = None
        for resource in template["Resources"].values():
            type_name = resource["Type"]
            if type_name in NAMED_IAM and NAMED_IAM[type_name] in (
                resource.get("Properties") or {}
            ):
                needed = "CAPABILITY_NAMED_IAM"
            elif type_name in IAM_TYPES and needed is None:
                needed = "CAPABILITY_IAM"
        if needed is None or needed in capabilities:
            return
        if needed == "CAPABILITY_IAM" and "CAPABILITY_NAMED_IAM" in capabilities:
            return
        raise StackOperationError(
            "InsufficientCapabilitiesException", f"Requires capabilities : [{needed}]"
        )

    def _CreateStack(self, region: str, params: dict[str, str]) -> dict[str, Any]:
        template, body = self._template(params, None)
        parameters = self._parameters(template, params, None)
        capabilities = query_list(params, "Capabilities")
        self._check_capabilities(template, capabilities)
        on_failure = params.get("OnFailure", "ROLLBACK")
        stack = self.engine.create(
            region,
            params["StackName"],
            template,
            body,
            parameters,
            request_tags(params),
            capabilities,
            params.get("DisableRollback") == "true" or on_failure == "DO_NOTHING",
        )
        return {"StackId": stack.stack_id}

    def _UpdateStack(self, region: str, params: dict[str, str]) -> dict[str, Any]:
        stack = self.engine.require(region, params["StackName"])
        template, body = self._template(params, stack)
        parameters = self._parameters(template, params, stack)
        capabilities = query_list(params, "Capabilities")
        self._check_capabilities(template, capabilities)
        tags = stack.tags
        if any(key.startswith("Tags.") for key in params):
            tags = request_tags(params)
        self.engine.update(stack, template, body, parameters, tags, capabilities)
        return {"StackId": stack.stack_id}

    def _DeleteStack(self, region: str, params: dict[str, str]) -> None:
        stack = self.engine.find(region, params["StackName"])
        if stack is not None:
            self.engine.delete(stack)
        return None

    def _CancelUpdateStack(self, region: str, params: dict[str, str]) -> None:
        self.engine.cancel_update(self.engine.require(region, params["StackName"]))
        return None

    def _ValidateTemplate(self, region: str, params: dict[str, str]) -> dict[str, Any]:
        template, _body = self._template(params, None)
        return {
            "Parameters": [
                _without_none(
                    {
                        "ParameterKey": name,
                        "DefaultValue": spec.get("Default"),
                        "NoEcho": str(spec.get("NoEcho", False)).lower() == "true",
                        "Description": spec.get("Description"),
                    }
                )
                for name, spec in (template.get("Parameters") or {}).items()
            ],
            "Description": template.get("Description"),
        }

    # ---- reads -----------------------------------------------------------------------------

    def _DescribeStacks(self, region: str, params: dict[str, str]) -> dict[str, Any]:
        if params.get("StackName"):
            stacks = [self.engine.require(region, params["StackName"])]
        else:
            with self.engine.lock:
                stacks = [
                    stack
                    for stack in reversed(self.engine.stacks)
                    if stack.region == region and stack.status != "DELETE_COMPLETE"
                ]
        with self.engine.lock:
            return {"Stacks": [_stack_view(stack) for stack in stacks]}

    def _ListStacks(self, region: str, params: dict[str, str]) -> dict[str, Any]:
        wanted = set(query_list(params, "StackStatusFilter"))
        with self.engine.lock:
            summaries = [
                _without_none(
                    {
                        "StackId": stack.stack_id,
                        "StackName": stack.name,
                        "TemplateDescription": stack.template.get("Description"),
                        "CreationTime": stack.created_at,
                        "LastUpdatedTime": stack.updated_at,
                        "DeletionTime": stack.deleted_at,
                        "StackStatus": stack.status,
                        "StackStatusReason": stack.status_reason,
                    }
                )
                for stack in reversed(self.engine.stacks)
                if stack.region == region and (not wanted or stack.status in wanted)
            ]
        return {"StackSummaries": summaries}

    def _DescribeStackEvents(self, region: str, params: dict[str, str]) -> dict[str, Any]:
        stack = self.engine.require(region, params["StackName"])
        with self.engine.lock:
            return {"StackEvents": list(reversed(stack.events))}

    def _resources(self, stack: Stack) -> list[dict[str, Any]]:
        return [
            _without_none(
                {
                    "StackName": stack.name,
                    "StackId": stack.stack_id,
                    "LogicalResourceId": state.logical_id,
                    "PhysicalResourceId": state.physical_id,
                    "ResourceType": state.type_name,
                    "Timestamp": state.timestamp,
                    "LastUpdatedTimestamp": state.timestamp,
                    "ResourceStatus": state.status,
                    "ResourceStatusReason": state.reason,
                    "DriftInformation": {"StackResourceDriftStatus": "NOT_CHECKED"},
                }
            )
            for state in stack.resources.values()
        ]

    def _DescribeStackResources(self, region: str, params: dict[str, str]) -> dict[str, Any]:
        stack = self.engine.require(region, params["StackName"])
        with self.engine.lock:
            resources = self._resources(stack)
        for resource in resources:
            resource.pop("LastUpdatedTimestamp")
        logical = params.get("LogicalResourceId")
        return {
            "StackResources": [
                r for r in resources if not logical or r["LogicalResourceId"] == logical
            ]
        }

    def _ListStackResources(self, region: str, params: dict[str, str]) -> dict[str, Any]:
        stack = self.engine.require(region, params["StackName"])
        with self.engine.lock:
            resources = self._resources(stack)
        for resource in resources:
            for key in ("StackName", "StackId", "Timestamp"):
                resource.pop(key)
        return {"StackResourceSummaries": resources}

    def _DescribeStackResource(self, region: str, params: dict[str, str]) -> dict[str, Any]:
        stack = self.engine.require(region, params["StackName"])
        with self.engine.lock:
            for resource in self._resources(stack):
                if resource["LogicalResourceId"] == params.get("LogicalResourceId"):
                    resource.pop("Timestamp")
                    return {"StackResourceDetail": resource}
        raise StackOperationError(
            "ValidationError",
            f"Resource {params.get('LogicalResourceId')} does not exist for stack {stack.name}",
        )

    def _GetTemplate(self, region: str, params: dict[str, str]) -> dict[str, Any]:
        stack = self.engine.require(region, params["StackName"])
        return {"TemplateBody": stack.template_body, "StagesAvailable": ["Original", "Processed"]}


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _stack_view(stack: Stack) -> dict[str, Any]:
    declared = stack.template.get("Parameters") or {}
    return _without_none(
        {
            "StackId": stack.stack_id,
            "StackName": stack.name,
            "Description": stack.template.get("Description"),
            "Parameters": [
                {
                    "ParameterKey": name,
                    "ParameterValue": (
                        "****"
                        if str(declared.get(name, {}).get("NoEcho", "")).lower() == "true"
                        else value
                    ),
                }
                for name, value in stack.parameters.items()
            ],
            "CreationTime": stack.created_at,
            "LastUpdatedTime": stack.updated_at,
            "DeletionTime": stack.deleted_at,
            "StackStatus": stack.status,
            "StackStatusReason": stack.status_reason,
            "DisableRollback": stack.disable_rollback,
            "NotificationARNs": [],
            "Capabilities": stack.capabilities,
            "Outputs": stack.outputs,
            "Tags": stack.tags,
            "EnableTerminationProtection": False,
            "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"},
        }
    )
