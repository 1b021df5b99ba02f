"""The container editor's forms: one plain form per group or row of one container definition.

The same conventions as ``steps.editor.forms``: field names are document paths below the form's
``base_path``, and every rule lives in ``steps.validation``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from steps.editor.fields import (
    Choices,
    DocumentForm,
    boolean,
    choice,
    lines,
    lookup,
    named,
    number,
    text,
)
from steps.editor.forms import ECS_GUIDE, TASK_PARAMETERS
from steps.validation.step import (
    DEPENDENCY_CONDITIONS,
    FIRELENS_TYPES,
    LOGGING_DRIVERS,
    PROTOCOLS,
    ULIMIT_NAMES,
)

# --- Container groups ----------------------------------------------------------------------------


class ContainerDefinitionForm(DocumentForm):
    name = text(
        "Container name",
        "1-255 letters, digits, hyphens and underscores; unique in the step.",
        aws=TASK_PARAMETERS + "#container_definition_name",
    )
    image__feed = choice(
        "Feed", [], "Choose a feed, or type a feed slug or an expression below the select."
    )
    image__package = text(
        "Image",
        "The image within the feed (nginx, acme/shop); a release pins its tag.",
        aws=TASK_PARAMETERS + "#container_definition_image",
    )
    repository_credentials__type = choice(
        "Repository credentials",
        [
            ("default", "Default (task execution role / ECR)"),
            ("secrets_manager", "Secrets Manager"),
        ],
        aws=ECS_GUIDE + "private-auth.html",
        refreshes=True,
    )
    repository_credentials__secret_arn = text(
        "Secret ARN",
        "The Secrets Manager secret holding the registry's username and password.",
        applies_when=("repository_credentials__type", ["secrets_manager"]),
        picker="secrets-manager",
    )
    essential = boolean(
        "Essential container",
        "If an essential container stops, the whole task stops.",
        aws=TASK_PARAMETERS + "#container_definition_environment",
    )
    memory_hard_limit = number(
        "Memory hard limit (MiB)",
        "Optional; the container is killed above it.",
        aws=TASK_PARAMETERS + "#container_definition_memory",
        nullable=True,
    )
    memory_soft_limit = number(
        "Memory soft limit (MiB)",
        "Optional memory reservation.",
        aws=TASK_PARAMETERS + "#container_definition_memory",
        nullable=True,
    )
    cpu = number(
        "CPU units",
        "Optional; 1024 is one vCPU.",
        aws=TASK_PARAMETERS + "#ContainerDefinition-cpu",
        nullable=True,
    )

    def __init__(self, *args: Any, feeds: Choices = (), **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["image__feed"].widget.choices = feeds


class PortMappingForm(DocumentForm):
    container_port = number(
        "Container port", aws=TASK_PARAMETERS + "#container_definition_portmappings"
    )
    protocol = choice("Protocol", named(PROTOCOLS))
    name = text(
        "Port name",
        "Optional; Service Connect refers to the port by it. Lowercase letters, digits, - and _.",
        aws=TASK_PARAMETERS + "#container_definition_portmappings",
    )


class HealthCheckForm(DocumentForm):
    command = lines(
        "Health check command",
        "One argument per line, starting with CMD or CMD-SHELL. Empty: no health check.",
        aws=TASK_PARAMETERS + "#container_definition_healthcheck",
    )
    interval = number("Interval (seconds)", "5-300", placeholder="30")
    timeout = number("Timeout (seconds)", "2-60", placeholder="5")
    retries = number("Retries", "1-10", placeholder="3")
    start_period = number("Start period (seconds)", "0-300", placeholder="0")

    def data_for_document(self) -> dict[str, Any]:
        data = super().data_for_document()
        return data if data.get("command") else {}


class EnvironmentForm(DocumentForm):
    environment__entry_point = lines(
        "Entry point",
        "One argument per line.",
        aws=TASK_PARAMETERS + "#container_definition_environment",
    )
    environment__command = lines(
        "Command",
        "One argument per line.",
        aws=TASK_PARAMETERS + "#container_definition_environment",
    )
    environment__working_directory = text("Working directory")
    environment__environment_files = lines(
        "Environment files",
        "S3 object ARNs of .env files, one per line.",
        aws=ECS_GUIDE + "use-environment-file.html",
    )


class NameValueForm(DocumentForm):
    name = text("Name")
    value = text("Value", "For a secret: a Secrets Manager or SSM parameter ARN.", picker="secrets")
    type = choice(
        "Type",
        [("plain", "Plain"), ("secret", "Secret")],
        aws=ECS_GUIDE + "specifying-sensitive-data.html",
    )


class LogOptionForm(NameValueForm):
    value = text(
        "Value",
        "awslogs-group: a log group name. A secret option: a Secrets Manager or SSM parameter ARN.",
        picker="log-groups",
    )


class StorageForm(DocumentForm):
    storage__read_only_root_filesystem = boolean(
        "Read-only root file system", aws=TASK_PARAMETERS + "#container_definition_security"
    )


class MountPointForm(DocumentForm):
    source_volume = choice(
        "Source volume", [], aws=TASK_PARAMETERS + "#container_definition_storage"
    )
    container_path = text("Container path", "An absolute path, e.g. /data")
    read_only = boolean("Read only")

    def __init__(self, *args: Any, volume_names: Sequence[str] = (), **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["source_volume"].widget.choices = named(volume_names)


class ContainerReferenceForm(DocumentForm):
    """A row naming another container of the step (volumes from, dependencies)."""

    def __init__(self, *args: Any, container_names: Sequence[str] = (), **kw: Any) -> None:
        super().__init__(*args, **kw)
        reference = next(iter(self.fields))
        self.fields[reference].widget.choices = named(container_names)


class VolumeFromForm(ContainerReferenceForm):
    source_container = choice("Source container", [])
    read_only = boolean("Read only")


class DependencyForm(ContainerReferenceForm):
    container_name = choice(
        "Container", [], aws=TASK_PARAMETERS + "#container_definition_dependson"
    )
    condition = choice("Condition", named(DEPENDENCY_CONDITIONS))


LOGGING_LABELS = {
    "auto": "Auto-configure CloudWatch Logs",
    "manual": "Manually configure",
    "none": "No logging",
}
MANUAL = ("logging__type", ["manual"])


class LoggingForm(DocumentForm):
    logging__type = choice(
        "Logging",
        [(kind, label) for kind, label in LOGGING_LABELS.items()],
        "Auto creates a log group /ecs/TASK-DEFINITION-NAME with awslogs.",
        aws=TASK_PARAMETERS + "#container_definition_logconfiguration",
        refreshes=True,
    )
    logging__driver = choice("Log driver", named(LOGGING_DRIVERS), applies_when=MANUAL)


class FurtherOptionsForm(DocumentForm):
    user = text(
        "User",
        "Optional user (name, uid or uid:gid).",
        aws=TASK_PARAMETERS + "#container_definition_security",
    )
    start_timeout = number(
        "Start timeout (seconds)",
        "Optional; how long to wait for dependencies.",
        aws=TASK_PARAMETERS + "#container_definition_timeout",
        nullable=True,
    )
    stop_timeout = number(
        "Stop timeout (seconds)",
        "Optional; at most 120 on Fargate.",
        aws=TASK_PARAMETERS + "#container_definition_timeout",
        nullable=True,
    )
    firelens__type = choice(
        "FireLens log router",
        [("", "Not a log router"), *named(FIRELENS_TYPES)],
        aws=ECS_GUIDE + "using_firelens.html",
        refreshes=True,
    )
    firelens__options = lines(
        "FireLens options",
        "name=value, one per line.",
        applies_when=("firelens__type", FIRELENS_TYPES),
    )

    def __init__(self, *args: Any, **kw: Any) -> None:
        values = kw.get("values")
        if values is not None and isinstance(lookup(values, ["firelens", "options"]), dict):
            options = values["firelens"]["options"]
            kw["values"] = {
                **values,
                "firelens": {
                    **values["firelens"],
                    # One text, not a list: the lines are read back as typed.
                    "options": "\n".join(f"{key}={value}" for key, value in options.items()),
                },
            }
        super().__init__(*args, **kw)

    def data_for_document(self) -> dict[str, Any]:
        data = super().data_for_document()
        firelens = data.pop("firelens", {})
        if firelens.get("type"):
            # Values are kept as typed, spaces included; only the name is trimmed.
            lines = self.raw("firelens__options").splitlines()
            pairs = [line.partition("=") for line in lines if line.strip()]
            options = {key.strip(): value for key, _, value in pairs}
            data["firelens"] = {"type": firelens["type"], "options": options}
        else:
            data["firelens"] = None
        return data


class KeyValueForm(DocumentForm):
    key = text("Key")
    value = text("Value")


class UlimitForm(DocumentForm):
    name = choice("Name", named(ULIMIT_NAMES), aws=TASK_PARAMETERS + "#container_definition_limits")
    soft_limit = number("Soft limit")
    hard_limit = number("Hard limit")
