"""The one validator of the step document, for form errors and deploy-time validation alike.

It runs at save time on literal values and again at deploy time after substitution; values that
still hold Octostache expressions are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from steps.document.model import (
    MAX_CONTAINERS,
    StepDocument,
    Volume,
    is_expression,
)
from steps.validation.container import (
    _PARTITION,
    _choices,
    _ContainerChecker,
    _literal,
    _literal_int,
    _literal_items,
)
from steps.validation.container import (
    AWSLOGS_REQUIRED_OPTIONS as AWSLOGS_REQUIRED_OPTIONS,
)
from steps.validation.container import (
    DEPENDENCY_CONDITIONS as DEPENDENCY_CONDITIONS,
)
from steps.validation.container import (
    FIRELENS_TYPES as FIRELENS_TYPES,
)
from steps.validation.container import (
    HEALTH_CHECK_COMMAND_KINDS as HEALTH_CHECK_COMMAND_KINDS,
)
from steps.validation.container import (
    LOGGING_DRIVERS as LOGGING_DRIVERS,
)
from steps.validation.container import (
    LOGGING_TYPES as LOGGING_TYPES,
)
from steps.validation.container import (
    MAX_STOP_TIMEOUT as MAX_STOP_TIMEOUT,
)
from steps.validation.container import (
    PROTOCOLS as PROTOCOLS,
)
from steps.validation.container import (
    REPOSITORY_CREDENTIAL_TYPES as REPOSITORY_CREDENTIAL_TYPES,
)
from steps.validation.container import (
    SECRETS_MANAGER_ARN_SHAPE as SECRETS_MANAGER_ARN_SHAPE,
)
from steps.validation.container import (
    SSM_PARAMETER_ARN_SHAPE as SSM_PARAMETER_ARN_SHAPE,
)
from steps.validation.container import (
    ULIMIT_NAMES as ULIMIT_NAMES,
)
from steps.validation.container import (
    VARIABLE_TYPES as VARIABLE_TYPES,
)
from steps.validation.deployment import check_deployment
from steps.validation.secrets import sensitive_binding_problems

# The task CPU units Fargate offers and the task memory (MiB) valid with each.
FARGATE_MEMORY_BY_CPU: dict[int, list[int]] = {
    256: [512, 1024, 2048],
    512: list(range(1024, 4096 + 1, 1024)),
    1024: list(range(2048, 8192 + 1, 1024)),
    2048: list(range(4096, 16384 + 1, 1024)),
    4096: list(range(8192, 30720 + 1, 1024)),
    8192: list(range(16384, 61440 + 1, 4096)),
    16384: list(range(32768, 122880 + 1, 8192)),
}


def valid_memory_for_cpu(cpu: int) -> list[int]:
    """The task memory values (MiB) Fargate accepts with ``cpu`` units; empty for invalid CPU."""
    return list(FARGATE_MEMORY_BY_CPU.get(cpu, []))


RUNTIME_PLATFORMS = ("X86_64", "ARM64")
WAIT_MODES = ("wait_until_completed", "wait_with_timeout", "dont_wait")
VOLUME_TYPES = ("bind", "efs")
MAX_TAGS = 20
# The longest step name the database stores (Step.name).
MAX_STEP_NAME = 200

_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
# AWS's id form, the rule cfn-lint applies too: 8 hex digits (older ids) or 17.
_SECURITY_GROUP_ID = re.compile(r"sg-(?:[0-9a-f]{8}|[0-9a-f]{17})")
_SUBNET_ID = re.compile(r"subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})")
_FILE_SYSTEM_ID = re.compile(r"fs-[0-9a-f]+")
_ACCESS_POINT_ID = re.compile(r"fsap-[0-9a-f]+")
_TARGET_GROUP_ARN = re.compile(
    _PARTITION + r":elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup/[A-Za-z0-9-]{1,32}/[0-9a-f]+"
)

TARGET_GROUP_ARN_SHAPE = "arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID"
# IAM: a role name is 1-64 of letters, digits and +=,.@_-, under an optional path of such parts.
_ROLE_ARN = re.compile(
    _PARTITION + r":iam::\d{12}:role/(?:[A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,64}"
)
ROLE_ARN_SHAPE = "arn:aws:iam::ACCOUNT:role/NAME (12-digit account; the name may have a path)"


@dataclass(frozen=True)
class ValidationIssue:
    """One rule the document breaks: the field path and what would be valid."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ValidationResult(list[ValidationIssue]):
    """The issues found, in the document's section order; empty when the document is valid."""

    def by_path(self) -> dict[str, list[str]]:
        """Messages grouped by field path, for showing each under its form field."""
        grouped: dict[str, list[str]] = {}
        for issue in self:
            grouped.setdefault(issue.path, []).append(issue.message)
        return grouped

    def __str__(self) -> str:
        return "\n".join(str(issue) for issue in self)


def validate(
    document: StepDocument, sensitive: Mapping[str, str] | None = None
) -> ValidationResult:
    """Every rule the document breaks, in section order; expressions wait for substitution.

    `sensitive` (see `steps.validation.secrets.sensitive_closure`) adds where sensitive variables
    may go.
    """
    check = _Checker(document)
    check.step()
    check.configuration()
    check.task_size()
    check.network()
    check.tags()
    check.containers()
    check.deployment()
    check_deployment(check)
    check.deployment_options()
    check.load_balancer_mappings()
    check.volumes()
    check.issues += [ValidationIssue(*i) for i in sensitive_binding_problems(document, sensitive)]
    return check.issues


def _wrong_number(value: Any) -> bool:
    """Text in a number field that is neither a number nor an expression."""
    return isinstance(value, str) and not is_expression(value) and _literal_int(value) is None


class _Checker:
    def __init__(self, document: StepDocument) -> None:
        self.document = document
        self.issues = ValidationResult()
        self.container_names = {
            container.name for container in document.containers if _literal(container.name)
        }
        # Whether any container name is an expression: then a reference to an unknown name
        # might still resolve after substitution.
        self.container_names_open = any(is_expression(c.name) for c in document.containers)
        self.volume_names = {volume.name for volume in document.volumes if _literal(volume.name)}
        self.volume_names_open = any(is_expression(v.name) for v in document.volumes)

    def add(self, path: str, message: str) -> None:
        self.issues.append(ValidationIssue(path, message))

    # --- checks shared by the rules ---

    def required_text(self, path: str, value: str, what: str) -> bool:
        """Report an empty required text; True when the value is literal and non-empty."""
        if is_expression(value):
            return False
        if not value.strip():
            self.add(path, f"{what} is required")
            return False
        return True

    def name_rule(self, path: str, value: str, what: str) -> None:
        if self.required_text(path, value, what) and not _NAME.fullmatch(value):
            self.add(path, f"{what} may use only 1-255 letters, digits, hyphens and underscores")

    def one_of(self, path: str, value: Any, options: tuple[str, ...]) -> None:
        if _literal(value) and value not in options:
            self.add(path, f"{value!r} is not one of {_choices(options)}")

    def in_range(self, path: str, value: Any, low: int, high: int | None, unit: str = "") -> None:
        number = _literal_int(value)
        if _wrong_number(value):
            self.add(path, f"{value!r} is not a whole number")
        if number is None:
            return
        suffix = f" {unit}" if unit else ""
        if high is None and number < low:
            self.add(path, f"{number}{suffix} is too small; use at least {low}{suffix}")
        elif high is not None and not low <= number <= high:
            self.add(path, f"{number}{suffix} is out of range; use {low}-{high}{suffix}")

    def unique(self, path: str, keyed: Iterable[tuple[int, Any]], what: str, item: str) -> None:
        """Report each repeat of a key among (index, key) pairs; expressions are skipped."""
        first_index: dict[Any, int] = {}
        for index, key in keyed:
            if key is None or is_expression(key):
                continue
            if key in first_index:
                self.add(
                    f"{path}[{index}]{item}",
                    f"{what} {key!r} is already used by {path}[{first_index[key]}]; "
                    f"{what}s must be unique",
                )
            else:
                first_index[key] = index

    # --- sections, in the contract's order ---

    def step(self) -> None:
        name = self.document.name
        self.required_text("name", name, "a step name")
        # Stored as written, expressions included, so the limit holds for any name.
        if len(name) > MAX_STEP_NAME:
            self.add(
                "name",
                f"a step name may have at most {MAX_STEP_NAME} characters; "
                f"this one has {len(name)}",
            )

    def configuration(self) -> None:
        configuration = self.document.configuration
        self.name_rule(
            "configuration.task_definition_name",
            configuration.task_definition_name,
            "a task definition name",
        )
        self.one_of(
            "configuration.runtime_platform", configuration.runtime_platform, RUNTIME_PLATFORMS
        )
        self.role_arn("configuration.task_role_arn", configuration.task_role_arn, "task role")
        self.role_arn(
            "task_execution_role.arn", self.document.task_execution_role.arn, "task execution role"
        )

    def role_arn(self, path: str, value: str, what: str) -> None:
        """An optional IAM role ARN: empty, an expression, or a role ARN."""
        if _literal(value) and value and not _ROLE_ARN.fullmatch(value):
            self.add(path, f"{value!r} is not an IAM role ARN for the {what}; use {ROLE_ARN_SHAPE}")

    def task_size(self) -> None:
        cpu = _literal_int(self.document.task_size.cpu)
        memory = _literal_int(self.document.task_size.memory)
        for name, value in (
            ("cpu", self.document.task_size.cpu),
            ("memory", self.document.task_size.memory),
        ):
            if _wrong_number(value):
                self.add(f"task_size.{name}", f"{value!r} is not a whole number")
        if cpu is not None and cpu not in FARGATE_MEMORY_BY_CPU:
            self.add(
                "task_size.cpu",
                f"{cpu} CPU units is not a Fargate task size; "
                f"valid: {_choices(FARGATE_MEMORY_BY_CPU)}",
            )
        elif cpu is not None and memory is not None and memory not in FARGATE_MEMORY_BY_CPU[cpu]:
            self.add(
                "task_size.memory",
                f"{memory} MiB is not valid with {cpu} CPU units; "
                f"valid: {_choices(FARGATE_MEMORY_BY_CPU[cpu])}",
            )
        containers = self.document.containers
        hard_limits = [c.memory_hard_limit for c in containers if c.memory_hard_limit is not None]
        if memory is not None and all(_literal_int(limit) is not None for limit in hard_limits):
            total = sum(_as_int(limit) for limit in hard_limits)
            if total > memory:
                self.add(
                    "task_size.memory",
                    f"the containers' memory hard limits add up to {total} MiB, more than the "
                    f"task's {memory} MiB; raise the task memory or lower the limits",
                )
        container_cpus = [c.cpu for c in containers if c.cpu is not None]
        if cpu is not None and all(_literal_int(units) is not None for units in container_cpus):
            total = sum(_as_int(units) for units in container_cpus)
            if total > cpu:
                self.add(
                    "task_size.cpu",
                    f"the containers' CPU units add up to {total}, more than the task's {cpu}; "
                    f"raise the task CPU or lower the containers' CPU",
                )

    def network(self) -> None:
        network = self.document.network
        for field_name, pattern, shape, what in (
            ("security_group_ids", _SECURITY_GROUP_ID, "sg-0123abcd", "security group"),
            ("subnet_ids", _SUBNET_ID, "subnet-0123abcd", "subnet"),
        ):
            values = getattr(network, field_name)
            path = f"network.{field_name}"
            if isinstance(values, list) and not values:
                self.add(path, f"at least one {what} is required")
            for index, value in _literal_items(values):
                if not pattern.fullmatch(value):
                    self.add(
                        f"{path}[{index}]",
                        f"{value!r} is not a {what} id: {shape.split('-')[0]}- and 8 or 17 "
                        f"hex digits, like {shape}",
                    )

    def tags(self) -> None:
        tags = self.document.tags.tags
        if len(tags) > MAX_TAGS:
            self.add("tags.tags", f"{len(tags)} tags is too many; use at most {MAX_TAGS}")
        for index, tag in enumerate(tags):
            path = f"tags.tags[{index}]"
            if self.required_text(f"{path}.key", tag.key, "a tag key"):
                if len(tag.key) > 128:
                    self.add(f"{path}.key", "a tag key may have at most 128 characters")
                if tag.key.lower().startswith("aws:"):
                    self.add(f"{path}.key", "tag keys starting with aws: are reserved by AWS")
            if _literal(tag.value) and len(tag.value) > 256:
                self.add(f"{path}.value", "a tag value may have at most 256 characters")
        self.unique("tags.tags", enumerate(tag.key for tag in tags), "key", ".key")

    def containers(self) -> None:
        containers = self.document.containers
        if not containers:
            self.add("containers", "at least one container is required")
            return
        if len(containers) > MAX_CONTAINERS:
            self.add(
                "containers",
                f"{len(containers)} containers is too many; a task definition holds at most "
                f"{MAX_CONTAINERS}",
            )
        essentials = [container.essential for container in containers]
        if all(value is False for value in essentials):
            self.add("containers", "at least one container must be essential")
        self.unique("containers", enumerate(c.name for c in containers), "name", ".name")
        for index, container in enumerate(containers):
            _ContainerChecker(self, f"containers[{index}]", container).check()
        driver_needs_router = any(
            c.logging.type == "manual" and c.logging.driver == "awsfirelens" for c in containers
        )
        if driver_needs_router and all(c.firelens is None for c in containers):
            self.add(
                "containers",
                "the awsfirelens log driver needs a container with firelens set (a log router)",
            )

    def deployment(self) -> None:
        deployment = self.document.deployment
        self.in_range("deployment.desired_count", deployment.desired_count, 0, None)
        self.in_range(
            "deployment.minimum_healthy_percent", deployment.minimum_healthy_percent, 0, 100
        )
        self.in_range("deployment.maximum_percent", deployment.maximum_percent, 100, 200)
        minimum = _literal_int(deployment.minimum_healthy_percent)
        maximum = _literal_int(deployment.maximum_percent)
        if minimum is not None and maximum is not None and 100 <= maximum < minimum:
            self.add(
                "deployment.maximum_percent",
                f"{maximum} is below the minimum healthy percent {minimum}; "
                f"use at least {max(minimum, 100)}",
            )
        self.in_range(
            "deployment.health_check_grace_period", deployment.health_check_grace_period, 0, None
        )

    def deployment_options(self) -> None:
        options = self.document.deployment_options
        self.one_of("deployment_options.wait", options.wait, WAIT_MODES)
        if options.wait == "wait_with_timeout":
            if options.timeout_minutes is None:
                self.add(
                    "deployment_options.timeout_minutes",
                    "a timeout in minutes is required when waiting with a timeout",
                )
            self.in_range("deployment_options.timeout_minutes", options.timeout_minutes, 1, None)
        self.in_range(
            "deployment_options.crash_loop_guard.stopped_tasks",
            options.crash_loop_guard.stopped_tasks,
            1,
            None,
        )

    def load_balancer_mappings(self) -> None:
        by_name = {c.name: c for c in self.document.containers if _literal(c.name)}
        # Each container's TCP ports, worked out once for all the mappings that name it.
        tcp_ports_of = {
            name: {
                _literal_int(p.container_port)
                for p in container.port_mappings
                if p.protocol == "tcp" or is_expression(p.protocol)
            }
            for name, container in by_name.items()
        }
        for index, mapping in enumerate(self.document.load_balancer_mappings):
            path = f"load_balancer_mappings[{index}]"
            name_ok = self.required_text(f"{path}.container_name", mapping.container_name, "a name")
            container = by_name.get(mapping.container_name)
            if name_ok and container is None and not self.container_names_open:
                known = f"use one of {_choices(sorted(by_name))}" if by_name else "add it first"
                self.add(
                    f"{path}.container_name",
                    f"no container is named {mapping.container_name!r}; {known}",
                )
            port = _literal_int(mapping.container_port)
            if container is not None and port is not None:
                tcp_ports = tcp_ports_of[mapping.container_name]
                if port not in tcp_ports and None not in tcp_ports:
                    valid = (
                        _choices(sorted(p for p in tcp_ports if p is not None))
                        if tcp_ports
                        else "none; add a TCP port mapping"
                    )
                    self.add(
                        f"{path}.container_port",
                        f"{port} is not a TCP port mapping of container {container.name!r}; "
                        f"valid: {valid}",
                    )
            arn = mapping.target_group_arn
            if self.required_text(f"{path}.target_group_arn", arn, "a target group ARN") and (
                not _TARGET_GROUP_ARN.fullmatch(arn)
            ):
                self.add(
                    f"{path}.target_group_arn",
                    f"{arn!r} is not a target group ARN like {TARGET_GROUP_ARN_SHAPE}",
                )

    def volumes(self) -> None:
        volumes = self.document.volumes
        self.unique("volumes", enumerate(v.name for v in volumes), "name", ".name")
        for index, volume in enumerate(volumes):
            self.volume(f"volumes[{index}]", volume)

    def volume(self, path: str, volume: Volume) -> None:
        self.name_rule(f"{path}.name", volume.name, "a volume name")
        self.one_of(f"{path}.type", volume.type, VOLUME_TYPES)
        if volume.type != "efs":
            return
        if self.required_text(
            f"{path}.file_system_id", volume.file_system_id, "an EFS file system id"
        ) and not _FILE_SYSTEM_ID.fullmatch(volume.file_system_id):
            self.add(
                f"{path}.file_system_id",
                f"{volume.file_system_id!r} is not an EFS file system id like fs-0123abcd",
            )
        access_point = volume.access_point_id
        if _literal(access_point) and access_point:
            if not _ACCESS_POINT_ID.fullmatch(access_point):
                self.add(
                    f"{path}.access_point_id",
                    f"{access_point!r} is not an EFS access point id like fsap-0123abcd",
                )
            if _literal(volume.root_directory) and volume.root_directory not in ("", "/"):
                self.add(
                    f"{path}.root_directory",
                    'must be "/" or empty when an access point is used '
                    "(the access point sets the directory)",
                )
        needs_encryption = (_literal(access_point) and access_point) or (
            volume.iam_authorization is True
        )
        if needs_encryption and volume.transit_encryption is False:
            self.add(
                f"{path}.transit_encryption",
                "must be true when an access point or IAM authorization is used",
            )


def _as_int(value: Any) -> int:
    """``value`` known to be a literal int (checked by the caller)."""
    number = _literal_int(value)
    assert number is not None
    return number
