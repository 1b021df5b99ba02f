"""Print the change plan of a release for an environment; exit 0 no changes, 2 changes, 1 error."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from deployer.plans.planner import compute_plan
from deployer.releases.models import Release
from targets.models import Environment

CHANGES = 2


class Command(BaseCommand):
    help = (
        "Print what deploying a release to an environment would change (a CloudFormation change "
        "set, never executed, and the service's settings diff). Exit status: 0 no changes "
        "(a redeploy that changes only tags counts as none), 2 changes, 1 the plan failed."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # The contract's --version is the release version; it replaces Django's --version.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, help="The project's slug.")
        parser.add_argument("--version", required=True, help="The release version.")
        parser.add_argument("--environment", required=True, help="The environment's name.")
        parser.add_argument("--json", action="store_true", help="Print the plan as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        release = (
            Release.objects.filter(project__slug=options["project"], version=options["version"])
            .select_related("project")
            .first()
        )
        if release is None:
            raise CommandError(f"No release {options['version']} in project {options['project']}.")
        environment = Environment.objects.filter(name__iexact=options["environment"]).first()
        if environment is None:
            names = ", ".join(Environment.objects.values_list("name", flat=True))
            raise CommandError(f"No environment {options['environment']}; there are: {names}.")
        plan = compute_plan(release, environment)
        if options["json"]:
            self.stdout.write(json.dumps(plan.to_dict(), indent=2))
        else:
            for line in plan.lines():
                self.stdout.write(line)
        if plan.error:
            raise CommandError(plan.error)
        if plan.has_changes:
            raise SystemExit(CHANGES)
