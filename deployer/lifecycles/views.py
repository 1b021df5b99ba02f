"""Lifecycle pages, for administrators: the list, a lifecycle with its phases."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Max
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from deployer.core.http import HtmxHttpRequest
from deployer.lifecycles.forms import LifecycleForm, PhaseForm
from deployer.lifecycles.models import Lifecycle, Phase
from targets.models import Environment


def list_lifecycles(request: HtmxHttpRequest) -> HttpResponse:
    lifecycles = Lifecycle.objects.prefetch_related("phases__environments", "projects")
    default = list(Environment.objects.all())
    return render(request, "lifecycles/list.html", {"lifecycles": lifecycles, "default": default})


def create_lifecycle(request: HtmxHttpRequest) -> HttpResponse:
    form = LifecycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        lifecycle = form.save()
        messages.success(request, f"Lifecycle {lifecycle.name} created; now add its phases.")
        return redirect(lifecycle)
    return render(
        request,
        "base_form.html",
        {"form": form, "title": "New lifecycle", "cancel_url": "lifecycles:list-lifecycles"},
    )


def _page(
    request: HtmxHttpRequest, lifecycle: Lifecycle, form: object, phase_form: object
) -> HttpResponse:
    return render(
        request,
        "lifecycles/edit.html",
        {
            "lifecycle": lifecycle,
            "form": form,
            "phase_form": phase_form,
            "phases": lifecycle.phases.prefetch_related("environments"),
        },
    )


def edit_lifecycle(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    lifecycle = get_object_or_404(Lifecycle, pk=pk)
    form = LifecycleForm(request.POST or None, instance=lifecycle)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Lifecycle {lifecycle.name} saved.")
        return redirect(lifecycle)
    return _page(request, lifecycle, form, PhaseForm(prefix="phase"))


@require_POST
def add_phase(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    lifecycle = get_object_or_404(Lifecycle, pk=pk)
    last = lifecycle.phases.aggregate(last=Max("position"))["last"]
    phase = Phase(lifecycle=lifecycle, position=(last or 0) + 1)
    phase_form = PhaseForm(request.POST, prefix="phase", instance=phase)
    if phase_form.is_valid():
        phase_form.save()
        messages.success(request, f"Phase {phase.name} added.")
        return redirect(lifecycle)
    return _page(request, lifecycle, LifecycleForm(instance=lifecycle), phase_form)


@require_POST
def remove_phase(request: HtmxHttpRequest, pk: int, phase: int) -> HttpResponse:
    get_object_or_404(Phase, lifecycle_id=pk, pk=phase).delete()
    messages.success(request, "Phase removed.")
    return redirect("lifecycles:edit-lifecycle", pk=pk)
