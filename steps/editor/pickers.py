"""Choices for the step editor's AWS id fields, from the accounts of the step's cluster targets.

The targets are those with the step's target roles (any environment); each distinct account and
region is asked once, with the interactive client config, and the answer kept for a minute.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from django.core.cache import cache

from deployer.aws import inventory
from deployer.aws.errors import AwsError
from deployer.aws.inventory import Choice
from deployer.aws.services import caller_account_id
from deployer.aws.session import ClientFactory
from targets.models import AwsAccount, ClusterTarget
from targets.selection import targets_with_roles

CACHE_SECONDS = 60
MAX_SHOWN = 50
# Picker kinds: the lister's kinds, plus `secrets` (Secrets Manager secrets and SSM parameters,
# for secret environment values).
KINDS = (*inventory.LISTERS, "secrets")


@dataclass
class Picked:
    """The answer for one picker: choices matching the query, and what went wrong or is odd."""

    choices: list[Choice] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    more: int = 0


def _places(targets: Iterable[ClusterTarget]) -> list[tuple[AwsAccount, str]]:
    seen: dict[tuple[int, str], tuple[AwsAccount, str]] = {}
    for target in targets:
        seen.setdefault((target.account.pk, target.region), (target.account, target.region))
    return list(seen.values())


def _cache_key(account: AwsAccount, region: str, kind: str) -> str:
    # An edited account (new keys, another endpoint) is asked afresh.
    return f"aws-choices:{account.pk}:{account.updated.timestamp()}:{region}:{kind}"


def _list(account: AwsAccount, region: str, kind: str) -> list[Choice]:
    key = _cache_key(account, region, kind)
    cached = cache.get(key)
    if cached is not None:
        return list(cached)
    factory = ClientFactory(account, interactive=True)
    if kind == "secrets":
        found = inventory.secrets(factory.client("secretsmanager", region))
        account_id = caller_account_id(factory.client("sts", region))
        prefix = f"arn:aws:ssm:{region}:{account_id}:parameter"
        found += inventory.parameters(factory.client("ssm", region), prefix)
    else:
        service, lister = inventory.LISTERS[kind]
        found = lister(factory.client(service, region))
    cache.set(key, found, CACHE_SECONDS)
    return found


def aws_choices(
    kind: str,
    target_roles: Sequence[str],
    query: str = "",
    *,
    chosen_network: Sequence[str] = (),
) -> Picked:
    """The choices of `kind` in the accounts and regions of the targets with these roles.

    `chosen_network` holds the subnet and security group ids the step has now: when they lie in
    more than one VPC that is said at once, and choices in another VPC are flagged.
    """
    picked = Picked()
    places = _places(targets_with_roles(list(target_roles)))
    if not places:
        roles = ", ".join(target_roles) or "(none)"
        picked.errors.append(
            f"No ECS cluster target has the step's roles ({roles}), so there is no account to "
            "list from. Set the target roles first, or type the id."
        )
        return picked
    found: list[Choice] = []
    network: list[Choice] = []
    for account, region in places:
        where = f"{account.name} {region}"
        picked.places.append(where)
        try:
            listed = _list(account, region, kind)
            if chosen_network:
                network += _list(account, region, "subnets")
                network += _list(account, region, "security-groups")
        except AwsError as exc:
            picked.errors.append(f"{where}: {exc.message}")
            continue
        if len(places) > 1:
            listed = [replace(c, detail=f"{c.detail} · {where}".strip(" ·")) for c in listed]
        found += listed
    vpc_of = {choice.value: choice.vpc_id for choice in network}
    vpcs = sorted({vpc_of[i] for i in chosen_network if vpc_of.get(i)})
    if len(vpcs) > 1:
        where_each = ", ".join(f"{i} ({vpc_of[i]})" for i in chosen_network if vpc_of.get(i))
        picked.warnings.append(
            f"The subnets and security groups are in different VPCs: {where_each}. ECS needs "
            "them all in one VPC."
        )
    elif vpcs:
        found = [
            replace(c, warning=c.warning or f"in {c.vpc_id}, not {vpcs[0]} like the network")
            if c.vpc_id and c.vpc_id != vpcs[0]
            else c
            for c in found
        ]
    matching = [choice for choice in found if choice.matches(query)]
    picked.choices = matching[:MAX_SHOWN]
    picked.more = max(0, len(matching) - MAX_SHOWN)
    return picked
