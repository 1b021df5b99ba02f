"""`create_release` and `deploy_release`, as a CI pipeline calls them."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from deployer.deployments.models import Deployment
from deployer.projects.models import Project

pytestmark = [pytest.mark.database, pytest.mark.slow]


def command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_create_release_prints_the_version_and_pins_the_newest_stable_tag(project: Project) -> None:
    out, _ = command("create_release", "--project", "web")
    assert out.strip() == "0.0.1"
    release = project.releases.get()
    # The newest push is the pre-release 2.1.0-crash: only pinned by hand.
    assert release.snapshot["images"][0]["tag"] == "2.0.0"
    out, _ = command("create_release", "--project", "web", "--image", "demo/web=1.1.0")
    assert out.strip() == "0.0.2"
    assert project.releases.get(version="0.0.2").snapshot["images"][0]["tag"] == "1.1.0"


@pytest.mark.django_db
def test_create_release_refuses_bad_input(project: Project) -> None:
    with pytest.raises(CommandError, match="uses no image named nginx"):
        command("create_release", "--project", "web", "--image", "nginx=1.27")
    with pytest.raises(CommandError, match="write it as PACKAGE=TAG"):
        command("create_release", "--project", "web", "--image", "demo/web")
    with pytest.raises(CommandError, match="No project with slug nope"):
        command("create_release", "--project", "nope")
    command("create_release", "--project", "web", "--version", "1.0.0")
    with pytest.raises(CommandError, match=r"Version 1\.0\.0 already exists in Web"):
        command("create_release", "--project", "web", "--version", "1.0.0")
    with pytest.raises(CommandError, match="is not a version"):
        command("create_release", "--project", "web", "--version", "one")


@pytest.mark.django_db
def test_create_release_of_a_project_without_steps_is_refused(seeded: object) -> None:
    Project.objects.create(name="Empty", slug="empty")
    with pytest.raises(CommandError, match=r"Add a step before creating a release\."):
        command("create_release", "--project", "empty")


@pytest.fixture
def synchronous_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    # The queue runs each task in this process as it is queued: the command's own polling loop
    # then reads a finished deployment, exactly as it would read one a worker finished.
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_deploy_release_streams_the_log_and_exits_0_on_success(
    project: Project, synchronous_queue: None
) -> None:
    command("create_release", "--project", "web", "--image", "demo/web=1.0.0")
    out, _ = command(
        "deploy_release", "--project", "web", "--version", "0.0.1", "--environment", "development"
    )
    deployment = Deployment.objects.get()
    assert f"Deployment {deployment.pk} queued: /deployments/{deployment.pk}/" in out
    assert "Deployment Success." in out
    assert deployment.status == "success"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_deploy_release_exits_1_on_failure(project: Project, synchronous_queue: None) -> None:
    command("create_release", "--project", "web", "--image", "demo/web=9.9.9")
    with pytest.raises(SystemExit) as exit_:
        command(
            "deploy_release", "--project", "web", "--version", "0.0.1", "--environment",
            "Development",
        )  # fmt: skip
    assert exit_.value.code == 1
    assert Deployment.objects.get().status == "failed"


@pytest.mark.django_db
def test_deploy_release_names_what_is_missing(project: Project) -> None:
    with pytest.raises(CommandError, match=r"No release 9\.9 in project web"):
        command("deploy_release", "--project", "web", "--version", "9.9", "--environment", "x")
    command("create_release", "--project", "web", "--image", "demo/web=1.0.0")
    with pytest.raises(CommandError, match="No environment Nowhere; there are: Development"):
        command(
            "deploy_release", "--project", "web", "--version", "0.0.1", "--environment", "Nowhere"
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_deploy_release_ends_with_the_cause_of_a_failure(
    project: Project, synchronous_queue: None
) -> None:
    command("create_release", "--project", "web", "--image", "demo/web=2.1.0-crash")
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "deploy_release", "--project", "web", "--version", "0.0.1", "--environment",
            "Development", stdout=StringIO(), stderr=err,
        )  # fmt: skip
    deployment = Deployment.objects.get()
    last = err.getvalue().strip().splitlines()[-2:]
    assert last[0].startswith(
        f"Deployment {deployment.pk} failed: Essential container in task exited: container web "
        "exit code 1"
    ), last
    assert last[0].endswith(deployment.failure_reason)
    assert last[1] == f"Hint: {deployment.failure_hint}"
