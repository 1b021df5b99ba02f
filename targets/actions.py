"""Writes to accounts, environments and cluster targets that touch several rows."""

from __future__ import annotations

from django.db import transaction

from deployer.audit.record import record
from targets.models import AwsAccount, Environment


class InUseError(Exception):
    """The object cannot be deleted while other objects refer to it."""


def delete_account(account: AwsAccount) -> None:
    """Delete an account no cluster target uses; otherwise say which targets use it."""
    users = list(account.targets.values_list("name", flat=True))
    if users:
        raise InUseError(
            f"{account.name} is used by the cluster targets {', '.join(users)}. Move them to "
            "another account or delete them first."
        )
    account.delete()


def add_environment(environment: Environment) -> Environment:
    """Save a new environment at the end of the order."""
    with transaction.atomic():
        last = Environment.objects.order_by("-sort_order").values_list("sort_order", flat=True)
        environment.sort_order = (last.first() or 0) + 1
        environment.save()
    return environment


def move_environment(environment: Environment, direction: str) -> None:
    """Swap an environment with its neighbour ("up" = earlier in the lifecycle, "down" = later)."""
    with transaction.atomic():
        ordered = list(Environment.objects.select_for_update().order_by("sort_order", "name"))
        index = next(i for i, item in enumerate(ordered) if item.pk == environment.pk)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(ordered):
            ordered[index], ordered[other] = ordered[other], ordered[index]
        # Renumbering the whole list keeps the order dense even if old rows shared a number.
        for position, item in enumerate(ordered, start=1):
            if item.sort_order != position:
                Environment.objects.filter(pk=item.pk).update(sort_order=position)
        record(
            "environment.moved",
            f"Environment {environment.name} moved {direction}: "
            + ", ".join(item.name for item in ordered),
            obj=environment,
            environment=environment,
        )
