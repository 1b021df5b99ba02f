"""The deployment page: start, live log polling, cancel, downloads and the history."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from deployer.deployments.models import Deployment
from deployer.deployments.tasks import run_deployment
from deployer.releases.models import Release
from targets.models import Environment

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_deploy_button_queues_and_opens_the_deployment(
    admin_client: Client, release_with: Callable[..., Release]
) -> None:
    release = release_with("1.0.0")
    development = Environment.objects.get(name="Development")
    response = admin_client.post(
        reverse("releases:deploy", args=["web", release.version]),
        {"environment": development.pk},
    )
    deployment = Deployment.objects.get()
    assert response["Location"] == deployment.get_absolute_url()
    page = admin_client.get(deployment.get_absolute_url()).content.decode()
    assert "Queued" in page
    assert 'hx-trigger="every 1s"' in page
    assert "Queued by ada" in page


def test_deploying_where_no_target_serves_is_refused_with_a_message(
    admin_client: Client, release_with: Callable[..., Release]
) -> None:
    release = release_with("1.0.0")
    qa = Environment.objects.create(name="QA", sort_order=9)
    # In the project's lifecycle, so that only the missing target stands in the way.
    release.project.lifecycle.phases.create(name="QA", position=9, optional=True).environments.add(
        qa
    )
    response = admin_client.post(
        reverse("releases:deploy", args=["web", release.version]),
        {"environment": qa.pk},
        follow=True,
    )
    assert "No ECS cluster targets with role web-cluster in environment QA." in (
        response.content.decode()
    )
    assert not Deployment.objects.exists()


def test_polling_returns_new_lines_and_stops_with_286_when_finished(
    htmx_client: Client,
    release_with: Callable[..., Release],
    deploy: Callable[..., Deployment],
) -> None:
    deployment = deploy(release_with("1.0.0"))
    url = reverse("deployments:poll", args=[deployment.pk])
    response = htmx_client.get(url, {"after": 1})
    content = response.content.decode()
    assert response.status_code == 286
    assert 'hx-swap-oob="beforeend:#log-lines"' in content
    assert 'data-number="1"' not in content  # only lines after the last one seen
    assert 'data-number="2"' in content
    assert "Deployment Success." in content
    assert "hx-trigger" not in content  # the final header polls no more


def test_polling_an_unfinished_deployment_keeps_polling(
    htmx_client: Client, release_with: Callable[..., Release]
) -> None:
    from deployer.deployments.actions import start_deployment

    deployment = start_deployment(
        release_with("1.0.0"), Environment.objects.get(name="Development"), None
    )
    response = htmx_client.get(reverse("deployments:poll", args=[deployment.pk]), {"after": 0})
    assert response.status_code == 200
    assert f"?after={deployment.log_lines.count()}" in response.content.decode()


def test_a_failed_deployment_shows_the_failure_summary_and_filters_by_level(
    admin_client: Client,
    release_with: Callable[..., Release],
    deploy: Callable[..., Deployment],
) -> None:
    deployment = deploy(release_with("9.9.9"))  # a tag the sandbox registry does not have
    assert deployment.status == "failed"
    page = admin_client.get(deployment.get_absolute_url()).content.decode()
    assert 'id="failure-summary"' in page
    assert deployment.failure_code in page
    errors_only = admin_client.get(deployment.get_absolute_url(), {"level": "error"})
    lines = errors_only.content.decode().count('class="log-line')
    assert 0 < lines < deployment.log_lines.count()


def test_cancelling_a_queued_deployment(
    admin_client: Client, release_with: Callable[..., Release]
) -> None:
    from deployer.deployments.actions import start_deployment

    deployment = start_deployment(
        release_with("1.0.0"), Environment.objects.get(name="Development"), None
    )
    admin_client.post(reverse("deployments:cancel", args=[deployment.pk]))
    deployment.refresh_from_db()
    assert deployment.status == "cancelled"
    assert run_deployment(deployment.pk) == "nothing to do"


def test_template_and_document_downloads(
    admin_client: Client,
    release_with: Callable[..., Release],
    deploy: Callable[..., Deployment],
) -> None:
    deployment = deploy(release_with("1.0.0"))
    template = admin_client.get(
        reverse("deployments:download", args=[deployment.pk, "Deploy web", "template"])
    )
    assert (
        template["Content-Disposition"] == 'attachment; filename="Deploy web.cloudformation.yaml"'
    )
    assert b"AWS::ECS::Service" in template.content
    assert b"#{" not in template.content
    document = admin_client.get(
        reverse("deployments:download", args=[deployment.pk, "Deploy web", "document"])
    )
    assert b"task_definition_name:" in document.content
    missing = admin_client.get(
        reverse("deployments:download", args=[deployment.pk, "Nope", "template"])
    )
    assert missing.status_code == 404


def test_history_filters(
    admin_client: Client,
    release_with: Callable[..., Release],
    deploy: Callable[..., Deployment],
) -> None:
    good = deploy(release_with("1.0.0"))
    bad = deploy(release_with("9.9.9"))
    page = admin_client.get(reverse("deployments:list"), {"status": "failed"}).content.decode()
    assert f'href="/deployments/{bad.pk}/"' in page
    assert f'href="/deployments/{good.pk}/"' not in page
