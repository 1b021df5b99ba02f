"""Hypothesis strategies that build valid, varied step documents (for any test of the document)."""

from __future__ import annotations

import dataclasses
import string
from typing import Any

from hypothesis import strategies as st

from steps.document.model import (
    AdvancedLoadBalancing,
    AutoScaling,
    CanaryShift,
    CapacityProvider,
    CircuitBreaker,
    Configuration,
    Container,
    ContainerDependency,
    ContainerEnvironment,
    ContainerStorage,
    Deployment,
    DeploymentAlarms,
    DeploymentOptions,
    DockerLabel,
    Firelens,
    HealthCheck,
    Image,
    LifecycleHook,
    LinearShift,
    LoadBalancerMapping,
    Logging,
    LoggingOption,
    MountPoint,
    Network,
    PortMapping,
    RepositoryCredentials,
    StepDocument,
    Tag,
    Tags,
    TaskExecutionRole,
    TaskSize,
    Ulimit,
    Variable,
    Volume,
    VolumeFrom,
)
from steps.validation.step import FARGATE_MEMORY_BY_CPU

# Free text: what people type into the form, including quotes, YAML-significant characters,
# accents and the odd `#` that is not an expression.
free_text = st.text(
    alphabet=string.ascii_letters + string.digits + " -_./:@#'\"%&*!?,[]{}|>éüß中", max_size=30
)
names = st.text(alphabet=string.ascii_lowercase + string.digits + "-_", min_size=1, max_size=24)
# cfn-lint's uniqueness rules (E3037, and E3024 for tag keys) compare list items after coercing
# scalars, so "00" and "false" look alike to it (both false); AWS tells them apart. Names that
# must be unique in a list (containers, tag keys) start with a letter and are no YAML boolean,
# which keeps that false positive out.
distinct_names = names.filter(
    lambda name: name[0].isalpha() and name not in {"false", "no", "off", "on", "true", "yes"}
)
hex_ids = st.text(alphabet="0123456789abcdef", min_size=4, max_size=17)
# Security group and subnet ids: 8 hex digits (older ids) or 17.
ec2_hex_ids = st.one_of(
    st.text(alphabet="0123456789abcdef", min_size=8, max_size=8),
    st.text(alphabet="0123456789abcdef", min_size=17, max_size=17),
)
regions = st.sampled_from(["eu-west-1", "us-east-1", "cn-north-1", "us-gov-west-1"])
partitions = st.sampled_from(["aws", "aws-cn", "aws-us-gov"])
accounts = st.text(alphabet=string.digits, min_size=12, max_size=12)


def expression(name: str) -> st.SearchStrategy[str]:
    """An Octostache reference to a project variable, the way people write them."""
    return st.sampled_from([f"#{{{name}}}", f"#{{{name} | ToLower}}", f"prefix-#{{{name}}}"])


def or_expression(values: st.SearchStrategy[Any], name: str) -> st.SearchStrategy[Any]:
    """Mostly literal values, sometimes an expression in their place."""
    return st.one_of(values, values, values, expression(name))


@st.composite
def secret_arns(draw: st.DrawFn) -> str:
    partition, region, account = draw(partitions), draw(regions), draw(accounts)
    name = draw(names)
    if draw(st.booleans()):
        return f"arn:{partition}:secretsmanager:{region}:{account}:secret:{name}"
    return f"arn:{partition}:ssm:{region}:{account}:parameter/{name}"


@st.composite
def target_group_arns(draw: st.DrawFn) -> str:
    name = draw(
        st.text(alphabet=string.ascii_letters + string.digits + "-", min_size=1, max_size=32)
    )
    return (
        f"arn:{draw(partitions)}:elasticloadbalancing:{draw(regions)}:{draw(accounts)}:"
        f"targetgroup/{name}/{draw(hex_ids)}"
    )


def id_lists(prefix: str, variable: str) -> st.SearchStrategy[list[str] | str]:
    ids = st.lists(ec2_hex_ids.map(lambda hex_id: f"{prefix}-{hex_id}"), min_size=1, max_size=3)
    return st.one_of(ids, ids, expression(variable))


def string_lists(variable: str) -> st.SearchStrategy[list[str] | str]:
    return st.one_of(st.lists(free_text, max_size=3), expression(variable))


@st.composite
def volumes(draw: st.DrawFn) -> list[Volume]:
    volume_names = draw(st.lists(distinct_names, max_size=3, unique=True))
    result = []
    for name in volume_names:
        if draw(st.booleans()):
            result.append(Volume(name=name, type="bind"))
            continue
        access_point = draw(st.one_of(st.just(""), hex_ids.map(lambda h: f"fsap-{h}")))
        result.append(
            Volume(
                name=name,
                type="efs",
                file_system_id=draw(or_expression(hex_ids.map(lambda h: f"fs-{h}"), "FileSystem")),
                access_point_id=access_point,
                root_directory=draw(st.sampled_from(["/", ""]))
                if access_point
                else draw(st.sampled_from(["/", "/data", "/shared/app"])),
                transit_encryption=True if access_point else draw(st.booleans()),
                iam_authorization=draw(st.booleans()) if access_point else False,
            )
        )
    return result


@st.composite
def health_checks(draw: st.DrawFn) -> HealthCheck:
    command = draw(
        st.one_of(
            st.lists(free_text, min_size=1, max_size=2).map(lambda rest: ["CMD-SHELL", *rest]),
            st.just(["CMD", "/bin/check", "--quiet"]),
            expression("HealthCommand"),
        )
    )
    return HealthCheck(
        command=command,
        interval=draw(or_expression(st.integers(5, 300), "Interval")),
        timeout=draw(st.integers(2, 60)),
        retries=draw(st.integers(1, 10)),
        start_period=draw(st.integers(0, 300)),
    )


@st.composite
def port_mappings(draw: st.DrawFn) -> list[PortMapping]:
    pairs = draw(
        st.lists(
            st.tuples(st.integers(1, 65535), st.sampled_from(["tcp", "udp"])),
            max_size=3,
            unique=True,
        )
    )
    return [PortMapping(container_port=port, protocol=protocol) for port, protocol in pairs]


@st.composite
def variables(draw: st.DrawFn) -> list[Variable]:
    variable_names = draw(
        st.lists(st.from_regex(r"[A-Z][A-Z0-9_]{0,15}", fullmatch=True), max_size=4, unique=True)
    )
    result = []
    for name in variable_names:
        if draw(st.booleans()):
            result.append(Variable(name=name, value=draw(secret_arns()), type="secret"))
        else:
            result.append(Variable(name=name, value=draw(or_expression(free_text, name))))
    return result


@st.composite
def loggings(draw: st.DrawFn) -> Logging:
    logging_type = draw(st.sampled_from(["auto", "manual", "none"]))
    if logging_type != "manual":
        return Logging(type=logging_type)
    secret = LoggingOption(name="secret-token", value=draw(secret_arns()), type="secret")
    extra = [secret] if draw(st.booleans()) else []
    if draw(st.booleans()):
        options = [
            LoggingOption(name="splunk-url", value="https://splunk.example.com:8088"),
            *extra,
        ]
        return Logging(type="manual", driver="splunk", options=options)
    log_group = st.text(alphabet=string.ascii_letters + string.digits + "._-/#", min_size=1)
    options = [
        LoggingOption(name="awslogs-group", value=draw(or_expression(log_group, "LogGroup"))),
        LoggingOption(name="awslogs-region", value=draw(regions)),
        LoggingOption(name="awslogs-stream-prefix", value=draw(names)),
        *extra,
    ]
    return Logging(type="manual", driver="awslogs", options=options)


@st.composite
def containers(
    draw: st.DrawFn, name: str, others: list[str], volume_names: list[str], essential: bool
) -> Container:
    hard_limit = draw(st.one_of(st.none(), st.integers(6, 128)))
    soft_limit = draw(st.one_of(st.none(), st.integers(6, hard_limit or 128)))
    uses_secrets_manager = draw(st.booleans())
    return Container(
        name=name,
        image=Image(
            feed=draw(st.sampled_from(["docker-hub", "ecr", "internal_registry"])),
            package=draw(
                or_expression(st.sampled_from(["nginx", "org/app.web", "busybox"]), "Pkg")
            ),
        ),
        essential=essential,
        repository_credentials=RepositoryCredentials(
            type="secrets_manager",
            secret_arn=(
                f"arn:aws:secretsmanager:{draw(regions)}:{draw(accounts)}:secret:{draw(names)}"
            ),
        )
        if uses_secrets_manager
        else RepositoryCredentials(),
        memory_hard_limit=hard_limit,
        memory_soft_limit=soft_limit,
        cpu=draw(st.one_of(st.none(), st.integers(0, 64))),
        port_mappings=draw(port_mappings()),
        health_check=draw(st.one_of(st.none(), health_checks())),
        environment=ContainerEnvironment(
            entry_point=draw(string_lists("EntryPoint")),
            command=draw(string_lists("Command")),
            working_directory=draw(free_text),
            environment_files=draw(
                st.lists(names.map(lambda key: f"arn:aws:s3:::bucket/{key}.env"), max_size=2)
            ),
            variables=draw(variables()),
        ),
        storage=ContainerStorage(
            read_only_root_filesystem=draw(or_expression(st.booleans(), "ReadOnly")),
            mount_points=[
                MountPoint(
                    source_volume=volume,
                    container_path=f"/mnt/{volume}",
                    read_only=draw(st.booleans()),
                )
                for volume in draw(st.lists(st.sampled_from(volume_names), unique=True))
            ]
            if volume_names
            else [],
            volumes_from=[
                VolumeFrom(source_container=other, read_only=draw(st.booleans()))
                for other in draw(st.lists(st.sampled_from(others), unique=True))
            ]
            if others
            else [],
        ),
        logging=draw(loggings()),
        firelens=draw(
            st.one_of(
                st.none(),
                st.builds(
                    Firelens,
                    type=st.sampled_from(["fluentbit", "fluentd"]),
                    options=st.dictionaries(names, free_text, max_size=2),
                ),
            )
        ),
        user=draw(st.sampled_from(["", "1000", "app:app"])),
        docker_labels=[
            DockerLabel(key=key, value=draw(free_text))
            for key in draw(st.lists(distinct_names, max_size=2, unique=True))
        ],
        depends_on=[
            ContainerDependency(
                container_name=other, condition=draw(st.sampled_from(["START", "COMPLETE"]))
            )
            for other in draw(st.lists(st.sampled_from(others), unique=True))
        ]
        if others
        else [],
        start_timeout=draw(st.one_of(st.none(), st.integers(0, 600))),
        stop_timeout=draw(st.one_of(st.none(), st.integers(0, 120), expression("StopTimeout"))),
        ulimits=[
            Ulimit(name=ulimit_name, soft_limit=soft, hard_limit=soft + extra)
            for ulimit_name, soft, extra in draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(["nofile", "nproc", "core"]),
                        st.integers(0, 65535),
                        st.integers(0, 1000),
                    ),
                    max_size=2,
                    unique_by=lambda item: item[0],
                )
            )
        ],
    )


@st.composite
def listener_rule_arns(draw: st.DrawFn) -> str:
    partition, region, account = draw(partitions), draw(regions), draw(accounts)
    ids = "/".join(draw(hex_ids) for _ in range(3))
    return f"arn:{partition}:elasticloadbalancing:{region}:{account}:listener-rule/app/lb/{ids}"


@st.composite
def advanced_load_balancing(draw: st.DrawFn, target_group_arn: str) -> AdvancedLoadBalancing:
    return AdvancedLoadBalancing(
        alternate_target_group_arn=draw(
            target_group_arns().filter(lambda a: a != target_group_arn)
        ),
        production_listener_rule_arn=draw(listener_rule_arns()),
        test_listener_rule_arn=draw(listener_rule_arns()),
        role_arn="arn:aws:iam::123456789012:role/ecs-traffic",
    )


@st.composite
def strategy_settings(draw: st.DrawFn, shifting: bool) -> dict[str, Any]:
    """The Deployment keys of issue 17: a strategy (a shifting one only with load balancer
    mappings, which then have their advanced settings), hooks, alarms and service settings."""
    strategy = draw(st.sampled_from(["blue_green", "linear", "canary"])) if shifting else "rolling"
    hooks = (
        [
            LifecycleHook(
                stages=["POST_TEST_TRAFFIC_SHIFT"],
                target="pause",
                timeout_minutes=draw(st.one_of(st.none(), st.integers(1, 20160))),
                timeout_action=draw(st.sampled_from(["ROLLBACK", "CONTINUE"])),
            )
        ]
        if shifting and draw(st.booleans())
        else []
    )
    low = draw(st.integers(0, 10))
    return {
        "strategy": strategy,
        "bake_time_minutes": draw(st.one_of(st.none(), st.integers(0, 1440))),
        "linear": LinearShift(
            step_percent=draw(st.one_of(st.none(), st.integers(3, 100))),
            step_bake_minutes=draw(st.one_of(st.none(), st.integers(0, 1440))),
        ),
        "canary": CanaryShift(
            percent=draw(st.one_of(st.none(), st.integers(1, 100))),
            bake_minutes=draw(st.one_of(st.none(), st.integers(0, 1440))),
        ),
        "lifecycle_hooks": hooks,
        "alarms": DeploymentAlarms(
            names=draw(st.lists(distinct_names, max_size=2)), rollback=draw(st.booleans())
        ),
        "capacity_providers": [
            CapacityProvider(provider=provider, weight=draw(st.integers(1, 1000)), base=base)
            for provider, base in zip(
                draw(st.permutations(["FARGATE", "FARGATE_SPOT"]))[: draw(st.integers(0, 2))],
                [draw(st.integers(0, 10)), 0],
                strict=False,
            )
        ],
        "enable_execute_command": draw(st.booleans()),
        "auto_scaling": draw(
            st.one_of(
                st.none(),
                st.just(
                    AutoScaling(
                        min=low,
                        max=draw(st.integers(max(low, 1), 20)),
                        target_cpu_percent=draw(st.integers(1, 100)),
                        target_memory_percent=draw(st.one_of(st.none(), st.integers(1, 100))),
                    )
                ),
            )
        ),
    }


@st.composite
def step_documents(draw: st.DrawFn) -> StepDocument:
    """A valid step document: 1-4 containers (sidecars among them), volumes, load balancer
    mappings, and Octostache expressions in some fields."""
    cpu = draw(st.sampled_from(sorted(FARGATE_MEMORY_BY_CPU)))
    memory = draw(st.sampled_from(FARGATE_MEMORY_BY_CPU[cpu]))
    document_volumes = draw(volumes())
    volume_names = [volume.name for volume in document_volumes]
    container_names_drawn = draw(st.lists(distinct_names, min_size=1, max_size=4, unique=True))
    document_containers = [
        draw(
            containers(
                name,
                # Only later containers: dependencies and volume sources stay acyclic.
                others=container_names_drawn[index + 1 :],
                volume_names=volume_names,
                # The first container is the application; the others are sidecars.
                essential=index == 0 or draw(st.booleans()),
            )
        )
        for index, name in enumerate(container_names_drawn)
    ]
    tcp_ports = [
        (container.name, mapping.container_port)
        for container in document_containers
        for mapping in container.port_mappings
        if mapping.protocol == "tcp"
    ]
    mappings = [
        LoadBalancerMapping(
            container_name=name, container_port=port, target_group_arn=draw(target_group_arns())
        )
        for name, port in (
            draw(st.lists(st.sampled_from(tcp_ports), max_size=2)) if tcp_ports else []
        )
    ]
    shifting = bool(mappings) and draw(st.booleans())
    if shifting:
        mappings = [
            dataclasses.replace(m, advanced=draw(advanced_load_balancing(m.target_group_arn)))
            for m in mappings
        ]
    minimum = draw(st.integers(0, 100))
    wait = draw(st.sampled_from(["wait_until_completed", "wait_with_timeout", "dont_wait"]))
    return StepDocument(
        name=draw(free_text.filter(str.strip)),
        target_roles=draw(st.one_of(st.lists(names, max_size=3), expression("Roles"))),
        configuration=Configuration(
            task_definition_name=draw(names),
            task_role_arn=draw(st.sampled_from(["", "arn:aws:iam::123456789012:role/app"])),
            runtime_platform=draw(st.sampled_from(["X86_64", "ARM64"])),
        ),
        task_execution_role=TaskExecutionRole(
            arn=draw(st.sampled_from(["", "arn:aws:iam::123456789012:role/exec"]))
        ),
        # An expression for the CPU hides the pair check; the memory stays a valid partner.
        task_size=TaskSize(cpu=draw(or_expression(st.just(cpu), "Cpu")), memory=memory),
        network=Network(
            security_group_ids=draw(id_lists("sg", "SecurityGroups")),
            subnet_ids=draw(id_lists("subnet", "Subnets")),
            auto_assign_public_ip=draw(or_expression(st.booleans(), "PublicIp")),
        ),
        tags=Tags(
            enable_ecs_managed_tags=draw(st.booleans()),
            tags=[
                Tag(key=key, value=draw(free_text))
                for key in draw(st.lists(distinct_names, max_size=5, unique=True))
            ],
        ),
        containers=document_containers,
        deployment=Deployment(
            desired_count=draw(or_expression(st.integers(0, 10), "DesiredCount")),
            minimum_healthy_percent=minimum,
            maximum_percent=draw(st.integers(max(minimum, 100), 200)),
            circuit_breaker=CircuitBreaker(
                enable=draw(st.booleans()), rollback=draw(st.booleans())
            ),
            health_check_grace_period=draw(st.one_of(st.none(), st.integers(0, 3600)))
            if mappings
            else None,
            **draw(strategy_settings(shifting)),
        ),
        deployment_options=DeploymentOptions(
            wait=wait,
            timeout_minutes=draw(st.integers(1, 120))
            if wait == "wait_with_timeout"
            else draw(st.one_of(st.just(30), st.none(), st.integers(1, 120))),
        ),
        load_balancer_mappings=mappings,
        volumes=document_volumes,
    )
