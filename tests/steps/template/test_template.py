"""The CloudFormation template of a step: goldens, parameter rules, export and deploy forms."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from moto import mock_aws

from steps.document.io import load_document
from steps.document.model import StepDocument
from steps.template.builder import (
    DeployContext,
    TemplateError,
    build_template,
    export_image,
    render_template,
)
from steps.template.naming import StackTag
from steps.template.preflight import lint_template, preflight
from tests.steps.strategies import step_documents

GOLDEN = Path(__file__).parent.parent / "golden"
GOLDEN_NAMES = ["minimal", "complex", "multi"]
# Set to regenerate the expected templates after a deliberate change, then review the diff.
REGENERATE = os.environ.get("DEPLOYER_REGENERATE_GOLDEN") == "1"
REGION = "us-east-1"
TARGET_GROUP_ARN = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-web/0123456789abcdef"
)


def golden_document(name: str) -> StepDocument:
    return load_document((GOLDEN / f"{name}.step.yaml").read_text(encoding="utf-8"))


def golden_template(name: str) -> str:
    return (GOLDEN / f"{name}.template.yaml").read_text(encoding="utf-8")


def minimal() -> StepDocument:
    return golden_document("minimal")


def with_deployment(document: StepDocument, **changes: Any) -> StepDocument:
    return dataclasses.replace(
        document, deployment=dataclasses.replace(document.deployment, **changes)
    )


def with_container(document: StepDocument, **changes: Any) -> StepDocument:
    first = dataclasses.replace(document.containers[0], **changes)
    return dataclasses.replace(document, containers=[first, *document.containers[1:]])


def context(**changes: Any) -> DeployContext:
    values: dict[str, Any] = {
        "cluster_name": "demo",
        "region": REGION,
        "environment_name": "Production",
        "images": {"nginx": "docker.io/nginx:1.27"},
    }
    values.update(changes)
    return DeployContext(**values)


# --- Goldens ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_golden_template_matches_byte_for_byte(name: str) -> None:
    rendered = render_template(golden_document(name))
    expected_path = GOLDEN / f"{name}.template.yaml"
    if REGENERATE:
        expected_path.write_text(rendered, encoding="utf-8")
    assert rendered == expected_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_golden_template_has_no_cfn_lint_errors(name: str) -> None:
    findings = lint_template(golden_template(name))
    assert [str(f) for f in findings if f.level == "error"] == []


def _create_network(ec2: Any, elbv2: Any) -> dict[str, str]:
    """Real (moto) ids for the placeholder ids the golden documents use."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    subnet_b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    group_a = ec2.create_security_group(GroupName="a", Description="a", VpcId=vpc)["GroupId"]
    group_b = ec2.create_security_group(GroupName="b", Description="b", VpcId=vpc)["GroupId"]
    target_group = elbv2.create_target_group(
        Name="shop-web", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]
    return {
        "subnet-0123456789abcdef0": subnet_a,
        "subnet-0fedcba9876543210": subnet_b,
        "sg-0123456789abcdef0": group_a,
        "sg-0fedcba9876543210": group_b,
        TARGET_GROUP_ARN: target_group,
    }


def _create_file_system(efs: Any) -> dict[str, str]:
    file_system = efs.create_file_system(CreationToken="receipts")["FileSystemId"]
    access_point = efs.create_access_point(ClientToken="receipts", FileSystemId=file_system)[
        "AccessPointId"
    ]
    return {"fs-0123456789abcdef0": file_system, "fsap-0123456789abcdef0": access_point}


@pytest.mark.parametrize("name", GOLDEN_NAMES)
def test_golden_template_deploys_to_create_complete(name: str) -> None:
    document = golden_document(name)
    with mock_aws():
        ecs = boto3.client("ecs", region_name=REGION)
        ecs.create_cluster(clusterName="demo")
        replacements = _create_network(
            boto3.client("ec2", region_name=REGION), boto3.client("elbv2", region_name=REGION)
        )
        replacements |= _create_file_system(boto3.client("efs", region_name=REGION))
        replacements["#{Octopus.Action.Aws.Ecs.ClusterName}"] = "demo"
        for container in document.containers:
            package = container.image.package
            replacements[export_image(package)] = f"docker.io/{package}:1.0"
        body = golden_template(name)
        for placeholder, value in replacements.items():
            body = body.replace(placeholder, value)
        assert "#{" not in body

        cloudformation = boto3.client("cloudformation", region_name=REGION)
        cloudformation.create_stack(
            StackName=f"cf-ecs-demo-{name}", TemplateBody=body, Capabilities=["CAPABILITY_IAM"]
        )
        stack = cloudformation.describe_stacks(StackName=f"cf-ecs-demo-{name}")["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        assert outputs["ClusterName"] == "demo"
        assert outputs["TaskDefinitionFamily"] == document.configuration.task_definition_name
        services = ecs.describe_services(cluster="demo", services=[outputs["ServiceName"]])
        assert services["services"][0]["taskDefinition"] == outputs["TaskDefinitionArn"]


# --- Stable output ------------------------------------------------------------------------------


def test_same_document_renders_byte_identical_yaml() -> None:
    first = render_template(golden_document("complex"))
    again = render_template(load_document((GOLDEN / "complex.step.yaml").read_text()))
    assert first == again


def test_template_sections_come_in_a_fixed_order() -> None:
    template = build_template(minimal())
    assert list(template) == [
        "AWSTemplateFormatVersion",
        "Description",
        "Parameters",
        "Resources",
        "Outputs",
    ]


def test_yaml_has_no_aliases_and_quotes_only_what_yaml_needs() -> None:
    text = render_template(golden_document("multi"))
    assert "&id" not in text and "*id" not in text
    assert "Default: '256'" in text  # would read back as a number
    assert "Image: '#{Octopus.Action.Package[nginx].Image}'" in text  # would be a comment
    assert "LaunchType: FARGATE" in text
    assert yaml.safe_load(text) == build_template(golden_document("multi"))


# --- Parameters ---------------------------------------------------------------------------------


def test_always_present_parameters_carry_the_step_values_as_defaults() -> None:
    parameters = build_template(minimal())["Parameters"]
    assert parameters["ClusterName"]["Default"] == "#{Octopus.Action.Aws.Ecs.ClusterName}"
    assert parameters["TaskDefinitionName"]["Default"] == "web"
    assert parameters["TaskDefinitionCPU"]["Default"] == "256"
    assert parameters["TaskDefinitionMemory"]["Default"] == "512"


def test_default_deployment_numbers_are_not_parameters() -> None:
    template = build_template(minimal())
    assert not {"DesiredCount", "MinimumHealthPercent", "MaximumHealthPercent"} & set(
        template["Parameters"]
    )
    service = template["Resources"]["Serviceweb"]["Properties"]
    assert service["DesiredCount"] == 1
    assert service["DeploymentConfiguration"]["MinimumHealthyPercent"] == 100
    assert service["DeploymentConfiguration"]["MaximumPercent"] == 200


@pytest.mark.parametrize(
    ("field", "value", "parameter", "property_path"),
    [
        ("desired_count", 3, "DesiredCount", ["DesiredCount"]),
        (
            "minimum_healthy_percent",
            50,
            "MinimumHealthPercent",
            ["DeploymentConfiguration", "MinimumHealthyPercent"],
        ),
        (
            "maximum_percent",
            150,
            "MaximumHealthPercent",
            ["DeploymentConfiguration", "MaximumPercent"],
        ),
    ],
)
def test_changed_deployment_number_becomes_a_parameter_the_service_uses(
    field: str, value: int, parameter: str, property_path: list[str]
) -> None:
    template = build_template(with_deployment(minimal(), **{field: value}))
    assert template["Parameters"][parameter] == {"Type": "Number", "Default": value}
    service: Any = template["Resources"]["Serviceweb"]["Properties"]
    for key in property_path:
        service = service[key]
    assert service == {"Ref": parameter}


def test_execution_role_is_created_only_when_none_is_given() -> None:
    template = build_template(minimal())
    role = template["Resources"]["TaskExecutionRoleweb"]
    assert role["Type"] == "AWS::IAM::Role"
    statement = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": ["ecs-tasks.amazonaws.com"]}
    assert role["Properties"]["ManagedPolicyArns"] == [
        {"Ref": "AmazonECSTaskExecutionRolePolicyArn"}
    ]
    assert template["Parameters"]["AmazonECSTaskExecutionRolePolicyArn"]["Default"] == (
        "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
    )
    # A Ref to a role is its name; the task definition needs the ARN.
    task_definition = template["Resources"]["TaskDefinitionweb"]["Properties"]
    assert task_definition["ExecutionRoleArn"] == {"Fn::GetAtt": ["TaskExecutionRoleweb", "Arn"]}
    assert "TaskExecutionRole" not in template["Parameters"]


def test_given_execution_role_is_a_parameter_and_no_role_is_created() -> None:
    template = build_template(golden_document("complex"))
    assert "TaskExecutionRolepaymentsApi" not in template["Resources"]
    assert "AmazonECSTaskExecutionRolePolicyArn" not in template["Parameters"]
    assert template["Parameters"]["TaskExecutionRole"]["Default"] == (
        "arn:aws:iam::123456789012:role/payments-api-execution"
    )
    properties = template["Resources"]["TaskDefinitionpaymentsApi"]["Properties"]
    assert properties["ExecutionRoleArn"] == {"Ref": "TaskExecutionRole"}
    assert properties["TaskRoleArn"] == {"Ref": "TaskRole"}


def test_task_role_parameter_appears_only_when_set() -> None:
    template = build_template(minimal())
    assert "TaskRole" not in template["Parameters"]
    assert "TaskRoleArn" not in template["Resources"]["TaskDefinitionweb"]["Properties"]


@pytest.mark.parametrize(("logging_type", "creates_group"), [("auto", True), ("none", False)])
def test_log_group_exists_only_with_automatic_logging(
    logging_type: str, creates_group: bool
) -> None:
    document = minimal()
    logging = dataclasses.replace(document.containers[0].logging, type=logging_type)
    template = build_template(with_container(document, logging=logging))
    assert ("AwsLogGroupweb" in template["Resources"]) is creates_group
    assert ("LogGroupName" in template["Parameters"]) is creates_group


def test_automatic_logging_writes_to_the_created_group_with_retention() -> None:
    template = build_template(minimal())
    assert template["Parameters"]["LogGroupName"]["Default"] == "/ecs/web"
    group = template["Resources"]["AwsLogGroupweb"]["Properties"]
    assert group == {"LogGroupName": {"Ref": "LogGroupName"}, "RetentionInDays": 30}
    container = template["Resources"]["TaskDefinitionweb"]["Properties"]["ContainerDefinitions"][0]
    assert container["LogConfiguration"] == {
        "LogDriver": "awslogs",
        "Options": {
            "awslogs-group": {"Ref": "AwsLogGroupweb"},
            "awslogs-region": {"Ref": "AWS::Region"},
            "awslogs-stream-prefix": "ecs",
        },
    }


def test_manual_logging_uses_the_step_driver_and_options_without_a_group() -> None:
    template = build_template(golden_document("complex"))
    assert "AwsLogGrouppaymentsApi" not in template["Resources"]
    assert "LogGroupName" not in template["Parameters"]
    container = template["Resources"]["TaskDefinitionpaymentsApi"]["Properties"][
        "ContainerDefinitions"
    ][0]
    assert container["LogConfiguration"]["Options"]["awslogs-group"] == "/payments/api"


# --- Export and deploy forms --------------------------------------------------------------------


def test_export_writes_images_and_cluster_as_octopus_variables() -> None:
    template = build_template(golden_document("multi"))
    images = [
        c["Image"]
        for c in template["Resources"]["TaskDefinitionshopFrontend"]["Properties"][
            "ContainerDefinitions"
        ]
    ]
    assert images == [
        "#{Octopus.Action.Package[nginx].Image}",
        "#{Octopus.Action.Package[acme/shop].Image}",
        "#{Octopus.Action.Package[prom/statsd-exporter].Image}",
    ]


def test_deploy_context_fills_in_images_and_cluster_and_leaves_no_expression() -> None:
    text = render_template(minimal(), context())
    assert "#{" not in text
    template = yaml.safe_load(text)
    assert template["Parameters"]["ClusterName"]["Default"] == "demo"
    container = template["Resources"]["TaskDefinitionweb"]["Properties"]["ContainerDefinitions"][0]
    assert container["Image"] == "docker.io/nginx:1.27"


def test_deploy_context_refuses_an_unsubstituted_expression() -> None:
    document = dataclasses.replace(
        minimal(), task_size=dataclasses.replace(minimal().task_size, cpu="#{Cpu}")
    )
    with pytest.raises(TemplateError, match=re.escape("#{Cpu}")):
        build_template(document, context())


def test_deploy_context_without_the_image_of_a_container_is_an_error() -> None:
    with pytest.raises(TemplateError, match="nginx"):
        build_template(minimal(), context(images={}))


def test_deploy_context_names_the_stack_and_orders_its_tags() -> None:
    deploy = context(
        cluster_name="web-cluster",
        automatic_tags=(StackTag("Octopus.Environment.Name", "Production"),),
        user_stack_tags=(("team", "web!"),),
    )
    assert deploy.stack_name(minimal()) == "cf-ecs-webCluster-web-production"
    assert deploy.stack_tags() == [
        StackTag("Octopus.Environment.Name", "Production"),
        StackTag("team", "web"),
    ]


def test_expressions_the_user_wrote_stay_as_written_in_the_export() -> None:
    document = dataclasses.replace(
        minimal(),
        task_size=dataclasses.replace(minimal().task_size, cpu="#{Cpu}", memory="#{Memory}"),
        network=dataclasses.replace(minimal().network, subnet_ids="#{Subnets}"),
    )
    document = with_deployment(document, desired_count="#{Count}")
    template = build_template(document)
    assert template["Parameters"]["TaskDefinitionCPU"]["Default"] == "#{Cpu}"
    assert template["Parameters"]["DesiredCount"] == {"Type": "String", "Default": "#{Count}"}
    network = template["Resources"]["Serviceweb"]["Properties"]["NetworkConfiguration"]
    assert network["AwsvpcConfiguration"]["Subnets"] == {"Fn::Split": [",", "#{Subnets}"]}


# --- Containers, volumes and the service --------------------------------------------------------


def test_port_mappings_use_the_container_port_as_host_port() -> None:
    template = build_template(golden_document("complex"))
    container = template["Resources"]["TaskDefinitionpaymentsApi"]["Properties"][
        "ContainerDefinitions"
    ][0]
    assert container["PortMappings"] == [
        {"ContainerPort": 8080, "HostPort": 8080, "Protocol": "tcp"},
        {"ContainerPort": 8125, "HostPort": 8125, "Protocol": "udp"},
    ]


def test_secret_variables_become_secrets_and_plain_ones_environment() -> None:
    template = build_template(golden_document("complex"))
    container = template["Resources"]["TaskDefinitionpaymentsApi"]["Properties"][
        "ContainerDefinitions"
    ][0]
    assert container["Environment"] == [{"Name": "LOG_LEVEL", "Value": "info"}]
    assert [s["Name"] for s in container["Secrets"]] == ["DB_PASSWORD", "API_KEY"]
    assert container["Secrets"][1]["ValueFrom"] == (
        "arn:aws:ssm:us-east-1:123456789012:parameter/payments/api-key"
    )
    assert container["RepositoryCredentials"] == {
        "CredentialsParameter": (
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:registry-login-AbCdEf"
        )
    }


def test_created_execution_role_may_read_the_secrets_the_containers_use() -> None:
    document = golden_document("complex")
    document = dataclasses.replace(
        document, task_execution_role=dataclasses.replace(document.task_execution_role, arn="")
    )
    role = build_template(document)["Resources"]["TaskExecutionRolepaymentsApi"]
    statements = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert statements == [
        {
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": [
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:payments-db-AbCdEf",
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:registry-login-AbCdEf",
            ],
        },
        {
            "Effect": "Allow",
            "Action": ["ssm:GetParameters"],
            "Resource": ["arn:aws:ssm:us-east-1:123456789012:parameter/payments/api-key"],
        },
    ]


def test_efs_volume_carries_encryption_access_point_and_iam_authorization() -> None:
    volumes = build_template(golden_document("complex"))["Resources"]["TaskDefinitionpaymentsApi"][
        "Properties"
    ]["Volumes"]
    assert volumes == [
        {"Name": "scratch"},
        {
            "EFSVolumeConfiguration": {
                "AuthorizationConfig": {
                    "AccessPointId": "fsap-0123456789abcdef0",
                    "IAM": "ENABLED",
                },
                "FilesystemId": "fs-0123456789abcdef0",
                "TransitEncryption": "ENABLED",
            },
            "Name": "receipts",
        },
    ]


def test_runtime_platform_is_linux_on_the_chosen_architecture() -> None:
    properties = build_template(golden_document("complex"))["Resources"][
        "TaskDefinitionpaymentsApi"
    ]["Properties"]
    assert properties["RuntimePlatform"] == {
        "CpuArchitecture": "ARM64",
        "OperatingSystemFamily": "LINUX",
    }
    assert properties["RequiresCompatibilities"] == ["FARGATE"]
    assert properties["NetworkMode"] == "awsvpc"


def test_circuit_breaker_is_written_as_configured() -> None:
    service = build_template(golden_document("complex"))["Resources"]["ServicepaymentsApi"]
    breaker = service["Properties"]["DeploymentConfiguration"]["DeploymentCircuitBreaker"]
    assert breaker == {"Enable": True, "Rollback": False}
    default = build_template(minimal())["Resources"]["Serviceweb"]["Properties"]
    assert default["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {
        "Enable": True,
        "Rollback": True,
    }


def test_grace_period_is_set_only_with_load_balancers() -> None:
    with_balancer = build_template(golden_document("multi"))["Resources"]["ServiceshopFrontend"][
        "Properties"
    ]
    assert with_balancer["HealthCheckGracePeriodSeconds"] == 30
    assert with_balancer["LoadBalancers"] == [
        {
            "ContainerName": "web",
            "ContainerPort": 80,
            "TargetGroupArn": (
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-web/"
                "0123456789abcdef"
            ),
        }
    ]
    without = build_template(with_deployment(minimal(), health_check_grace_period=30))
    assert "HealthCheckGracePeriodSeconds" not in without["Resources"]["Serviceweb"]["Properties"]


def test_tags_go_on_task_definition_and_service_and_propagate() -> None:
    resources = build_template(golden_document("complex"))["Resources"]
    service = resources["ServicepaymentsApi"]["Properties"]
    expected = [{"Key": "team", "Value": "payments"}, {"Key": "cost-centre", "Value": "4711"}]
    assert service["Tags"] == expected
    assert resources["TaskDefinitionpaymentsApi"]["Properties"]["Tags"] == expected
    assert service["EnableECSManagedTags"] is True
    assert service["PropagateTags"] == "SERVICE"


def test_network_configuration_maps_public_ip_and_ids() -> None:
    service = build_template(golden_document("complex"))["Resources"]["ServicepaymentsApi"]
    assert service["Properties"]["NetworkConfiguration"] == {
        "AwsvpcConfiguration": {
            "AssignPublicIp": "DISABLED",
            "SecurityGroups": ["sg-0123456789abcdef0", "sg-0fedcba9876543210"],
            "Subnets": ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
        }
    }


def test_outputs_let_a_deployment_read_back_service_cluster_and_task_definition() -> None:
    outputs = build_template(minimal())["Outputs"]
    assert {name: output["Value"] for name, output in outputs.items()} == {
        "ServiceName": {"Fn::GetAtt": ["Serviceweb", "Name"]},
        "ClusterName": {"Ref": "ClusterName"},
        "TaskDefinitionArn": {"Ref": "TaskDefinitionweb"},
        "TaskDefinitionFamily": {"Ref": "TaskDefinitionName"},
    }


# --- Every valid document -----------------------------------------------------------------------


def _aws_shaped(value: Any) -> Any:
    # The step validator accepts `sg-` plus any hex digits; AWS ids have 8 or 17. Widen the
    # generated ids to a shape AWS accepts so that the property is about the template builder.
    if isinstance(value, str):
        prefix, _, digits = value.partition("-")
        if prefix in {"sg", "subnet", "fs", "fsap"} and digits and len(digits) not in (8, 17):
            return f"{prefix}-{digits.rjust(17, '0')[:17]}"
        return value
    if isinstance(value, list):
        return [_aws_shaped(item) for item in value]
    return value


def _with_aws_shaped_ids(document: StepDocument) -> StepDocument:
    network = document.network
    return dataclasses.replace(
        document,
        network=dataclasses.replace(
            network,
            security_group_ids=_aws_shaped(network.security_group_ids),
            subnet_ids=_aws_shaped(network.subnet_ids),
        ),
        volumes=[
            dataclasses.replace(
                volume,
                file_system_id=_aws_shaped(volume.file_system_id),
                access_point_id=_aws_shaped(volume.access_point_id),
            )
            for volume in document.volumes
        ],
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=step_documents())
def test_every_valid_document_yields_a_template_without_cfn_lint_errors(
    document: StepDocument,
) -> None:
    result = preflight(_with_aws_shaped_ids(document))
    assert [f.path for f in result.findings if f.source == "validation"] == []
    assert [str(f) for f in result.errors] == []


def test_control_characters_in_values_read_back_exactly_from_the_template() -> None:
    # A NEL (U+0085) is a line break to YAML: left unquoted, it comes back as a space.
    document = with_container(minimal(), user="next\x85line")

    text = render_template(document)

    assert yaml.safe_load(text) == build_template(document)
