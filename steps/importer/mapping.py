"""A running ECS service as a step document: a pure function of what AWS describes.

`map_service` takes DescribeServices' service and DescribeTaskDefinition's task definition (both
as boto3 returns them) and gives the step document holding every setting the document has a
field for, the settings it has none for (each with the reason), and notes about where the
service came from. Nothing here calls AWS or the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from steps.document.model import (
    CapacityProvider,
    CircuitBreaker,
    Configuration,
    DeploymentAlarms,
    LoadBalancerMapping,
    Network,
    StepDocument,
    Tag,
    Tags,
    TaskExecutionRole,
    TaskSize,
    Volume,
)
from steps.document.model import Deployment as DeploymentSettings
from steps.importer.containers import ContainerMapper
from steps.importer.images import FeedRegistry, ImageChoice, SuggestedFeed
from steps.importer.report import Report, Unmapped, is_set

# Tags AWS or an Octopus deployment sets; the step's own tags leave them out.
OCTOPUS_TAG_PREFIX = "Octopus."
AWS_TAG_PREFIX = "aws:"
STACK_NAME_TAG = "aws:cloudformation:stack-name"
OCTOPUS_STACK_PREFIX = "cf-ecs-"
STRATEGIES = {
    "ROLLING": "rolling",
    "BLUE_GREEN": "blue_green",
    "LINEAR": "linear",
    "CANARY": "canary",
}

# Task definition settings the document holds; anything else that is set is listed.
TASK_MAPPED = frozenset(
    {
        "taskDefinitionArn",
        "containerDefinitions",
        "family",
        "taskRoleArn",
        "executionRoleArn",
        "networkMode",
        "revision",
        "volumes",
        "status",
        "requiresAttributes",
        "placementConstraints",
        "compatibilities",
        "runtimePlatform",
        "requiresCompatibilities",
        "cpu",
        "memory",
        "registeredAt",
        "registeredBy",
        "deregisteredAt",
        "enableFaultInjection",
    }
)


@dataclass(frozen=True)
class OctopusOrigin:
    """Signs that an Octopus "Deploy Amazon ECS Service" step made the service."""

    stack_name: str
    project: str = ""
    environment: str = ""
    step: str = ""


@dataclass(frozen=True)
class ImportedService:
    """The step document made from a service, and everything it could not carry over."""

    document: StepDocument
    unmapped: list[Unmapped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    images: list[ImageChoice] = field(default_factory=list)
    octopus: OctopusOrigin | None = None

    @property
    def suggested_feeds(self) -> list[SuggestedFeed]:
        found: dict[str, SuggestedFeed] = {}
        for choice in self.images:
            if choice.suggested is not None:
                found.setdefault(choice.suggested.slug, choice.suggested)
        return list(found.values())


def map_service(
    service: dict[str, Any],
    task_definition: dict[str, Any],
    *,
    step_name: str,
    target_roles: Sequence[str],
    feeds: Sequence[FeedRegistry],
    task_definition_tags: Sequence[dict[str, str]] = (),
) -> ImportedService:
    """The step document for a described service (see the module docstring)."""
    report = Report()
    arn_parts = str(task_definition.get("taskDefinitionArn", "")).split(":")
    region, account = (arn_parts[3], arn_parts[4]) if len(arn_parts) > 5 else ("", "")
    mapper = ContainerMapper(feeds, report, region, account)
    containers = [mapper.container(d) for d in task_definition.get("containerDefinitions", [])]
    _skip_task_settings(task_definition, report)
    _skip_service_settings(service, report)
    service_tags = _tag_pairs(service.get("tags") or [])
    user_tags = [
        Tag(key=key, value=value)
        for key, value in service_tags
        if not key.startswith((OCTOPUS_TAG_PREFIX, AWS_TAG_PREFIX))
    ]
    task_tags = _tag_pairs(task_definition_tags)
    if task_tags and set(task_tags) != set(service_tags):
        report.skip(
            "taskDefinition.tags",
            dict(task_tags),
            "Deployer tags the task definition with the step's tags (the service's)",
        )
    document = StepDocument(
        name=step_name,
        target_roles=list(target_roles),
        configuration=Configuration(
            task_definition_name=str(task_definition.get("family", "")),
            task_role_arn=str(task_definition.get("taskRoleArn") or ""),
            runtime_platform=str(
                (task_definition.get("runtimePlatform") or {}).get("cpuArchitecture") or "X86_64"
            ),
        ),
        task_execution_role=TaskExecutionRole(
            arn=str(task_definition.get("executionRoleArn") or "")
        ),
        task_size=_task_size(task_definition, report),
        network=_network(service, report),
        tags=Tags(
            enable_ecs_managed_tags=bool(service.get("enableECSManagedTags", False)),
            tags=user_tags,
        ),
        containers=containers,
        deployment=_deployment(service, report),
        load_balancer_mappings=_load_balancers(service, report),
        volumes=_volumes(task_definition, report),
    )
    octopus = octopus_origin(service)
    if octopus is not None:
        report.note(
            f"This service was made by an Octopus “Deploy Amazon ECS Service” step (stack "
            f"{octopus.stack_name or 'unknown'}"
            + (f", project {octopus.project}" if octopus.project else "")
            + (f", step {octopus.step}" if octopus.step else "")
            + "). Its Octopus tags are left out of the step: Deployer sets its own."
        )
    if not task_definition.get("executionRoleArn"):
        report.note(
            "The task definition has no execution role: the step's stack will create one with "
            "AmazonECSTaskExecutionRolePolicy."
        )
    report.note(
        "Image tags are not part of a step: each release pins one. The service runs "
        + ", ".join(f"{c.package}:{c.reference.pinned}" for c in mapper.images)
        + "."
    )
    report.note(
        "Service auto scaling (Application Auto Scaling) is not read: add it in the step's "
        "deployment settings if the service scales."
    )
    return ImportedService(
        document=document,
        unmapped=report.unmapped,
        notes=report.notes,
        images=mapper.images,
        octopus=octopus,
    )


def octopus_origin(service: dict[str, Any]) -> OctopusOrigin | None:
    """How the service shows it came from an Octopus ECS step: its stack name or its tags."""
    tags = dict(_tag_pairs(service.get("tags") or []))
    stack = tags.get(STACK_NAME_TAG, "")
    name = str(service.get("serviceName", ""))
    octopus_tags = any(key.startswith(OCTOPUS_TAG_PREFIX) for key in tags)
    if not (octopus_tags or stack.startswith(OCTOPUS_STACK_PREFIX)):
        if not name.startswith(OCTOPUS_STACK_PREFIX):
            return None
        # CloudFormation names a service <stack>-<logical id>-<suffix>.
        stack = name.split("-Service")[0]
    return OctopusOrigin(
        stack_name=stack,
        project=tags.get("Octopus.Project.Name", ""),
        environment=tags.get("Octopus.Environment.Name", ""),
        step=tags.get("Octopus.Action.Name", ""),
    )


def _tag_pairs(tags: Sequence[dict[str, str]]) -> list[tuple[str, str]]:
    # ECS answers with lower-case keys; CloudFormation-style Key/Value are accepted too.
    return [
        (str(t.get("key", t.get("Key", ""))), str(t.get("value", t.get("Value", "")))) for t in tags
    ]


def _skip_task_settings(task_definition: dict[str, Any], report: Report) -> None:
    for key, value in task_definition.items():
        if key in TASK_MAPPED or not is_set(value):
            continue
        report.skip(
            f"taskDefinition.{key}",
            value,
            "the step document has no field for it: the task definition Deployer registers "
            "leaves it out",
        )
    if task_definition.get("networkMode", "awsvpc") != "awsvpc":
        report.skip(
            "taskDefinition.networkMode",
            task_definition["networkMode"],
            "Fargate tasks use awsvpc; the step's task definition does",
        )
    if is_set(task_definition.get("placementConstraints")):
        report.skip(
            "taskDefinition.placementConstraints",
            task_definition["placementConstraints"],
            "Fargate does not place tasks by constraints",
        )
    family = (task_definition.get("runtimePlatform") or {}).get("operatingSystemFamily")
    if family not in (None, "LINUX"):
        report.skip(
            "taskDefinition.runtimePlatform.operatingSystemFamily",
            family,
            "the step deploys Linux tasks only",
        )


def _task_size(task_definition: dict[str, Any], report: Report) -> TaskSize:
    cpu, memory = task_definition.get("cpu"), task_definition.get("memory")
    if cpu is None or memory is None:
        report.skip(
            "taskDefinition.cpu/memory",
            {"cpu": cpu, "memory": memory},
            "Fargate needs a task-level size; the step uses 256 CPU units and 512 MiB: check it",
        )
        return TaskSize()
    return TaskSize(cpu=int(cpu), memory=int(memory))


def _network(service: dict[str, Any], report: Report) -> Network:
    configuration = (service.get("networkConfiguration") or {}).get("awsvpcConfiguration")
    if not configuration:
        report.skip(
            "service.networkConfiguration",
            None,
            "the service has no awsvpc network: choose subnets and security groups in the step",
        )
        return Network()
    return Network(
        security_group_ids=list(configuration.get("securityGroups") or []),
        subnet_ids=list(configuration.get("subnets") or []),
        auto_assign_public_ip=configuration.get("assignPublicIp") == "ENABLED",
    )


def _deployment(service: dict[str, Any], report: Report) -> DeploymentSettings:
    configuration = service.get("deploymentConfiguration") or {}
    breaker = configuration.get("deploymentCircuitBreaker")
    alarms = configuration.get("alarms") or {}
    strategy = str(configuration.get("strategy") or "ROLLING")
    for key in ("lifecycleHooks", "linearConfiguration", "canaryConfiguration"):
        if is_set(configuration.get(key)):
            report.skip(
                f"service.deploymentConfiguration.{key}",
                configuration[key],
                "not read by the import: set it in the step's deployment settings",
            )
    return DeploymentSettings(
        desired_count=int(service.get("desiredCount", 1)),
        minimum_healthy_percent=int(configuration.get("minimumHealthyPercent", 100)),
        maximum_percent=int(configuration.get("maximumPercent", 200)),
        # Without one, ECS deploys with no circuit breaker: the step says so explicitly.
        circuit_breaker=(
            CircuitBreaker(
                enable=bool(breaker.get("enable")), rollback=bool(breaker.get("rollback"))
            )
            if breaker
            else CircuitBreaker(enable=False, rollback=False)
        ),
        health_check_grace_period=service.get("healthCheckGracePeriodSeconds"),
        strategy=STRATEGIES.get(strategy, "rolling"),
        bake_time_minutes=configuration.get("bakeTimeInMinutes"),
        alarms=(
            DeploymentAlarms(
                names=list(alarms.get("alarmNames") or []),
                enable=bool(alarms.get("enable", True)),
                rollback=bool(alarms.get("rollback", True)),
            )
            if alarms.get("alarmNames")
            else DeploymentAlarms()
        ),
        capacity_providers=[
            CapacityProvider(
                provider=str(item["capacityProvider"]),
                weight=int(item.get("weight", 1)),
                base=int(item.get("base", 0)),
            )
            for item in service.get("capacityProviderStrategy") or []
        ],
        enable_execute_command=bool(service.get("enableExecuteCommand", False)),
    )


def _skip_service_settings(service: dict[str, Any], report: Report) -> None:
    reasons = {
        "serviceRegistries": "Cloud Map service discovery is not part of the step",
        "placementConstraints": "Fargate does not place tasks by constraints",
        "placementStrategy": "Fargate does not place tasks by strategy",
        "serviceConnectConfiguration": "not read by the import: set Service Connect in the step",
        "volumeConfigurations": "EBS volumes configured at launch are not part of the step",
    }
    for key, reason in reasons.items():
        if is_set(service.get(key)):
            report.skip(f"service.{key}", service[key], reason)
    controller = (service.get("deploymentController") or {}).get("type", "ECS")
    if controller != "ECS":
        report.skip(
            "service.deploymentController",
            controller,
            "the step deploys with ECS's own deployment controller",
        )
    if service.get("launchType") not in (None, "", "FARGATE"):
        report.skip("service.launchType", service["launchType"], "the step deploys to Fargate")
    if service.get("platformVersion") not in (None, "", "LATEST"):
        report.skip(
            "service.platformVersion",
            service["platformVersion"],
            "the step runs the latest Fargate platform version",
        )
    propagate = service.get("propagateTags") or "NONE"
    if propagate not in ("SERVICE", "NONE"):
        report.skip(
            "service.propagateTags",
            propagate,
            "Deployer propagates the service's tags to its tasks",
        )


def _load_balancers(service: dict[str, Any], report: Report) -> list[LoadBalancerMapping]:
    mappings = []
    for index, balancer in enumerate(service.get("loadBalancers") or []):
        if not balancer.get("targetGroupArn"):
            report.skip(
                f"service.loadBalancers[{index}]",
                balancer,
                "a Classic Load Balancer cannot front Fargate tasks; use a target group",
            )
            continue
        if is_set(balancer.get("advancedConfiguration")):
            report.skip(
                f"service.loadBalancers[{index}].advancedConfiguration",
                balancer["advancedConfiguration"],
                "not read by the import: set it in the step's load balancer mapping",
            )
        mappings.append(
            LoadBalancerMapping(
                container_name=str(balancer.get("containerName", "")),
                container_port=int(balancer.get("containerPort", 0)),
                target_group_arn=str(balancer["targetGroupArn"]),
            )
        )
    return mappings


def _volumes(task_definition: dict[str, Any], report: Report) -> list[Volume]:
    volumes = []
    for volume in task_definition.get("volumes") or []:
        name = str(volume.get("name", ""))
        efs = volume.get("efsVolumeConfiguration")
        if efs:
            authorization = efs.get("authorizationConfig") or {}
            volumes.append(
                Volume(
                    name=name,
                    type="efs",
                    file_system_id=str(efs.get("fileSystemId", "")),
                    access_point_id=str(authorization.get("accessPointId") or ""),
                    root_directory=str(efs.get("rootDirectory") or "/"),
                    transit_encryption=efs.get("transitEncryption") == "ENABLED",
                    iam_authorization=authorization.get("iam") == "ENABLED",
                )
            )
            continue
        for key in (
            "dockerVolumeConfiguration",
            "fsxWindowsFileServerVolumeConfiguration",
            "configuredAtLaunch",
        ):
            if is_set(volume.get(key)):
                report.skip(
                    f"volumes[{name}].{key}",
                    volume[key],
                    "the step has bind and EFS volumes only; it becomes a bind volume",
                )
        source = (volume.get("host") or {}).get("sourcePath")
        if source:
            report.skip(
                f"volumes[{name}].host.sourcePath",
                source,
                "Fargate bind volumes have no host path; it becomes task storage",
            )
        volumes.append(Volume(name=name, type="bind"))
    return volumes
