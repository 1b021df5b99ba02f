"""`manage.py import_service --project P --target T --service NAME`: a step from a service."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from deployer.aws.errors import AwsError
from deployer.projects.models import Project
from steps.actions import DuplicateStepName
from steps.document.model import DocumentError
from steps.importer.actions import create_step_from_service, read_service
from targets.models import ClusterTarget


class Command(BaseCommand):
    help = (
        "Read a running ECS service (DescribeServices, DescribeTaskDefinition) in a cluster "
        "target and add it to a project as a step. Settings the step cannot hold are listed. "
        "The service itself is not changed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--project", required=True, help="the project's slug")
        parser.add_argument("--target", required=True, help="the ECS cluster target's name")
        parser.add_argument("--service", required=True, help="the ECS service's name or ARN")
        parser.add_argument("--name", default="", help="the step's name (default: Deploy NAME)")
        parser.add_argument(
            "--dry-run", action="store_true", help="print the step document; create nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"--project {options['project']}: no project has this slug")
        target = ClusterTarget.objects.select_related("account").filter(name=options["target"])
        if not target.exists():
            names = ", ".join(ClusterTarget.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"--target {options['target']}: no such target (there are: {names})")
        try:
            preview = read_service(
                target.get(), options["service"], step_name=options["name"], interactive=False
            )
        except AwsError as error:
            raise CommandError(f"--service {options['service']}: {error.message}") from None
        imported = preview.imported
        for note in imported.notes:
            self.stdout.write(f"Note: {note}")
        for feed in imported.suggested_feeds:
            self.stdout.write(
                f"Suggested feed: no feed serves {feed.host}; add {feed.name} ({feed.kind}) with "
                f"the slug {feed.slug}."
            )
        self.stdout.write(f"Not carried over: {len(imported.unmapped)} setting(s)")
        for item in imported.unmapped:
            self.stdout.write(f"  {item}")
        if options["dry_run"]:
            self.stdout.write(preview.yaml)
            return
        try:
            result = create_step_from_service(project, preview)
        except DocumentError as error:
            for problem in error.problems:
                self.stderr.write(f"{problem}")
            raise CommandError(
                f"not imported ({len(error.problems)} problem(s)); nothing was changed"
            ) from None
        except DuplicateStepName as error:
            raise CommandError(f"--name: {error}") from None
        self.stdout.write(
            f"Created step {result.step.name!r} in project {project.slug} from service "
            f"{options['service']} in {target.get().name}."
        )
