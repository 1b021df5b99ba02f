"""Seeds a sandbox with what a demo needs: network, clusters, images, a target group, a service."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import boto3

from deployer.sandbox.seed_blue_green import BlueGreenSeed, ensure_blue_green
from deployer.sandbox.seed_elb import ensure_target_group

NAME_TAG_PREFIX = "deployer-sandbox"
CLUSTER_NAMES = ("development", "staging", "production")
REPOSITORY_NAME = "demo/web"
# Oldest first: the sandbox keeps push order, so the last one here is the newest image.
IMAGE_TAGS = ("1.0.0", "1.1.0", "2.0.0", "2.1.0-crash")
TARGET_GROUP_NAME = "demo-web"
VPC_CIDR = "10.42.0.0/16"
SUBNET_CIDRS = ("10.42.1.0/24", "10.42.2.0/24")
MANIFEST_MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json"


@dataclass
class LegacyWeb:
    """The `legacy-web` service and what it uses, made with plain ECS/ELBv2/IAM calls."""

    cluster_name: str
    service_name: str
    service_arn: str
    task_definition_arn: str
    target_group_arn: str
    secret_arn: str
    execution_role_arn: str
    task_role_arn: str
    log_group_name: str


@dataclass
class SeedResult:
    """What the seeded sandbox holds, for forms and tests to point at."""

    vpc_id: str
    subnet_ids: list[str]
    security_group_id: str
    cluster_names: list[str]
    repository_uri: str
    target_group_arn: str
    # Load balancing for ECS blue/green, linear and canary deployments.
    blue_green: BlueGreenSeed | None = None
    # A service made outside Deployer, for importing (see seed_legacy_web).
    legacy_web: LegacyWeb | None = None


def seed_aws(endpoint_url: str, region: str = "us-east-1") -> SeedResult:
    """Create the demo resources in the sandbox at endpoint_url; a second run creates nothing."""
    session = boto3.session.Session(
        aws_access_key_id="sandbox", aws_secret_access_key="sandbox", region_name=region
    )

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint_url)

    ec2 = client("ec2")
    vpc_id = _ensure_vpc(ec2)
    subnet_ids = [
        _ensure_subnet(ec2, vpc_id, cidr, f"{region}{zone}", index)
        for index, (cidr, zone) in enumerate(zip(SUBNET_CIDRS, "ab", strict=True), start=1)
    ]
    security_group_id = _ensure_security_group(ec2, vpc_id)
    ecs = client("ecs")
    for cluster_name in CLUSTER_NAMES:
        _ensure_cluster(ecs, cluster_name)
    repository_uri = _ensure_repository_with_images(client("ecr"))
    target_group_arn = ensure_target_group(
        client("elbv2"), vpc_id, TARGET_GROUP_NAME, f"{NAME_TAG_PREFIX}-demo-web"
    )
    legacy_web = seed_legacy_web(client, vpc_id, subnet_ids, security_group_id, repository_uri)
    return SeedResult(
        vpc_id=vpc_id,
        subnet_ids=subnet_ids,
        security_group_id=security_group_id,
        cluster_names=list(CLUSTER_NAMES),
        repository_uri=repository_uri,
        target_group_arn=target_group_arn,
        blue_green=ensure_blue_green(
            client("elbv2"), client("iam"), subnet_ids, security_group_id, target_group_arn
        ),
        legacy_web=legacy_web,
    )


def _name_filter(name: str) -> list[dict[str, Any]]:
    return [{"Name": "tag:Name", "Values": [name]}]


def _name_tags(resource_type: str, name: str) -> list[dict[str, Any]]:
    return [{"ResourceType": resource_type, "Tags": [{"Key": "Name", "Value": name}]}]


def _ensure_vpc(ec2: Any) -> str:
    name = f"{NAME_TAG_PREFIX}-vpc"
    existing = ec2.describe_vpcs(Filters=_name_filter(name))["Vpcs"]
    if existing:
        return str(existing[0]["VpcId"])
    vpc = ec2.create_vpc(CidrBlock=VPC_CIDR, TagSpecifications=_name_tags("vpc", name))["Vpc"]
    return str(vpc["VpcId"])


def _ensure_subnet(ec2: Any, vpc_id: str, cidr: str, zone: str, index: int) -> str:
    name = f"{NAME_TAG_PREFIX}-subnet-{index}"
    filters = [*_name_filter(name), {"Name": "vpc-id", "Values": [vpc_id]}]
    existing = ec2.describe_subnets(Filters=filters)["Subnets"]
    if existing:
        return str(existing[0]["SubnetId"])
    subnet = ec2.create_subnet(
        VpcId=vpc_id,
        CidrBlock=cidr,
        AvailabilityZone=zone,
        TagSpecifications=_name_tags("subnet", name),
    )["Subnet"]
    return str(subnet["SubnetId"])


def _ensure_security_group(ec2: Any, vpc_id: str) -> str:
    name = f"{NAME_TAG_PREFIX}-web"
    filters = [
        {"Name": "group-name", "Values": [name]},
        {"Name": "vpc-id", "Values": [vpc_id]},
    ]
    existing = ec2.describe_security_groups(Filters=filters)["SecurityGroups"]
    if existing:
        return str(existing[0]["GroupId"])
    group_id = str(
        ec2.create_security_group(
            GroupName=name,
            Description="Web traffic for the sandbox demo service",
            VpcId=vpc_id,
            TagSpecifications=_name_tags("security-group", name),
        )["GroupId"]
    )
    ec2.authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 80,
                "ToPort": 80,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    return group_id


def _ensure_cluster(ecs: Any, cluster_name: str) -> None:
    clusters = ecs.describe_clusters(clusters=[cluster_name])["clusters"]
    if any(cluster["status"] == "ACTIVE" for cluster in clusters):
        return
    ecs.create_cluster(
        clusterName=cluster_name,
        capacityProviders=["FARGATE", "FARGATE_SPOT"],
        tags=[{"key": "Name", "value": f"{NAME_TAG_PREFIX}-{cluster_name}"}],
    )


def _image_manifest(tag: str) -> str:
    # A distinct, well-formed manifest per tag so every tag is its own image digest.
    def digest(kind: str) -> str:
        return "sha256:" + hashlib.sha256(f"{REPOSITORY_NAME}:{tag}:{kind}".encode()).hexdigest()

    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_MEDIA_TYPE,
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 1469,
                "digest": digest("config"),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 3370628,
                    "digest": digest("layer"),
                }
            ],
        }
    )


def _ensure_repository_with_images(ecr: Any) -> str:
    try:
        repository = ecr.describe_repositories(repositoryNames=[REPOSITORY_NAME])["repositories"][0]
    except ecr.exceptions.RepositoryNotFoundException:
        repository = ecr.create_repository(
            repositoryName=REPOSITORY_NAME,
            tags=[{"Key": "Name", "Value": f"{NAME_TAG_PREFIX}-demo-web"}],
        )["repository"]
    present = {
        tag
        for image in ecr.describe_images(repositoryName=REPOSITORY_NAME)["imageDetails"]
        for tag in image.get("imageTags", [])
    }
    for tag in IMAGE_TAGS:
        if tag not in present:
            ecr.put_image(
                repositoryName=REPOSITORY_NAME,
                imageManifest=_image_manifest(tag),
                imageManifestMediaType=MANIFEST_MEDIA_TYPE,
                imageTag=tag,
            )
    return str(repository["repositoryUri"])


# --- legacy-web: a running service Deployer did not create ---------------------------------------

LEGACY_SERVICE_NAME = "legacy-web"
LEGACY_CLUSTER_NAME = "development"
LEGACY_FAMILY = "legacy-web"
LEGACY_TARGET_GROUP_NAME = "legacy-web"
LEGACY_SECRET_NAME = "legacy-web/database-password"
LEGACY_LOG_GROUP = "/ecs/legacy-web"
LEGACY_EXECUTION_ROLE = "legacy-web-execution"
LEGACY_TASK_ROLE = "legacy-web-task"
LEGACY_WEB_TAG = "1.1.0"
LEGACY_SIDECAR_IMAGE = "docker.io/library/busybox:1.36"
LEGACY_TAGS = (("team", "legacy"), ("cost-center", "4711"))
ECS_TASKS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def seed_legacy_web(
    client: Any,
    vpc_id: str,
    subnet_ids: list[str],
    security_group_id: str,
    repository_uri: str,
) -> LegacyWeb:
    """The `legacy-web` service in `development`, as a team had it before Deployer.

    Two containers (the demo web image and a Docker Hub sidecar), a Secrets Manager secret, an
    ip target group, a bind volume, awslogs, a health check and tags; settings a step document
    has no place for (an init process, extra ephemeral storage) are there too, so an import has
    something to report.
    """
    iam = client("iam")
    execution_role_arn = _ensure_ecs_tasks_role(iam, LEGACY_EXECUTION_ROLE)
    task_role_arn = _ensure_ecs_tasks_role(iam, LEGACY_TASK_ROLE)
    secret_arn = _ensure_secret(client("secretsmanager"), LEGACY_SECRET_NAME)
    logs = client("logs")
    if not logs.describe_log_groups(logGroupNamePrefix=LEGACY_LOG_GROUP)["logGroups"]:
        logs.create_log_group(logGroupName=LEGACY_LOG_GROUP)
    target_group_arn = ensure_target_group(
        client("elbv2"), vpc_id, LEGACY_TARGET_GROUP_NAME, f"{NAME_TAG_PREFIX}-legacy-web"
    )
    ecs = client("ecs")
    found = ecs.describe_services(cluster=LEGACY_CLUSTER_NAME, services=[LEGACY_SERVICE_NAME])
    active = [s for s in found["services"] if s["status"] == "ACTIVE"]
    if active:
        service = active[0]
    else:
        task_definition_arn = ecs.register_task_definition(
            **_legacy_task_definition(repository_uri, secret_arn, execution_role_arn, task_role_arn)
        )["taskDefinition"]["taskDefinitionArn"]
        service = ecs.create_service(
            cluster=LEGACY_CLUSTER_NAME,
            serviceName=LEGACY_SERVICE_NAME,
            taskDefinition=task_definition_arn,
            desiredCount=1,
            launchType="FARGATE",
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": list(subnet_ids),
                    "securityGroups": [security_group_id],
                    "assignPublicIp": "DISABLED",
                }
            },
            loadBalancers=[
                {
                    "targetGroupArn": target_group_arn,
                    "containerName": "web",
                    "containerPort": 80,
                }
            ],
            healthCheckGracePeriodSeconds=30,
            deploymentConfiguration={
                "minimumHealthyPercent": 50,
                "maximumPercent": 200,
                "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            },
            enableECSManagedTags=True,
            propagateTags="SERVICE",
            tags=[{"key": key, "value": value} for key, value in LEGACY_TAGS],
        )["service"]
    return LegacyWeb(
        cluster_name=LEGACY_CLUSTER_NAME,
        service_name=LEGACY_SERVICE_NAME,
        service_arn=str(service["serviceArn"]),
        task_definition_arn=str(service["taskDefinition"]),
        target_group_arn=target_group_arn,
        secret_arn=secret_arn,
        execution_role_arn=execution_role_arn,
        task_role_arn=task_role_arn,
        log_group_name=LEGACY_LOG_GROUP,
    )


def _legacy_task_definition(
    repository_uri: str, secret_arn: str, execution_role_arn: str, task_role_arn: str
) -> dict[str, Any]:
    log_options = {
        "awslogs-group": LEGACY_LOG_GROUP,
        "awslogs-region": "us-east-1",
        "awslogs-stream-prefix": "legacy",
    }
    return {
        "family": LEGACY_FAMILY,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "512",
        "memory": "1024",
        "executionRoleArn": execution_role_arn,
        "taskRoleArn": task_role_arn,
        "runtimePlatform": {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"},
        "ephemeralStorage": {"sizeInGiB": 30},
        "volumes": [{"name": "shared-data"}],
        "containerDefinitions": [
            {
                "name": "web",
                "image": f"{repository_uri}:{LEGACY_WEB_TAG}",
                "essential": True,
                "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
                "environment": [
                    {"name": "APP_ENV", "value": "development"},
                    {"name": "LOG_LEVEL", "value": "info"},
                ],
                "secrets": [{"name": "DATABASE_PASSWORD", "valueFrom": secret_arn}],
                "healthCheck": {
                    "command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
                    "interval": 15,
                    "timeout": 5,
                    "retries": 3,
                    "startPeriod": 10,
                },
                "mountPoints": [
                    {"sourceVolume": "shared-data", "containerPath": "/srv/data", "readOnly": False}
                ],
                "logConfiguration": {"logDriver": "awslogs", "options": log_options},
                "linuxParameters": {"initProcessEnabled": True},
            },
            {
                "name": "log-shipper",
                "image": LEGACY_SIDECAR_IMAGE,
                "essential": False,
                "command": ["sh", "-c", "tail -F /srv/data/app.log"],
                "memoryReservation": 64,
                "mountPoints": [
                    {"sourceVolume": "shared-data", "containerPath": "/srv/data", "readOnly": True}
                ],
                "logConfiguration": {"logDriver": "awslogs", "options": log_options},
            },
        ],
        "tags": [{"key": key, "value": value} for key, value in LEGACY_TAGS],
    }


def _ensure_ecs_tasks_role(iam: Any, name: str) -> str:
    try:
        return str(iam.get_role(RoleName=name)["Role"]["Arn"])
    except iam.exceptions.NoSuchEntityException:
        pass
    role = iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps(ECS_TASKS_TRUST),
        Tags=[{"Key": "Name", "Value": f"{NAME_TAG_PREFIX}-{name}"}],
    )["Role"]
    return str(role["Arn"])


def _ensure_secret(secretsmanager: Any, name: str) -> str:
    try:
        return str(secretsmanager.describe_secret(SecretId=name)["ARN"])
    except secretsmanager.exceptions.ResourceNotFoundException:
        pass
    secret = secretsmanager.create_secret(
        Name=name,
        SecretString="sandbox-not-a-real-password",
        Tags=[{"Key": "Name", "Value": f"{NAME_TAG_PREFIX}-{name}"}],
    )
    return str(secret["ARN"])
