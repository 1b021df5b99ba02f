"""`manage.py import_step --project SLUG FILE`: create or replace a step from its YAML document."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from steps.actions import DuplicateStepName, import_step_into_project_slug
from steps.document.model import DocumentError


class Command(BaseCommand):
    help = (
        "Create or replace the step named in a step document (YAML). The project is created when "
        "its slug does not exist yet. Nothing changes when the document has any problem."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--project", required=True, help="the project's slug")
        parser.add_argument("file", help="the step document; - reads standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {path}: {error}") from None
        try:
            result = import_step_into_project_slug(options["project"], text)
        except DocumentError as error:
            for problem in error.problems:
                self.stderr.write(f"{path}: {problem}")
            raise CommandError(
                f"{path}: not imported ({len(error.problems)} problem(s)); nothing was changed"
            ) from None
        except DuplicateStepName as error:
            raise CommandError(f"{path}: {error}") from None
        except ValidationError as error:
            raise CommandError(
                f"--project {options['project']}: {' '.join(error.messages)}"
            ) from None
        verb = "Created" if result.created else "Replaced"
        step = result.step
        self.stdout.write(
            f"{verb} step {step.name!r} in project {step.project.slug} (revision {step.revision})"
        )
