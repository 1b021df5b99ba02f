"""Feeds: where container images come from."""

from __future__ import annotations

from django.db import models

from deployer.core.crypto import EncryptedTextField
from deployer.projects.models import slug_validator
from targets.models import AwsAccount


class Feed(models.Model):
    """Where container images come from: Docker Hub, a Docker Registry v2, or Amazon ECR."""

    class Kind(models.TextChoices):
        DOCKER_HUB = "docker-hub", "Docker Hub"
        REGISTRY = "registry", "Docker Registry v2"
        ECR = "ecr", "Amazon ECR"

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, validators=[slug_validator])
    kind = models.CharField(max_length=20, choices=Kind.choices)
    url = models.URLField("Registry URL", blank=True)
    username = models.CharField(max_length=200, blank=True)
    password = EncryptedTextField("Password or token", blank=True)
    account = models.ForeignKey(
        AwsAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="feeds"
    )
    region = models.CharField(max_length=32, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "deployer_feed"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<Feed {self.pk}: {self.slug}>"
