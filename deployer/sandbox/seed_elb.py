"""Seeding helpers for ELBv2 that the demo, blue/green and legacy-web seeds share."""

from __future__ import annotations

from typing import Any


def ensure_target_group(elbv2: Any, vpc_id: str, name: str, name_tag: str = "") -> str:
    """The ARN of the HTTP port-80 `ip` target group called `name`, created once."""
    try:
        groups = elbv2.describe_target_groups(Names=[name])["TargetGroups"]
    except elbv2.exceptions.TargetGroupNotFoundException:
        groups = []
    if groups:
        return str(groups[0]["TargetGroupArn"])
    # AWS takes no empty tag list: Tags is sent only with a tag in it.
    tags = {"Tags": [{"Key": "Name", "Value": name_tag}]} if name_tag else {}
    group = elbv2.create_target_group(
        Name=name,
        Protocol="HTTP",
        Port=80,
        VpcId=vpc_id,
        TargetType="ip",
        HealthCheckPath="/",
        **tags,
    )["TargetGroups"][0]
    return str(group["TargetGroupArn"])
