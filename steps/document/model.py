"""The step document: one "Deploy Amazon ECS Service" step as data; steps.document.io reads it.

The dataclasses below mirror the YAML of the step document contract key for key (attribute names
are exactly its snake_case keys, in its section order). Each attribute holds the effective value,
with the contract's defaults filled in. Any scalar may instead hold an Octostache expression (a
string containing ``#{``), and a list of strings may be one expression string; the validator skips
such values, and they are checked again after substitution at deploy time.

Canonical form: the loader (``steps.document.io``) turns a plain (non-expression) string given for
a list of strings into a list (split on commas, trimmed, empties dropped), turns numeric and
``true``/``false`` strings into numbers and booleans, and turns a health check with an empty
command into ``None``. Documents built in code should follow the same form, so that
``load_document(dump_document(doc)) == doc``.

Export omission rule (``dump_document``): a key is written when its value differs from the default,
and always when it is required (``version``, ``name``, ``configuration.task_definition_name``,
container ``name`` and ``image``, the identifying fields of list items, ``REQUIRED_WHEN`` keys
while their condition holds) or is one a reader expects
to see (``target_roles``, ``task_size``, ``network`` ids, ``containers``, a volume's ``type``). A
section left empty by the rule is omitted. ``document_to_data`` omits nothing: release snapshots
keep every effective value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CURRENT_VERSION = 1


def is_expression(value: object) -> bool:
    """True when ``value`` is text holding an Octostache expression (contains ``#{``)."""
    return isinstance(value, str) and "#{" in value


# --- The document -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Configuration:
    task_definition_name: str
    task_role_arn: str = ""
    runtime_platform: str = "X86_64"


@dataclass(frozen=True, kw_only=True)
class TaskExecutionRole:
    # Empty: the stack creates a role with AmazonECSTaskExecutionRolePolicy.
    arn: str = ""


@dataclass(frozen=True, kw_only=True)
class TaskSize:
    cpu: int | str = 256
    memory: int | str = 512


@dataclass(frozen=True, kw_only=True)
class Network:
    security_group_ids: list[str] | str = field(default_factory=list)
    subnet_ids: list[str] | str = field(default_factory=list)
    auto_assign_public_ip: bool | str = True


@dataclass(frozen=True, kw_only=True)
class Tag:
    key: str
    value: str = ""


@dataclass(frozen=True, kw_only=True)
class Tags:
    enable_ecs_managed_tags: bool | str = False
    tags: list[Tag] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class Image:
    feed: str
    package: str


@dataclass(frozen=True, kw_only=True)
class RepositoryCredentials:
    type: str = "default"
    secret_arn: str = ""


@dataclass(frozen=True, kw_only=True)
class PortMapping:
    container_port: int | str
    protocol: str = "tcp"
    # Extends the contract: Service Connect refers to a port mapping by this name.
    name: str = ""


@dataclass(frozen=True, kw_only=True)
class HealthCheck:
    command: list[str] | str
    interval: int | str = 30
    timeout: int | str = 5
    retries: int | str = 3
    start_period: int | str = 0


@dataclass(frozen=True, kw_only=True)
class Variable:
    name: str
    value: str = ""
    type: str = "plain"


@dataclass(frozen=True, kw_only=True)
class ContainerEnvironment:
    entry_point: list[str] | str = field(default_factory=list)
    command: list[str] | str = field(default_factory=list)
    working_directory: str = ""
    environment_files: list[str] | str = field(default_factory=list)
    variables: list[Variable] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class MountPoint:
    source_volume: str
    container_path: str
    read_only: bool | str = False


@dataclass(frozen=True, kw_only=True)
class VolumeFrom:
    source_container: str
    read_only: bool | str = False


@dataclass(frozen=True, kw_only=True)
class ContainerStorage:
    read_only_root_filesystem: bool | str = False
    mount_points: list[MountPoint] = field(default_factory=list)
    volumes_from: list[VolumeFrom] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class LoggingOption:
    name: str
    value: str = ""
    type: str = "plain"


@dataclass(frozen=True, kw_only=True)
class Logging:
    type: str = "auto"
    driver: str = "awslogs"
    options: list[LoggingOption] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class Firelens:
    type: str
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class DockerLabel:
    key: str
    value: str = ""


@dataclass(frozen=True, kw_only=True)
class ContainerDependency:
    container_name: str
    condition: str = "START"


@dataclass(frozen=True, kw_only=True)
class Ulimit:
    name: str
    soft_limit: int | str
    hard_limit: int | str


@dataclass(frozen=True, kw_only=True)
class Container:
    name: str
    image: Image
    essential: bool | str = True
    repository_credentials: RepositoryCredentials = field(default_factory=RepositoryCredentials)
    memory_hard_limit: int | str | None = None
    memory_soft_limit: int | str | None = None
    cpu: int | str | None = None
    port_mappings: list[PortMapping] = field(default_factory=list)
    health_check: HealthCheck | None = None
    environment: ContainerEnvironment = field(default_factory=ContainerEnvironment)
    storage: ContainerStorage = field(default_factory=ContainerStorage)
    logging: Logging = field(default_factory=Logging)
    firelens: Firelens | None = None
    user: str = ""
    docker_labels: list[DockerLabel] = field(default_factory=list)
    depends_on: list[ContainerDependency] = field(default_factory=list)
    start_timeout: int | str | None = None
    stop_timeout: int | str | None = None
    ulimits: list[Ulimit] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class LinearShift:
    # null: ECS's default.
    step_percent: int | str | None = None
    step_bake_minutes: int | str | None = None


@dataclass(frozen=True, kw_only=True)
class CanaryShift:
    percent: int | str | None = None
    bake_minutes: int | str | None = None


@dataclass(frozen=True, kw_only=True)
class LifecycleHook:
    stages: list[str] | str
    # "pause", or the ARN of the Lambda function ECS invokes (which then needs role_arn).
    target: str
    role_arn: str = ""
    # null: ECS's default timeout.
    timeout_minutes: int | str | None = None
    timeout_action: str = "ROLLBACK"


@dataclass(frozen=True, kw_only=True)
class DeploymentAlarms:
    # Empty: no alarms watched.
    names: list[str] | str = field(default_factory=list)
    enable: bool | str = True
    rollback: bool | str = True


@dataclass(frozen=True, kw_only=True)
class CapacityProvider:
    provider: str
    weight: int | str = 1
    base: int | str = 0


@dataclass(frozen=True, kw_only=True)
class ServiceConnectService:
    port_name: str
    dns_name: str = ""
    # null: no client alias; the service is discoverable under port_name.namespace.
    port: int | str | None = None


@dataclass(frozen=True, kw_only=True)
class ServiceConnect:
    # Empty: Service Connect off.
    namespace: str = ""
    services: list[ServiceConnectService] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class AutoScaling:
    min: int | str
    max: int | str
    target_cpu_percent: int | str | None = None
    target_memory_percent: int | str | None = None


@dataclass(frozen=True, kw_only=True)
class AdvancedLoadBalancing:
    alternate_target_group_arn: str = ""
    production_listener_rule_arn: str = ""
    test_listener_rule_arn: str = ""
    # The role ECS assumes to move traffic between the target groups.
    role_arn: str = ""


@dataclass(frozen=True, kw_only=True)
class CircuitBreaker:
    enable: bool | str = True
    rollback: bool | str = True


@dataclass(frozen=True, kw_only=True)
class Deployment:
    desired_count: int | str = 1
    minimum_healthy_percent: int | str = 100
    maximum_percent: int | str = 200
    circuit_breaker: CircuitBreaker = field(default_factory=CircuitBreaker)
    health_check_grace_period: int | str | None = None
    # Extensions of issue 17 (docs/step-storage.md): ECS-native strategies and service settings.
    strategy: str = "rolling"
    # null: ECS's default (15 minutes for blue/green, linear and canary; none for rolling).
    bake_time_minutes: int | str | None = None
    linear: LinearShift = field(default_factory=LinearShift)
    canary: CanaryShift = field(default_factory=CanaryShift)
    lifecycle_hooks: list[LifecycleHook] = field(default_factory=list)
    alarms: DeploymentAlarms = field(default_factory=DeploymentAlarms)
    # Empty: the Fargate launch type; otherwise the service's capacity provider strategy.
    capacity_providers: list[CapacityProvider] = field(default_factory=list)
    enable_execute_command: bool | str = False
    service_connect: ServiceConnect = field(default_factory=ServiceConnect)
    # null: no service auto scaling; desired_count then sets the running count on every deploy.
    auto_scaling: AutoScaling | None = None


@dataclass(frozen=True, kw_only=True)
class CrashLoopGuard:
    """Ends a rollout whose new tasks keep stopping before any became healthy."""

    enable: bool | str = True
    # Stopped tasks of the new deployment before it is given up; null: 3 x the desired count.
    stopped_tasks: int | str | None = None
    # Return the service to the task definition it ran before (see docs/deployments.md).
    rollback: bool | str = True


@dataclass(frozen=True, kw_only=True)
class DeploymentOptions:
    wait: str = "wait_until_completed"
    # Only used with wait_with_timeout, where null is invalid.
    timeout_minutes: int | str | None = 30
    crash_loop_guard: CrashLoopGuard = field(default_factory=CrashLoopGuard)


@dataclass(frozen=True, kw_only=True)
class LoadBalancerMapping:
    container_name: str
    container_port: int | str
    target_group_arn: str
    # Required by the blue_green, linear and canary strategies.
    advanced: AdvancedLoadBalancing | None = None


@dataclass(frozen=True, kw_only=True)
class Volume:
    name: str
    type: str = "bind"
    file_system_id: str = ""
    access_point_id: str = ""
    root_directory: str = "/"
    transit_encryption: bool | str = True
    iam_authorization: bool | str = False


@dataclass(frozen=True, kw_only=True)
class StepDocument:
    version: int = CURRENT_VERSION
    name: str
    target_roles: list[str] | str = field(default_factory=list)
    configuration: Configuration
    task_execution_role: TaskExecutionRole = field(default_factory=TaskExecutionRole)
    task_size: TaskSize = field(default_factory=TaskSize)
    network: Network = field(default_factory=Network)
    tags: Tags = field(default_factory=Tags)
    containers: list[Container] = field(default_factory=list)
    deployment: Deployment = field(default_factory=Deployment)
    deployment_options: DeploymentOptions = field(default_factory=DeploymentOptions)
    load_balancer_mappings: list[LoadBalancerMapping] = field(default_factory=list)
    volumes: list[Volume] = field(default_factory=list)


# Keys the export writes even at their default value, because a reader expects to see them.
ALWAYS_EXPORTED: frozenset[tuple[type, str]] = frozenset(
    {
        (StepDocument, "version"),
        (StepDocument, "target_roles"),
        (StepDocument, "containers"),
        (TaskSize, "cpu"),
        (TaskSize, "memory"),
        (Network, "security_group_ids"),
        (Network, "subnet_ids"),
        (Volume, "type"),
    }
)


# Keys that are optional in general but required while another key of their section has a given
# value: (section, key) -> (other key, value). The reader refuses the document without them and
# the export always writes them then, so the default never stands in for what the user must say.
REQUIRED_WHEN: dict[tuple[type, str], tuple[str, str]] = {
    (DeploymentOptions, "timeout_minutes"): ("wait", "wait_with_timeout"),
}


# --- Bounds ------------------------------------------------------------------------------------

# Work is bounded before it is done: these are checked while reading (counts first), so any
# document is accepted or refused quickly, whatever its size.
# A whole document, in characters: twice what one task definition may hold (64 KiB), so
# comments and layout fit; beyond that AWS would refuse the template anyway.
MAX_DOCUMENT_CHARS = 128 * 1024
# One text value: a task definition holds at most 64 KiB in all.
MAX_TEXT_CHARS = 64 * 1024
# Items of any one list or entries of any one mapping.
MAX_ITEMS = 1000
# ECS: a task definition has at most 10 container definitions.
MAX_CONTAINERS = 10
# Lists with a tighter bound than MAX_ITEMS, by their key path (list indexes left out), with
# the plural noun messages use.
ITEM_LIMITS: dict[tuple[str, ...], tuple[int, str]] = {
    ("containers",): (MAX_CONTAINERS, "containers"),
}
# Nesting of lists and mappings; the contract's deepest path has 5 levels.
MAX_DEPTH = 20
# YAML aliases: each repeats its anchor's content, so they count against the document's size.
MAX_ALIASES = 100


# --- Errors -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentProblem:
    """One reason a document cannot be read: where (path, 1-based YAML line if known) and why."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        if self.line is not None:
            return f"line {self.line}: {where}{self.message}"
        return f"{where}{self.message}"


class DocumentError(ValueError):
    """The document could not be read; ``problems`` lists every reason found."""

    def __init__(self, problems: list[DocumentProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


# --- Paths --------------------------------------------------------------------------------------

Path = tuple[str | int, ...]


def format_path(path: Path) -> str:
    """``("containers", 1, "health_check")`` -> ``containers[1].health_check``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


# --- Upgrades ------------------------------------------------------------------------------------

# Versions older than CURRENT_VERSION are upgraded one step at a time on import:
# UPGRADES[n] turns version-n data into version-(n + 1) data.
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}
