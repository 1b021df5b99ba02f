"""A lifecycle is ordered phases, each some environments, required or optional."""

from __future__ import annotations

from django.db import models
from django.urls import reverse

from targets.models import Environment


class Lifecycle(models.Model):
    """The order a project's releases are promoted in; projects without one use the default
    (every environment in order, each a required phase)."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("lifecycles:edit-lifecycle", args=[self.pk])


class Phase(models.Model):
    """One step of a lifecycle: a release reaches these environments after the earlier phases."""

    lifecycle = models.ForeignKey(Lifecycle, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    environments = models.ManyToManyField(Environment, related_name="phases")
    optional = models.BooleanField(
        default=False,
        help_text="An optional phase may be skipped: later phases do not wait for it.",
    )

    class Meta:
        ordering = ["lifecycle", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.lifecycle}: {self.name}"
