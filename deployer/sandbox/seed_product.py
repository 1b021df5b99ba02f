"""The app-side half of the sandbox seed: account, feed, environments and cluster targets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from deployer.feeds.models import Feed
from targets.actions import add_environment
from targets.models import AwsAccount, ClusterTarget, Environment, TargetRole

SANDBOX_ACCOUNT_NAME = "Local sandbox"
SANDBOX_ENVIRONMENTS = ["Development", "Staging", "Production"]
SANDBOX_ROLE = "web-cluster"
SANDBOX_FEED_SLUG = "sandbox-ecr"
SANDBOX_FEED_NAME = "Sandbox ECR"
SANDBOX_FEED_REGION = "us-east-1"


def ensure_sandbox_feed(account: AwsAccount) -> Feed:
    """The sandbox's ECR as a feed on the sandbox account; an existing one is left as it is."""
    feed, _ = Feed.objects.get_or_create(
        slug=SANDBOX_FEED_SLUG,
        defaults={
            "name": SANDBOX_FEED_NAME,
            "kind": Feed.Kind.ECR,
            "account": account,
            "region": SANDBOX_FEED_REGION,
        },
    )
    return feed


@transaction.atomic
def seed_targets(
    sandbox_url: str,
    cluster_names: Iterable[str],
    resources: Mapping[str, Any] | None = None,
) -> list[ClusterTarget]:
    """Create what is missing; never overwrite what a user changed, except the sandbox endpoint.

    `resources` are the sandbox's network ids and target group (see `AwsAccount.sandbox_resources`).
    """
    account, _ = AwsAccount.objects.get_or_create(
        name=SANDBOX_ACCOUNT_NAME,
        defaults={
            "description": "The local sandbox started by `make run`: simulated AWS, no real "
            "resources and no cost.",
            "credentials": AwsAccount.Credentials.KEYS,
            # The sandbox accepts any keys; these are clearly not real ones.
            "access_key_id": "SANDBOXACCESSKEY",
            "secret_access_key": "sandbox-secret-key",
            "endpoint_url": sandbox_url,
            "is_sandbox": True,
        },
    )
    if account.endpoint_url != sandbox_url or not account.is_sandbox:
        account.endpoint_url = sandbox_url
        account.is_sandbox = True
        account.save(update_fields=["endpoint_url", "is_sandbox", "updated"])
    if resources is not None and account.sandbox_resources != dict(resources):
        account.sandbox_resources = dict(resources)
        account.save(update_fields=["sandbox_resources", "updated"])
    ensure_sandbox_feed(account)
    role, _ = TargetRole.objects.get_or_create(name=SANDBOX_ROLE)
    clusters = set(cluster_names)
    targets = []
    for name in SANDBOX_ENVIRONMENTS:
        environment = Environment.objects.filter(name=name).first() or add_environment(
            Environment(
                name=name,
                production_like=name == "Production",
                requires_approval=name == "Production",
            )
        )
        cluster_name = name.lower()
        if cluster_name not in clusters:
            continue
        target, created = ClusterTarget.objects.get_or_create(
            name=f"sandbox-{cluster_name}",
            defaults={"account": account, "region": "us-east-1", "cluster_name": cluster_name},
        )
        if created:
            target.roles.add(role)
            target.environments.add(environment)
        targets.append(target)
    return targets
