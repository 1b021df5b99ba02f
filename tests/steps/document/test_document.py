"""Reading and writing the step document: the YAML people import and export, and release data."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
import yaml

from steps.document import model as document_module
from steps.document.io import (
    document_from_data,
    document_to_data,
    dump_document,
    load_document,
)
from steps.document.model import (
    Configuration,
    Container,
    DocumentError,
    HealthCheck,
    Image,
    StepDocument,
    is_expression,
)

# The full example of the step document contract, as written there.
SPEC_EXAMPLE = """\
version: 1
name: Deploy web                      # step name, unique within the project
target_roles: [web-cluster]           # ECS cluster targets with any of these roles receive it

configuration:
  task_definition_name: web           # 1-255 of A-Z a-z 0-9 - _
  task_role_arn: ""                   # optional
  runtime_platform: X86_64            # X86_64 | ARM64

task_execution_role:
  arn: ""                             # empty: the stack creates one with
                                      # AmazonECSTaskExecutionRolePolicy

task_size:
  cpu: 256                            # CPU units: 256 512 1024 2048 4096 8192 16384
  memory: 512                         # MiB; must be a valid Fargate pair with cpu

network:
  security_group_ids: [sg-0123abcd]       # at least one
  subnet_ids: [subnet-0123abcd]           # at least one
  auto_assign_public_ip: true

tags:
  enable_ecs_managed_tags: false      # changing it re-creates the service (say so in the UI)
  tags:                               # at most 20, keys unique
    - {key: team, value: payments}

containers:                           # at least one; names unique
  - name: web
    image:
      feed: docker-hub                # feed slug; the tag is chosen when creating a release
      package: nginx                  # image name within the feed (may contain / and .);
    essential: true
    repository_credentials:
      type: default                   # default (IAM / ECR) | secrets_manager
      secret_arn: ""                  # required with secrets_manager
    memory_hard_limit: null           # MiB, optional
    memory_soft_limit: null           # MiB, optional
    cpu: null                         # units, optional
    port_mappings:
      - {container_port: 80, protocol: tcp}          # tcp | udp
    health_check:                     # omitted or empty command: no health check
      command: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]
      interval: 30                    # 5-300 s
      timeout: 5                      # 2-60 s
      retries: 3                      # 1-10
      start_period: 0                 # 0-300 s
    environment:
      entry_point: []                 # list of strings
      command: []                     # list of strings
      working_directory: ""
      environment_files: []           # S3 object ARNs of .env files
      variables:
        - {name: LOG_LEVEL, value: info, type: plain}
        - {name: DB_PASSWORD, value: "arn:aws:secretsmanager:...", type: secret}
                                      # secret: value is a Secrets Manager or SSM parameter ARN
    storage:
      read_only_root_filesystem: false
      mount_points:
        - {source_volume: data, container_path: /data, read_only: false}
      volumes_from:
        - {source_container: sidecar, read_only: true}
    logging:
      type: auto                      # auto (CloudWatch, log group created) | manual | none
      driver: awslogs                 # manual only: awslogs | awsfirelens | splunk
      options:                        # manual only; secret options become SecretOptions
        - {name: awslogs-group, value: /custom, type: plain}
    firelens: null                    # or {type: fluentbit | fluentd, options: {name: value}}
    user: ""
    docker_labels:
      - {key: team, value: web}
    depends_on:
      - {container_name: sidecar, condition: START}    # START | COMPLETE | SUCCESS | HEALTHY
    start_timeout: null               # seconds
    stop_timeout: null                # seconds, at most 120 on Fargate
    ulimits:
      - {name: nofile, soft_limit: 65535, hard_limit: 65535}

deployment:
  desired_count: 1
  minimum_healthy_percent: 100
  maximum_percent: 200
  circuit_breaker: {enable: true, rollback: true}
  health_check_grace_period: null     # seconds; only meaningful with load balancer mappings

deployment_options:
  wait: wait_until_completed          # wait_until_completed | wait_with_timeout | dont_wait
  timeout_minutes: 30                 # required with wait_with_timeout

load_balancer_mappings:               # container_name/port must match a container's port mapping
  - {container_name: web, container_port: 80, target_group_arn: "arn:aws:elasticloadbalancing:..."}

volumes:                              # names unique, 1-255 of A-Z a-z 0-9 - _
  - {name: scratch, type: bind}
  - name: data
    type: efs
    file_system_id: fs-0123
    access_point_id: ""
    root_directory: /                 # must be "/" or empty when an access point is used
    transit_encryption: true
    iam_authorization: false
"""

MINIMAL = """\
version: 1
name: Deploy web
configuration:
  task_definition_name: web
containers:
  - name: web
    image: {feed: docker-hub, package: nginx}
"""

SPEC_SECTION_ORDER = [
    "version",
    "name",
    "target_roles",
    "configuration",
    "task_execution_role",
    "task_size",
    "network",
    "tags",
    "containers",
    "deployment",
    "deployment_options",
    "load_balancer_mappings",
    "volumes",
]


def problems_of(text: str) -> list[str]:
    with pytest.raises(DocumentError) as caught:
        load_document(text)
    return [str(problem) for problem in caught.value.problems]


def minimal_with(**changes: Any) -> str:
    """The minimal document's data with top-level keys replaced, as YAML."""
    data = yaml.safe_load(MINIMAL)
    data.update(changes)
    return yaml.safe_dump(data, sort_keys=False)


def minimal_container_with(**changes: Any) -> dict[str, Any]:
    data = yaml.safe_load(MINIMAL)
    data["containers"][0].update(changes)
    return data


# --- loading ---


def test_the_contract_example_loads_with_every_section() -> None:
    document = load_document(SPEC_EXAMPLE)

    assert document.name == "Deploy web"
    assert document.target_roles == ["web-cluster"]
    assert document.configuration.task_definition_name == "web"
    assert document.task_size.cpu == 256
    assert document.task_size.memory == 512
    assert document.network.security_group_ids == ["sg-0123abcd"]
    assert document.tags.tags[0].key == "team"
    web = document.containers[0]
    assert web.image.package == "nginx"
    assert web.port_mappings[0].container_port == 80
    assert web.health_check is not None
    assert web.health_check.command == ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]
    assert web.environment.variables[1].type == "secret"
    assert web.storage.volumes_from[0].source_container == "sidecar"
    assert web.ulimits[0].hard_limit == 65535
    assert document.deployment.circuit_breaker.rollback is True
    assert document.load_balancer_mappings[0].container_port == 80
    assert document.volumes[1].file_system_id == "fs-0123"


def test_omitted_keys_take_the_contract_defaults() -> None:
    document = load_document(MINIMAL)

    assert document.configuration.runtime_platform == "X86_64"
    assert document.task_execution_role.arn == ""
    assert (document.task_size.cpu, document.task_size.memory) == (256, 512)
    assert document.network.auto_assign_public_ip is True
    assert document.tags.enable_ecs_managed_tags is False
    container = document.containers[0]
    assert container.essential is True
    assert container.repository_credentials.type == "default"
    assert container.memory_hard_limit is None
    assert container.health_check is None
    assert container.logging.type == "auto"
    assert container.firelens is None
    assert document.deployment.desired_count == 1
    assert document.deployment.minimum_healthy_percent == 100
    assert document.deployment.maximum_percent == 200
    assert document.deployment.circuit_breaker.enable is True
    assert document.deployment_options.wait == "wait_until_completed"
    assert document.load_balancer_mappings == []
    assert document.volumes == []


def test_defaults_of_list_items_apply() -> None:
    data = minimal_container_with(
        port_mappings=[{"container_port": 8080}],
        health_check={"command": ["CMD", "true"]},
        depends_on=[{"container_name": "db"}],
    )
    data["volumes"] = [{"name": "scratch"}]

    document = document_from_data(data)

    container = document.containers[0]
    assert container.port_mappings[0].protocol == "tcp"
    assert container.health_check == HealthCheck(command=["CMD", "true"])
    assert container.health_check.interval == 30
    assert container.depends_on[0].condition == "START"
    assert document.volumes[0].type == "bind"


def test_unknown_key_names_its_path_and_line() -> None:
    text = MINIMAL + "    health_check:\n      command: [CMD, 'true']\n      intervall: 30\n"

    assert problems_of(text) == [
        "line 10: containers[0].health_check.intervall: unknown field (did you mean interval?)"
    ]


def test_error_text_lists_problems_in_the_contract_format() -> None:
    text = MINIMAL + "    colour: blue\n"
    with pytest.raises(DocumentError) as caught:
        load_document(text)

    assert str(caught.value) == "line 8: containers[0].colour: unknown field"
    problem = caught.value.problems[0]
    assert (problem.path, problem.line, problem.message) == (
        "containers[0].colour",
        8,
        "unknown field",
    )


def test_every_problem_is_reported_at_once_in_file_order() -> None:
    text = MINIMAL.replace("version: 1\n", "version: 1\ncolour: blue\n") + (
        "    essential: maybe\n    cpu: [1]\n"
    )

    assert problems_of(text) == [
        "line 2: colour: unknown field",
        "line 9: containers[0].essential: expected true, false or an #{expression}, got 'maybe'",
        "line 10: containers[0].cpu: expected a whole number or an #{expression}, got a list",
    ]


def test_malformed_yaml_is_reported_with_its_line() -> None:
    (problem,) = problems_of("version: 1\nname: [unclosed\nconfiguration: {}\n")

    assert problem.startswith("line ")
    assert "malformed YAML" in problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (minimal_with(task_size={"cpu": [1]}), "task_size.cpu: expected a whole number"),
        (minimal_with(task_size={"memory": "lots"}), "task_size.memory: expected a whole number"),
        (minimal_with(network={"auto_assign_public_ip": "maybe"}), "expected true, false"),
        (minimal_with(network={"subnet_ids": {"a": 1}}), "network.subnet_ids: expected a list"),
        (minimal_with(configuration="web"), "configuration: expected a mapping of fields"),
        (minimal_with(containers={"name": "web"}), "containers: expected a list"),
        (minimal_with(name=["a"]), "name: expected text"),
        (minimal_with(volumes=[{"name": "v", "transit_encryption": 1}]), "expected true, false"),
    ],
)
def test_wrong_types_are_reported_with_path(text: str, expected: str) -> None:
    (problem,) = problems_of(text)

    assert expected in problem


def test_missing_required_field_is_reported() -> None:
    data = yaml.safe_load(MINIMAL)
    del data["containers"][0]["image"]["package"]

    with pytest.raises(DocumentError) as caught:
        document_from_data(data)

    assert str(caught.value) == "containers[0].image.package: required field missing"


def test_waiting_with_a_timeout_requires_the_timeout() -> None:
    text = MINIMAL + "deployment_options:\n  wait: wait_with_timeout\n"

    assert problems_of(text) == [
        "line 8: deployment_options.timeout_minutes: required field missing: "
        "wait: wait_with_timeout needs it"
    ]


def test_the_timeout_is_optional_with_the_other_wait_options() -> None:
    document = load_document(MINIMAL + "deployment_options:\n  wait: dont_wait\n")

    assert document.deployment_options.timeout_minutes == 30


def test_a_required_timeout_is_exported_even_at_its_default_value() -> None:
    document = load_document(
        MINIMAL + "deployment_options:\n  wait: wait_with_timeout\n  timeout_minutes: 30\n"
    )

    exported = dump_document(document)

    assert yaml.safe_load(exported)["deployment_options"] == {
        "wait": "wait_with_timeout",
        "timeout_minutes": 30,
    }
    assert load_document(exported) == document


def test_missing_version_is_an_error_that_says_what_to_add() -> None:
    assert problems_of(MINIMAL.replace("version: 1\n", "")) == [
        "line 1: version: required field missing; add `version: 1`"
    ]


def test_a_newer_version_is_refused() -> None:
    (problem,) = problems_of(MINIMAL.replace("version: 1", "version: 2"))

    assert "version 2 is newer" in problem


def test_an_older_version_is_upgraded_on_import(monkeypatch: pytest.MonkeyPatch) -> None:
    def rename_title_to_name(data: dict[str, Any]) -> dict[str, Any]:
        upgraded = dict(data)
        upgraded["name"] = upgraded.pop("title")
        return upgraded

    monkeypatch.setitem(document_module.UPGRADES, 0, rename_title_to_name)
    old = MINIMAL.replace("version: 1", "version: 0").replace("name: Deploy web", "title: Old")

    document = load_document(old)

    assert document.version == 1
    assert document.name == "Old"


def test_a_document_that_is_not_a_mapping_is_refused() -> None:
    assert problems_of("- just\n- a list\n") == [
        "line 1: a step document is a mapping of sections, got a list"
    ]


def test_duplicate_keys_are_reported() -> None:
    assert "line 3: name: duplicate key" in problems_of(
        MINIMAL.replace("name:", "name: a\nname:", 1)
    )


def test_yaml_anchors_and_merge_keys_can_share_settings_between_containers() -> None:
    text = MINIMAL.replace("  - name: web\n", "  - &web\n    name: web\n") + (
        "  - <<: *web\n    name: api\n"
    )

    document = load_document(text)

    assert [container.name for container in document.containers] == ["web", "api"]
    assert document.containers[1].image == document.containers[0].image
    assert "&" not in dump_document(document)


def test_expressions_are_accepted_where_numbers_booleans_and_lists_are_expected() -> None:
    data = minimal_container_with(
        essential="#{Essential}", port_mappings=[{"container_port": "#{Port}"}]
    )
    data["task_size"] = {"cpu": "#{Cpu}", "memory": "#{Memory}"}
    data["network"] = {"subnet_ids": "#{Subnets}", "auto_assign_public_ip": "#{PublicIp}"}

    document = load_document(yaml.safe_dump(data))

    assert document.task_size.cpu == "#{Cpu}"
    assert document.network.subnet_ids == "#{Subnets}"
    assert document.network.auto_assign_public_ip == "#{PublicIp}"
    assert document.containers[0].essential == "#{Essential}"
    assert document.containers[0].port_mappings[0].container_port == "#{Port}"


def test_substituted_values_become_numbers_booleans_and_lists() -> None:
    # What a deployment reads after replacing expressions with variable values.
    data = minimal_container_with(essential="True", port_mappings=[{"container_port": "8080"}])
    data["task_size"] = {"cpu": "1024", "memory": " 2048 "}
    data["network"] = {"subnet_ids": "subnet-1, subnet-2,", "auto_assign_public_ip": "false"}

    document = document_from_data(data)

    assert (document.task_size.cpu, document.task_size.memory) == (1024, 2048)
    assert document.network.subnet_ids == ["subnet-1", "subnet-2"]
    assert document.network.auto_assign_public_ip is False
    assert document.containers[0].essential is True
    assert document.containers[0].port_mappings[0].container_port == 8080


def test_text_fields_keep_what_was_written() -> None:
    text = MINIMAL + (
        "    environment:\n"
        "      variables:\n"
        "        - {name: MODE, value: 0755}\n"
        "        - {name: ON, value: yes}\n"
        "        - {name: RATIO, value: 1.10}\n"
    )

    variables = load_document(text).containers[0].environment.variables

    assert [variable.value for variable in variables] == ["0755", "yes", "1.10"]


def test_health_check_with_an_empty_command_means_none() -> None:
    data = minimal_container_with(health_check={"command": [], "interval": 10})

    assert document_from_data(data).containers[0].health_check is None


def test_null_sections_and_lists_take_their_defaults() -> None:
    text = MINIMAL + "tags:\nvolumes:\ndeployment:\n"

    document = load_document(text)

    assert document.tags.tags == []
    assert document.volumes == []
    assert document.deployment.desired_count == 1


def test_data_errors_carry_no_line() -> None:
    data = minimal_container_with(colour="blue")

    with pytest.raises(DocumentError) as caught:
        document_from_data(data)

    assert caught.value.problems[0].line is None
    assert str(caught.value) == "containers[0].colour: unknown field"


def test_is_expression_recognises_octostache_references() -> None:
    assert is_expression("#{Cpu}")
    assert is_expression("subnet-#{Suffix}")
    assert not is_expression("#notanexpression")
    assert not is_expression(256)


# --- writing ---


def test_export_omits_defaults_but_keeps_required_keys() -> None:
    exported = yaml.safe_load(dump_document(load_document(MINIMAL)))

    assert exported == {
        "version": 1,
        "name": "Deploy web",
        "target_roles": [],
        "configuration": {"task_definition_name": "web"},
        "task_size": {"cpu": 256, "memory": 512},
        "network": {"security_group_ids": [], "subnet_ids": []},
        "containers": [{"name": "web", "image": {"feed": "docker-hub", "package": "nginx"}}],
    }


def test_export_keeps_values_that_differ_from_the_defaults() -> None:
    data = minimal_container_with(essential=False, memory_hard_limit=256)
    data["deployment"] = {"desired_count": 3, "circuit_breaker": {"rollback": False}}
    data["deployment_options"] = {"wait": "wait_with_timeout", "timeout_minutes": None}

    exported = yaml.safe_load(dump_document(document_from_data(data)))

    assert exported["containers"][0]["essential"] is False
    assert exported["containers"][0]["memory_hard_limit"] == 256
    assert exported["deployment"] == {"desired_count": 3, "circuit_breaker": {"rollback": False}}
    assert exported["deployment_options"] == {"wait": "wait_with_timeout", "timeout_minutes": None}


def test_export_follows_the_contract_section_order() -> None:
    exported = yaml.safe_load(dump_document(load_document(SPEC_EXAMPLE)))

    assert list(exported) == [key for key in SPEC_SECTION_ORDER if key in exported]
    assert list(exported["containers"][0])[:2] == ["name", "image"]


def test_export_is_block_style_without_anchors() -> None:
    shared = ["CMD-SHELL", "true"]
    document = StepDocument(
        name="twins",
        configuration=Configuration(task_definition_name="twins"),
        containers=[
            Container(
                name=name,
                image=Image(feed="docker-hub", package="nginx"),
                health_check=HealthCheck(command=shared),
            )
            for name in ("a", "b")
        ],
    )

    exported = dump_document(document)

    assert "&" not in exported
    assert "*" not in exported
    assert "{" not in exported


@pytest.mark.parametrize(
    "text",
    ["line one\nline two\n", "carriage\r\nreturn", "next\x85line", "tab\there", "  padded  "],
)
def test_unusual_text_survives_export_and_import(text: str) -> None:
    document = load_document(MINIMAL)
    container = dataclasses.replace(document.containers[0], user=text)
    document = dataclasses.replace(document, name=text, containers=[container])

    assert load_document(dump_document(document)) == document


def test_contract_example_survives_export_and_import() -> None:
    document = load_document(SPEC_EXAMPLE)

    exported = dump_document(document)

    assert load_document(exported) == document
    assert dump_document(load_document(exported)) == exported


def test_release_data_holds_every_value_and_reads_back() -> None:
    document = load_document(SPEC_EXAMPLE)

    data = json.loads(json.dumps(document_to_data(document)))

    assert data["deployment_options"]["timeout_minutes"] == 30
    assert data["containers"][0]["health_check"]["retries"] == 3
    assert document_from_data(data) == document
