"""Fargate task-size rules: which CPU and memory pairs exist, and what AWS says when not."""

from __future__ import annotations

import re
from typing import Any

# CPU units -> allowed memory in MiB, from the Amazon ECS task size table.
FARGATE_SIZES: dict[int, list[int]] = {
    256: [512, 1024, 2048],
    512: list(range(1024, 4096 + 1, 1024)),
    1024: list(range(2048, 8192 + 1, 1024)),
    2048: list(range(4096, 16384 + 1, 1024)),
    4096: list(range(8192, 30720 + 1, 1024)),
    8192: list(range(16384, 61440 + 1, 4096)),
    16384: list(range(32768, 122880 + 1, 8192)),
}


def _units(value: Any, per_unit: int, suffix: str) -> int | None:
    text = str(value).strip()
    match = re.fullmatch(rf"([0-9.]+)\s*{suffix}", text, flags=re.IGNORECASE)
    try:
        if match:
            return int(float(match.group(1)) * per_unit)
        return int(text)
    except ValueError:
        return None


def fargate_size_error(task_definition: dict[str, Any]) -> str | None:
    """AWS's ClientException message for a Fargate task definition's size, or None if valid."""
    if "FARGATE" not in (task_definition.get("requiresCompatibilities") or []):
        return None
    if task_definition.get("networkMode", "awsvpc") != "awsvpc":
        return "Fargate only supports network mode 'awsvpc'."
    cpu_value = task_definition.get("cpu")
    if cpu_value in (None, ""):
        return "Fargate requires that 'cpu' be defined at the task level."
    cpu = _units(cpu_value, 1024, "vcpu")
    if cpu not in FARGATE_SIZES:
        return "Invalid 'cpu' setting for task."
    memory_value = task_definition.get("memory")
    if memory_value in (None, ""):
        return "Fargate requires that 'memory' be defined at the task level."
    memory = _units(memory_value, 1024, "gb")
    if memory not in FARGATE_SIZES[cpu]:
        return (
            f"No Fargate configuration exists for given values: {cpu_value} CPU, "
            f"{memory_value} memory. See the Amazon ECS documentation for the valid values."
        )
    for container in task_definition.get("containerDefinitions") or []:
        log_configuration = container.get("logConfiguration") or {}
        if log_configuration.get("logDriver") == "awslogs" and not task_definition.get(
            "executionRoleArn"
        ):
            return (
                "Fargate requires task definition to have execution role ARN to support log "
                "driver awslogs."
            )
    return None
