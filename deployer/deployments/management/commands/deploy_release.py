"""Deploy a release from the command line, streaming its task log; exit 0 on success, 1 if not."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandError, CommandParser

from deployer.access.commands import command_user, require
from deployer.access.permissions import DEPLOY
from deployer.audit.context import acting
from deployer.deployments.actions import start_deployment
from deployer.deployments.models import Deployment
from deployer.releases.actions import ActionRefused
from deployer.releases.commands import (
    ReleaseCommand,
    add_release_arguments,
    release_and_environment,
)

NO_WORKER_HINT_SECONDS = 30


class Command(ReleaseCommand):
    help = (
        "Queue a deployment of a release to an environment and stream its task log until it "
        "ends. Needs a running worker (python manage.py qcluster)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_release_arguments(parser)
        parser.add_argument(
            "--no-wait", action="store_true", help="Queue it, print its URL path, and exit."
        )
        parser.add_argument(
            "--force-reason",
            default="",
            help="Deploy even where the lifecycle says not yet (administrators and the operator "
            "only); the reason is logged.",
        )
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
        release, environment = release_and_environment(options)
        require(user, DEPLOY, release.project, environment)
        try:
            deployment = start_deployment(
                release, environment, user, force_reason=options["force_reason"]
            )
        except ActionRefused as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        self.stdout.write(f"Deployment {deployment.pk} queued: {deployment.get_absolute_url()}")
        if options["no_wait"]:
            return
        if not self._stream(deployment):
            raise SystemExit(1)

    def _summarise(self, deployment: Deployment) -> None:
        """The last lines a pipeline shows: the outcome, and for a failure its cause and a hint."""
        if deployment.status != Deployment.Status.FAILED:
            self.stdout.write(f"Deployment {deployment.pk}: {deployment.get_status_display()}.")
            return
        reason = deployment.failure_reason or deployment.failure_code or "no reason recorded"
        self.stderr.write(f"Deployment {deployment.pk} failed: {reason}")
        if deployment.failure_hint:
            self.stderr.write(f"Hint: {deployment.failure_hint}")

    def _stream(self, deployment: Deployment) -> bool:
        last = 0
        queued_since = time.monotonic()
        hinted = False
        while True:
            for number, level, text in deployment.log_lines.filter(number__gt=last).values_list(
                "number", "level", "text"
            ):
                last = number
                out = self.stderr if level == "error" else self.stdout
                out.write(text)
            deployment.refresh_from_db(
                fields=["status", "failure_code", "failure_reason", "failure_hint"]
            )
            if deployment.is_finished:
                self._summarise(deployment)
                return deployment.status == Deployment.Status.SUCCESS
            if deployment.is_awaiting_approval and not hinted:
                self.stdout.write(
                    f"Awaiting approval: an approver decides at {deployment.get_absolute_url()}"
                )
                hinted = True
            waited = time.monotonic() - queued_since
            if (
                deployment.status == Deployment.Status.QUEUED
                and not hinted
                and waited > NO_WORKER_HINT_SECONDS
            ):
                self.stderr.write("Still queued: is a worker running (python manage.py qcluster)?")
                hinted = True
            time.sleep(0.5)
