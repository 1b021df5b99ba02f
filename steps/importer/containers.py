"""A container definition of DescribeTaskDefinition as the step document's container."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from steps.document.model import (
    Container,
    ContainerDependency,
    ContainerEnvironment,
    ContainerStorage,
    DockerLabel,
    Firelens,
    HealthCheck,
    Image,
    Logging,
    LoggingOption,
    MountPoint,
    PortMapping,
    RepositoryCredentials,
    Ulimit,
    Variable,
    VolumeFrom,
)
from steps.importer.images import FeedRegistry, ImageChoice, choose_feed
from steps.importer.report import Report, is_set

LOG_DRIVERS = ("awslogs", "awsfirelens", "splunk")

# Container settings the step document holds (read below); anything else that is set is listed.
MAPPED = frozenset(
    {
        "name",
        "image",
        "essential",
        "repositoryCredentials",
        "memory",
        "memoryReservation",
        "cpu",
        "portMappings",
        "healthCheck",
        "entryPoint",
        "command",
        "workingDirectory",
        "environmentFiles",
        "environment",
        "secrets",
        "readonlyRootFilesystem",
        "mountPoints",
        "volumesFrom",
        "logConfiguration",
        "firelensConfiguration",
        "user",
        "dockerLabels",
        "dependsOn",
        "startTimeout",
        "stopTimeout",
        "ulimits",
    }
)
NOT_ON_FARGATE = frozenset(
    {
        "links",
        "hostname",
        "dnsServers",
        "dnsSearchDomains",
        "extraHosts",
        "disableNetworking",
        "privileged",
        "dockerSecurityOptions",
    }
)
# What ECS reports for a setting nobody set.
UNSET_DEFAULTS: dict[str, Any] = {
    "versionConsistency": "enabled",
    "restartPolicy": {"enabled": False},
    "interactive": False,
    "pseudoTerminal": False,
    "disableNetworking": False,
    "privileged": False,
}


class ContainerMapper:
    """Maps the container definitions of one task definition, reporting what does not fit."""

    def __init__(
        self, feeds: Sequence[FeedRegistry], report: Report, region: str, account: str
    ) -> None:
        self.feeds = feeds
        self.report = report
        self.region = region
        self.account = account
        self.images: list[ImageChoice] = []

    def container(self, definition: dict[str, Any]) -> Container:
        name = str(definition.get("name", ""))
        where = f"containerDefinitions[{name}]"
        self._skip_unmapped(definition, where)
        choice = choose_feed(str(definition.get("image", "")), self.feeds)
        self.images.append(choice)
        credentials = definition.get("repositoryCredentials") or {}
        return Container(
            name=name,
            image=Image(feed=choice.feed, package=choice.package),
            essential=bool(definition.get("essential", True)),
            repository_credentials=(
                RepositoryCredentials(
                    type="secrets_manager", secret_arn=str(credentials["credentialsParameter"])
                )
                if credentials.get("credentialsParameter")
                else RepositoryCredentials()
            ),
            memory_hard_limit=definition.get("memory"),
            memory_soft_limit=definition.get("memoryReservation"),
            # ECS reports an unset container CPU as 0, which is what leaving it out means.
            cpu=definition.get("cpu") or None,
            port_mappings=self._ports(definition.get("portMappings") or [], where),
            health_check=_health_check(definition.get("healthCheck")),
            environment=ContainerEnvironment(
                entry_point=list(definition.get("entryPoint") or []),
                command=list(definition.get("command") or []),
                working_directory=str(definition.get("workingDirectory") or ""),
                environment_files=self._environment_files(definition, where),
                variables=[
                    Variable(name=str(v["name"]), value=str(v.get("value", "")))
                    for v in definition.get("environment") or []
                ]
                + [
                    Variable(name=str(s["name"]), value=self._arn(s["valueFrom"]), type="secret")
                    for s in definition.get("secrets") or []
                ],
            ),
            storage=ContainerStorage(
                read_only_root_filesystem=bool(definition.get("readonlyRootFilesystem", False)),
                mount_points=[
                    MountPoint(
                        source_volume=str(m.get("sourceVolume", "")),
                        container_path=str(m.get("containerPath", "")),
                        read_only=bool(m.get("readOnly", False)),
                    )
                    for m in definition.get("mountPoints") or []
                ],
                volumes_from=[
                    VolumeFrom(
                        source_container=str(v.get("sourceContainer", "")),
                        read_only=bool(v.get("readOnly", False)),
                    )
                    for v in definition.get("volumesFrom") or []
                ],
            ),
            logging=self._logging(definition.get("logConfiguration"), where),
            firelens=_firelens(definition.get("firelensConfiguration")),
            user=str(definition.get("user") or ""),
            docker_labels=[
                DockerLabel(key=str(k), value=str(v))
                for k, v in (definition.get("dockerLabels") or {}).items()
            ],
            depends_on=[
                ContainerDependency(
                    container_name=str(d["containerName"]),
                    condition=str(d.get("condition", "START")),
                )
                for d in definition.get("dependsOn") or []
            ],
            start_timeout=definition.get("startTimeout"),
            stop_timeout=definition.get("stopTimeout"),
            ulimits=[
                Ulimit(
                    name=str(u["name"]),
                    soft_limit=int(u["softLimit"]),
                    hard_limit=int(u["hardLimit"]),
                )
                for u in definition.get("ulimits") or []
            ],
        )

    def _skip_unmapped(self, definition: dict[str, Any], where: str) -> None:
        for key, value in definition.items():
            if key in MAPPED or not is_set(value) or UNSET_DEFAULTS.get(key, object()) == value:
                continue
            if key in NOT_ON_FARGATE:
                reason = "Fargate tasks (awsvpc network mode) do not support it"
            else:
                reason = (
                    "the step document has no field for it: the task definition Deployer "
                    "registers leaves it out"
                )
            self.report.skip(f"{where}.{key}", value, reason)

    def _ports(self, mappings: list[dict[str, Any]], where: str) -> list[PortMapping]:
        ports = []
        for index, mapping in enumerate(mappings):
            port = mapping.get("containerPort")
            if port is None:
                self.report.skip(
                    f"{where}.portMappings[{index}]",
                    mapping,
                    "a port range has no place in the step document; add the ports one by one",
                )
                continue
            host_port = mapping.get("hostPort")
            if host_port not in (None, port):
                self.report.skip(
                    f"{where}.portMappings[{index}].hostPort",
                    host_port,
                    f"with awsvpc the host port is the container port ({port})",
                )
            for extra in ("appProtocol", "containerPortRange"):
                if is_set(mapping.get(extra)):
                    self.report.skip(
                        f"{where}.portMappings[{index}].{extra}",
                        mapping[extra],
                        "the step document has no field for it",
                    )
            ports.append(
                PortMapping(
                    container_port=int(port),
                    protocol=str(mapping.get("protocol", "tcp")),
                    name=str(mapping.get("name") or ""),
                )
            )
        return ports

    def _environment_files(self, definition: dict[str, Any], where: str) -> list[str]:
        files = []
        for index, item in enumerate(definition.get("environmentFiles") or []):
            if item.get("type", "s3") != "s3":
                self.report.skip(
                    f"{where}.environmentFiles[{index}]", item, "only S3 files are supported"
                )
                continue
            files.append(str(item["value"]))
        return files

    def _arn(self, value_from: str) -> str:
        # A parameter in the task's own account and region may be given by name alone.
        if value_from.startswith("arn:"):
            return value_from
        name = value_from if value_from.startswith("/") else f"/{value_from}"
        return f"arn:aws:ssm:{self.region}:{self.account}:parameter{name}"

    def _logging(self, configuration: dict[str, Any] | None, where: str) -> Logging:
        if not configuration:
            return Logging(type="none")
        driver = str(configuration.get("logDriver", ""))
        if driver not in LOG_DRIVERS:
            self.report.skip(
                f"{where}.logConfiguration.logDriver",
                driver,
                f"Fargate and the step document take {', '.join(LOG_DRIVERS)}; the container "
                "gets no logging",
            )
            return Logging(type="none")
        options = [
            LoggingOption(name=str(k), value=str(v))
            for k, v in (configuration.get("options") or {}).items()
        ] + [
            LoggingOption(name=str(s["name"]), value=self._arn(s["valueFrom"]), type="secret")
            for s in configuration.get("secretOptions") or []
        ]
        # "manual": the service keeps writing to its own log group; "auto" would create a new
        # one owned by Deployer's stack.
        return Logging(type="manual", driver=driver, options=options)


def _health_check(check: dict[str, Any] | None) -> HealthCheck | None:
    if not check or not check.get("command"):
        return None
    return HealthCheck(
        command=[str(part) for part in check["command"]],
        interval=int(check.get("interval", 30)),
        timeout=int(check.get("timeout", 5)),
        retries=int(check.get("retries", 3)),
        start_period=int(check.get("startPeriod", 0)),
    )


def _firelens(configuration: dict[str, Any] | None) -> Firelens | None:
    if not configuration:
        return None
    options = {str(k): str(v) for k, v in (configuration.get("options") or {}).items()}
    return Firelens(type=str(configuration.get("type", "fluentbit")), options=options)
