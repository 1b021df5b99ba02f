"""The step document's schema as pydantic models: they check plain data and build the document.

Each model mirrors one dataclass of ``steps.document`` key for key (``dataclass_type``), with the
same defaults, and forbids unknown keys. ``StepDocumentModel.model_validate(data).to_document()``
reads parsed YAML or JSON; ``steps.document_io`` turns the validation errors into the
document's problems (path, line, message). The HTTP API validates request bodies with the same
models. The scalar readers and the ``Section`` base are in ``steps.document.schema_base``; the
deployment section's models in ``steps.document.schema_deployment``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, PlainValidator, field_validator

from steps.document import model as doc
from steps.document.model import CURRENT_VERSION
from steps.document.schema_base import (
    PROBLEM as PROBLEM,
)
from steps.document.schema_base import (
    Boolean,
    ListOf,
    Number,
    Section,
    Text,
    TextList,
    TextMap,
    _section,
    _version,
)
from steps.document.schema_base import (
    RawScalar as RawScalar,
)
from steps.document.schema_base import (
    RequiredNow as RequiredNow,
)
from steps.document.schema_base import (
    describe as describe,
)
from steps.document.schema_base import (
    problem as problem,
)
from steps.document.schema_base import (
    too_long_message as too_long_message,
)
from steps.document.schema_base import (
    too_many_message as too_many_message,
)
from steps.document.schema_deployment import Deployment, LoadBalancerMapping


class Configuration(Section):
    dataclass_type = doc.Configuration
    task_definition_name: Text
    task_role_arn: Text = ""
    runtime_platform: Text = "X86_64"


class TaskExecutionRole(Section):
    dataclass_type = doc.TaskExecutionRole
    arn: Text = ""


class TaskSize(Section):
    dataclass_type = doc.TaskSize
    cpu: Number = 256
    memory: Number = 512


class Network(Section):
    dataclass_type = doc.Network
    security_group_ids: TextList = Field(default_factory=list)
    subnet_ids: TextList = Field(default_factory=list)
    auto_assign_public_ip: Boolean = True


class Tag(Section):
    dataclass_type = doc.Tag
    key: Text
    value: Text = ""


class Tags(Section):
    dataclass_type = doc.Tags
    enable_ecs_managed_tags: Boolean = False
    tags: ListOf[Tag] = Field(default_factory=list)


class Image(Section):
    dataclass_type = doc.Image
    feed: Text
    package: Text


class RepositoryCredentials(Section):
    dataclass_type = doc.RepositoryCredentials
    type: Text = "default"
    secret_arn: Text = ""


class PortMapping(Section):
    dataclass_type = doc.PortMapping
    container_port: Number
    protocol: Text = "tcp"
    name: Text = ""


class HealthCheck(Section):
    dataclass_type = doc.HealthCheck
    command: TextList
    interval: Number = 30
    timeout: Number = 5
    retries: Number = 3
    start_period: Number = 0


class Variable(Section):
    dataclass_type = doc.Variable
    name: Text
    value: Text = ""
    type: Text = "plain"


class ContainerEnvironment(Section):
    dataclass_type = doc.ContainerEnvironment
    entry_point: TextList = Field(default_factory=list)
    command: TextList = Field(default_factory=list)
    working_directory: Text = ""
    environment_files: TextList = Field(default_factory=list)
    variables: ListOf[Variable] = Field(default_factory=list)


class MountPoint(Section):
    dataclass_type = doc.MountPoint
    source_volume: Text
    container_path: Text
    read_only: Boolean = False


class VolumeFrom(Section):
    dataclass_type = doc.VolumeFrom
    source_container: Text
    read_only: Boolean = False


class ContainerStorage(Section):
    dataclass_type = doc.ContainerStorage
    read_only_root_filesystem: Boolean = False
    mount_points: ListOf[MountPoint] = Field(default_factory=list)
    volumes_from: ListOf[VolumeFrom] = Field(default_factory=list)


class LoggingOption(Section):
    dataclass_type = doc.LoggingOption
    name: Text
    value: Text = ""
    type: Text = "plain"


class Logging(Section):
    dataclass_type = doc.Logging
    type: Text = "auto"
    driver: Text = "awslogs"
    options: ListOf[LoggingOption] = Field(default_factory=list)


class Firelens(Section):
    dataclass_type = doc.Firelens
    type: Text
    options: TextMap = Field(default_factory=dict)


class DockerLabel(Section):
    dataclass_type = doc.DockerLabel
    key: Text
    value: Text = ""


class ContainerDependency(Section):
    dataclass_type = doc.ContainerDependency
    container_name: Text
    condition: Text = "START"


class Ulimit(Section):
    dataclass_type = doc.Ulimit
    name: Text
    soft_limit: Number
    hard_limit: Number


class Container(Section):
    dataclass_type = doc.Container
    name: Text
    image: Image
    essential: Boolean = True
    repository_credentials: RepositoryCredentials = Field(
        default_factory=_section(RepositoryCredentials)
    )
    memory_hard_limit: Number | None = None
    memory_soft_limit: Number | None = None
    cpu: Number | None = None
    port_mappings: ListOf[PortMapping] = Field(default_factory=list)
    health_check: HealthCheck | None = None
    environment: ContainerEnvironment = Field(default_factory=_section(ContainerEnvironment))
    storage: ContainerStorage = Field(default_factory=_section(ContainerStorage))
    logging: Logging = Field(default_factory=_section(Logging))
    firelens: Firelens | None = None
    user: Text = ""
    docker_labels: ListOf[DockerLabel] = Field(default_factory=list)
    depends_on: ListOf[ContainerDependency] = Field(default_factory=list)
    start_timeout: Number | None = None
    stop_timeout: Number | None = None
    ulimits: ListOf[Ulimit] = Field(default_factory=list)

    @field_validator("health_check")
    @classmethod
    def _empty_command_is_no_health_check(cls, value: HealthCheck | None) -> HealthCheck | None:
        # The contract: an empty command means no health check.
        return None if value is not None and value.command == [] else value


class CrashLoopGuard(Section):
    dataclass_type = doc.CrashLoopGuard
    enable: Boolean = True
    stopped_tasks: Number | None = None
    rollback: Boolean = True


class DeploymentOptions(Section):
    dataclass_type = doc.DeploymentOptions
    wait: Text = "wait_until_completed"
    timeout_minutes: Number | None = 30
    crash_loop_guard: CrashLoopGuard = Field(default_factory=_section(CrashLoopGuard))


class Volume(Section):
    dataclass_type = doc.Volume
    name: Text
    type: Text = "bind"
    file_system_id: Text = ""
    access_point_id: Text = ""
    root_directory: Text = "/"
    transit_encryption: Boolean = True
    iam_authorization: Boolean = False


class StepDocumentModel(Section):
    """A whole step document (``spec/step-document.md``)."""

    dataclass_type = doc.StepDocument
    version: Annotated[int, PlainValidator(_version)] = CURRENT_VERSION
    name: Text
    target_roles: TextList = Field(default_factory=list)
    configuration: Configuration
    task_execution_role: TaskExecutionRole = Field(default_factory=_section(TaskExecutionRole))
    task_size: TaskSize = Field(default_factory=_section(TaskSize))
    network: Network = Field(default_factory=_section(Network))
    tags: Tags = Field(default_factory=_section(Tags))
    containers: ListOf[Container] = Field(default_factory=list)
    deployment: Deployment = Field(default_factory=_section(Deployment))
    deployment_options: DeploymentOptions = Field(default_factory=_section(DeploymentOptions))
    load_balancer_mappings: ListOf[LoadBalancerMapping] = Field(default_factory=list)
    volumes: ListOf[Volume] = Field(default_factory=list)

    def to_document(self) -> doc.StepDocument:
        document: doc.StepDocument = self.to_dataclass()
        return document
