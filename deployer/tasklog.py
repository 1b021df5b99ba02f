"""A deployment's task log: numbered lines, secrets masked, written as they happen."""

from __future__ import annotations

from django.db.models import Max

from deployer.models import Deployment, TaskLogLine
from deployer.variables import Masker


class TaskLog:
    """Appends lines to one deployment's log. Only the worker holding the deployment writes."""

    def __init__(self, deployment: Deployment, masker: Masker | None = None) -> None:
        self.deployment = deployment
        self.masker = masker or Masker()
        last = deployment.log_lines.aggregate(last=Max("number"))["last"]
        self.number = last or 0

    def write(self, level: str, text: str) -> None:
        lines = self.masker.mask(text).splitlines() or [""]
        rows = []
        for line in lines:
            self.number += 1
            rows.append(
                TaskLogLine(deployment=self.deployment, number=self.number, level=level, text=line)
            )
        TaskLogLine.objects.bulk_create(rows)

    def info(self, text: str) -> None:
        self.write(TaskLogLine.Level.INFO, text)

    def warning(self, text: str) -> None:
        self.write(TaskLogLine.Level.WARNING, text)

    def error(self, text: str) -> None:
        self.write(TaskLogLine.Level.ERROR, text)

    def verbose(self, text: str) -> None:
        self.write(TaskLogLine.Level.VERBOSE, text)
