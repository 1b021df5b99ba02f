"""Create a release from the command line (for CI pipelines); prints its version."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from deployer.access.commands import command_user, require
from deployer.access.permissions import CREATE_RELEASE
from deployer.audit.context import acting
from deployer.projects.models import Project
from deployer.releases.actions import ActionRefused, choose_tags, create_release
from deployer.releases.commands import ReleaseCommand
from deployer.releases.snapshot import suggest_version


class Command(ReleaseCommand):
    help = (
        "Create a release of a project. Images not given with --image get their feed's newest "
        "tag. Prints the version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, help="The project's slug.")
        parser.add_argument("--version", help="Default: the last release's, incremented.")
        parser.add_argument(
            "--image",
            action="append",
            default=[],
            metavar="PACKAGE=TAG",
            help="Pin an image's tag, e.g. --image demo/web=1.2.0 (repeatable).",
        )
        parser.add_argument("--notes", default="", help="Release notes.")
        parser.add_argument(
            "--user",
            help="Act with this user's rights (exit status 2 when refused). Default: the "
            "server's operator, who may do anything.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = command_user(options["user"])
        # Changes are recorded in the audit trail as this user's (or the operator's), by command.
        with acting(user, "command"):
            self._handle(user, options)

    def _handle(self, user: Any, options: dict[str, Any]) -> None:
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project with slug {options['project']}.")
        require(user, CREATE_RELEASE, project)
        pinned: dict[str, str] = {}
        for item in options["image"]:
            package, sep, tag = item.partition("=")
            if not sep or not package or not tag:
                raise CommandError(f"--image {item}: write it as PACKAGE=TAG, e.g. nginx=1.27.")
            pinned[package] = tag
        try:
            tags = choose_tags(project, pinned)
        except ActionRefused as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        latest = project.releases.first()
        version = options["version"] or suggest_version(latest.version if latest else None)
        try:
            release = create_release(
                project, version=version, tags=tags, notes=options["notes"], user=user
            )
        except ActionRefused as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        self.stdout.write(release.version)
