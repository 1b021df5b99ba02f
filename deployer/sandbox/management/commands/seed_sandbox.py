"""Seed the local sandbox and the app with a ready-to-use account, environments and targets."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from deployer.aws.errors import AwsError, aws_errors
from deployer.sandbox.seed_product import seed_targets


class Command(BaseCommand):
    help = (
        "Create, idempotently, a VPC, clusters and an ECR repository in the local sandbox, and "
        "the matching account, environments and ECS cluster targets in Deployer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url",
            default=settings.SANDBOX_URL,
            help="The sandbox (default DEPLOYER_SANDBOX_URL).",
        )

    def handle(self, *args: Any, url: str, **options: Any) -> None:
        from deployer.sandbox.seed import seed_aws

        try:
            with aws_errors("seeding the sandbox"):
                seeded = seed_aws(url)
        except AwsError as exc:
            raise CommandError(f"Could not seed the sandbox at {url}: {exc.message}") from exc
        resources = {
            "region": "us-east-1",
            "vpc_id": seeded.vpc_id,
            "subnet_ids": seeded.subnet_ids,
            "security_group_id": seeded.security_group_id,
            "target_group_arn": seeded.target_group_arn,
            "repository_uri": seeded.repository_uri,
        }
        if seeded.blue_green is not None:
            # For a blue/green, linear or canary step's advanced load balancing.
            resources.update(
                {
                    "alternate_target_group_arn": seeded.blue_green.alternate_target_group_arn,
                    "production_listener_rule_arn": seeded.blue_green.production_listener_rule_arn,
                    "test_listener_rule_arn": seeded.blue_green.test_listener_rule_arn,
                    "traffic_role_arn": seeded.blue_green.role_arn,
                }
            )
        targets = seed_targets(url, seeded.cluster_names, resources)
        self.stdout.write(
            f"Sandbox at {url} seeded: VPC {seeded.vpc_id}, "
            f"subnets {', '.join(seeded.subnet_ids)}, "
            f"security group {seeded.security_group_id}, "
            f"clusters {', '.join(seeded.cluster_names)}, "
            f"repository {seeded.repository_uri}."
        )
        self.stdout.write(f"Cluster targets: {', '.join(t.name for t in targets)}.")
