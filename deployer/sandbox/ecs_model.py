"""The state the ECS simulator keeps: services, deployments, tasks and their containers."""

from __future__ import annotations

import math
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from deployer.sandbox.moto_state import ACCOUNT_ID, ecr_image_exists

ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/"
    r"(?P<repository>[^:@]+)(?::(?P<tag>[^@]+))?(?:@(?P<digest>.+))?$"
)
CRASH_TAG_SUFFIX = "-crash"


class EcsError(Exception):
    """An ECS API error: code and message as AWS returns them."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def short_id() -> str:
    return uuid.uuid4().hex


@dataclass
class SimContainer:
    name: str
    image: str
    essential: bool
    health_check: dict[str, Any] | None
    last_status: str = "PENDING"
    exit_code: int | None = None
    reason: str | None = None
    health_status: str = "UNKNOWN"


@dataclass
class SimTask:
    arn: str
    cluster_arn: str
    task_definition_arn: str
    service_name: str | None
    deployment_id: str | None
    started_by: str | None
    cpu: str | None
    memory: str | None
    containers: list[SimContainer]
    created_at: datetime
    region: str
    group: str
    tags: list[dict[str, str]] = field(default_factory=list)
    last_status: str = "PROVISIONING"
    desired_status: str = "RUNNING"
    health_status: str = "UNKNOWN"
    stop_code: str | None = None
    stopped_reason: str | None = None
    started_at: datetime | None = None
    stopping_at: datetime | None = None
    stopped_at: datetime | None = None
    next_step_at: float = 0.0
    running_since: float | None = None
    failure: tuple[str, str] | None = None  # (when, reason) planned at launch
    counted_failure: bool = False

    @property
    def task_id(self) -> str:
        return self.arn.rsplit("/", 1)[-1]

    @property
    def active(self) -> bool:
        return self.desired_status == "RUNNING" and self.last_status != "STOPPED"


@dataclass
class SimDeployment:
    id: str
    status: str
    task_definition: str
    desired_count: int
    created_at: datetime
    updated_at: datetime
    launch_type: str | None
    network_configuration: dict[str, Any] | None
    rollout_state: str = "IN_PROGRESS"
    rollout_state_reason: str = "ECS deployment ecs-svc/0 in progress."
    failed_tasks: int = 0
    # The service deployment (ListServiceDeployments) this deployment belongs to.
    service_deployment_arn: str = ""


@dataclass
class SimService:
    arn: str
    name: str
    cluster_arn: str
    region: str
    task_definition: str
    desired_count: int
    launch_type: str | None
    platform_version: str | None
    network_configuration: dict[str, Any] | None
    load_balancers: list[dict[str, Any]]
    deployment_configuration: dict[str, Any]
    enable_ecs_managed_tags: bool
    propagate_tags: str | None
    tags: list[dict[str, str]]
    health_check_grace_period: int | None
    created_at: datetime
    extra: dict[str, Any] = field(default_factory=dict)
    status: str = "ACTIVE"
    deployments: list[SimDeployment] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    steady: bool = False
    capacity_provider_strategy: list[dict[str, Any]] = field(default_factory=list)
    enable_execute_command: bool = False
    service_connect: dict[str, Any] | None = None
    # Application Auto Scaling's (min, max) for the desired count, when a scalable target exists.
    scaling: tuple[int, int] | None = None
    # Newest first: every deployment's ECS service deployment (stages, traffic, hooks, alarms).
    service_deployments: list[Any] = field(default_factory=list)

    @property
    def primary(self) -> SimDeployment:
        return self.deployments[0]

    def circuit_breaker(self) -> tuple[bool, bool]:
        breaker = self.deployment_configuration.get("deploymentCircuitBreaker") or {}
        return bool(breaker.get("enable")), bool(breaker.get("rollback"))


def failure_threshold(desired_count: int) -> int:
    # AWS: half the desired count, rounded up, at least 3 and at most 200.
    return min(200, max(3, math.ceil(desired_count / 2)))


def planned_failure(containers: list[SimContainer]) -> tuple[str, str] | None:
    """How the task will fail, decided from its images: missing ECR image, or a crash tag."""
    for container in containers:
        match = ECR_IMAGE.match(container.image)
        if match is None:
            continue
        tag = match.group("tag")
        reference = match.group("digest") or tag or "latest"
        if not ecr_image_exists(
            match.group("account"), match.group("region"), match.group("repository"), reference
        ):
            return (
                "pull",
                "CannotPullContainerError: pull image manifest has been retried 5 time(s): "
                f"failed to resolve ref {container.image}: {container.image}: not found",
            )
    for container in containers:
        if container.essential and container.image.split(":")[-1].endswith(CRASH_TAG_SUFFIX):
            return ("crash", "Essential container in task exited")
    return None


def normalise_network(network: dict[str, Any] | None) -> dict[str, Any] | None:
    if not network:
        return None
    vpc = dict(network.get("awsvpcConfiguration") or {})
    vpc.setdefault("securityGroups", [])
    vpc.setdefault("assignPublicIp", "DISABLED")
    return {"awsvpcConfiguration": vpc}


# Bound once: code in the same process (tests) may replace time.monotonic to fake time passing,
# which must not speed up or break the simulated AWS.
_MONOTONIC = time.monotonic


def monotonic() -> float:
    return _MONOTONIC()


def missing_ssm_secret(region: str, container_definitions: list[Any]) -> tuple[str, str] | None:
    """A task reading an SSM parameter that does not exist fails to start, as on Fargate.

    The agent fetches `Secrets` before any container starts; a missing parameter stops the task
    with ResourceInitializationError. Secrets Manager references are not checked here.
    """
    from moto.ssm.models import ssm_backends

    for container in container_definitions:
        for secret in container.get("secrets") or []:
            value_from = str(secret.get("valueFrom", ""))
            if ":secretsmanager:" in value_from:
                continue
            parts = value_from.split(":")
            # An ARN names its region; a bare name is read in the task's own region.
            where = parts[3] if value_from.startswith("arn:") and len(parts) > 5 else region
            try:
                found = ssm_backends[ACCOUNT_ID][where].get_parameter(value_from)
            except Exception:
                found = None
            if found is None:
                return (
                    "pull",
                    "ResourceInitializationError: unable to pull secrets or registry auth: "
                    "execution resource retrieval failed: unable to retrieve secrets from ssm: "
                    "service call has been retried 1 time(s): invalid ssm parameters: "
                    f"{value_from}",
                )
    return None
