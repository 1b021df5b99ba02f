"""AWS accounts, environments and ECS cluster targets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse

from deployer.core.crypto import EncryptedTextField
from targets.regions import REGION_CHOICES

if TYPE_CHECKING:
    from deployer.aws.ecs import ClusterCheck

cluster_name_validator = RegexValidator(
    r"^[A-Za-z0-9_-]{1,255}$",
    "Use 1-255 letters, digits, hyphens and underscores (the ECS rule for cluster names).",
)
role_arn_validator = RegexValidator(
    r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$",
    "Enter an IAM role ARN such as arn:aws:iam::123456789012:role/deployer.",
)
access_key_validator = RegexValidator(
    r"^[A-Z0-9]{16,128}$", "An access key id is 16-128 capital letters and digits."
)


class AwsAccount(models.Model):
    """Credentials for calling AWS: keys or the default chain, optionally assuming a role."""

    class Credentials(models.TextChoices):
        KEYS = "keys", "Access key"
        DEFAULT_CHAIN = "default", "Default credential chain (instance role, environment, profile)"

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    credentials = models.CharField(
        max_length=10, choices=Credentials.choices, default=Credentials.KEYS
    )
    access_key_id = models.CharField(
        "Access key", max_length=128, blank=True, validators=[access_key_validator]
    )
    secret_access_key = EncryptedTextField("Secret key", blank=True)
    role_arn = models.CharField(
        "Assume role ARN", max_length=2048, blank=True, validators=[role_arn_validator]
    )
    role_session_name = models.CharField(
        "Role session name",
        max_length=64,
        blank=True,
        validators=[RegexValidator(r"^[\w+=,.@-]{2,64}$", "2-64 of letters, digits and +=,.@_-")],
    )
    external_id = models.CharField("External ID", max_length=1224, blank=True)
    session_duration = models.PositiveIntegerField(
        "Session duration (seconds)",
        default=3600,
        validators=[MinValueValidator(900), MaxValueValidator(43200)],
    )
    endpoint_url = models.URLField(
        "Endpoint URL",
        blank=True,
        help_text="Leave blank for AWS. Set it to reach an AWS-compatible endpoint such as the "
        "local sandbox.",
    )
    is_sandbox = models.BooleanField(default=False, editable=False)
    # What the sandbox seed created for a demo service (subnet_ids, security_group_id,
    # target_group_arn, vpc_id, repository_uri, region), shown so a step can be filled in from
    # the browser. Rewritten by every seed: a restarted sandbox has new ids.
    sandbox_resources = models.JSONField(default=dict, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        # Never let a secret reach a log line through repr().
        return f"<AwsAccount {self.pk}: {self.name}>"

    def get_absolute_url(self) -> str:
        return reverse("targets:edit-account", args=[self.pk])

    @property
    def label(self) -> str:
        return "Local sandbox (simulated AWS)" if self.is_sandbox else "Amazon Web Services"


class Environment(models.Model):
    """A stage a release moves through: Development, Staging, Production…"""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    sort_order = models.PositiveIntegerField(default=0, db_index=True)
    # Deploying here asks "are you sure?" naming the release and the environment first.
    production_like = models.BooleanField(
        "Production-like",
        default=False,
        help_text="Deployments to this environment ask for a confirmation that names the "
        "release and the environment.",
    )

    requires_approval = models.BooleanField(
        "Requires approval",
        default=False,
        help_text="Deployments here wait as Awaiting approval until an approver other than "
        "the person who asked approves them.",
    )

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("targets:edit-environment", args=[self.pk])


class TargetRole(models.Model):
    """A tag such as `web-cluster`; a step deploys to the cluster targets carrying its roles."""

    name = models.CharField(
        max_length=100,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Za-z0-9_.-]+$", "Use letters, digits, dots, hyphens, underscores.")
        ],
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClusterTarget(models.Model):
    """An ECS cluster in one account and region, serving some environments under some roles."""

    name = models.CharField(max_length=100, unique=True)
    account = models.ForeignKey(AwsAccount, on_delete=models.PROTECT, related_name="targets")
    region = models.CharField(max_length=32, choices=REGION_CHOICES, default="us-east-1")
    cluster_name = models.CharField(max_length=255, validators=[cluster_name_validator])
    roles = models.ManyToManyField(TargetRole, related_name="targets", blank=True)
    environments = models.ManyToManyField(Environment, related_name="targets", blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("targets:edit-target", args=[self.pk])

    def check_connection(self) -> ClusterCheck:
        """Ask AWS for this cluster; the result says whether deployments could reach it."""
        from deployer.aws.ecs import check_cluster
        from deployer.aws.session import ClientFactory

        return check_cluster(
            ClientFactory(self.account, interactive=True).client("ecs", self.region),
            self.cluster_name,
        )
