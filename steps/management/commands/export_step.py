"""`manage.py export_step --project SLUG --step NAME`: print a step's YAML document."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from steps.actions import export_step
from steps.models import Step


class Command(BaseCommand):
    help = "Print a step as its step document (YAML), ready for import_step."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--project", required=True, help="the project's slug")
        parser.add_argument("--step", required=True, help="the step's name")

    def handle(self, *args: Any, **options: Any) -> None:
        step = (
            Step.objects.select_related("project")
            .filter(project__slug=options["project"], name=options["step"])
            .first()
        )
        if step is None:
            raise CommandError(
                f"no step named {options['step']!r} in a project with slug {options['project']!r}"
            )
        self.stdout.write(export_step(step), ending="")
