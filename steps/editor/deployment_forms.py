"""The step editor's forms for ECS deployment strategies and service settings (issue 17's keys).

Labels follow the ECS console's; each links to the AWS page that explains the setting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from steps.editor.fields import DocumentForm, boolean, choice, id_list, named, number, text
from steps.validation.deployment import (
    CAPACITY_PROVIDERS,
    LIFECYCLE_STAGES,
    STRATEGIES,
    TIMEOUT_ACTIONS,
)

ECS_GUIDE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/"
STRATEGY_LABELS = {
    "rolling": "Rolling update",
    "blue_green": "Blue/green",
    "linear": "Linear",
    "canary": "Canary",
}
SHIFTING = ["blue_green", "linear", "canary"]
STRATEGY_GUIDE = {
    "rolling": ECS_GUIDE + "deployment-type-ecs.html",
    "blue_green": ECS_GUIDE + "deployment-type-blue-green.html",
    "linear": ECS_GUIDE + "deployment-type-linear.html",
    "canary": ECS_GUIDE + "deployment-type-canary.html",
}
SCALING_GUIDE = ECS_GUIDE + "service-autoscaling-targettracking.html"
# The Deployment section's lists, by document path.
HOOKS = "deployment.lifecycle_hooks"
CAPACITY = "deployment.capacity_providers"
CONNECT = "deployment.service_connect.services"


def port_names(data: dict[str, Any]) -> list[str]:
    """The port mapping names of the stored containers: Service Connect's choices."""
    names = [
        str(mapping.get("name") or "")
        for container in data.get("containers", [])
        for mapping in container.get("port_mappings", [])
    ]
    return [name for name in names if name]


class StrategyForm(DocumentForm):
    """The Deployment section's strategy fields, below its rolling update fields."""

    deployment__strategy = choice(
        "Deployment strategy",
        [(strategy, STRATEGY_LABELS[strategy]) for strategy in STRATEGIES],
        "Blue/green, linear and canary shift traffic between two target groups; they need "
        "the advanced settings of a load balancer mapping.",
        aws=ECS_GUIDE + "deployment-types.html",
        refreshes=True,
    )
    deployment__bake_time_minutes = number(
        "Bake time (minutes)",
        "0-1440: how long both revisions run after production traffic moved. Empty: "
        "ECS's default (15 minutes for blue/green, linear and canary).",
        aws=STRATEGY_GUIDE["blue_green"],
        nullable=True,
    )
    deployment__linear__step_percent = number(
        "Traffic shift percentage per step",
        "3-100. Empty: ECS's default.",
        aws=STRATEGY_GUIDE["linear"],
        applies_when=("deployment__strategy", ["linear"]),
        nullable=True,
    )
    deployment__linear__step_bake_minutes = number(
        "Step bake time (minutes)",
        "0-1440, between steps. Empty: ECS's default.",
        aws=STRATEGY_GUIDE["linear"],
        applies_when=("deployment__strategy", ["linear"]),
        nullable=True,
    )
    deployment__canary__percent = number(
        "Canary traffic percentage",
        "1-100. Empty: ECS's default.",
        aws=STRATEGY_GUIDE["canary"],
        applies_when=("deployment__strategy", ["canary"]),
        nullable=True,
    )
    deployment__canary__bake_minutes = number(
        "Canary bake time (minutes)",
        "0-1440. Empty: ECS's default.",
        aws=STRATEGY_GUIDE["canary"],
        applies_when=("deployment__strategy", ["canary"]),
        nullable=True,
    )
    deployment__alarms__names = id_list(
        "CloudWatch alarms",
        "Alarm names, comma-separated. Empty: no alarms watched.",
        aws=ECS_GUIDE + "deployment-alarm-failure.html",
    )
    deployment__alarms__enable = boolean(
        "Use the CloudWatch alarms", aws=ECS_GUIDE + "deployment-alarm-failure.html"
    )
    deployment__alarms__rollback = boolean(
        "Roll back when an alarm goes off", aws=ECS_GUIDE + "deployment-alarm-failure.html"
    )


class ServiceSettingsForm(DocumentForm):
    """Exec, Service Connect's namespace and service auto scaling."""

    deployment__enable_execute_command = boolean(
        "Turn on ECS Exec",
        "Lets you run commands in the tasks. Without a task role the stack creates one that "
        "allows it.",
        aws=ECS_GUIDE + "ecs-exec.html",
    )
    deployment__service_connect__namespace = text(
        "Service Connect namespace",
        "A Cloud Map namespace name or ARN. Empty: Service Connect off.",
        aws=ECS_GUIDE + "service-connect.html",
    )
    deployment__auto_scaling__min = number(
        "Minimum number of tasks",
        "With auto scaling a deployment keeps the running count instead of the desired count. "
        "Empty minimum and maximum: no auto scaling.",
        aws=SCALING_GUIDE,
        nullable=True,
    )
    deployment__auto_scaling__max = number(
        "Maximum number of tasks", aws=SCALING_GUIDE, nullable=True
    )
    deployment__auto_scaling__target_cpu_percent = number(
        "Target CPU utilization (%)",
        "1-100: ECSServiceAverageCPUUtilization.",
        aws=SCALING_GUIDE,
        nullable=True,
    )
    deployment__auto_scaling__target_memory_percent = number(
        "Target memory utilization (%)",
        "1-100: ECSServiceAverageMemoryUtilization.",
        aws=SCALING_GUIDE,
        nullable=True,
    )

    def data_for_document(self) -> dict[str, Any]:
        data = super().data_for_document()
        scaling = data["deployment"]["auto_scaling"]
        if all(value is None for value in scaling.values()):
            data["deployment"]["auto_scaling"] = None  # all empty: auto scaling off
        return data


class LifecycleHookForm(DocumentForm):
    stages = id_list(
        "Lifecycle stages",
        "Comma-separated, e.g. POST_TEST_TRAFFIC_SHIFT. Stages: " + ", ".join(LIFECYCLE_STAGES),
        aws=ECS_GUIDE + "deployment-lifecycle-hooks.html",
    )
    target = text(
        "Hook target",
        "pause (wait for Approve or Roll back), or a Lambda function ARN.",
        aws=ECS_GUIDE + "deployment-lifecycle-hooks.html",
    )
    role_arn = text(
        "Role ARN",
        "With a Lambda target: the role ECS invokes it with.",
        aws=ECS_GUIDE + "blue-green-permissions.html",
    )
    timeout_minutes = number("Timeout (minutes)", "1-20160. Empty: ECS's default.", nullable=True)
    timeout_action = choice("Action on timeout", named(TIMEOUT_ACTIONS))


class CapacityProviderForm(DocumentForm):
    provider = choice(
        "Capacity provider",
        named(CAPACITY_PROVIDERS),
        aws=ECS_GUIDE + "fargate-capacity-providers.html",
    )
    weight = number("Weight", "0-1000: the share of tasks placed with this provider.")
    base = number("Base", "0-100000: tasks placed here first. At most one provider has a base.")


class ServiceConnectServiceForm(DocumentForm):
    port_name = choice(
        "Port name",
        [],
        "The name of a container port mapping.",
        aws=ECS_GUIDE + "service-connect-concepts-deploy.html",
    )
    dns_name = text("Client alias DNS name", "Optional, e.g. web.")
    port = number("Client alias port", "Optional, 1-65535.", nullable=True)

    def __init__(self, *args: Any, port_names: Sequence[str] = (), **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["port_name"].widget.choices = named(port_names)


ADVANCED_FIELDS = (
    "alternate_target_group_arn",
    "production_listener_rule_arn",
    "test_listener_rule_arn",
    "role_arn",
)


def advanced_fields() -> dict[str, Any]:
    """The advanced settings of a load balancer mapping, for blue/green, linear and canary."""
    guide = ECS_GUIDE + "blue-green-deployment-implementation.html"
    return {
        "advanced__alternate_target_group_arn": text(
            "Alternate target group ARN", "For blue/green, linear and canary.", aws=guide
        ),
        "advanced__production_listener_rule_arn": text(
            "Production listener rule ARN", "The rule ECS moves production traffic on.", aws=guide
        ),
        "advanced__test_listener_rule_arn": text(
            "Test listener rule ARN",
            "The rule test traffic reaches the new revision by.",
            aws=guide,
        ),
        "advanced__role_arn": text(
            "Role ARN for traffic shifting",
            "The role ECS uses to change the listener rules.",
            aws=ECS_GUIDE + "blue-green-permissions.html",
        ),
    }


def advanced_data(data: dict[str, Any]) -> dict[str, Any]:
    """A mapping's data with ``advanced`` left out (null) while all its fields are empty."""
    advanced = data.get("advanced")
    if isinstance(advanced, dict) and not any(advanced.get(key) for key in ADVANCED_FIELDS):
        data["advanced"] = None
    return data
