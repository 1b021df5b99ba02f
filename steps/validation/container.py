"""The rules of one container in the step document, and the checks shared with validation.step."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from steps.document.model import Container, HealthCheck, is_expression

if TYPE_CHECKING:
    from steps.validation.step import _Checker

PROTOCOLS = ("tcp", "udp")
REPOSITORY_CREDENTIAL_TYPES = ("default", "secrets_manager")
VARIABLE_TYPES = ("plain", "secret")
LOGGING_TYPES = ("auto", "manual", "none")
LOGGING_DRIVERS = ("awslogs", "awsfirelens", "splunk")
FIRELENS_TYPES = ("fluentbit", "fluentd")
DEPENDENCY_CONDITIONS = ("START", "COMPLETE", "SUCCESS", "HEALTHY")
HEALTH_CHECK_COMMAND_KINDS = ("CMD", "CMD-SHELL")
# The ulimit names ECS accepts (ContainerDefinition Ulimit.Name).
# fmt: off
ULIMIT_NAMES = (
    "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc",
    "rss", "rtprio", "rttime", "sigpending", "stack",
)
# fmt: on
# The awslogs driver needs these on Fargate (the automatic logging sets them itself).
AWSLOGS_REQUIRED_OPTIONS = ("awslogs-group", "awslogs-region", "awslogs-stream-prefix")
MAX_STOP_TIMEOUT = 120  # seconds; Fargate's ceiling

_INTEGER_TEXT = re.compile(r"[+-]?[0-9]{1,18}")
_LOG_GROUP = re.compile(r"[.\-_/#A-Za-z0-9]{1,512}")
_FEED_SLUG = re.compile(r"[A-Za-z0-9_-]+")
_PARTITION = r"arn:aws(?:-[a-z]+)*"
_SECRETS_MANAGER_ARN = re.compile(_PARTITION + r":secretsmanager:[a-z0-9-]+:\d{12}:secret:.+")
_SSM_PARAMETER_ARN = re.compile(_PARTITION + r":ssm:[a-z0-9-]+:\d{12}:parameter/.+")
_S3_OBJECT_ARN = re.compile(_PARTITION + r":s3:::[^/]+/.+")

SECRETS_MANAGER_ARN_SHAPE = "arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME"
SSM_PARAMETER_ARN_SHAPE = "arn:aws:ssm:REGION:ACCOUNT:parameter/NAME"


def _literal(value: Any) -> bool:
    return value is not None and not is_expression(value)


def _literal_int(value: Any) -> int | None:
    """The number a field holds; None for an expression or an absent value. Documents built in
    code may hold numbers as text; the loader never does."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
        return int(value)
    return None


def _literal_items(values: list[str] | str) -> Iterator[tuple[int, str]]:
    """The (index, value) pairs of a string list that are literal; none for a list expression."""
    if isinstance(values, str):
        return
    for index, value in enumerate(values):
        if not is_expression(value):
            yield index, value


def _choices(options: Iterable[object]) -> str:
    return ", ".join(str(option) for option in options)


def _secret_reference(value: str) -> bool:
    return bool(_SECRETS_MANAGER_ARN.fullmatch(value) or _SSM_PARAMETER_ARN.fullmatch(value))


class _ContainerChecker:
    """The rules of one container; references to other containers and volumes go through the
    document-wide checker."""

    def __init__(self, checker: _Checker, path: str, container: Container) -> None:
        self.checker = checker
        self.path = path
        self.container = container

    def add(self, field_path: str, message: str) -> None:
        self.checker.add(f"{self.path}.{field_path}", message)

    def check(self) -> None:
        self.identity()
        self.limits()
        self.port_mappings()
        if self.container.health_check is not None:
            self.health_check(self.container.health_check)
        self.environment()
        self.storage()
        self.logging()
        self.docker_labels()
        self.dependencies()
        self.timeouts()
        self.ulimits()

    def identity(self) -> None:
        checker, container = self.checker, self.container
        checker.name_rule(f"{self.path}.name", container.name, "a container name")
        feed = container.image.feed
        if checker.required_text(f"{self.path}.image.feed", feed, "a feed") and (
            not _FEED_SLUG.fullmatch(feed)
        ):
            self.add("image.feed", f"{feed!r} is not a feed slug (letters, digits, - and _)")
        checker.required_text(
            f"{self.path}.image.package", container.image.package, "an image package"
        )
        credentials = container.repository_credentials
        checker.one_of(
            f"{self.path}.repository_credentials.type",
            credentials.type,
            REPOSITORY_CREDENTIAL_TYPES,
        )
        secret_arn = credentials.secret_arn
        if (
            credentials.type == "secrets_manager"
            and _literal(secret_arn)
            and not _SECRETS_MANAGER_ARN.fullmatch(secret_arn)
        ):
            self.add(
                "repository_credentials.secret_arn",
                "repository credentials from Secrets Manager need a secret ARN like "
                f"{SECRETS_MANAGER_ARN_SHAPE}",
            )

    def limits(self) -> None:
        container = self.container
        # Docker 20.10 and later reserves 6 MiB per container; AWS advises no less.
        self.checker.in_range(
            f"{self.path}.memory_hard_limit", container.memory_hard_limit, 6, None, "MiB"
        )
        self.checker.in_range(
            f"{self.path}.memory_soft_limit", container.memory_soft_limit, 6, None, "MiB"
        )
        self.checker.in_range(f"{self.path}.cpu", container.cpu, 0, None)
        hard = _literal_int(container.memory_hard_limit)
        soft = _literal_int(container.memory_soft_limit)
        if hard is not None and soft is not None and soft > hard:
            self.add(
                "memory_soft_limit",
                f"{soft} MiB is more than the hard limit of {hard} MiB; use at most {hard}",
            )

    def timeouts(self) -> None:
        container = self.container
        self.checker.in_range(f"{self.path}.start_timeout", container.start_timeout, 0, None)
        self.checker.in_range(
            f"{self.path}.stop_timeout", container.stop_timeout, 0, MAX_STOP_TIMEOUT, "seconds"
        )

    def port_mappings(self) -> None:
        mappings = self.container.port_mappings
        for index, mapping in enumerate(mappings):
            path = f"{self.path}.port_mappings[{index}]"
            self.checker.in_range(f"{path}.container_port", mapping.container_port, 1, 65535)
            self.checker.one_of(f"{path}.protocol", mapping.protocol, PROTOCOLS)
        keyed = [
            (index, (m.container_port, m.protocol))
            for index, m in enumerate(mappings)
            if _literal(m.container_port) and _literal(m.protocol)
        ]
        first: dict[tuple[Any, Any], int] = {}
        for index, key in keyed:
            if key in first:
                self.add(
                    f"port_mappings[{index}].container_port",
                    f"port {key[0]}/{key[1]} is already mapped by port_mappings[{first[key]}]; "
                    "each port and protocol may be mapped once",
                )
            else:
                first[key] = index

    def health_check(self, health_check: HealthCheck) -> None:
        path = f"{self.path}.health_check"
        command = health_check.command
        first_word = command[0] if isinstance(command, list) and command else None
        if _literal(first_word) and first_word not in HEALTH_CHECK_COMMAND_KINDS:
            self.add(
                "health_check.command",
                f"the command must start with {_choices(HEALTH_CHECK_COMMAND_KINDS)}, "
                f'e.g. ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]',
            )
        self.checker.in_range(f"{path}.interval", health_check.interval, 5, 300, "seconds")
        self.checker.in_range(f"{path}.timeout", health_check.timeout, 2, 60, "seconds")
        self.checker.in_range(f"{path}.retries", health_check.retries, 1, 10)
        self.checker.in_range(f"{path}.start_period", health_check.start_period, 0, 300, "seconds")

    def environment(self) -> None:
        environment = self.container.environment
        for index, arn in _literal_items(environment.environment_files):
            if not _S3_OBJECT_ARN.fullmatch(arn):
                self.add(
                    f"environment.environment_files[{index}]",
                    f"{arn!r} is not an S3 object ARN like arn:aws:s3:::BUCKET/KEY.env",
                )
        variables = environment.variables
        for index, variable in enumerate(variables):
            path = f"environment.variables[{index}]"
            self.checker.required_text(f"{self.path}.{path}.name", variable.name, "a name")
            self.checker.one_of(f"{self.path}.{path}.type", variable.type, VARIABLE_TYPES)
            self.secret_value(f"{path}.value", variable.type, variable.value)
        self.checker.unique(
            f"{self.path}.environment.variables",
            enumerate(v.name for v in variables),
            "name",
            ".name",
        )

    def secret_value(self, field_path: str, value_type: str, value: str) -> None:
        if value_type == "secret" and _literal(value) and not _secret_reference(value):
            self.add(
                field_path,
                "a secret's value must be a Secrets Manager ARN "
                f"({SECRETS_MANAGER_ARN_SHAPE}) or an SSM parameter ARN "
                f"({SSM_PARAMETER_ARN_SHAPE})",
            )

    def storage(self) -> None:
        checker, storage = self.checker, self.container.storage
        for index, mount in enumerate(storage.mount_points):
            path = f"storage.mount_points[{index}]"
            source = mount.source_volume
            if (
                checker.required_text(f"{self.path}.{path}.source_volume", source, "a volume")
                and source not in checker.volume_names
                and not checker.volume_names_open
            ):
                known = _choices(sorted(checker.volume_names)) or "none yet; add one under volumes"
                self.add(
                    f"{path}.source_volume", f"no volume is named {source!r}; volumes: {known}"
                )
            target = mount.container_path
            if checker.required_text(
                f"{self.path}.{path}.container_path", target, "a container path"
            ) and not target.startswith("/"):
                self.add(f"{path}.container_path", f"{target!r} must be an absolute path (/...)")
        for index, volume_from in enumerate(storage.volumes_from):
            self.other_container(
                f"storage.volumes_from[{index}].source_container", volume_from.source_container
            )

    def other_container(self, field_path: str, name: str) -> None:
        checker = self.checker
        if not checker.required_text(f"{self.path}.{field_path}", name, "a container name"):
            return
        if name == self.container.name:
            self.add(field_path, "a container cannot refer to itself; name another container")
        elif name not in checker.container_names and not checker.container_names_open:
            others = sorted(checker.container_names - {self.container.name})
            valid = f"use one of {_choices(others)}" if others else "add that container first"
            self.add(field_path, f"no container is named {name!r}; {valid}")

    def logging(self) -> None:
        logging = self.container.logging
        self.checker.one_of(f"{self.path}.logging.type", logging.type, LOGGING_TYPES)
        self.checker.one_of(f"{self.path}.logging.driver", logging.driver, LOGGING_DRIVERS)
        for index, option in enumerate(logging.options):
            path = f"logging.options[{index}]"
            self.checker.required_text(f"{self.path}.{path}.name", option.name, "a name")
            self.checker.one_of(f"{self.path}.{path}.type", option.type, VARIABLE_TYPES)
            self.secret_value(f"{path}.value", option.type, option.value)
        if logging.type == "manual" and logging.driver == "awslogs":
            self.awslogs_options()
        if self.container.firelens is not None:
            self.checker.one_of(
                f"{self.path}.firelens.type", self.container.firelens.type, FIRELENS_TYPES
            )

    def awslogs_options(self) -> None:
        options = {option.name: option for option in self.container.logging.options}
        if any(is_expression(name) for name in options):
            return
        missing = [name for name in AWSLOGS_REQUIRED_OPTIONS if name not in options]
        if missing:
            self.add(
                "logging.options",
                f"the awslogs driver on Fargate needs the options {_choices(missing)}",
            )
        group = options.get("awslogs-group")
        if group is not None and _literal(group.value) and not _LOG_GROUP.fullmatch(group.value):
            index = self.container.logging.options.index(group)
            self.add(
                f"logging.options[{index}].value",
                f"{group.value!r} is not a log group name (1-512 of letters, digits and . - _ / #)",
            )

    def dependencies(self) -> None:
        by_name = {c.name: c for c in self.checker.document.containers}
        for index, dependency in enumerate(self.container.depends_on):
            path = f"depends_on[{index}]"
            self.other_container(f"{path}.container_name", dependency.container_name)
            self.checker.one_of(
                f"{self.path}.{path}.condition", dependency.condition, DEPENDENCY_CONDITIONS
            )
            other = by_name.get(dependency.container_name)
            if (
                dependency.condition == "HEALTHY"
                and other is not None
                and other.health_check is None
            ):
                self.add(
                    f"{path}.condition",
                    f"HEALTHY needs a health check on container {other.name!r}; "
                    "add one or use START",
                )

    def ulimits(self) -> None:
        for index, ulimit in enumerate(self.container.ulimits):
            path = f"{self.path}.ulimits[{index}]"
            self.checker.one_of(f"{path}.name", ulimit.name, ULIMIT_NAMES)
            self.checker.in_range(f"{path}.soft_limit", ulimit.soft_limit, 0, None)
            self.checker.in_range(f"{path}.hard_limit", ulimit.hard_limit, 0, None)
            soft, hard = _literal_int(ulimit.soft_limit), _literal_int(ulimit.hard_limit)
            if soft is not None and hard is not None and soft > hard:
                self.add(
                    f"ulimits[{index}].soft_limit",
                    f"{soft} is more than the hard limit {hard}; use at most {hard}",
                )

    def docker_labels(self) -> None:
        labels = self.container.docker_labels
        for index, label in enumerate(labels):
            self.checker.required_text(
                f"{self.path}.docker_labels[{index}].key", label.key, "a label key"
            )
        self.checker.unique(
            f"{self.path}.docker_labels", enumerate(label.key for label in labels), "key", ".key"
        )
