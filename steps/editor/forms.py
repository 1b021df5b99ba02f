"""The step editor's forms: one plain form per section or row, each reading and writing a piece
of the step document.

A field's name is its document path below the form's ``base_path`` (``__`` for ``.``), so a
validator issue such as ``task_size.memory`` finds the field it names. Fields never refuse input
themselves: numbers, booleans and choices all accept an Octostache expression, and every rule
lives in ``steps.validation.step``; the editor runs it on the document these forms build.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from steps.document.model import MAX_DOCUMENT_CHARS, is_expression
from steps.editor.deployment_forms import advanced_data, advanced_fields
from steps.editor.fields import (
    OMIT,
    Choices,
    DocumentForm,
    boolean,
    choice,
    display_value,
    id_list,
    lookup,
    named,
    number,
    text,
)
from steps.validation.step import (
    FARGATE_MEMORY_BY_CPU,
    RUNTIME_PLATFORMS,
    VOLUME_TYPES,
    WAIT_MODES,
    valid_memory_for_cpu,
)

ECS_GUIDE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/"
TASK_PARAMETERS = ECS_GUIDE + "task_definition_parameters.html"
SERVICE_PARAMETERS = ECS_GUIDE + "service_definition_parameters.html"


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
    name = text(
        "Step name",
        "Unique within the project; shown in the deployment log. At most 200 characters.",
    )
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
        picker="roles",
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
        picker="roles",
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
        picker="security-groups",
    )
    network__subnet_ids = id_list(
        "Subnet IDs",
        "At least one, comma-separated (subnet-0123abcd), or one #{Variable} holding the list.",
        aws=ECS_GUIDE + "task-networking.html",
        picker="subnets",
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
    deployment_options__crash_loop_guard__enable = boolean(
        "Crash-loop guard",
        "Fails the deployment when the new tasks keep stopping and none becomes healthy, "
        "also with the circuit breaker off.",
        aws=ECS_GUIDE + "stopped-task-errors.html",
        refreshes=True,
    )
    deployment_options__crash_loop_guard__stopped_tasks = number(
        "Stopped tasks before giving up",
        "Empty: 3 x the desired count.",
        applies_when=("deployment_options__crash_loop_guard__enable", ["true"]),
        nullable=True,
    )
    deployment_options__crash_loop_guard__rollback = boolean(
        "Roll back when the guard stops a deployment",
        "Return the service to the task definition it ran before.",
        applies_when=("deployment_options__crash_loop_guard__enable", ["true"]),
    )


class LoadBalancerMappingForm(DocumentForm):
    container_name = choice("Container name", [])
    container_port = number("Container port")
    target_group_arn = text(
        "Target Group ARN",
        "arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID",
        aws=ECS_GUIDE + "service-load-balancing.html",
        picker="target-groups",
    )

    def __init__(self, *args: Any, container_names: Sequence[str] = (), **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["container_name"].widget.choices = named(container_names)
        self.fields.update(advanced_fields())
        if values := kw.get("values"):
            for name, field in self.document_fields():
                self.initial[name] = display_value(field.kind, lookup(values, name.split("__")))

    def data_for_document(self) -> dict[str, Any]:
        return advanced_data(super().data_for_document())


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
    file_system_id = text("File system ID", "fs-0123abcd", applies_when=EFS, picker="file-systems")
    access_point_id = text(
        "Access point ID", "Optional, fsap-0123abcd", applies_when=EFS, picker="access-points"
    )
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
            # Refused before it is read; the character limit itself is the loader's to check.
            if upload.size > 4 * MAX_DOCUMENT_CHARS:
                raise forms.ValidationError(
                    f"The file has {upload.size:,} bytes; a step document may have at most "
                    f"{MAX_DOCUMENT_CHARS // 1024} KiB."
                )
            try:
                data["yaml"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError("The file is not UTF-8 text.") from None
        elif data.get("text", "").strip():
            data["yaml"] = data["text"]
        else:
            raise forms.ValidationError("Choose a YAML file or paste a step document.")
        return data
