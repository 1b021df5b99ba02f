"""Print the change plan of a release for an environment; exit 0 no changes, 2 changes, 1 error."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from deployer.plans.planner import compute_plan
from deployer.releases.commands import (
    ReleaseCommand,
    add_release_arguments,
    release_and_environment,
)

CHANGES = 2


class Command(ReleaseCommand):
    help = (
        "Print what deploying a release to an environment would change (a CloudFormation change "
        "set, never executed, and the service's settings diff). Exit status: 0 no changes "
        "(a redeploy that changes only tags counts as none), 2 changes, 1 the plan failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_release_arguments(parser)
        parser.add_argument("--json", action="store_true", help="Print the plan as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        release, environment = release_and_environment(options)
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
