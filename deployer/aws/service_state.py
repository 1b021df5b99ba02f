"""What an ECS service runs now: the service and its task definition, tags included."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deployer.aws.errors import aws_errors


@dataclass(frozen=True)
class ServiceState:
    """DescribeServices and DescribeTaskDefinition answers, as ECS gives them (camelCase)."""

    service: dict[str, Any]
    task_definition: dict[str, Any]
    task_definition_tags: list[dict[str, str]]


def read_service_state(
    client: Any, cluster: str, service: str, described: dict[str, Any] | None = None
) -> ServiceState | None:
    """The service's settings and task definition; None when the service is gone.

    `described`: the service as a DescribeServices with its tags just answered, not asked again.
    """
    if described is None:
        with aws_errors("ecs:DescribeServices"):
            response = client.describe_services(
                cluster=cluster, services=[service], include=["TAGS"]
            )
        services = [s for s in response.get("services") or [] if s.get("status") != "INACTIVE"]
        if not services:
            return None
        described = services[0]
    found = dict(described)
    with aws_errors("ecs:DescribeTaskDefinition"):
        described = client.describe_task_definition(
            taskDefinition=found["taskDefinition"], include=["TAGS"]
        )
    return ServiceState(found, dict(described["taskDefinition"]), list(described.get("tags") or []))
