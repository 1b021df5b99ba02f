"""A deployment's task log: numbered lines, secrets masked, written as they happen."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from deployer.deployments.models import Deployment, TaskLogLine
from deployer.projects.variables import Masker


def reserve_line_numbers(deployment_id: int, count: int) -> int:
    """Hand out `count` consecutive line numbers for one deployment; returns the last one.

    Must run inside a transaction. Several writers log to one deployment at once (the worker, a
    web request asking it to cancel, later an API), so no writer may keep its own counter. The
    counter lives on the Deployment row and is bumped with `UPDATE ... SET n = n + count`: the
    database evaluates the increment against the row as committed, and the UPDATE holds the row's
    write lock until the transaction ends (PostgreSQL locks the row; SQLite, opened with IMMEDIATE
    transactions, the whole database), so the read that follows sees our own increment and no
    other writer can take the same numbers. A read-then-insert (MAX(number) + 1) or a retry on
    IntegrityError would race or reorder lines; this never collides and never waits long.
    """
    Deployment.objects.filter(pk=deployment_id).update(log_line_count=F("log_line_count") + count)
    return int(
        Deployment.objects.filter(pk=deployment_id).values_list("log_line_count", flat=True).get()
    )


class TaskLog:
    """Appends lines to one deployment's log; any number of writers may log at the same time."""

    def __init__(self, deployment: Deployment, masker: Masker | None = None) -> None:
        self.deployment = deployment
        self.masker = masker or Masker()

    def write(self, level: str, text: str) -> None:
        lines = self.masker.mask(text).splitlines() or [""]
        with transaction.atomic():
            last = reserve_line_numbers(self.deployment.pk, len(lines))
            first = last - len(lines) + 1
            TaskLogLine.objects.bulk_create(
                TaskLogLine(deployment=self.deployment, number=first + i, level=level, text=line)
                for i, line in enumerate(lines)
            )

    def info(self, text: str) -> None:
        self.write(TaskLogLine.Level.INFO, text)

    def warning(self, text: str) -> None:
        self.write(TaskLogLine.Level.WARNING, text)

    def error(self, text: str) -> None:
        self.write(TaskLogLine.Level.ERROR, text)

    def verbose(self, text: str) -> None:
        self.write(TaskLogLine.Level.VERBOSE, text)
