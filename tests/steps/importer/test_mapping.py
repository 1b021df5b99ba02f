"""Mapping a described service to a step document, without AWS: what maps, what is listed."""

from __future__ import annotations

import copy
from typing import Any

from steps.importer.images import FeedRegistry, choose_feed, parse_image
from steps.importer.mapping import map_service
from steps.validation.step import validate

ACCOUNT = "111122223333"
ECR_HOST = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com"
FEEDS = [
    FeedRegistry("docker-hub", "docker-hub", "docker.io"),
    FeedRegistry("team-ecr", "ecr", ECR_HOST, "eu-west-1"),
]
SERVICE: dict[str, Any] = {
    "serviceName": "orders",
    "status": "ACTIVE",
    "desiredCount": 3,
    "launchType": "FARGATE",
    "platformVersion": "LATEST",
    "taskDefinition": f"arn:aws:ecs:eu-west-1:{ACCOUNT}:task-definition/orders:7",
    "deploymentConfiguration": {"minimumHealthyPercent": 50, "maximumPercent": 150},
    "networkConfiguration": {
        "awsvpcConfiguration": {
            "subnets": ["subnet-0123abcd"],
            "securityGroups": ["sg-0123abcd"],
            "assignPublicIp": "ENABLED",
        }
    },
    "loadBalancers": [
        {
            "targetGroupArn": f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:targetgroup/o/1",
            "containerName": "app",
            "containerPort": 8080,
        }
    ],
    "serviceRegistries": [{"registryArn": "arn:aws:servicediscovery:eu-west-1:1:service/srv-1"}],
    "tags": [{"key": "team", "value": "orders"}, {"key": "aws:ecs:cluster", "value": "x"}],
}
TASK_DEFINITION: dict[str, Any] = {
    "taskDefinitionArn": f"arn:aws:ecs:eu-west-1:{ACCOUNT}:task-definition/orders:7",
    "family": "orders",
    "networkMode": "awsvpc",
    "cpu": "1024",
    "memory": "2048",
    "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/exec",
    "requiresCompatibilities": ["FARGATE"],
    "pidMode": "task",
    "volumes": [
        {
            "name": "files",
            "efsVolumeConfiguration": {
                "fileSystemId": "fs-0123abcd",
                "transitEncryption": "ENABLED",
                "authorizationConfig": {"accessPointId": "fsap-0123abcd", "iam": "ENABLED"},
            },
        }
    ],
    "containerDefinitions": [
        {
            "name": "app",
            "image": f"{ECR_HOST}/shop/orders@sha256:{'a' * 64}",
            "cpu": 0,
            "essential": True,
            "portMappings": [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}],
            "environment": [{"name": "MODE", "value": "prod"}],
            "secrets": [{"name": "TOKEN", "valueFrom": "/orders/token"}],
            "mountPoints": [{"sourceVolume": "files", "containerPath": "/files"}],
            "logConfiguration": {"logDriver": "fluentd", "options": {"tag": "x"}},
            "privileged": False,
            "dnsServers": ["10.0.0.2"],
        },
        {"name": "proxy", "image": "quay.io/team/proxy:2.0", "essential": False},
    ],
}


def imported(service: dict[str, Any] | None = None, task: dict[str, Any] | None = None) -> Any:
    return map_service(
        service or SERVICE,
        task or TASK_DEFINITION,
        step_name="Deploy orders",
        target_roles=["web-cluster"],
        feeds=FEEDS,
    )


def test_every_mappable_setting_lands_in_a_valid_document() -> None:
    result = imported()
    document = result.document
    assert validate(document) == []
    assert document.configuration.task_definition_name == "orders"
    assert (document.task_size.cpu, document.task_size.memory) == (1024, 2048)
    assert document.network.subnet_ids == ["subnet-0123abcd"]
    assert document.network.auto_assign_public_ip is True
    assert document.deployment.desired_count == 3
    assert document.deployment.minimum_healthy_percent == 50
    # No circuit breaker on the service: the step does not quietly add one.
    assert document.deployment.circuit_breaker.enable is False
    assert [t.key for t in document.tags.tags] == ["team"]
    app = document.containers[0]
    assert (app.image.feed, app.image.package) == ("team-ecr", "shop/orders")
    assert app.cpu is None
    secret = app.environment.variables[1]
    assert (secret.type, secret.value) == (
        "secret",
        f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/orders/token",
    )
    assert document.load_balancer_mappings[0].container_port == 8080
    volume = document.volumes[0]
    assert (volume.type, volume.file_system_id, volume.access_point_id) == (
        "efs",
        "fs-0123abcd",
        "fsap-0123abcd",
    )
    assert volume.iam_authorization is True


def test_what_does_not_fit_is_listed_with_a_reason() -> None:
    unmapped = {item.setting: item for item in imported().unmapped}
    assert set(unmapped) == {
        "containerDefinitions[app].logConfiguration.logDriver",
        "containerDefinitions[app].dnsServers",
        "taskDefinition.pidMode",
        "service.serviceRegistries",
    }
    assert "Fargate" in unmapped["containerDefinitions[app].dnsServers"].reason
    assert unmapped["containerDefinitions[app].logConfiguration.logDriver"].value == "fluentd"


def test_an_image_from_a_registry_no_feed_serves_gets_a_suggested_feed() -> None:
    result = imported()
    proxy = result.document.containers[1]
    assert (proxy.image.feed, proxy.image.package) == ("quay-io", "team/proxy")
    [suggested] = result.suggested_feeds
    assert (suggested.kind, suggested.url) == ("registry", "https://quay.io")
    assert any("shop/orders:sha256:" in note or "proxy:2.0" in note for note in result.notes)


def test_image_references_split_like_docker_does() -> None:
    assert parse_image("nginx:1.27") == parse_image("docker.io/library/nginx:1.27")
    assert choose_feed("nginx:1.27", FEEDS).package == "nginx"
    assert choose_feed("localhost:5000/app", FEEDS).reference.host == "localhost:5000"
    other_region = choose_feed(f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/a:1", FEEDS)
    assert other_region.suggested is not None
    assert other_region.suggested.region == "us-east-1"


def test_a_service_made_by_an_octopus_ecs_step_is_recognised() -> None:
    service = copy.deepcopy(SERVICE)
    service["serviceName"] = "cf-ecs-prod-orders-production-ServiceOrders-AbC123"
    service["tags"] = [
        {"key": "Octopus.Project.Name", "value": "Orders"},
        {"key": "Octopus.Action.Name", "value": "Deploy orders"},
        {"key": "aws:cloudformation:stack-name", "value": "cf-ecs-prod-orders-production"},
        {"key": "team", "value": "orders"},
    ]
    result = imported(service)
    assert result.octopus is not None
    assert result.octopus.stack_name == "cf-ecs-prod-orders-production"
    assert result.octopus.project == "Orders"
    assert any("made by an Octopus" in note for note in result.notes)
    assert [t.key for t in result.document.tags.tags] == ["team"]
    assert imported().octopus is None
