"""Approve or roll back the ECS service deployment a running deployment waits on."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from deployer.access.commands import command_user, require
from deployer.access.permissions import APPROVE
from deployer.audit.context import acting
from deployer.deployments.actions import CONTINUE_ACTIONS, continue_deployment
from deployer.deployments.models import Deployment
from deployer.releases.actions import ActionRefused


class Command(BaseCommand):
    help = (
        "Answer a deployment paused at an ECS lifecycle hook: continue (approve) or roll back. "
        "Roll back also stops a running ECS service deployment that is not paused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--deployment", type=int, required=True, help="The deployment id.")
        parser.add_argument("--action", required=True, choices=CONTINUE_ACTIONS)
        parser.add_argument(
            "--user",
            help="Act with this user's rights (an Approver of the environment). Default: the "
            "server's operator, who may do anything.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = command_user(options["user"])
        deployment = (
            Deployment.objects.select_related("release__project", "environment")
            .filter(pk=options["deployment"])
            .first()
        )
        if deployment is None:
            raise CommandError(f"No deployment {options['deployment']}.")
        require(user, APPROVE, deployment.release.project, deployment.environment)
        with acting(user, "command"):
            try:
                done = continue_deployment(deployment, user, options["action"])
            except ActionRefused as exc:
                raise CommandError("\n".join(exc.messages)) from exc
        self.stdout.write(done)
