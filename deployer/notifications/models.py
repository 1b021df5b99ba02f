"""Webhook (a project's subscriber to deployment events) and each delivery attempt to it."""

from __future__ import annotations

import secrets

from django.db import models
from django.urls import reverse

from deployer.core.crypto import EncryptedTextField


class Event(models.TextChoices):
    """What a webhook can be told, keyed as the generic body's `event` (`deployment.<key>`)."""

    QUEUED = "queued", "Deployment queued"
    AWAITING_APPROVAL = "awaiting_approval", "Deployment awaiting approval"
    SUCCEEDED = "succeeded", "Deployment succeeded"
    FAILED = "failed", "Deployment failed"
    CANCELLED = "cancelled", "Deployment cancelled"


# The deployment status each event follows (Deployment.Status values).
EVENT_OF_STATUS = {
    "queued": Event.QUEUED,
    "awaiting_approval": Event.AWAITING_APPROVAL,
    "success": Event.SUCCEEDED,
    "failed": Event.FAILED,
    "cancelled": Event.CANCELLED,
}


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Webhook(models.Model):
    class Format(models.TextChoices):
        GENERIC = "generic", "Generic JSON (signed)"
        SLACK = "slack", "Slack-compatible text"

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="webhooks"
    )
    name = models.CharField(max_length=100)
    url = models.URLField("URL", max_length=500)
    events = models.JSONField(default=list)
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.GENERIC)
    # Signs each body (X-Deployer-Signature); stored encrypted, shown to the project's editors.
    secret = EncryptedTextField(default=new_secret)
    active = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("webhooks:detail", kwargs={"slug": self.project.slug, "pk": self.pk})

    def event_labels(self) -> list[str]:
        labels = dict(Event.choices)
        return [str(labels[event]) for event in self.events if event in labels]


class DeliveryAttempt(models.Model):
    """One try at delivering one event: the response code, or why there was none."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="attempts")
    deployment = models.ForeignKey(
        "deployments.Deployment", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    event = models.CharField(max_length=30, choices=Event.choices)
    attempt = models.PositiveSmallIntegerField()
    response_code = models.PositiveSmallIntegerField(null=True)
    error = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.event} try {self.attempt}: {self.response_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.response_code is not None and 200 <= self.response_code < 300
