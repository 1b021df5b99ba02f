"""Templates shaped like the ones Deployer generates, for the sandbox contract tests."""

from __future__ import annotations

import json
from typing import Any

from deployer.sandbox.seed import SeedResult


def service_template(
    seeded: SeedResult,
    *,
    cluster: str = "development",
    with_execution_role: bool = True,
    with_log_group: bool = True,
    circuit_breaker: bool = True,
    extra_task_properties: dict[str, Any] | None = None,
) -> str:
    """A task definition + service template in the generated layout (Web = camel(name))."""
    container: dict[str, Any] = {
        "Name": "web",
        "Image": {"Ref": "WebImage"},
        "Essential": True,
        "PortMappings": [{"ContainerPort": 80, "Protocol": "tcp"}],
    }
    resources: dict[str, Any] = {}
    task_properties: dict[str, Any] = {
        "Family": {"Ref": "TaskDefinitionName"},
        "Cpu": {"Ref": "TaskDefinitionCPU"},
        "Memory": {"Ref": "TaskDefinitionMemory"},
        "NetworkMode": "awsvpc",
        "RequiresCompatibilities": ["FARGATE"],
        "ContainerDefinitions": [container],
    }
    if with_execution_role:
        resources["TaskExecutionRoleWeb"] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "ManagedPolicyArns": [{"Ref": "AmazonECSTaskExecutionRolePolicyArn"}],
            },
        }
        task_properties["ExecutionRoleArn"] = {"Fn::GetAtt": ["TaskExecutionRoleWeb", "Arn"]}
    if with_log_group:
        resources["AwsLogGroupWeb"] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": {"Ref": "LogGroupName"}, "RetentionInDays": 30},
        }
        container["LogConfiguration"] = {
            "LogDriver": "awslogs",
            "Options": {
                "awslogs-group": {"Ref": "AwsLogGroupWeb"},
                "awslogs-region": {"Ref": "AWS::Region"},
                "awslogs-stream-prefix": "web",
            },
        }
    task_properties.update(extra_task_properties or {})
    resources["TaskDefinitionWeb"] = {
        "Type": "AWS::ECS::TaskDefinition",
        "Properties": task_properties,
    }
    resources["ServiceWeb"] = {
        "Type": "AWS::ECS::Service",
        "Properties": {
            "Cluster": {"Ref": "ClusterName"},
            "TaskDefinition": {"Ref": "TaskDefinitionWeb"},
            "DesiredCount": {"Ref": "DesiredCount"},
            "LaunchType": "FARGATE",
            "NetworkConfiguration": {
                "AwsvpcConfiguration": {
                    "AssignPublicIp": "ENABLED",
                    "Subnets": seeded.subnet_ids,
                    "SecurityGroups": [seeded.security_group_id],
                }
            },
            "DeploymentConfiguration": {
                "MinimumHealthyPercent": 100,
                "MaximumPercent": 200,
                "DeploymentCircuitBreaker": {
                    "Enable": circuit_breaker,
                    "Rollback": circuit_breaker,
                },
            },
            "EnableECSManagedTags": True,
            "PropagateTags": "SERVICE",
        },
    }
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Deployer ECS service web",
        "Parameters": {
            "ClusterName": {"Type": "String", "Default": cluster},
            "TaskDefinitionName": {"Type": "String", "Default": "web"},
            "TaskDefinitionCPU": {"Type": "String", "Default": "256"},
            "TaskDefinitionMemory": {"Type": "String", "Default": "512"},
            "DesiredCount": {"Type": "Number", "Default": 2},
            "WebImage": {"Type": "String", "Default": f"{seeded.repository_uri}:1.0.0"},
            "LogGroupName": {"Type": "String", "Default": "/ecs/web"},
            "AmazonECSTaskExecutionRolePolicyArn": {
                "Type": "String",
                "Default": "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
            },
        },
        "Conditions": {"HasLogs": {"Fn::Equals": [str(with_log_group), "True"]}},
        "Resources": resources,
        "Outputs": {
            "ServiceName": {"Value": {"Fn::GetAtt": ["ServiceWeb", "Name"]}},
            "TaskDefinitionArn": {"Value": {"Ref": "TaskDefinitionWeb"}},
            "LogGroup": {"Condition": "HasLogs", "Value": {"Fn::Sub": "${LogGroupName}"}},
        },
    }
    return json.dumps(template)


def parameters(**values: str) -> list[dict[str, str]]:
    return [{"ParameterKey": key, "ParameterValue": value} for key, value in values.items()]
