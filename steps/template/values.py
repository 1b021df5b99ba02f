"""CloudFormation value shapes the template builder writes: references, properties, lists."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from steps.document.model import LoadBalancerMapping, Volume, is_expression


def ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def get_att(logical_id: str, attribute: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id, attribute]}


def _properties(**values: Any) -> dict[str, Any]:
    # CloudFormation's reference lists the properties of each type alphabetically; following it
    # keeps templates diffable and easy to check against the documentation.
    return {key: values[key] for key in sorted(values, key=str.lower) if values[key] is not None}


def _number(value: int | str | None) -> int | str | None:
    if value is None or is_expression(value):
        return value
    return int(value)


def _flag(value: bool | str) -> bool | str:
    return value if is_expression(value) else bool(value)


def _enabled(value: bool | str) -> str:
    if isinstance(value, str) and is_expression(value):
        return value
    return "ENABLED" if value else "DISABLED"


def _string_list(value: list[str] | str) -> list[str] | dict[str, Any]:
    if isinstance(value, str):
        # A whole list held in one variable; the comma split happens where CloudFormation sees
        # the substituted text, the same split a deployment applies to the document.
        return {"Fn::Split": [",", value]}
    return list(value)


def _optional_list(items: list[Any]) -> list[Any] | None:
    return items or None


def _parameter(default: str) -> dict[str, Any]:
    return {"Type": "String", "Default": default}


def _number_parameter(default: int | str) -> dict[str, Any]:
    if is_expression(default):
        # Not a number until substituted; CloudFormation would refuse it as a Number default.
        return {"Type": "String", "Default": default}
    return {"Type": "Number", "Default": int(default)}


def _allow(actions: list[str], resources: list[str]) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Action": actions,
        "Resource": [_arn(resource) for resource in sorted(set(resources))],
    }


def _arn(value: str) -> str | dict[str, str]:
    # The export writes the parameters a deployment stores for sensitive values with
    # CloudFormation's own account, region and partition, which only Fn::Sub fills in.
    return {"Fn::Sub": value} if "${AWS::" in value else value


def _secret_resource(value_from: str) -> str:
    # ValueFrom may name a JSON key, stage or version after the secret's ARN
    # (arn:...:secret:NAME:json-key:version-stage:version-id); IAM wants the secret itself.
    return ":".join(value_from.split(":")[:7])


def _list_or_none(value: list[str] | str) -> list[str] | dict[str, Any] | None:
    if isinstance(value, str) or value:
        return _string_list(value)
    return None


def _environment_files(value: list[str] | str) -> Any:
    if isinstance(value, str):
        return [{"Type": "s3", "Value": value}]
    return _optional_list([_properties(Type="s3", Value=arn) for arn in value])


def _load_balancer(mapping: LoadBalancerMapping) -> dict[str, Any]:
    return _properties(
        ContainerName=mapping.container_name,
        ContainerPort=_number(mapping.container_port),
        TargetGroupArn=mapping.target_group_arn,
    )


def _volume(volume: Volume) -> dict[str, Any]:
    if volume.type != "efs":
        return _properties(Name=volume.name)
    authorization = _properties(
        AccessPointId=volume.access_point_id or None,
        IAM=_enabled(volume.iam_authorization),
    )
    return _properties(
        EFSVolumeConfiguration=_properties(
            AuthorizationConfig=authorization,
            FilesystemId=volume.file_system_id,
            # With an access point the root comes from the access point.
            RootDirectory=None if volume.access_point_id else (volume.root_directory or None),
            TransitEncryption=_enabled(volume.transit_encryption),
        ),
        Name=volume.name,
    )


def _first_expression(value: Any, path: tuple[str, ...]) -> tuple[tuple[str, ...], str] | None:
    if isinstance(value, str):
        return (path, value) if is_expression(value) else None
    items: Iterable[tuple[str, Any]]
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(index), item) for index, item in enumerate(value))
    else:
        return None
    for key, item in items:
        found = _first_expression(item, (*path, str(key)))
        if found is not None:
            return found
    return None
