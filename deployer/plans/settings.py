"""A service's effective settings as one flat, readable map, from AWS's answers or a template.

Both sides are filled with AWS's defaults, so a default left out on one side and spelt out on
the other is never reported as a difference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from deployer.aws.service_state import ServiceState

# Settings compared between what runs and what a release makes run, in the order shown.
NEW = "(created by the deployment)"
HEALTH_DEFAULTS = {"interval": 30, "timeout": 5, "retries": 3, "startPeriod": 0}


@dataclass(frozen=True)
class Difference:
    """One setting that differs: before and after, or only "changed" when it is sensitive."""

    setting: str
    before: str | None
    after: str | None
    masked: bool = False

    def to_dict(self) -> dict[str, Any]:
        if self.masked:
            return {"setting": self.setting, "change": "changed", "masked": True}
        return {"setting": self.setting, "before": self.before, "after": self.after}

    def __str__(self) -> str:
        if self.masked:
            return f"{self.setting}: changed (sensitive value, not shown)"
        if self.before is None:
            return f"{self.setting}: (none) → {self.after}"
        if self.after is None:
            return f"{self.setting}: {self.before} → (none)"
        old_repository, _, old_tag = self.before.rpartition(":")
        new_repository, _, new_tag = self.after.rpartition(":")
        if (
            self.setting.endswith(": image")
            and old_repository == new_repository
            and "/" not in (old_tag + new_tag)
        ):
            # The same repository: the tags are what changed (demo/web 1.0.0 → 1.1.0).
            return f"{self.setting} {old_repository}: {old_tag} → {new_tag}"
        return f"{self.setting}: {self.before} → {self.after}"


def differences(
    before: dict[str, str], after: dict[str, str], secrets: tuple[str, ...] = ()
) -> list[Difference]:
    """Settings that differ, keys in a stable order; values holding a secret are masked."""
    found = []
    for key in sorted(set(before) | set(after), key=_order):
        if before.get(key) == after.get(key):
            continue
        masked = any(
            len(secret) >= 3 and secret in (value or "")
            for secret in secrets
            for value in (before.get(key), after.get(key))
        )
        found.append(Difference(key, before.get(key), after.get(key), masked))
    return found


def _order(key: str) -> tuple[int, str]:
    groups = ("CPU", "Memory", "Task role", "container", "Desired", "Minimum", "Maximum")
    for index, prefix in enumerate(groups):
        if key.startswith(prefix):
            return index, key
    return (len(groups) + (1 if key.startswith("Tag ") else 0), key)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _get(mapping: dict[str, Any] | None, *names: str, default: Any = None) -> Any:
    """The first of `names` present (camelCase from ECS, PascalCase from a template)."""
    for name in names:
        if mapping and mapping.get(name) is not None:
            return mapping[name]
    return default


def _containers(definitions: list[dict[str, Any]]) -> dict[str, str]:
    settings: dict[str, str] = {}
    for container in definitions:
        name = _get(container, "name", "Name", default="")
        prefix = f"container {name}"
        settings[f"{prefix}: image"] = _text(_get(container, "image", "Image", default=""))
        for variable in _get(container, "environment", "Environment", default=[]):
            key = _get(variable, "name", "Name")
            settings[f"{prefix}: environment {key}"] = _text(_get(variable, "value", "Value"))
        for secret in _get(container, "secrets", "Secrets", default=[]):
            key = _get(secret, "name", "Name")
            settings[f"{prefix}: secret {key}"] = _text(_get(secret, "valueFrom", "ValueFrom"))
        ports = [
            f"{_get(p, 'containerPort', 'ContainerPort')}/"
            f"{str(_get(p, 'protocol', 'Protocol', default='tcp')).lower()}"
            for p in _get(container, "portMappings", "PortMappings", default=[])
        ]
        if ports:
            settings[f"{prefix}: ports"] = ", ".join(sorted(ports))
        check = _get(container, "healthCheck", "HealthCheck")
        if check:
            timings = ", ".join(
                f"{field} {_get(check, field, field[0].upper() + field[1:], default=default)}"
                for field, default in HEALTH_DEFAULTS.items()
            )
            command = " ".join(str(c) for c in _get(check, "command", "Command", default=[]))
            settings[f"{prefix}: health check"] = f"{command} ({timings})"
    return settings


def _network(network: dict[str, Any] | None) -> dict[str, str]:
    vpc = _get(network, "awsvpcConfiguration", "AwsvpcConfiguration", default={})
    if not vpc:
        return {}
    return {
        "Subnets": ", ".join(sorted(_get(vpc, "subnets", "Subnets", default=[]))),
        "Security groups": ", ".join(
            sorted(_get(vpc, "securityGroups", "SecurityGroups", default=[]))
        ),
        "Public IP": str(_get(vpc, "assignPublicIp", "AssignPublicIp", default="DISABLED")),
    }


def _service(service: dict[str, Any], tags: list[dict[str, Any]]) -> dict[str, str]:
    deployment = _get(service, "deploymentConfiguration", "DeploymentConfiguration", default={})
    breaker = _get(deployment, "deploymentCircuitBreaker", "DeploymentCircuitBreaker", default={})
    settings = {
        "Desired count": _text(_get(service, "desiredCount", "DesiredCount", default=1)),
        "Minimum healthy percent": _text(
            _get(deployment, "minimumHealthyPercent", "MinimumHealthyPercent", default=100)
        ),
        "Maximum percent": _text(_get(deployment, "maximumPercent", "MaximumPercent", default=200)),
        "Circuit breaker": (
            f"{'on' if _get(breaker, 'enable', 'Enable', default=False) else 'off'}, rollback "
            f"{'on' if _get(breaker, 'rollback', 'Rollback', default=False) else 'off'}"
        ),
        "ECS managed tags": _text(
            bool(_get(service, "enableECSManagedTags", "EnableECSManagedTags", default=False))
        ),
        "Propagate tags": str(_get(service, "propagateTags", "PropagateTags", default="NONE")),
        **_network(_get(service, "networkConfiguration", "NetworkConfiguration")),
    }
    balancers = sorted(
        f"{_get(b, 'targetGroupArn', 'TargetGroupArn')} → "
        f"{_get(b, 'containerName', 'ContainerName')}:{_get(b, 'containerPort', 'ContainerPort')}"
        for b in _get(service, "loadBalancers", "LoadBalancers", default=[])
    )
    if balancers:
        settings["Load balancers"] = "; ".join(balancers)
    for tag in tags:
        key = str(_get(tag, "key", "Key"))
        # aws:cloudformation:stack-name and its kind are AWS's own, never the user's or ours.
        if not key.startswith("aws:"):
            settings[f"Tag {key}"] = _text(_get(tag, "value", "Value"))
    return settings


def settings_from_aws(state: ServiceState) -> dict[str, str]:
    """What runs: DescribeServices + DescribeTaskDefinition, as flat readable settings."""
    definition = state.task_definition
    settings = {
        "CPU": _text(definition.get("cpu", "")),
        "Memory": _text(definition.get("memory", "")),
        **_containers(definition.get("containerDefinitions") or []),
        **_service(state.service, state.service.get("tags") or []),
    }
    if definition.get("taskRoleArn"):
        settings["Task role"] = str(definition["taskRoleArn"])
    return settings


def settings_from_template(
    template: dict[str, Any],
    parameters: dict[str, str],
    stack_tags: list[dict[str, str]],
    region: str,
) -> dict[str, str]:
    """What the template makes run, with its parameters resolved; stack tags reach the service."""
    resources = template.get("Resources") or {}
    values = {
        name: str(spec.get("Default", ""))
        for name, spec in (template.get("Parameters") or {}).items()
    }
    values.update(parameters)
    values["AWS::Region"] = region

    def resolve(value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            (function, argument), *_ = value.items()
            if function == "Ref":
                return values.get(argument, NEW)
            if function.startswith("Fn::"):
                return NEW
        if isinstance(value, dict):
            return {key: resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [resolve(item) for item in value]
        return value

    def properties(type_name: str) -> dict[str, Any]:
        for resource in resources.values():
            if resource.get("Type") == type_name:
                return dict(resolve(resource.get("Properties") or {}))
        return {}

    definition = properties("AWS::ECS::TaskDefinition")
    service = properties("AWS::ECS::Service")
    tags = {tag["Key"]: tag["Value"] for tag in stack_tags}
    tags.update({tag["Key"]: tag["Value"] for tag in service.get("Tags") or []})
    settings = {
        "CPU": _text(definition.get("Cpu", "")),
        "Memory": _text(definition.get("Memory", "")),
        **_containers(definition.get("ContainerDefinitions") or []),
        **_service(service, [{"Key": k, "Value": v} for k, v in tags.items()]),
    }
    if definition.get("TaskRoleArn"):
        settings["Task role"] = str(definition["TaskRoleArn"])
    return settings
