"""Check deployed services for drift now; print each difference; exit 0 clean, 2 drifted."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from deployer.plans.drift import check_all_drift
from deployer.projects.models import Project
from targets.models import Environment

DRIFTED = 2


class Command(BaseCommand):
    help = (
        "Compare what runs (DescribeServices, DescribeTaskDefinition, CloudFormation drift "
        "detection) with what the last successful deployment made. Exit status: 0 nothing "
        "drifted, 2 something drifted, 1 a check failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", help="Only this project (its slug).")
        parser.add_argument("--environment", help="Only this environment (its name).")

    def handle(self, *args: Any, **options: Any) -> None:
        project = environment = None
        if options["project"]:
            project = Project.objects.filter(slug=options["project"]).first()
            if project is None:
                raise CommandError(f"No project {options['project']}.")
        if options["environment"]:
            environment = Environment.objects.filter(name__iexact=options["environment"]).first()
            if environment is None:
                raise CommandError(f"No environment {options['environment']}.")
        checks = check_all_drift(project, environment)
        if not checks:
            self.stdout.write("Nothing deployed to check.")
        drifted = failed = False
        for check in checks:
            self.stdout.write(
                f"{check.project.name} in {check.environment.name}: {check.get_status_display()}"
            )
            for difference in check.differences:
                self.stdout.write(
                    f"  {difference['step']} on {difference['target']}: {difference['setting']}: "
                    f"deployed {difference['deployed']}, running {difference['running']}"
                )
            for error in check.errors:
                self.stderr.write(f"  {error}")
            drifted = drifted or check.drifted
            failed = failed or bool(check.errors)
        if drifted:
            raise SystemExit(DRIFTED)
        if failed:
            raise SystemExit(1)
