"""Resource type facts from the CloudFormation registry schemas that cfn-lint ships."""

from __future__ import annotations

from functools import cache
from typing import Any

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER


@cache
def _schema(type_name: str) -> dict[str, Any] | None:
    try:
        return dict(PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", type_name).schema)
    except Exception:
        return None


def is_known_type(type_name: str) -> bool:
    """Whether AWS knows the type (custom resources always count as known)."""
    if type_name.startswith("Custom::") or type_name == "AWS::CloudFormation::CustomResource":
        return True
    return _schema(type_name) is not None


def _top_level(pointers: list[str]) -> set[str]:
    return {pointer.split("/")[2] for pointer in pointers if pointer.startswith("/properties/")}


def property_error(type_name: str, logical_id: str, properties: dict[str, Any]) -> str | None:
    """AWS's "Properties validation failed" reason for unknown or missing properties."""
    schema = _schema(type_name)
    if schema is None:
        return None
    declared = set(schema.get("properties") or {})
    read_only = _top_level(schema.get("readOnlyProperties") or [])
    extraneous = sorted(set(properties) - (declared - read_only))
    messages = [f"#: extraneous key [{key}] is not permitted" for key in extraneous]
    messages += [
        f"#: required key [{key}] not found"
        for key in schema.get("required") or []
        if key not in properties
    ]
    if not messages:
        return None
    return f"Properties validation failed for resource {logical_id} with message:\n" + "\n".join(
        messages
    )


# Properties whose change CloudFormation's handler answers with a new resource although the
# registry schema does not list them as create-only: turning ECS managed tags on or off
# re-creates the service (the Octopus documentation warns of it; the step editor says so too).
REPLACED_ON_CHANGE: dict[str, frozenset[str]] = {
    "AWS::ECS::Service": frozenset({"EnableECSManagedTags"}),
}


def create_only(type_name: str) -> frozenset[str] | None:
    """Top-level properties whose change replaces the resource; None for an unknown type."""
    schema = _schema(type_name)
    if schema is None:
        return None
    return frozenset(_top_level(schema.get("createOnlyProperties") or [])) | REPLACED_ON_CHANGE.get(
        type_name, frozenset()
    )


def is_taggable(type_name: str) -> bool:
    """Whether the type has a Tags property, so stack-level tags reach it."""
    schema = _schema(type_name)
    return schema is not None and "Tags" in (schema.get("properties") or {})


def requires_replacement(type_name: str, changed: set[str]) -> bool:
    """Whether changing these top-level properties replaces the resource (createOnly)."""
    replaced = create_only(type_name)
    if replaced is None:
        return True
    return bool(changed & replaced)
