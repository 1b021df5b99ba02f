"""Delivering deployment events to webhooks, on the queue: signed bodies, 3 tries with backoff."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from functools import partial
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task, schedule

from deployer.core.endpoints import is_allowed_endpoint, refusal
from deployer.deployments.models import Deployment
from deployer.notifications.models import EVENT_OF_STATUS, DeliveryAttempt, Event, Webhook

logger = logging.getLogger(__name__)

TRIES = 3
SIGNATURE_HEADER = "X-Deployer-Signature"


def queue_notifications(sender: object, deployment_id: int, status: str, **kwargs: Any) -> None:
    """Receiver of `status_changed`: once the change commits, one delivery task per webhook of
    the project that wants this event."""
    event = EVENT_OF_STATUS.get(status)
    if event is None:
        return
    with transaction.atomic():  # an error here rolls back this read only, not the deployment
        project_id = (
            Deployment.objects.filter(pk=deployment_id)
            .values_list("release__project_id", flat=True)
            .first()
        )
        if project_id is None:
            return
        webhooks = Webhook.objects.filter(project_id=project_id, active=True)
        wanted = [pk for pk, events in webhooks.values_list("pk", "events") if event in events]
    for webhook_id in wanted:
        transaction.on_commit(
            partial(
                async_task,
                "deployer.notifications.delivery.deliver",
                webhook_id,
                deployment_id,
                str(event),
                task_name=f"webhook-{webhook_id}-deployment-{deployment_id}-{event}",
            )
        )


def signature(secret: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of the body>`, the X-Deployer-Signature header's value."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def page_url(deployment: Deployment) -> str:
    return settings.PUBLIC_URL + deployment.get_absolute_url()


def generic_body(webhook: Webhook, deployment: Deployment, event: str) -> dict[str, Any]:
    return {
        "event": f"deployment.{event}",
        "webhook": webhook.name,
        "sent_at": timezone.now().isoformat(),
        "deployment": {
            "id": deployment.pk,
            "project": deployment.release.project.slug,
            "project_name": deployment.release.project.name,
            "release": deployment.release.version,
            "environment": deployment.environment.name,
            "status": deployment.status,
            "error_code": deployment.failure_code,
            "error_reason": deployment.failure_reason,
            "url": page_url(deployment),
        },
    }


def slack_body(deployment: Deployment, event: str) -> dict[str, Any]:
    what = dict(Event.choices)[event].removeprefix("Deployment ")
    text = (
        f"Deployment {deployment.pk} of {deployment.release.project.name} "
        f"{deployment.release.version} to {deployment.environment.name}: {what}."
    )
    if event == Event.FAILED and deployment.failure_reason:
        text += f" {deployment.failure_reason}"
    return {"text": f"{text} <{page_url(deployment)}|Open>"}


def body_for(webhook: Webhook, deployment: Deployment, event: str) -> bytes:
    data = (
        slack_body(deployment, event)
        if webhook.format == Webhook.Format.SLACK
        else generic_body(webhook, deployment, event)
    )
    return json.dumps(data).encode()


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return response.status_code, ""


def retry_delay(attempt: int) -> float:
    """Seconds before the try after `attempt`: the setting, then five times it."""
    return float(settings.WEBHOOK_RETRY_SECONDS * (5 ** (attempt - 1)))


def deliver(webhook_id: int, deployment_id: int, event: str, attempt: int = 1) -> str:
    """Queue task: post the event once; after a failure, schedule the next of TRIES tries.

    Every attempt is recorded with its response code (or the error). The wait before a retry is
    a schedule, not a sleep, so a receiver that is down never holds a worker that deployments
    need (the scheduler looks every 30 s, so a retry may come that much later). A failure is
    logged, and goes no further: the deployment it tells about is already decided.
    """
    webhook = Webhook.objects.filter(pk=webhook_id).first()
    deployment = (
        Deployment.objects.select_related("release__project", "environment")
        .filter(pk=deployment_id)
        .first()
    )
    if webhook is None or deployment is None:
        return "nothing to deliver"
    if not is_allowed_endpoint(webhook.url):
        DeliveryAttempt.objects.create(
            webhook=webhook,
            deployment=deployment,
            event=event,
            attempt=1,
            error=refusal("The webhook URL")[:500],
        )
        return "refused"
    body = body_for(webhook, deployment, event)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Deployer-Webhook",
        "X-Deployer-Event": f"deployment.{event}",
        SIGNATURE_HEADER: signature(webhook.secret, body),
    }
    while True:
        code, error = _post(webhook.url, body, headers)
        DeliveryAttempt.objects.create(
            webhook=webhook,
            deployment=deployment,
            event=event,
            attempt=attempt,
            response_code=code,
            error=error,
        )
        if code is not None and 200 <= code < 300:
            return "delivered"
        if attempt >= TRIES:
            break
        delay, attempt = retry_delay(attempt), attempt + 1
        if delay > 0:
            schedule(
                "deployer.notifications.delivery.deliver",
                webhook_id,
                deployment_id,
                event,
                attempt,
                schedule_type=Schedule.ONCE,
                next_run=timezone.now() + dt.timedelta(seconds=delay),
            )
            return f"try {attempt} scheduled in {delay:g} s"
    logger.warning(
        "Webhook %s of project %s: deployment.%s not delivered after %d tries",
        webhook.name,
        deployment.release.project.slug,
        event,
        TRIES,
    )
    return "failed"
