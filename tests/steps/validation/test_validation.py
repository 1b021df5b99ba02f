"""The one validator: each rule with a valid and an invalid case, messages naming the field path."""

from __future__ import annotations

import copy
import dataclasses
import re
from typing import Any

import pytest

from steps.document.io import document_from_data
from steps.document.model import Deployment, TaskSize
from steps.validation.step import (
    FARGATE_MEMORY_BY_CPU,
    ValidationIssue,
    ValidationResult,
    valid_memory_for_cpu,
    validate,
)

SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-password-AbCdEf"
PARAMETER_ARN = "arn:aws:ssm:eu-west-1:123456789012:parameter/web/api-key"
TARGET_GROUP_ARN = (
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-tg/73e2d6bc24d8a067"
)

# A valid step exercising every section: a web container and a log router sidecar.
VALID: dict[str, Any] = {
    "version": 1,
    "name": "Deploy web",
    "target_roles": ["web-cluster"],
    "configuration": {"task_definition_name": "web", "runtime_platform": "ARM64"},
    "task_size": {"cpu": 1024, "memory": 2048},
    "network": {"security_group_ids": ["sg-0123abcd"], "subnet_ids": ["subnet-0123abcd"]},
    "tags": {"tags": [{"key": "team", "value": "payments"}]},
    "containers": [
        {
            "name": "web",
            "image": {"feed": "docker-hub", "package": "nginx"},
            "memory_hard_limit": 1024,
            "memory_soft_limit": 512,
            "cpu": 512,
            "port_mappings": [
                {"container_port": 80},
                {"container_port": 80, "protocol": "udp"},
                {"container_port": 53, "protocol": "udp"},
            ],
            "health_check": {"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]},
            "environment": {
                "environment_files": ["arn:aws:s3:::config-bucket/web/app.env"],
                "variables": [
                    {"name": "LOG_LEVEL", "value": "info"},
                    {"name": "DB_PASSWORD", "value": SECRET_ARN, "type": "secret"},
                ],
            },
            "storage": {
                "mount_points": [{"source_volume": "data", "container_path": "/data"}],
                "volumes_from": [{"source_container": "router", "read_only": True}],
            },
            "logging": {
                "type": "manual",
                "driver": "awsfirelens",
                "options": [{"name": "apikey", "value": PARAMETER_ARN, "type": "secret"}],
            },
            "docker_labels": [{"key": "team", "value": "web"}],
            "depends_on": [{"container_name": "router", "condition": "HEALTHY"}],
            "stop_timeout": 120,
            "ulimits": [{"name": "nofile", "soft_limit": 1024, "hard_limit": 4096}],
        },
        {
            "name": "router",
            "image": {"feed": "private_ecr", "package": "aws-observability/aws-for-fluent-bit"},
            "essential": False,
            "memory_hard_limit": 512,
            "cpu": 256,
            "repository_credentials": {"type": "secrets_manager", "secret_arn": SECRET_ARN},
            "health_check": {"command": ["CMD", "/healthy"]},
            "firelens": {"type": "fluentbit", "options": {"enable-ecs-log-metadata": "true"}},
            "logging": {
                "type": "manual",
                "driver": "awslogs",
                "options": [
                    {"name": "awslogs-group", "value": "/ecs/router"},
                    {"name": "awslogs-region", "value": "eu-west-1"},
                    {"name": "awslogs-stream-prefix", "value": "router"},
                ],
            },
        },
    ],
    "deployment": {"desired_count": 2, "minimum_healthy_percent": 50, "maximum_percent": 200},
    "deployment_options": {"wait": "wait_with_timeout", "timeout_minutes": 15},
    "load_balancer_mappings": [
        {"container_name": "web", "container_port": 80, "target_group_arn": TARGET_GROUP_ARN}
    ],
    "volumes": [
        {
            "name": "data",
            "type": "efs",
            "file_system_id": "fs-0123abcd",
            "access_point_id": "fsap-0123abcd",
            "root_directory": "/",
            "iam_authorization": True,
        },
        {"name": "scratch"},
    ],
}

_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def set_at(data: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at a document path such as ``containers[0].health_check.interval``."""
    keys: list[str | int] = [
        name if name else int(index) for name, index in _PATH_PART.findall(path)
    ]
    target: Any = data
    for key in keys[:-1]:
        target = target.setdefault(key, {}) if isinstance(target, dict) else target[key]
    target[keys[-1]] = value


def issues_with(changes: dict[str, Any]) -> list[str]:
    data = copy.deepcopy(VALID)
    for path, value in changes.items():
        set_at(data, path, value)
    return [str(issue) for issue in validate(document_from_data(data))]


def test_the_reference_document_is_valid() -> None:
    assert issues_with({}) == []


# (changes to the valid document, the path of the expected issue, a part of its message)
INVALID_CASES = [
    # step and configuration
    ({"name": " "}, "name", "a step name is required"),
    ({"configuration.task_definition_name": ""}, "configuration.task_definition_name", "required"),
    (
        {"configuration.task_definition_name": "web app"},
        "configuration.task_definition_name",
        "only 1-255 letters, digits, hyphens and underscores",
    ),
    (
        {"configuration.task_definition_name": "w" * 256},
        "configuration.task_definition_name",
        "1-255",
    ),
    ({"configuration.runtime_platform": "ARM"}, "configuration.runtime_platform", "X86_64, ARM64"),
    # task size
    ({"task_size.cpu": 300}, "task_size.cpu", "valid: 256, 512, 1024"),
    (
        {"task_size.cpu": 8192, "task_size.memory": 20000},
        "task_size.memory",
        "20000 MiB is not valid with 8192 CPU units; valid: 16384, 20480",
    ),
    ({"containers[0].memory_hard_limit": 1800}, "task_size.memory", "add up to 2312 MiB"),
    ({"containers[0].cpu": 900}, "task_size.cpu", "add up to 1156"),
    (
        {"containers[0].memory_soft_limit": 1025},
        "containers[0].memory_soft_limit",
        "more than the hard limit of 1024 MiB; use at most 1024",
    ),
    ({"containers[0].memory_hard_limit": 4}, "containers[0].memory_hard_limit", "at least 6"),
    ({"containers[0].cpu": -1}, "containers[0].cpu", "at least 0"),
    # step
    ({"name": "n" * 201}, "name", "a step name may have at most 200 characters; this one has 201"),
    ({"name": "#{Name}" + "n" * 200}, "name", "at most 200 characters"),
    # roles
    (
        {"configuration.task_role_arn": "app-task-role"},
        "configuration.task_role_arn",
        "'app-task-role' is not an IAM role ARN for the task role; use arn:aws:iam::ACCOUNT:role/",
    ),
    (
        {"configuration.task_role_arn": "arn:aws:iam::12345:role/app"},
        "configuration.task_role_arn",
        "12-digit account",
    ),
    (
        {"task_execution_role.arn": "arn:aws:iam::123456789012:user/deployer"},
        "task_execution_role.arn",
        "not an IAM role ARN for the task execution role",
    ),
    (
        {"task_execution_role.arn": "arn:aws:iam::123456789012:role/"},
        "task_execution_role.arn",
        "task execution role",
    ),
    (
        {"task_execution_role.arn": "arn:aws:iam::123456789012:role/" + "r" * 65},
        "task_execution_role.arn",
        "task execution role",
    ),
    (
        {"task_execution_role.arn": "arn:aws:sts::123456789012:role/exec"},
        "task_execution_role.arn",
        "task execution role",
    ),
    # network
    ({"network.security_group_ids": []}, "network.security_group_ids", "at least one"),
    ({"network.security_group_ids": ["default"]}, "network.security_group_ids[0]", "sg-"),
    ({"network.subnet_ids": []}, "network.subnet_ids", "at least one subnet"),
    ({"network.subnet_ids": ["subnet-0123abcd", "sn-2"]}, "network.subnet_ids[1]", "subnet-"),
    ({"network.subnet_ids": ["subnet-0123abc"]}, "network.subnet_ids[0]", "8 or 17 hex digits"),
    (
        {"network.subnet_ids": ["subnet-0123456789abcdef"]},
        "network.subnet_ids[0]",
        "subnet- and 8 or 17 hex digits, like subnet-0123abcd",
    ),
    (
        {"network.security_group_ids": ["sg-0123456789abcdef01"]},
        "network.security_group_ids[0]",
        "sg- and 8 or 17 hex digits, like sg-0123abcd",
    ),
    ({"network.security_group_ids": ["sg-0123abcg"]}, "network.security_group_ids[0]", "hex"),
    # tags
    (
        {"tags.tags": [{"key": f"k{n}"} for n in range(21)]},
        "tags.tags",
        "21 tags is too many; use at most 20",
    ),
    ({"tags.tags": [{"key": "a"}, {"key": "a"}]}, "tags.tags[1].key", "must be unique"),
    ({"tags.tags[0].key": ""}, "tags.tags[0].key", "a tag key is required"),
    ({"tags.tags[0].key": "k" * 129}, "tags.tags[0].key", "at most 128"),
    ({"tags.tags[0].value": "v" * 257}, "tags.tags[0].value", "at most 256"),
    ({"tags.tags[0].key": "aws:team"}, "tags.tags[0].key", "reserved"),
    # containers
    ({"containers": []}, "containers", "at least one container"),
    ({"containers[1].name": "web"}, "containers[1].name", "'web' is already used"),
    ({"containers[0].essential": False}, "containers", "at least one container must be essential"),
    ({"containers[0].name": ""}, "containers[0].name", "a container name is required"),
    ({"containers[0].name": "web app"}, "containers[0].name", "letters, digits"),
    ({"containers[0].image.package": ""}, "containers[0].image.package", "required"),
    ({"containers[0].image.feed": ""}, "containers[0].image.feed", "a feed is required"),
    ({"containers[0].image.feed": "Docker Hub"}, "containers[0].image.feed", "feed slug"),
    (
        {"containers[1].repository_credentials.secret_arn": ""},
        "containers[1].repository_credentials.secret_arn",
        "need a secret ARN like arn:aws:secretsmanager:",
    ),
    (
        {"containers[1].repository_credentials.secret_arn": PARAMETER_ARN},
        "containers[1].repository_credentials.secret_arn",
        "secret ARN",
    ),
    (
        {"containers[1].repository_credentials.type": "vault"},
        "containers[1].repository_credentials.type",
        "default, secrets_manager",
    ),
    # ports
    (
        {"containers[0].port_mappings[0].container_port": 0},
        "containers[0].port_mappings[0]",
        "1-65535",
    ),
    (
        {"containers[0].port_mappings[2].container_port": 65536},
        "containers[0].port_mappings[2]",
        "1-65535",
    ),
    (
        {"containers[0].port_mappings[0].protocol": "sctp"},
        "containers[0].port_mappings[0].protocol",
        "tcp, udp",
    ),
    (
        {"containers[0].port_mappings[2].container_port": 80},
        "containers[0].port_mappings[2].container_port",
        "port 80/udp is already mapped by port_mappings[1]",
    ),
    # health checks
    ({"containers[0].health_check.interval": 4}, "containers[0].health_check.interval", "5-300"),
    ({"containers[0].health_check.interval": 301}, "containers[0].health_check.interval", "5-300"),
    ({"containers[0].health_check.timeout": 1}, "containers[0].health_check.timeout", "2-60"),
    ({"containers[0].health_check.timeout": 61}, "containers[0].health_check.timeout", "2-60"),
    ({"containers[0].health_check.retries": 0}, "containers[0].health_check.retries", "1-10"),
    ({"containers[0].health_check.retries": 11}, "containers[0].health_check.retries", "1-10"),
    ({"containers[0].health_check.start_period": -1}, "containers[0].health_check", "0-300"),
    ({"containers[0].health_check.start_period": 301}, "containers[0].health_check", "0-300"),
    (
        {"containers[0].health_check.command": ["curl", "-f"]},
        "containers[0].health_check.command",
        "CMD, CMD-SHELL",
    ),
    # environment
    (
        {"containers[0].environment.variables[1].name": "LOG_LEVEL"},
        "containers[0].environment.variables[1].name",
        "must be unique",
    ),
    (
        {"containers[0].environment.variables[0].name": ""},
        "containers[0].environment.variables[0].name",
        "a name is required",
    ),
    (
        {"containers[0].environment.variables[1].value": "hunter2"},
        "containers[0].environment.variables[1].value",
        "a Secrets Manager ARN",
    ),
    (
        {"containers[0].environment.variables[0].type": "hidden"},
        "containers[0].environment.variables[0].type",
        "plain, secret",
    ),
    (
        {"containers[0].environment.environment_files": ["s3://bucket/app.env"]},
        "containers[0].environment.environment_files[0]",
        "S3 object ARN",
    ),
    # storage
    (
        {"containers[0].storage.mount_points[0].source_volume": "logs"},
        "containers[0].storage.mount_points[0].source_volume",
        "no volume is named 'logs'; volumes: data, scratch",
    ),
    (
        {"containers[0].storage.mount_points[0].container_path": "data"},
        "containers[0].storage.mount_points[0].container_path",
        "absolute path",
    ),
    (
        {"containers[0].storage.volumes_from[0].source_container": "web"},
        "containers[0].storage.volumes_from[0].source_container",
        "cannot refer to itself",
    ),
    (
        {"containers[0].storage.volumes_from[0].source_container": "db"},
        "containers[0].storage.volumes_from[0].source_container",
        "no container is named 'db'; use one of router",
    ),
    # logging and firelens
    ({"containers[0].logging.type": "syslog"}, "containers[0].logging.type", "auto, manual, none"),
    (
        {"containers[0].logging.driver": "gelf"},
        "containers[0].logging.driver",
        "awslogs, awsfirelens, splunk",
    ),
    (
        {"containers[0].logging.options[0].value": "plain-token"},
        "containers[0].logging.options[0].value",
        "SSM parameter ARN",
    ),
    ({"containers[1].firelens": None}, "containers", "awsfirelens log driver needs a container"),
    (
        {"containers[1].logging.options": [{"name": "awslogs-group", "value": "/web"}]},
        "containers[1].logging.options",
        "needs the options awslogs-region, awslogs-stream-prefix",
    ),
    (
        {"containers[1].logging.options[0].value": "web logs!"},
        "containers[1].logging.options[0].value",
        "is not a log group name",
    ),
    (
        {"containers[1].firelens.type": "logstash"},
        "containers[1].firelens.type",
        "fluentbit, fluentd",
    ),
    # dependencies, timeouts, ulimits, labels
    (
        {"containers[0].depends_on[0].container_name": "db"},
        "containers[0].depends_on[0].container_name",
        "no container is named 'db'",
    ),
    (
        {"containers[0].depends_on[0].condition": "READY"},
        "containers[0].depends_on[0].condition",
        "START, COMPLETE, SUCCESS, HEALTHY",
    ),
    (
        {"containers[1].health_check": None},
        "containers[0].depends_on[0].condition",
        "HEALTHY needs a health check on container 'router'",
    ),
    ({"containers[0].stop_timeout": 121}, "containers[0].stop_timeout", "0-120 seconds"),
    ({"containers[0].start_timeout": -5}, "containers[0].start_timeout", "at least 0"),
    ({"containers[0].ulimits[0].name": "files"}, "containers[0].ulimits[0].name", "nofile"),
    (
        {"containers[0].ulimits[0].soft_limit": 5000},
        "containers[0].ulimits[0].soft_limit",
        "5000 is more than the hard limit 4096",
    ),
    (
        {"containers[0].docker_labels": [{"key": "team"}, {"key": "team"}]},
        "containers[0].docker_labels[1].key",
        "must be unique",
    ),
    # deployment
    ({"deployment.desired_count": -1}, "deployment.desired_count", "at least 0"),
    ({"deployment.minimum_healthy_percent": 101}, "deployment.minimum_healthy_percent", "0-100"),
    ({"deployment.minimum_healthy_percent": -1}, "deployment.minimum_healthy_percent", "0-100"),
    ({"deployment.maximum_percent": 99}, "deployment.maximum_percent", "100-200"),
    ({"deployment.maximum_percent": 201}, "deployment.maximum_percent", "100-200"),
    (
        {"deployment.minimum_healthy_percent": 150, "deployment.maximum_percent": 120},
        "deployment.maximum_percent",
        "below the minimum healthy percent 150",
    ),
    (
        {"deployment.health_check_grace_period": -1},
        "deployment.health_check_grace_period",
        "at least 0",
    ),
    # deployment options
    ({"deployment_options.wait": "forever"}, "deployment_options.wait", "wait_until_completed"),
    (
        {"deployment_options.timeout_minutes": None},
        "deployment_options.timeout_minutes",
        "required",
    ),
    ({"deployment_options.timeout_minutes": 0}, "deployment_options.timeout_minutes", "at least 1"),
    # load balancer mappings
    (
        {"load_balancer_mappings[0].container_name": "api"},
        "load_balancer_mappings[0].container_name",
        "no container is named 'api'; use one of router, web",
    ),
    (
        {"load_balancer_mappings[0].container_port": 8080},
        "load_balancer_mappings[0].container_port",
        "8080 is not a TCP port mapping of container 'web'; valid: 80",
    ),
    (
        {"load_balancer_mappings[0].container_port": 53},
        "load_balancer_mappings[0].container_port",
        "not a TCP port mapping",
    ),
    (
        {"load_balancer_mappings[0].target_group_arn": "arn:aws:elasticloadbalancing:..."},
        "load_balancer_mappings[0].target_group_arn",
        "targetgroup/NAME/ID",
    ),
    (
        {
            "load_balancer_mappings[0].target_group_arn": (
                "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/50dc6c"
            )
        },
        "load_balancer_mappings[0].target_group_arn",
        "is not a target group ARN",
    ),
    # volumes
    ({"volumes[1].name": "scratch space"}, "volumes[1].name", "letters, digits"),
    ({"volumes[1].name": "data"}, "volumes[1].name", "'data' is already used by volumes[0]"),
    ({"volumes[1].type": "docker"}, "volumes[1].type", "bind, efs"),
    ({"volumes[0].file_system_id": ""}, "volumes[0].file_system_id", "required"),
    ({"volumes[0].file_system_id": "efs-1"}, "volumes[0].file_system_id", "fs-"),
    ({"volumes[0].access_point_id": "ap-1"}, "volumes[0].access_point_id", "fsap-"),
    ({"volumes[0].root_directory": "/app"}, "volumes[0].root_directory", 'must be "/" or empty'),
    ({"volumes[0].transit_encryption": False}, "volumes[0].transit_encryption", "must be true"),
]


@pytest.mark.parametrize(("changes", "path", "message"), INVALID_CASES)
def test_a_broken_rule_is_reported_at_its_path(
    changes: dict[str, Any], path: str, message: str
) -> None:
    issues = issues_with(changes)

    assert any(issue.startswith(f"{path}") and message in issue for issue in issues), issues


VALID_CASES = [
    {"name": "n" * 200},
    {"configuration.task_role_arn": "arn:aws:iam::123456789012:role/app"},
    {"configuration.task_role_arn": "arn:aws-us-gov:iam::123456789012:role/team/app+svc@1"},
    {"configuration.task_role_arn": "#{TaskRole}", "task_execution_role.arn": "#{ExecRole}"},
    {"task_execution_role.arn": "arn:aws-cn:iam::123456789012:role/service-role/ecs-exec"},
    {"task_execution_role.arn": "arn:aws:iam::123456789012:role/" + "r" * 64},
    {"configuration.task_definition_name": "w" * 255},
    {"configuration.task_definition_name": "Web_App-2"},
    {
        "task_size.cpu": 256,
        "task_size.memory": 512,
        "containers[0].memory_hard_limit": None,
        "containers[0].cpu": None,
    },
    {"task_size.cpu": 16384, "task_size.memory": 122880},
    {"task_size.cpu": 4096, "task_size.memory": 30720},
    {"containers[0].memory_hard_limit": 1536},  # exactly the task's 2048 MiB with the router's
    {"containers[0].cpu": 768},  # exactly the task's 1024 units with the router's
    {"containers[0].memory_soft_limit": 1024},
    {"network.security_group_ids": ["sg-0123456789abcdef0", "sg-0123abcd"]},
    {"network.subnet_ids": ["subnet-0123456789abcdef0", "subnet-89abcdef"]},
    {"tags.tags": [{"key": f"k{n}", "value": "v" * 256} for n in range(20)]},
    {"tags.tags": []},
    {"containers[0].port_mappings[0].container_port": 65535, "load_balancer_mappings": []},
    {"containers[0].health_check.interval": 5, "containers[0].health_check.timeout": 2},
    {"containers[0].health_check.interval": 300, "containers[0].health_check.timeout": 60},
    {"containers[0].health_check.retries": 10, "containers[0].health_check.start_period": 300},
    {"containers[0].environment.variables[1].value": PARAMETER_ARN},
    {
        "containers[0].environment.variables[1].value": (
            "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db"
        )
    },
    {"containers[0].environment.variables[0].value": ""},
    {"containers[0].depends_on[0].condition": "START", "containers[1].health_check": None},
    {"containers[0].stop_timeout": 0},
    {"deployment.minimum_healthy_percent": 0, "deployment.maximum_percent": 100},
    {"deployment.minimum_healthy_percent": 100, "deployment.maximum_percent": 100},
    {"deployment.desired_count": 0, "deployment.health_check_grace_period": 0},
    {"deployment_options.wait": "dont_wait", "deployment_options.timeout_minutes": None},
    {
        "load_balancer_mappings[0].target_group_arn": (
            "arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:"
            "targetgroup/gov-tg/0123456789abcdef"
        )
    },
    {"volumes[0].root_directory": ""},
    {
        "volumes[0].access_point_id": "",
        "volumes[0].root_directory": "/srv/app",
        "volumes[0].iam_authorization": False,
        "volumes[0].transit_encryption": False,
    },
    {"containers[1].repository_credentials": {"type": "default"}},
    {"containers[1].logging.options[0].value": "#{LogGroup}"},
    {"containers[1].logging": {"type": "manual", "driver": "splunk"}},
    {"containers[0].logging": {"type": "none"}, "containers[1].firelens": None},
]


@pytest.mark.parametrize("changes", VALID_CASES)
def test_values_within_the_rules_are_accepted(changes: dict[str, Any]) -> None:
    assert issues_with(changes) == []


def test_the_memory_message_lists_the_valid_values() -> None:
    issues = issues_with(
        {
            "task_size.cpu": 256,
            "task_size.memory": 3072,
            "containers[0].memory_hard_limit": None,
            "containers[0].cpu": None,
        }
    )

    assert issues == [
        "task_size.memory: 3072 MiB is not valid with 256 CPU units; valid: 512, 1024, 2048"
    ]


def test_expressions_are_left_for_deploy_time() -> None:
    issues = issues_with(
        {
            "name": "#{StepName}",
            "configuration.task_definition_name": "web-#{Octopus.Environment.Name}",
            "task_size.cpu": "#{Cpu}",
            "task_size.memory": 3072,
            "network.security_group_ids": "#{SecurityGroups}",
            "network.subnet_ids": ["#{Subnet}"],
            "containers[0].health_check.interval": "#{Interval}",
            "containers[0].port_mappings[0].container_port": "#{Port}",
            "containers[0].environment.variables[1].value": "#{DbPasswordArn}",
            "deployment.desired_count": "#{Count}",
            "deployment_options.timeout_minutes": "#{Timeout}",
            "volumes[0].root_directory": "#{Root}",
        }
    )

    assert issues == []


def test_an_expression_container_name_may_satisfy_references() -> None:
    issues = issues_with({"containers[1].name": "#{RouterName}"})

    assert issues == []


def test_a_substituted_document_is_checked_again() -> None:
    data = copy.deepcopy(VALID)
    set_at(data, "task_size.cpu", "#{Cpu}")
    set_at(data, "task_size.memory", "#{Memory}")
    assert validate(document_from_data(data)) == []

    # After substitution the same values arrive as text and are validated like any literal.
    set_at(data, "task_size.cpu", "256")
    set_at(data, "task_size.memory", "4096")
    set_at(data, "containers[0].memory_hard_limit", None)
    set_at(data, "containers[0].cpu", None)
    issues = validate(document_from_data(data))

    assert [issue.path for issue in issues] == ["task_size.memory"]


def test_issues_group_by_path_for_the_form() -> None:
    issues = validate(
        document_from_data(
            {
                **copy.deepcopy(VALID),
                "name": "",
                "network": {"security_group_ids": [], "subnet_ids": []},
            }
        )
    )

    assert isinstance(issues, ValidationResult)
    assert issues.by_path() == {
        "name": ["a step name is required"],
        "network.security_group_ids": ["at least one security group is required"],
        "network.subnet_ids": ["at least one subnet is required"],
    }
    assert str(issues[0]) == "name: a step name is required"
    assert issues[0] == ValidationIssue("name", "a step name is required")


@pytest.mark.parametrize(
    ("cpu", "memory"),
    [
        (256, [512, 1024, 2048]),
        (512, [1024, 2048, 3072, 4096]),
        (1024, list(range(2048, 8193, 1024))),
        (2048, list(range(4096, 16385, 1024))),
        (4096, list(range(8192, 30721, 1024))),
        (8192, list(range(16384, 61441, 4096))),
        (16384, list(range(32768, 122881, 8192))),
    ],
)
def test_fargate_memory_choices_follow_the_aws_table(cpu: int, memory: list[int]) -> None:
    assert valid_memory_for_cpu(cpu) == memory
    assert FARGATE_MEMORY_BY_CPU[cpu] == memory


def test_no_memory_choices_for_an_unknown_cpu() -> None:
    assert valid_memory_for_cpu(300) == []


def test_memory_choices_cannot_be_changed_through_the_returned_list() -> None:
    valid_memory_for_cpu(256).append(999)

    assert valid_memory_for_cpu(256) == [512, 1024, 2048]


def test_numbers_held_as_text_in_code_built_documents_are_still_checked() -> None:
    document = dataclasses.replace(
        document_from_data(copy.deepcopy(VALID)),
        task_size=TaskSize(cpu="256", memory="3072"),
        deployment=Deployment(desired_count="several"),
    )

    issues = [str(issue) for issue in validate(document)]

    assert "task_size.memory: 3072 MiB is not valid with 256 CPU units; valid: 512, 1024, 2048" in (
        issues
    )
    assert "deployment.desired_count: 'several' is not a whole number" in issues


def test_the_step_name_limit_is_the_database_column() -> None:
    from steps.models import Step
    from steps.validation.step import MAX_STEP_NAME

    assert Step._meta.get_field("name").max_length == MAX_STEP_NAME
