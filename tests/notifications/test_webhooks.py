"""Webhooks: the events chosen, signed bodies, three tries listed on the page, never a failure."""

from __future__ import annotations

import ast
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from deployer.deployments import actions
from deployer.deployments.events import announce, status_changed
from deployer.deployments.models import Deployment
from deployer.notifications.models import DeliveryAttempt, Webhook
from deployer.releases.models import Release
from tests.api.conftest import deployment_to
from tests.conftest import client_for, stage
from tests.notifications.receiver import Receiver, valid_signature, webhook_receiver

ALL_EVENTS = ["queued", "awaiting_approval", "succeeded", "failed", "cancelled"]


@pytest.fixture
def receiver(settings: Any, sync_queue: None) -> Iterator[Receiver]:
    settings.WEBHOOK_RETRY_SECONDS = 0
    with webhook_receiver() as receiver:
        settings.ALLOWED_ENDPOINTS = [receiver.url]
        yield receiver


def test_queued_and_cancelled_events_are_delivered_signed_to_the_webhooks_that_want_them(
    receiver: Receiver,
    release: Release,
    developer: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No worker picks the deployment up: it stays queued until it is cancelled.
    monkeypatch.setattr(actions, "enqueue_deployment", lambda pk: None)
    hook = Webhook.objects.create(
        project=release.project, name="CI", url=receiver.url, events=["queued", "cancelled"]
    )
    Webhook.objects.create(
        project=release.project, name="Chat", url=receiver.url, events=["failed"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        deployment = actions.start_deployment(release, stage("Development"), developer)
    with django_capture_on_commit_callbacks(execute=True):
        actions.cancel_deployment(deployment, developer)
    assert [r.data["event"] for r in receiver.requests] == [
        "deployment.queued",
        "deployment.cancelled",
    ]
    first = receiver.requests[0]
    assert valid_signature(hook.secret, first.headers, first.body)
    assert first.data["deployment"]["id"] == deployment.pk
    assert first.data["deployment"]["environment"] == "Development"
    assert first.headers["X-Deployer-Event"] == "deployment.queued"


def test_three_tries_each_listed_with_its_response_code(
    receiver: Receiver,
    release: Release,
    admin: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    receiver.answers = [500, 502, 503]
    hook = Webhook.objects.create(
        project=release.project, name="Flaky", url=receiver.url, events=ALL_EVENTS
    )
    deployment = deployment_to(release, "Staging", Deployment.Status.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        announce(deployment.pk, deployment.status)
    codes = list(
        DeliveryAttempt.objects.order_by("attempt").values_list("response_code", flat=True)
    )
    assert codes == [500, 502, 503] and len(receiver.requests) == 3
    page = client_for(admin).get(hook.get_absolute_url()).content.decode()
    assert "Deployment failed" in page and ">503<" in page and hook.secret in page


def test_a_failing_webhook_never_fails_the_deployment(
    receiver: Receiver,
    release: Release,
    developer: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(**kwargs: object) -> None:
        raise RuntimeError("the receiver's bug")

    monkeypatch.setattr(actions, "enqueue_deployment", lambda pk: None)
    status_changed.connect(broken, dispatch_uid="broken-receiver")
    try:
        Webhook.objects.create(
            project=release.project, name="Gone", url="http://127.0.0.1:9/", events=ALL_EVENTS
        )
        with django_capture_on_commit_callbacks(execute=True):
            deployment = actions.start_deployment(release, stage("Development"), developer)
    finally:
        status_changed.disconnect(dispatch_uid="broken-receiver")
    assert Deployment.objects.get(pk=deployment.pk).status == "queued"


def test_slack_format_is_plain_text(
    receiver: Receiver, release: Release, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    Webhook.objects.create(
        project=release.project, name="Slack", url=receiver.url, events=["failed"], format="slack"
    )
    deployment = deployment_to(release, "Staging", Deployment.Status.FAILED)
    Deployment.objects.filter(pk=deployment.pk).update(failure_reason="Out of memory")
    with django_capture_on_commit_callbacks(execute=True):
        announce(deployment.pk, "failed")
    text = receiver.requests[0].data["text"]
    assert text.startswith(f"Deployment {deployment.pk} of Payments 1.0.0 to Staging: failed.")
    assert "Out of memory" in text


def test_the_pages_create_edit_and_delete_webhooks_and_refuse_a_plain_http_url(
    admin: User, release: Release, developer: User, outsider: User
) -> None:
    client = client_for(developer)
    base = "/projects/payments/webhooks/"
    refused = client.post(f"{base}new/", {"name": "x", "url": "http://10.1.2.3/hook",
                                          "events": ["failed"], "format": "generic"})  # fmt: skip
    assert "DEPLOYER_ALLOWED_ENDPOINTS" in refused.content.decode()
    made = client.post(f"{base}new/", {"name": "CI", "url": "https://ci.example.com/hook",
                                       "events": ["succeeded", "failed"], "format": "generic",
                                       "active": "on"})  # fmt: skip
    hook = Webhook.objects.get()
    assert made.status_code == 302 and hook.events == ["succeeded", "failed"]
    assert "CI" in client.get(base).content.decode()
    client.post(hook.get_absolute_url(), {"name": "CI", "url": hook.url, "events": ["failed"],
                                          "format": "slack"})  # fmt: skip
    hook.refresh_from_db()
    assert (hook.events, hook.format, hook.active) == (["failed"], "slack", False)
    assert client_for(outsider).get(base).status_code == 403
    client.post(f"{base}{hook.pk}/delete/")
    assert not Webhook.objects.exists()


def test_a_retry_waits_as_a_schedule_not_in_a_worker(
    receiver: Receiver,
    release: Release,
    settings: Any,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    from django_q.models import Schedule

    from deployer.notifications.delivery import deliver

    settings.WEBHOOK_RETRY_SECONDS = 5
    receiver.answers = [503, 200]
    Webhook.objects.create(
        project=release.project, name="Restarting", url=receiver.url, events=ALL_EVENTS
    )
    deployment = deployment_to(release, "Staging", Deployment.Status.SUCCESS)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        announce(deployment.pk, deployment.status)
    assert time.monotonic() - started < 5  # the first try returned at once
    [retry] = Schedule.objects.filter(func="deployer.notifications.delivery.deliver")
    assert retry.schedule_type == Schedule.ONCE
    assert 4 <= (retry.next_run - timezone.now()).total_seconds() <= 5
    # What the scheduler runs when the time comes: the second try, which is delivered.
    assert deliver(*ast.literal_eval(retry.args)) == "delivered"
    attempts = DeliveryAttempt.objects.order_by("attempt").values_list("attempt", "response_code")
    assert list(attempts) == [(1, 503), (2, 200)]
