"""What the commands that name a release share: `--version` as the release's version, and
finding the release and the environment that `--project`, `--version` and `--environment` name."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from deployer.releases.models import Release
from targets.models import Environment


class ReleaseCommand(BaseCommand):
    """A command whose `--version` is a release's version."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # The contract's --version is the release version; it replaces Django's --version.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)


def add_release_arguments(parser: CommandParser) -> None:
    """`--project`, `--version` and `--environment`, each required."""
    parser.add_argument("--project", required=True, help="The project's slug.")
    parser.add_argument("--version", required=True, help="The release version.")
    parser.add_argument("--environment", required=True, help="The environment's name.")


def release_and_environment(options: dict[str, Any]) -> tuple[Release, Environment]:
    """The release and the environment the options name; a CommandError says what is missing."""
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
    return release, environment
