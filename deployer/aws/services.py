"""Reading a running ECS service as it is: its summary, its settings and its task definition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deployer.aws.errors import AwsError, aws_errors

# DescribeServices takes at most 10 services per call.
DESCRIBE_BATCH = 10


@dataclass(frozen=True)
class ServiceSummary:
    """One service of a cluster, for a list to pick from."""

    name: str
    arn: str
    status: str
    desired_count: int
    running_count: int
    task_definition: str  # family:revision
    launch_type: str


@dataclass(frozen=True)
class DescribedService:
    """What DescribeServices and DescribeTaskDefinition say about one service, tags included."""

    service: dict[str, Any]
    task_definition: dict[str, Any]
    task_definition_tags: list[dict[str, str]]


def list_services(client: Any, cluster: str) -> list[ServiceSummary]:
    """The cluster's active services by name, each with its counts and task definition."""
    arns: list[str] = []
    with aws_errors("ecs:ListServices"):
        for page in client.get_paginator("list_services").paginate(cluster=cluster):
            arns.extend(page.get("serviceArns", []))
    summaries = []
    for start in range(0, len(arns), DESCRIBE_BATCH):
        with aws_errors("ecs:DescribeServices"):
            answer = client.describe_services(
                cluster=cluster, services=arns[start : start + DESCRIBE_BATCH]
            )
        for service in answer.get("services", []):
            if service.get("status") == "INACTIVE":
                continue
            summaries.append(
                ServiceSummary(
                    name=str(service["serviceName"]),
                    arn=str(service["serviceArn"]),
                    status=str(service.get("status", "")),
                    desired_count=int(service.get("desiredCount", 0)),
                    running_count=int(service.get("runningCount", 0)),
                    task_definition=str(service.get("taskDefinition", "")).rsplit("/", 1)[-1],
                    launch_type=str(service.get("launchType", "") or "capacity providers"),
                )
            )
    return sorted(summaries, key=lambda summary: summary.name)


def describe_service(client: Any, cluster: str, service_name: str) -> DescribedService:
    """The service's settings and its current task definition, tags included.

    Raises AwsError (code ``ServiceNotFoundException``) when the cluster has no such active
    service.
    """
    with aws_errors("ecs:DescribeServices"):
        answer = client.describe_services(
            cluster=cluster, services=[service_name], include=["TAGS"]
        )
    services = [s for s in answer.get("services", []) if s.get("status") != "INACTIVE"]
    if not services:
        raise AwsError(
            f"Cluster {cluster} has no active service named {service_name}.",
            code="ServiceNotFoundException",
        )
    service = services[0]
    with aws_errors("ecs:DescribeTaskDefinition"):
        described = client.describe_task_definition(
            taskDefinition=service["taskDefinition"], include=["TAGS"]
        )
    return DescribedService(
        service=service,
        task_definition=described["taskDefinition"],
        task_definition_tags=list(described.get("tags", [])),
    )


def caller_account_id(sts_client: Any) -> str:
    """The account id the credentials act in (for telling which ECR registry is whose)."""
    with aws_errors("sts:GetCallerIdentity"):
        return str(sts_client.get_caller_identity()["Account"])
