"""The CloudFormation template for an ECS step: a pure function from a StepDocument to a dict."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from steps.document.model import (
    Container,
    StepDocument,
    is_expression,
)
from steps.document.yaml_output import dump_template
from steps.template.naming import (
    LogicalIds,
    StackTag,
    logical_ids,
    sanitise_tags,
    stack_name,
    stack_tags,
)
from steps.template.service import (
    deployment_configuration,
    exec_task_role,
    scaling_resources,
    service_settings,
)
from steps.template.values import (
    _allow,
    _arn,
    _enabled,
    _environment_files,
    _first_expression,
    _flag,
    _list_or_none,
    _number,
    _number_parameter,
    _optional_list,
    _parameter,
    _properties,
    _secret_resource,
    _string_list,
    _volume,
    get_att,
    ref,
)

FARGATE = "FARGATE"
TASK_EXECUTION_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
# CloudWatch Logs keeps logs forever unless told otherwise; a month is a common default and the
# stack owns the group, so a team can change it in one place later.
LOG_RETENTION_DAYS = 30
LOG_STREAM_PREFIX = "ecs"
# Octopus's defaults: the matching parameters only appear when a step changes them.
DEFAULT_DESIRED_COUNT = 1
DEFAULT_MINIMUM_HEALTHY_PERCENT = 100
DEFAULT_MAXIMUM_PERCENT = 200
# Values only a deployment knows, written as the Octopus variables that will hold them.
EXPORT_CLUSTER_NAME = "#{Octopus.Action.Aws.Ecs.ClusterName}"


def export_image(package: str) -> str:
    """The variable Octopus writes for a container image in an exported template."""
    return f"#{{Octopus.Action.Package[{package}].Image}}"


@dataclass(frozen=True)
class DeployContext:
    """What a deployment knows that the step does not: where it goes and which images it runs."""

    cluster_name: str
    region: str
    environment_name: str
    # Full image reference (`docker.io/nginx:1.27`) by the container image's package name.
    images: Mapping[str, str] = field(default_factory=dict)
    automatic_tags: tuple[StackTag, ...] = ()
    # The step's own tags as key/value pairs; applied to the stack after the automatic ones.
    user_stack_tags: tuple[tuple[str, str], ...] = ()

    def stack_name(self, document: StepDocument) -> str:
        """The stack this deployment creates or updates."""
        return stack_name(
            self.cluster_name,
            str(document.configuration.task_definition_name),
            self.environment_name,
        )

    def stack_tags(self) -> list[StackTag]:
        """The stack's tags: automatic ones first, then the step's, sanitised."""
        return stack_tags(self.automatic_tags, self.user_stack_tags)


class TemplateError(ValueError):
    """The document cannot become a deployable template (an unresolved expression, an image)."""


def build_template(document: StepDocument, context: DeployContext | None = None) -> dict[str, Any]:
    """The template for a step; without a context, the export form with Octopus variables.

    With a context the result must go to AWS as is, so any `#{` left in it raises TemplateError.
    """
    builder = _TemplateBuilder(document, context)
    template = builder.build()
    if context is not None:
        leftover = _first_expression(template, ())
        if leftover is not None:
            path, value = leftover
            raise TemplateError(f"{'/'.join(path)}: unsubstituted expression {value!r}")
    return template


def render_template(document: StepDocument, context: DeployContext | None = None) -> str:
    """The template as YAML: what the Export dialog shows and what a deployment sends."""
    return dump_template(build_template(document, context))


class _TemplateBuilder:
    def __init__(self, document: StepDocument, context: DeployContext | None) -> None:
        self.document = document
        self.context = context
        self.ids: LogicalIds = logical_ids(str(document.configuration.task_definition_name))
        self.creates_execution_role = not document.task_execution_role.arn
        self.has_task_role = bool(document.configuration.task_role_arn)
        self.auto_logging = any(c.logging.type == "auto" for c in document.containers)
        self.exec_role = exec_task_role(document)
        self.exec_role_id = f"{self.ids.service}ExecTaskRole"
        deployment = document.deployment
        self.parameterised = {
            # With auto scaling the service has no DesiredCount (see steps/template/service.py).
            "DesiredCount": deployment.desired_count != DEFAULT_DESIRED_COUNT
            and deployment.auto_scaling is None,
            "MinimumHealthPercent": (
                deployment.minimum_healthy_percent != DEFAULT_MINIMUM_HEALTHY_PERCENT
            ),
            "MaximumHealthPercent": deployment.maximum_percent != DEFAULT_MAXIMUM_PERCENT,
        }

    def build(self) -> dict[str, Any]:
        return {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": f"ECS service for task definition {self.task_definition_name}",
            "Parameters": self.parameters(),
            "Resources": self.resources(),
            "Outputs": self.outputs(),
        }

    @property
    def task_definition_name(self) -> str:
        return str(self.document.configuration.task_definition_name)

    def parameters(self) -> dict[str, Any]:
        document = self.document
        cluster = self.context.cluster_name if self.context else EXPORT_CLUSTER_NAME
        parameters: dict[str, Any] = {
            "ClusterName": _parameter(cluster),
            "TaskDefinitionName": _parameter(self.task_definition_name),
            "TaskDefinitionCPU": _parameter(str(document.task_size.cpu)),
            "TaskDefinitionMemory": _parameter(str(document.task_size.memory)),
        }
        if self.has_task_role:
            parameters["TaskRole"] = _parameter(document.configuration.task_role_arn)
        if not self.creates_execution_role:
            parameters["TaskExecutionRole"] = _parameter(document.task_execution_role.arn)
        deployment = document.deployment
        numbers = {
            "DesiredCount": deployment.desired_count,
            "MinimumHealthPercent": deployment.minimum_healthy_percent,
            "MaximumHealthPercent": deployment.maximum_percent,
        }
        for name, value in numbers.items():
            if self.parameterised[name]:
                parameters[name] = _number_parameter(value)
        if self.auto_logging:
            parameters["LogGroupName"] = _parameter(f"/ecs/{self.task_definition_name}")
        if self.creates_execution_role:
            parameters["AmazonECSTaskExecutionRolePolicyArn"] = _parameter(
                TASK_EXECUTION_POLICY_ARN
            )
        return parameters

    def resources(self) -> dict[str, Any]:
        resources: dict[str, Any] = {}
        if self.creates_execution_role:
            resources[self.ids.task_execution_role] = self.execution_role()
        if self.exec_role is not None:
            resources[self.exec_role_id] = self.exec_role
        if self.auto_logging:
            resources[self.ids.log_group] = {
                "Type": "AWS::Logs::LogGroup",
                "Properties": _properties(
                    LogGroupName=ref("LogGroupName"), RetentionInDays=LOG_RETENTION_DAYS
                ),
            }
        resources[self.ids.task_definition] = {
            "Type": "AWS::ECS::TaskDefinition",
            "Properties": self.task_definition_properties(),
        }
        resources[self.ids.service] = {
            "Type": "AWS::ECS::Service",
            "Properties": self.service_properties(),
        }
        scaling = self.document.deployment.auto_scaling
        resources.update(scaling_resources(scaling, self.ids.service, self.ids.service))
        return resources

    def outputs(self) -> dict[str, Any]:
        return {
            "ServiceName": {
                "Description": "The ECS service's name",
                "Value": get_att(self.ids.service, "Name"),
            },
            "ClusterName": {"Description": "The ECS cluster", "Value": ref("ClusterName")},
            "TaskDefinitionArn": {
                "Description": "The task definition revision this stack deployed",
                "Value": ref(self.ids.task_definition),
            },
            "TaskDefinitionFamily": {
                "Description": "The task definition family",
                "Value": ref("TaskDefinitionName"),
            },
        }

    # --- The execution role -----------------------------------------------------------------

    def execution_role(self) -> dict[str, Any]:
        properties = _properties(
            AssumeRolePolicyDocument={
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": ["ecs-tasks.amazonaws.com"]},
                        "Action": ["sts:AssumeRole"],
                    }
                ],
            },
            ManagedPolicyArns=[ref("AmazonECSTaskExecutionRolePolicyArn")],
            Path="/",
            Policies=_optional_list(self.secret_read_policies()),
        )
        return {"Type": "AWS::IAM::Role", "Properties": properties}

    def secret_read_policies(self) -> list[dict[str, Any]]:
        # AmazonECSTaskExecutionRolePolicy cannot read secrets; without this the tasks of a step
        # with secrets or private-registry credentials would fail to start with the created role.
        secrets: list[str] = []
        parameters: list[str] = []
        for container in self.document.containers:
            arns = [v.value for v in container.environment.variables if v.type == "secret"]
            arns += [o.value for o in container.logging.options if o.type == "secret"]
            if container.repository_credentials.type == "secrets_manager":
                arns.append(container.repository_credentials.secret_arn)
            for arn in arns:
                if ":secretsmanager:" in arn:
                    secrets.append(_secret_resource(arn))
                elif ":ssm:" in arn:
                    parameters.append(arn)
                elif is_expression(arn):
                    # Either kind once substituted; at deploy time it is known.
                    secrets.append(arn)
        statements = []
        if secrets:
            statements.append(_allow(["secretsmanager:GetSecretValue"], secrets))
        if parameters:
            statements.append(_allow(["ssm:GetParameters"], parameters))
        if not statements:
            return []
        return [
            {
                "PolicyName": "ReadContainerSecrets",
                "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
            }
        ]

    # --- The task definition ----------------------------------------------------------------

    def task_definition_properties(self) -> dict[str, Any]:
        document = self.document
        if self.creates_execution_role:
            execution_role: dict[str, Any] = get_att(self.ids.task_execution_role, "Arn")
        else:
            execution_role = ref("TaskExecutionRole")
        return _properties(
            ContainerDefinitions=[self.container_definition(c) for c in document.containers],
            Cpu=ref("TaskDefinitionCPU"),
            ExecutionRoleArn=execution_role,
            Family=ref("TaskDefinitionName"),
            Memory=ref("TaskDefinitionMemory"),
            NetworkMode="awsvpc",
            RequiresCompatibilities=[FARGATE],
            RuntimePlatform=_properties(
                CpuArchitecture=document.configuration.runtime_platform,
                OperatingSystemFamily="LINUX",
            ),
            Tags=_optional_list(self.resource_tags()),
            TaskRoleArn=ref("TaskRole") if self.has_task_role else self.exec_role_arn(),
            Volumes=_optional_list([_volume(v) for v in document.volumes]),
        )

    def image(self, container: Container) -> str:
        package = container.image.package
        if self.context is None:
            return export_image(package)
        try:
            return self.context.images[package]
        except KeyError:
            raise TemplateError(
                f"no image reference for package {package!r} (container {container.name!r})"
            ) from None

    def container_definition(self, container: Container) -> dict[str, Any]:
        environment = container.environment
        storage = container.storage
        plain = [v for v in environment.variables if v.type != "secret"]
        secret = [v for v in environment.variables if v.type == "secret"]
        credentials = container.repository_credentials
        return _properties(
            Command=_list_or_none(environment.command),
            Cpu=_number(container.cpu),
            DependsOn=_optional_list(
                [
                    _properties(Condition=d.condition, ContainerName=d.container_name)
                    for d in container.depends_on
                ]
            ),
            DockerLabels={label.key: label.value for label in container.docker_labels} or None,
            EntryPoint=_list_or_none(environment.entry_point),
            Environment=_optional_list([_properties(Name=v.name, Value=v.value) for v in plain]),
            EnvironmentFiles=_environment_files(environment.environment_files),
            Essential=_flag(container.essential),
            FirelensConfiguration=(
                _properties(
                    Options=dict(container.firelens.options) or None, Type=container.firelens.type
                )
                if container.firelens is not None
                else None
            ),
            HealthCheck=self.health_check(container),
            Image=self.image(container),
            LogConfiguration=self.log_configuration(container),
            Memory=_number(container.memory_hard_limit),
            MemoryReservation=_number(container.memory_soft_limit),
            MountPoints=_optional_list(
                [
                    _properties(
                        ContainerPath=m.container_path,
                        ReadOnly=_flag(m.read_only),
                        SourceVolume=m.source_volume,
                    )
                    for m in storage.mount_points
                ]
            ),
            Name=container.name,
            PortMappings=_optional_list(
                [
                    # awsvpc requires the host port to equal the container port.
                    _properties(
                        ContainerPort=_number(p.container_port),
                        HostPort=_number(p.container_port),
                        Name=p.name or None,
                        Protocol=p.protocol,
                    )
                    for p in container.port_mappings
                ]
            ),
            ReadonlyRootFilesystem=_flag(storage.read_only_root_filesystem),
            RepositoryCredentials=(
                _properties(CredentialsParameter=credentials.secret_arn)
                if credentials.type == "secrets_manager"
                else None
            ),
            Secrets=_optional_list(
                [_properties(Name=v.name, ValueFrom=_arn(v.value)) for v in secret]
            ),
            StartTimeout=_number(container.start_timeout),
            StopTimeout=_number(container.stop_timeout),
            Ulimits=_optional_list(
                [
                    _properties(
                        HardLimit=_number(u.hard_limit),
                        Name=u.name,
                        SoftLimit=_number(u.soft_limit),
                    )
                    for u in container.ulimits
                ]
            ),
            User=container.user or None,
            VolumesFrom=_optional_list(
                [
                    _properties(ReadOnly=_flag(v.read_only), SourceContainer=v.source_container)
                    for v in storage.volumes_from
                ]
            ),
            WorkingDirectory=environment.working_directory or None,
        )

    def health_check(self, container: Container) -> dict[str, Any] | None:
        check = container.health_check
        if check is None or not check.command:
            return None
        return _properties(
            Command=_string_list(check.command),
            Interval=_number(check.interval),
            Retries=_number(check.retries),
            StartPeriod=_number(check.start_period),
            Timeout=_number(check.timeout),
        )

    def log_configuration(self, container: Container) -> dict[str, Any] | None:
        logging = container.logging
        if logging.type == "auto":
            return _properties(
                LogDriver="awslogs",
                Options={
                    # A Ref to the group (its name) also orders creation: group before tasks.
                    "awslogs-group": ref(self.ids.log_group),
                    "awslogs-region": ref("AWS::Region"),
                    "awslogs-stream-prefix": LOG_STREAM_PREFIX,
                },
            )
        if logging.type == "manual":
            plain = {o.name: o.value for o in logging.options if o.type != "secret"}
            secret = [
                _properties(Name=o.name, ValueFrom=o.value)
                for o in logging.options
                if o.type == "secret"
            ]
            return _properties(
                LogDriver=logging.driver,
                Options=plain or None,
                SecretOptions=_optional_list(secret),
            )
        return None

    def resource_tags(self) -> list[dict[str, str]]:
        # The same rule as the stack's tags: AWS refuses other characters on ECS resources too.
        # An expression is kept whole; it is sanitised once substituted at deploy time.
        tags = []
        for tag in self.document.tags.tags:
            if is_expression(tag.key) or is_expression(tag.value):
                tags.append(StackTag(tag.key, tag.value))
            else:
                tags.extend(sanitise_tags([(tag.key, tag.value)]))
        return [_properties(Key=tag.key, Value=tag.value) for tag in tags]

    # --- The service ------------------------------------------------------------------------

    def service_properties(self) -> dict[str, Any]:
        document = self.document
        deployment = document.deployment
        network = document.network
        mappings = document.load_balancer_mappings
        tags = self.resource_tags()
        circuit_breaker = deployment.circuit_breaker
        return _properties(
            Cluster=ref("ClusterName"),
            DeploymentConfiguration=_properties(
                DeploymentCircuitBreaker=_properties(
                    Enable=_flag(circuit_breaker.enable),
                    Rollback=_flag(circuit_breaker.rollback),
                ),
                MaximumPercent=self.number_or_ref(
                    "MaximumHealthPercent", deployment.maximum_percent
                ),
                MinimumHealthyPercent=self.number_or_ref(
                    "MinimumHealthPercent", deployment.minimum_healthy_percent
                ),
                **deployment_configuration(deployment),
            ),
            DesiredCount=(
                None
                if deployment.auto_scaling is not None
                else self.number_or_ref("DesiredCount", deployment.desired_count)
            ),
            EnableECSManagedTags=_flag(document.tags.enable_ecs_managed_tags),
            HealthCheckGracePeriodSeconds=(
                _number(deployment.health_check_grace_period) if mappings else None
            ),
            NetworkConfiguration={
                "AwsvpcConfiguration": _properties(
                    AssignPublicIp=_enabled(network.auto_assign_public_ip),
                    SecurityGroups=_string_list(network.security_group_ids),
                    Subnets=_string_list(network.subnet_ids),
                )
            },
            # Tasks carry the service's tags, so cost reports and ECS-managed tags line up.
            PropagateTags="SERVICE" if tags else None,
            Tags=_optional_list(tags),
            TaskDefinition=ref(self.ids.task_definition),
            **service_settings(document),
        )

    def exec_role_arn(self) -> dict[str, Any] | None:
        return get_att(self.exec_role_id, "Arn") if self.exec_role is not None else None

    def number_or_ref(self, parameter: str, value: int | str) -> Any:
        if self.parameterised[parameter]:
            return ref(parameter)
        return _number(value)
