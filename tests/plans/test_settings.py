"""The service's settings from AWS and from a template, and the verdict, without AWS."""

from __future__ import annotations

from deployer.aws.changesets import ResourceChange, StackPlan
from deployer.aws.service_state import ServiceState
from deployer.plans.planner import IN_PLACE, NO_CHANGES, REPLACE, ROLL, TAGS_ONLY, verdict
from deployer.plans.settings import differences, settings_from_aws, settings_from_template

TEMPLATE = {
    "Parameters": {"TaskDefinitionCPU": {"Type": "String", "Default": "256"}},
    "Resources": {
        "TaskDefinitionWeb": {
            "Type": "AWS::ECS::TaskDefinition",
            "Properties": {
                "Cpu": {"Ref": "TaskDefinitionCPU"},
                "Memory": "512",
                "ContainerDefinitions": [
                    {
                        "Name": "web",
                        "Image": "docker.io/nginx:1.27",
                        "PortMappings": [{"ContainerPort": 80}],
                        "HealthCheck": {"Command": ["CMD", "true"]},
                        "Environment": [{"Name": "MODE", "Value": "live"}],
                    }
                ],
            },
        },
        "ServiceWeb": {
            "Type": "AWS::ECS::Service",
            "Properties": {
                "TaskDefinition": {"Ref": "TaskDefinitionWeb"},
                "NetworkConfiguration": {
                    "AwsvpcConfiguration": {"Subnets": ["subnet-2", "subnet-1"]}
                },
                "Tags": [{"Key": "team", "Value": "shop"}],
            },
        },
    },
}

# What ECS answers for that template: every default spelt out, lists in its own order.
RUNNING = ServiceState(
    service={
        "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
        "desiredCount": 1,
        "deploymentConfiguration": {
            "minimumHealthyPercent": 100,
            "maximumPercent": 200,
            "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        },
        "enableECSManagedTags": False,
        "propagateTags": "NONE",
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": ["subnet-1", "subnet-2"],
                "securityGroups": [],
                "assignPublicIp": "DISABLED",
            }
        },
        "tags": [
            {"key": "team", "value": "shop"},
            {"key": "release", "value": "1.0.0"},
            {"key": "aws:cloudformation:stack-name", "value": "cf-ecs-web"},
        ],
    },
    task_definition={
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [
            {
                "name": "web",
                "image": "docker.io/nginx:1.27",
                "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
                "healthCheck": {
                    "command": ["CMD", "true"],
                    "interval": 30,
                    "timeout": 5,
                    "retries": 3,
                    "startPeriod": 0,
                },
                "environment": [{"name": "MODE", "value": "live"}],
            }
        ],
    },
    task_definition_tags=[],
)
STACK_TAGS = [{"Key": "release", "Value": "1.0.0"}]


def test_aws_defaults_are_never_a_difference() -> None:
    before = settings_from_aws(RUNNING)
    after = settings_from_template(TEMPLATE, {}, STACK_TAGS, "us-east-1")
    assert differences(before, after) == []
    assert "Tag aws:cloudformation:stack-name" not in before


def test_a_changed_value_is_shown_and_a_secret_one_only_said_to_change() -> None:
    after = settings_from_template(TEMPLATE, {"TaskDefinitionCPU": "512"}, STACK_TAGS, "us-east-1")
    after["container web: environment MODE"] = "s3cret-value"
    found = {str(d) for d in differences(settings_from_aws(RUNNING), after, ("s3cret-value",))}
    assert found == {
        "CPU: 256 → 512",
        "container web: environment MODE: changed (sensitive value, not shown)",
    }


def _stack(*changes: ResourceChange) -> StackPlan:
    return StackPlan("cf-ecs-web", "update", "UPDATE_COMPLETE", list(changes))


def test_the_verdict_names_the_most_disruptive_change() -> None:
    service = "AWS::ECS::Service"
    definition = "AWS::ECS::TaskDefinition"
    tags = ResourceChange("Modify", "ServiceWeb", service, "False", ("Tags",), (("Tags", "Never"),))
    assert verdict(_stack(), [])[0] == NO_CHANGES
    assert verdict(_stack(tags), [])[0] == TAGS_ONLY
    count = ResourceChange(
        "Modify", "ServiceWeb", service, "False", ("Properties",), (("DesiredCount", "Never"),)
    )
    assert verdict(_stack(count), [])[0] == IN_PLACE
    new_definition = ResourceChange(
        "Modify",
        "TaskDefinitionWeb",
        definition,
        "True",
        ("Properties",),
        (("Cpu", "Always"),),
    )
    assert verdict(_stack(new_definition, count), [])[0] == ROLL
    managed = ResourceChange(
        "Modify",
        "ServiceWeb",
        service,
        "True",
        ("Properties",),
        (("EnableECSManagedTags", "Always"),),
    )
    assert verdict(_stack(new_definition, managed), []) == (
        REPLACE,
        ["ServiceWeb: EnableECSManagedTags requires re-creating the service"],
    )
    created = StackPlan("cf-ecs-web", "create", "", [ResourceChange("Add", "ServiceWeb", service)])
    assert verdict(created, [])[0] == "creates stack cf-ecs-web: Service"
