"""Webhook pages of a project: list, create, edit (with the secret and the attempts), delete."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from deployer.audit.record import record
from deployer.core.http import HtmxHttpRequest
from deployer.notifications.forms import WebhookForm
from deployer.notifications.models import Webhook
from deployer.projects.models import Project

ATTEMPTS_SHOWN = 50


def list_webhooks(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = get_object_or_404(Project, slug=slug)
    webhooks = project.webhooks.all()
    return render(request, "notifications/list.html", {"project": project, "webhooks": webhooks})


def create_webhook(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = get_object_or_404(Project, slug=slug)
    form = WebhookForm(request.POST or None, instance=Webhook(project=project))
    if request.method == "POST" and form.is_valid():
        webhook = form.save()
        record("webhook.created", f"Webhook {webhook} added to {project}", obj=webhook,
               project=project, details={"url": webhook.url, "events": webhook.events})  # fmt: skip
        messages.success(request, f"Webhook {webhook} added. Its secret is below.")
        return redirect(webhook)
    return render(
        request, "notifications/form.html", {"project": project, "form": form, "webhook": None}
    )


def show_webhook(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    webhook = get_object_or_404(
        Webhook.objects.select_related("project"), project__slug=slug, pk=pk
    )
    form = WebhookForm(request.POST or None, instance=webhook)
    if request.method == "POST" and form.is_valid():
        form.save()
        record("webhook.changed", f"Webhook {webhook} of {webhook.project} changed", obj=webhook,
               project=webhook.project, details={"fields": form.changed_data})  # fmt: skip
        messages.success(request, f"Webhook {webhook} saved.")
        return redirect(webhook)
    attempts = webhook.attempts.select_related("deployment")[:ATTEMPTS_SHOWN]
    return render(
        request,
        "notifications/form.html",
        {"project": webhook.project, "form": form, "webhook": webhook, "attempts": attempts},
    )


def delete_webhook(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    webhook = get_object_or_404(
        Webhook.objects.select_related("project"), project__slug=slug, pk=pk
    )
    if request.method == "POST":
        project = webhook.project
        record("webhook.deleted", f"Webhook {webhook} removed from {project}", obj=webhook,
               project=project)  # fmt: skip
        webhook.delete()
        messages.success(request, f"Webhook {webhook} deleted.")
        return redirect("webhooks:list", slug=slug)
    return render(
        request,
        "notifications/confirm_delete.html",
        {"object": webhook, "kind": "webhook", "project": webhook.project},
    )
