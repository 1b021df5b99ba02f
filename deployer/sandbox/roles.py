"""The sandbox's check that roles given to ECS exist in its IAM, answered in ECS's words."""

from __future__ import annotations

from typing import Any

from deployer.sandbox.moto_state import ACCOUNT_ID, role_exists

# ECS's answer to RegisterTaskDefinition when a role does not exist (ClientException).
INVALID_TASK_ROLE = "Role is not valid"
# ECS's answer to CreateService / UpdateService when the service role cannot be used.
INVALID_SERVICE_ROLE = (
    "Unable to assume role and validate the specified targetGroupArn. Please verify that the "
    "ECS service role being passed has the proper permissions."
)


def task_role_error(request: dict[str, Any]) -> str | None:
    """ECS's message when the task role or execution role is not a role of the account."""
    for key in ("taskRoleArn", "executionRoleArn"):
        arn = request.get(key)
        if arn and not role_exists(str(arn)):
            return INVALID_TASK_ROLE
    return None


def service_role_error(spec: dict[str, Any]) -> str | None:
    """ECS's message when the service's own role (``role``) is not a role of the account."""
    role = spec.get("role")
    if not role:
        return None
    arn = str(role)
    if not arn.startswith("arn:"):  # a name (or path/name) resolves in the caller's account
        arn = f"arn:aws:iam::{ACCOUNT_ID}:role/{arn.lstrip('/')}"
    return None if role_exists(arn) else INVALID_SERVICE_ROLE
