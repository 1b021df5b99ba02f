"""The step editor's forms: one plain form per section or row, each reading and writing a piece
of the step document.

A field's name is its document path below the form's ``base_path`` (``__`` for ``.``), so a
validator issue such as ``task_size.memory`` finds the field it names. Fields never refuse input
themselves: numbers, booleans and choices all accept an Octostache expression, and every rule
lives in ``steps.validation``; the editor runs it on the document these forms build.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from django import forms

from steps.document import is_expression
from steps.validation import (
    DEPENDENCY_CONDITIONS,
    FARGATE_MEMORY_BY_CPU,
    FIRELENS_TYPES,
    LOGGING_DRIVERS,
    PROTOCOLS,
    RUNTIME_PLATFORMS,
    ULIMIT_NAMES,
    VOLUME_TYPES,
    WAIT_MODES,
    valid_memory_for_cpu,
)

ECS_GUIDE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/"
TASK_PARAMETERS = ECS_GUIDE + "task_definition_parameters.html"
SERVICE_PARAMETERS = ECS_GUIDE + "service_definition_parameters.html"

Choices = Sequence[tuple[str, str]]
OMIT: Any = object()  # a blank field whose document default applies

# --- Widgets and fields -------------------------------------------------------------------------


class ExpressionSelect(forms.MultiWidget):
    """A select with a "bind to an expression" text input that replaces it when used."""

    template_name = "steps/widgets/expression_select.html"

    def __init__(self, choices: Choices = (), attrs: dict[str, Any] | None = None) -> None:
        widgets = (
            forms.Select(choices=choices, attrs={"class": "form-select"}),
            forms.TextInput(
                attrs={"class": "form-control", "placeholder": "#{Variable}", "spellcheck": "false"}
            ),
        )
        super().__init__(widgets, attrs)

    @property
    def choices(self) -> Choices:
        return list(self.widgets[0].choices)  # type: ignore[attr-defined]

    @choices.setter
    def choices(self, value: Choices) -> None:
        self.widgets[0].choices = list(value)  # type: ignore[attr-defined]

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_0" if id_ else id_

    def decompress(self, value: Any) -> list[Any]:
        if is_expression(value):
            return ["", value]
        return ["" if value is None else str(value), ""]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        # A value missing from the choices (an imported document) must still be shown, so the
        # validator's message about it has something to point at.
        selected = self.decompress(value)[0] if not isinstance(value, list) else value[0]
        known = {str(key) for key, _ in self.choices}
        if selected and selected not in known:
            self.choices = [*self.choices, (selected, selected)]
        return super().get_context(name, value, attrs)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> str:  # type: ignore[override]
        if name in data:  # rendered as one hidden input while the field does not apply
            return str(data.get(name) or "")
        selected, expression = super().value_from_datadict(data, files, name)
        expression = (expression or "").strip()
        return expression if expression else str(selected or "")

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and super().value_omitted_from_data(data, files, name)


class DocumentField(forms.CharField):
    """Text as typed; ``kind`` says how it becomes a document value."""

    def __init__(
        self,
        label: str,
        help_text: str = "",
        *,
        kind: str = "text",
        aws: str = "",
        nullable: bool = False,
        widget: forms.Widget | None = None,
        applies_when: tuple[str, Iterable[str]] | None = None,
        refreshes: bool = False,
        placeholder: str = "",
    ) -> None:
        super().__init__(
            label=label, required=False, widget=widget or forms.TextInput(), strip=False
        )
        self.help_note = help_text
        self.kind = kind
        self.aws_url = aws
        self.nullable = nullable
        # (other field, values): the field only applies while the other field has one of them.
        self.applies_when = (
            (applies_when[0], tuple(applies_when[1])) if applies_when is not None else None
        )
        # Changing it re-renders its section (conditional fields, narrowed choices).
        self.refreshes = refreshes
        css = "form-select" if isinstance(self.widget, forms.Select) else "form-control"
        if not isinstance(self.widget, ExpressionSelect):
            self.widget.attrs.setdefault("class", css)
        if placeholder:  # the default that applies while the field is empty
            self.widget.attrs["placeholder"] = placeholder

    def to_python(self, value: Any) -> str:
        # Text is kept as typed (a working directory may end in a space); numbers, booleans
        # and choices are read without the spaces around them.
        text = "" if value is None else str(value)
        return text if self.kind in ("text", "lines") else text.strip()


def text(label: str, help_text: str = "", **options: Any) -> DocumentField:
    return DocumentField(label, help_text, **options)


def number(label: str, help_text: str = "", **options: Any) -> DocumentField:
    widget = forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"})
    return DocumentField(label, help_text, kind="number", widget=widget, **options)


def choice(label: str, choices: Choices, help_text: str = "", **options: Any) -> DocumentField:
    return DocumentField(label, help_text, widget=ExpressionSelect(choices), **options)


def boolean(label: str, help_text: str = "", **options: Any) -> DocumentField:
    widget = ExpressionSelect([("true", "Yes"), ("false", "No")])
    return DocumentField(label, help_text, kind="bool", widget=widget, **options)


def id_list(label: str, help_text: str = "", **options: Any) -> DocumentField:
    return DocumentField(label, help_text, kind="list", **options)


def lines(label: str, help_text: str = "", **options: Any) -> DocumentField:
    widget = forms.Textarea(attrs={"rows": 2, "spellcheck": "false"})
    return DocumentField(label, help_text, kind="lines", widget=widget, **options)


def named(values: Iterable[str]) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


# --- Between fields and document data ------------------------------------------------------------


def join_path(base: str, name: str) -> str:
    relative = name.replace("__", ".")
    return f"{base}.{relative}" if base else relative


def _needs_json(kind: str, items: list[Any]) -> bool:
    """Whether a list reads back wrongly from lines or commas, so it is shown as JSON."""
    separator = "\n" if kind == "lines" else ","
    for item in map(str, items):
        if not item or item != item.strip() or separator in item or "\n" in item or "\r" in item:
            return True
        if is_expression(item):  # one expression item would read back as a list expression
            return True
    return bool(items) and str(items[0]).startswith("[")


def display_value(kind: str, value: Any) -> str:
    """A document value as the field shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if _needs_json(kind, value):
            return json.dumps([str(item) for item in value], ensure_ascii=False)
        return ("\n" if kind == "lines" else ", ").join(str(item) for item in value)
    return str(value)


def document_value(field: DocumentField, raw: str) -> Any:
    """What the field's text means in the document; ``OMIT`` lets the default apply."""
    if field.kind == "number" and not raw:
        return None if field.nullable else OMIT
    if field.kind == "bool" and not raw:
        return OMIT
    if field.kind in ("list", "lines"):
        text = raw.strip()
        if text.startswith("["):  # a JSON list keeps empty items, commas and line breaks
            try:
                items = json.loads(text)
            except ValueError:
                items = None
            if isinstance(items, list) and all(isinstance(item, str) for item in items):
                return items
        if is_expression(text) and (field.kind == "list" or "\n" not in text):
            return text
        separators = text.replace(",", "\n") if field.kind == "list" else text
        return [item.strip() for item in separators.splitlines() if item.strip()]
    return raw


def lookup(data: Any, path: Sequence[str]) -> Any:
    for key in path:
        if not isinstance(data, Mapping) or key not in data:
            return None
        data = data[key]
    return data


def put(data: dict[str, Any], path: Sequence[str], value: Any) -> None:
    for key in path[:-1]:
        data = data.setdefault(key, {})
    data[path[-1]] = value


class DocumentForm(forms.Form):
    """A piece of the document at ``base_path``; ``data_for_document()`` gives it back."""

    def __init__(
        self, *args: Any, base_path: str = "", values: Mapping[str, Any] | None = None, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.base_path = base_path
        if values is not None:
            for name, field in self.document_fields():
                self.initial[name] = display_value(field.kind, lookup(values, name.split("__")))

    def document_fields(self) -> list[tuple[str, DocumentField]]:
        return [(n, f) for n, f in self.fields.items() if isinstance(f, DocumentField)]

    def path_of(self, name: str) -> str:
        return join_path(self.base_path, name)

    def raw(self, name: str) -> str:
        """The field's text as typed (or as shown, for an unbound form)."""
        field = self.fields[name]
        value = self[name].value()
        return field.to_python(value) if isinstance(field, DocumentField) else str(value or "")

    def applies(self, name: str) -> bool:
        condition = self.fields[name].applies_when  # type: ignore[attr-defined]
        return condition is None or self.raw(condition[0]) in condition[1]

    @property
    def concealed(self) -> list[str]:
        """Fields that do not apply with the current values; kept as hidden inputs."""
        return [name for name, _ in self.document_fields() if not self.applies(name)]

    def data_for_document(self) -> dict[str, Any]:
        """This form's values as document data (relative to ``base_path``), defaults omitted."""
        data: dict[str, Any] = {}
        for name, field in self.document_fields():
            value = document_value(field, self.raw(name))
            if value is not OMIT:
                put(data, name.split("__"), value)
        return data

    def add_problem(self, name: str | None, message: str) -> None:
        if not hasattr(self, "cleaned_data"):
            self.cleaned_data = {}  # an unbound form: Django's add_error expects it
        self.add_error(name, message)
        if name is not None:
            widget = self.fields[name].widget
            for target in getattr(widget, "widgets", [widget]):
                classes = target.attrs.get("class", "")
                if "is-invalid" not in classes:
                    target.attrs["class"] = f"{classes} is-invalid".strip()


class RowFormSet(forms.BaseFormSet):
    """Rows of one document list; each row's ``base_path`` is ``list_path[index]``."""

    list_path = ""

    def __init__(self, *args: Any, list_path: str, rows: list[Any] | None = None, **kw: Any):
        self.list_path = list_path
        self.rows = rows
        if rows is not None:
            kw["initial"] = [{} for _ in rows]
        super().__init__(*args, **kw)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs = dict(super().get_form_kwargs(index))
        if index is not None:
            kwargs["base_path"] = f"{self.list_path}[{index}]"
            if self.rows is not None and not self.is_bound and index < len(self.rows):
                kwargs["values"] = self.rows[index]
        return kwargs

    def data_for_document(self) -> list[dict[str, Any]]:
        return [form.data_for_document() for form in self.forms]


def row_formset(form: type[DocumentForm]) -> type[RowFormSet]:
    return cast(type[RowFormSet], forms.formset_factory(form, formset=RowFormSet, extra=0))


# --- Step sections -------------------------------------------------------------------------------

CPU_CHOICES = [(str(cpu), f"{cpu} ({cpu / 1024:g} vCPU)") for cpu in FARGATE_MEMORY_BY_CPU]


def memory_choices(cpu: str) -> list[tuple[str, str]]:
    """The memory select's options for the chosen CPU; every value when it is an expression."""
    if cpu.strip().isdigit():
        values = valid_memory_for_cpu(int(cpu))
    else:
        values = sorted({memory for values in FARGATE_MEMORY_BY_CPU.values() for memory in values})
    return [(str(value), f"{value} MiB ({value / 1024:g} GB)") for value in values]


class ConfigurationForm(DocumentForm):
    name = text("Step name", "Unique within the project; shown in the deployment log.")
    target_roles = id_list(
        "On targets in roles",
        "Comma-separated target roles, e.g. web-cluster; the ECS cluster targets with any of "
        "these roles receive the step.",
    )
    configuration__task_definition_name = text(
        "Task definition name",
        "The task definition family: 1-255 letters, digits, hyphens and underscores.",
        aws=TASK_PARAMETERS + "#family",
    )
    configuration__task_role_arn = text(
        "Task role",
        "Optional IAM role ARN the containers' AWS calls use.",
        aws=ECS_GUIDE + "task-iam-roles.html",
    )
    configuration__runtime_platform = choice(
        "Runtime platform (CPU architecture)",
        named(RUNTIME_PLATFORMS),
        aws=TASK_PARAMETERS + "#runtime-platform",
    )


class TaskExecutionRoleForm(DocumentForm):
    task_execution_role__arn = text(
        "Task Execution Role",
        "Optional IAM role ARN ECS uses to pull images and write logs. Leave empty and the "
        "stack creates one with AmazonECSTaskExecutionRolePolicy.",
        aws=ECS_GUIDE + "task_execution_IAM_role.html",
    )


class TaskSizeForm(DocumentForm):
    task_size__cpu = choice(
        "Task CPU (units)",
        CPU_CHOICES,
        "1024 units are one vCPU. Choosing it narrows the memory to valid Fargate values.",
        aws=ECS_GUIDE + "fargate-tasks-services.html#fargate-tasks-size",
        refreshes=True,
    )
    task_size__memory = choice(
        "Task memory (MiB)",
        [],
        "Must be a valid Fargate combination with the task CPU.",
        aws=ECS_GUIDE + "fargate-tasks-services.html#fargate-tasks-size",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cpu = self.raw("task_size__cpu") or "256"
        choices = memory_choices(cpu)
        self.fields["task_size__memory"].widget.choices = choices
        memory = str(self.initial.get("task_size__memory", ""))
        valid = [value for value, _ in choices]
        if not self.is_bound and not is_expression(memory) and memory not in valid:
            # A new CPU was chosen: offer the smallest memory that goes with it. A submitted
            # value is left alone so the validator can say what is wrong with it.
            self.initial["task_size__memory"] = valid[0]


class NetworkForm(DocumentForm):
    network__security_group_ids = id_list(
        "Security group IDs",
        "At least one, comma-separated (sg-0123abcd), or one #{Variable} holding the list.",
        aws=ECS_GUIDE + "task-networking.html",
    )
    network__subnet_ids = id_list(
        "Subnet IDs",
        "At least one, comma-separated (subnet-0123abcd), or one #{Variable} holding the list.",
        aws=ECS_GUIDE + "task-networking.html",
    )
    network__auto_assign_public_ip = boolean(
        "Auto-assign public IP",
        "Needed in public subnets without a NAT gateway to pull images.",
        aws=SERVICE_PARAMETERS + "#sd-networkconfiguration",
    )


class TagOptionsForm(DocumentForm):
    tags__enable_ecs_managed_tags = boolean(
        "Enable ECS managed tags",
        "Tags tasks with the cluster and service names. Changing it re-creates the service.",
        aws=ECS_GUIDE + "ecs-using-tags.html",
    )


class TagForm(DocumentForm):
    key = text("Key")
    value = text("Value")


class DeploymentForm(DocumentForm):
    deployment__desired_count = number(
        "Desired count",
        "How many tasks the service keeps running.",
        aws=SERVICE_PARAMETERS + "#sd-desiredcount",
    )
    deployment__minimum_healthy_percent = number(
        "Minimum Health Percentage",
        "0-100: the share of the desired count that must stay running during a deployment.",
        aws=SERVICE_PARAMETERS + "#sd-deploymentconfiguration",
    )
    deployment__maximum_percent = number(
        "Maximum Health Percentage",
        "100-200: how many tasks may run during a deployment, as a share of the desired count.",
        aws=SERVICE_PARAMETERS + "#sd-deploymentconfiguration",
    )
    deployment__circuit_breaker__enable = boolean(
        "Deployment circuit breaker",
        "Stops a deployment whose tasks cannot reach a steady state.",
        aws=ECS_GUIDE + "deployment-circuit-breaker.html",
    )
    deployment__circuit_breaker__rollback = boolean(
        "Roll back on failure",
        "With the circuit breaker: return to the last deployment that completed.",
        aws=ECS_GUIDE + "deployment-circuit-breaker.html",
    )
    deployment__health_check_grace_period = number(
        "Health check grace period (seconds)",
        "Optional; only used with load balancer mappings.",
        aws=SERVICE_PARAMETERS + "#sd-healthcheckgraceperiodseconds",
        nullable=True,
    )


WAIT_LABELS = {
    "wait_until_completed": "Wait until the deployment completes",
    "wait_with_timeout": "Wait, with a timeout",
    "dont_wait": "Don't wait",
}


class DeploymentOptionsForm(DocumentForm):
    deployment_options__wait = choice(
        "Wait option",
        [(mode, WAIT_LABELS[mode]) for mode in WAIT_MODES],
        "Whether the step waits for the service's deployment to finish.",
        aws=ECS_GUIDE + "deployment-type-ecs.html",
        refreshes=True,
    )
    deployment_options__timeout_minutes = number(
        "Timeout (minutes)",
        "How long to wait before the step fails.",
        applies_when=("deployment_options__wait", ["wait_with_timeout"]),
        nullable=True,
    )


class LoadBalancerMappingForm(DocumentForm):
    container_name = choice("Container name", [])
    container_port = number("Container port")
    target_group_arn = text(
        "Target Group ARN",
        "arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID",
        aws=ECS_GUIDE + "service-load-balancing.html",
    )

    def __init__(self, *args: Any, container_names: Sequence[str] = (), **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["container_name"].widget.choices = named(container_names)


EFS = ("type", ["efs"])
VOLUME_LABELS = {"bind": "Bind mount (task storage)", "efs": "Amazon EFS"}


class VolumeForm(DocumentForm):
    name = text("Name", "1-255 letters, digits, hyphens and underscores.")
    type = choice(
        "Type",
        [(kind, VOLUME_LABELS[kind]) for kind in VOLUME_TYPES],
        aws=ECS_GUIDE + "using_data_volumes.html",
        refreshes=True,
    )
    file_system_id = text("File system ID", "fs-0123abcd", applies_when=EFS)
    access_point_id = text("Access point ID", "Optional, fsap-0123abcd", applies_when=EFS)
    root_directory = text("Root directory", '"/" or empty with an access point', applies_when=EFS)
    transit_encryption = boolean(
        "Transit encryption", aws=ECS_GUIDE + "efs-volumes.html", applies_when=EFS
    )
    iam_authorization = boolean("IAM authorization", applies_when=EFS)


class FirstContainerForm(DocumentForm):
    """The one container a new step needs; the container editor offers the rest later."""

    name = text("Container name", "1-255 letters, digits, hyphens and underscores.")
    image__feed = choice("Feed", [], "The feed the image comes from.")
    image__package = text(
        "Image",
        "The image name within the feed, e.g. nginx or acme/shop; the tag is chosen "
        "when creating a release.",
    )
    port = number("Container port", "Optional; e.g. 80.")

    def __init__(self, *args: Any, feeds: Choices = (), **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["image__feed"].widget.choices = feeds

    def data_for_document(self) -> dict[str, Any]:
        data = super().data_for_document()
        port = data.pop("port", OMIT)
        data["port_mappings"] = [] if port in (OMIT, None) else [{"container_port": port}]
        return data


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
    value = text("Value", "For a secret: a Secrets Manager or SSM parameter ARN.")
    type = choice(
        "Type",
        [("plain", "Plain"), ("secret", "Secret")],
        aws=ECS_GUIDE + "specifying-sensitive-data.html",
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


class YamlImportForm(forms.Form):
    """A step document to import: an uploaded file or pasted text."""

    file = forms.FileField(label="YAML file", required=False)
    text = forms.CharField(
        label="Or paste the YAML",
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "class": "font-monospace", "spellcheck": "false"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload:
            try:
                data["yaml"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError("The file is not UTF-8 text.") from None
        elif data.get("text", "").strip():
            data["yaml"] = data["text"]
        else:
            raise forms.ValidationError("Choose a YAML file or paste a step document.")
        return data
