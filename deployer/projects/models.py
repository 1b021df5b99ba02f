"""Projects and their variables."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse

from deployer.core.crypto import EncryptedTextField
from targets.models import Environment

slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    "Use lowercase letters, digits and single hyphens, e.g. payments-api.",
)


class Project(models.Model):
    """A named unit of deployment with variables and one or more ECS service steps."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, validators=[slug_validator])
    description = models.TextField(blank=True)
    # None: the default lifecycle, every environment in order, each a required phase.
    lifecycle = models.ForeignKey(
        "lifecycles.Lifecycle",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "deployer_project"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.slug])


class Variable(models.Model):
    """One value of a project variable, for all environments or scoped to some."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="variables")
    name = models.CharField(max_length=200)
    # A sensitive value is kept encrypted here and never shown again; plain values stay readable
    # in `value` so they can be searched and compared.
    value = models.TextField(blank=True)
    secret_value = EncryptedTextField(blank=True)
    is_sensitive = models.BooleanField("Sensitive", default=False)
    description = models.TextField(blank=True)
    environments = models.ManyToManyField(Environment, blank=True, related_name="variables")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "deployer_variable"
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["project", "name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_value(self) -> str:
        return self.secret_value if self.is_sensitive else self.value
