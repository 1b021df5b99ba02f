"""The task log: any number of writers log to one deployment at once without colliding."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from deployer.deployments.models import Deployment
from deployer.deployments.tasklog import TaskLog
from deployer.projects.models import Project
from deployer.releases.models import Release
from tests.conftest import make_environment

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LINES_EACH = 40


def test_two_writers_logging_at_once_never_collide() -> None:
    project = Project.objects.create(name="Web", slug="web")
    release = Release.objects.create(project=project, version="1.0.0", snapshot={})
    deployment = Deployment.objects.create(release=release, environment=make_environment())
    TaskLog(deployment).info("Queued.")
    # Both logs exist before either writes, as the worker's does when a web request cancels.
    worker, web = TaskLog(deployment), TaskLog(deployment)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(log: TaskLog, name: str) -> None:
        try:
            start.wait()
            for index in range(LINES_EACH):
                log.info(f"{name} {index}\n{name} {index} continued")
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=write, args=(worker, "worker")),
        threading.Thread(target=write, args=(web, "web")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    lines = list(deployment.log_lines.order_by("number").values_list("number", "text"))
    total = 1 + 2 * 2 * LINES_EACH
    assert [number for number, _ in lines] == list(range(1, total + 1))
    texts = [text for _, text in lines]
    for name in ("worker", "web"):
        # Each writer's lines keep their order, and a multi-line message stays together.
        own = [text for text in texts if text.split()[0] == name]
        assert own == [
            line
            for index in range(LINES_EACH)
            for line in (f"{name} {index}", f"{name} {index} continued")
        ]
        for index in range(LINES_EACH):
            first = texts.index(f"{name} {index}")
            assert texts[first + 1] == f"{name} {index} continued"
    deployment.refresh_from_db()
    assert deployment.log_line_count == total
