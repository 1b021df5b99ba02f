"""Release pages: create with a tag picker, the snapshot, the diff, delete, the overview."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from deployer.deployments.models import Deployment
from deployer.projects.models import Project
from deployer.releases.models import Release
from steps.models import Step
from tests.deployments.conftest import log_text

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_create_page_suggests_a_version_and_preselects_the_newest_stable_tag(
    admin_client: Client, project: Project, release_with: Callable[..., Release]
) -> None:
    release_with("1.0.0", version="1.4.9")
    page = admin_client.get(reverse("releases:create", args=["web"])).content.decode()
    assert 'value="1.4.10"' in page
    tag_input = page[page.index('id="id_tag_0"') :]
    tag_input = tag_input[: tag_input.index(">")]
    # The newest push is the pre-release 2.1.0-crash: offered, never preselected.
    assert 'value="2.0.0"' in tag_input
    assert '<option value="2.1.0-crash">' in page
    assert '<option value="1.0.0">' in page


def test_create_release_through_the_form(admin_client: Client, project: Project) -> None:
    response = admin_client.post(
        reverse("releases:create", args=["web"]),
        {"version": "1.0.0", "notes": "First", "tag_0": "1.1.0"},
    )
    release = project.releases.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("releases:detail", args=["web", "1.0.0"])
    assert release.snapshot["images"][0]["image"].endswith("/demo/web:1.1.0")
    assert release.notes == "First"


def test_an_unknown_tag_is_allowed_with_a_warning(admin_client: Client, project: Project) -> None:
    response = admin_client.post(
        reverse("releases:create", args=["web"]),
        {"version": "1.0.0", "notes": "", "tag_0": "9.9.9"},
        follow=True,
    )
    assert "Tag 9.9.9 of demo/web was not found in Sandbox ECR" in response.content.decode()
    assert project.releases.count() == 1


@pytest.mark.parametrize(
    ("version", "message"),
    [("one", "is not a version"), ("", "This field is required.")],
)
def test_bad_versions_are_refused(
    admin_client: Client, project: Project, version: str, message: str
) -> None:
    response = admin_client.post(
        reverse("releases:create", args=["web"]), {"version": version, "tag_0": "1.0.0"}
    )
    assert message in response.content.decode()
    assert not project.releases.exists()


def test_a_duplicate_version_is_refused(
    admin_client: Client, project: Project, release_with: Callable[..., Release]
) -> None:
    release_with("1.0.0", version="1.0.0")
    response = admin_client.post(
        reverse("releases:create", args=["web"]), {"version": "1.0.0", "tag_0": "1.0.0"}
    )
    assert "Version 1.0.0 already exists in Web; choose another." in response.content.decode()


def test_a_step_invalid_for_its_literal_values_is_refused(
    admin_client: Client, project: Project
) -> None:
    step = Step.objects.get()
    step.document["task_size"]["memory"] = 4096
    step.save()
    response = admin_client.post(
        reverse("releases:create", args=["web"]), {"version": "1.0.0", "tag_0": "1.0.0"}
    )
    assert "Step Deploy web: task_size.memory: 4096 MiB is not valid with 256 CPU units" in (
        response.content.decode()
    )


def test_a_project_without_steps_says_to_add_one(admin_client: Client, seeded: object) -> None:
    Project.objects.create(name="Empty", slug="empty")
    page = admin_client.get(reverse("releases:create", args=["empty"])).content.decode()
    assert "Add a step before creating a release." in page


def test_the_snapshot_does_not_change_when_the_project_does(
    admin_client: Client, project: Project, release_with: Callable[..., Release]
) -> None:
    from tests.conftest import make_variable

    make_variable(project, "DbPassword", "hunter22", sensitive=True)
    release = release_with("1.0.0")
    step = Step.objects.get()
    step.document["deployment"]["desired_count"] = 5
    step.save()
    project.variables.all().delete()
    release.refresh_from_db()
    assert release.snapshot["steps"][0]["document"]["deployment"]["desired_count"] == 2
    page = admin_client.get(
        reverse("releases:detail", args=["web", release.version])
    ).content.decode()
    assert "DbPassword" in page
    assert "hunter22" not in page


def test_the_diff_between_two_releases(
    admin_client: Client, project: Project, release_with: Callable[..., Release]
) -> None:
    old = release_with("1.0.0")
    new = release_with("1.1.0")
    response = admin_client.get(
        reverse("releases:detail", args=["web", new.version]),
        {"compare": old.version},
        headers={"HX-Request": "true", "HX-Target": "release-diff"},
    )
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="release-diff">')
    assert "-      &quot;tag&quot;: &quot;1.0.0&quot;" in content
    assert "+      &quot;tag&quot;: &quot;1.1.0&quot;" in content


def test_a_deployed_release_cannot_be_deleted(
    admin_client: Client,
    release_with: Callable[..., Release],
    deploy: Callable[..., Deployment],
) -> None:
    kept, unused = release_with("1.0.0"), release_with("1.1.0")
    deploy(kept)
    admin_client.post(reverse("releases:delete", args=["web", kept.version]))
    admin_client.post(reverse("releases:delete", args=["web", unused.version]))
    assert list(Release.objects.values_list("version", flat=True)) == [kept.version]


def test_the_overview_shows_the_latest_deployment_per_environment(
    admin_client: Client,
    release_with: Callable[..., Release],
    deploy: Callable[..., Deployment],
) -> None:
    release = release_with("1.0.0")
    deploy(release, "Development")
    page = admin_client.get(reverse("releases:list", args=["web"])).content.decode()
    row = page[page.index(f">{release.version}</a>") :]
    row = row[: row.index("</tr>")]
    cells = row.split("<td>")[1:]
    assert len(cells) == 3  # Development, Staging, Production
    assert "Success" in cells[0] and "dev" in cells[0]
    assert "Success" not in cells[1] + cells[2]


def test_the_dashboard_shows_each_projects_current_release_per_environment(
    admin_client: Client,
    release_with: Callable[..., Release],
    deploy: Callable[..., Deployment],
) -> None:
    old, new = release_with("1.0.0"), release_with("1.1.0")
    staged = deploy(old, "Staging")
    assert staged.status == "success", log_text(staged)
    developed = deploy(new, "Development")
    assert developed.status == "success", log_text(developed)
    failed = deploy(release_with("9.9.9"), "Development")
    assert failed.status == "failed"  # so the current release there stays the previous one
    page = admin_client.get(reverse("dashboard")).content.decode()
    row = page[page.index('id="current-releases"') :]
    row = row[row.index(">Web</a>") :]
    cells = row[: row.index("</tr>")].split("<td>")[1:]
    assert new.version in cells[0]
    assert old.version in cells[1]
    assert "badge" not in cells[2]


def test_an_unreachable_feed_is_explained_and_a_typed_tag_still_works(
    admin_client: Client, project: Project, settings: object
) -> None:
    settings.DOCKER_HUB_URL = "http://127.0.0.1:9"  # type: ignore[attr-defined]
    settings.FEED_TIMEOUT = 1  # type: ignore[attr-defined]
    step = Step.objects.get()
    step.document["containers"][0]["image"] = {"feed": "docker-hub", "package": "nginx"}
    step.save()
    page = admin_client.get(reverse("releases:create", args=["web"])).content.decode()
    assert "Type the tag instead." in page
    response = admin_client.post(
        reverse("releases:create", args=["web"]), {"version": "1.0.0", "tag_0": "1.27"}
    )
    assert response.status_code == 302
    assert project.releases.get().snapshot["images"][0]["image"] == "docker.io/library/nginx:1.27"
