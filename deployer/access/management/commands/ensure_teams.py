"""Seed the teams "Administrators" and "Developers", and the demo user `developer`."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from deployer.access.models import Role, Team, TeamRole
from targets.models import Environment

DEVELOPER_ENVIRONMENTS = ("Development", "Staging")


class Command(BaseCommand):
    help = (
        "Create the teams Administrators (the superusers) and Developers (Project editor "
        "everywhere, Deployer on Development and Staging) with a demo user `developer` whose "
        "password is DEPLOYER_DEVELOPER_PASSWORD or generated and printed once. Existing teams "
        "and users are left as they are."
    )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        admins, created = Team.objects.get_or_create(
            name="Administrators", defaults={"description": "Administer Deployer."}
        )
        if created:
            TeamRole.objects.create(team=admins, role=Role.ADMINISTRATOR)
            admins.members.add(*User.objects.filter(is_superuser=True))
        developers, created = Team.objects.get_or_create(
            name="Developers",
            defaults={"description": "Edit every project; deploy to Development and Staging."},
        )
        if created:
            TeamRole.objects.create(team=developers, role=Role.PROJECT_EDITOR)
            deployer = TeamRole.objects.create(team=developers, role=Role.DEPLOYER)
            environments = Environment.objects.filter(name__in=DEVELOPER_ENVIRONMENTS)
            if not environments:
                # Never "all environments" by accident: with no such environment yet the role
                # covers none until an administrator chooses.
                self.stderr.write(
                    "No Development or Staging environment yet: the Developers team's Deployer "
                    "role is not created; add it on the team's page."
                )
                deployer.delete()
            else:
                deployer.environments.set(environments)
        self.stdout.write("Teams: Administrators, Developers")
        if User.objects.filter(username="developer").exists():
            self.stdout.write("Developer login: developer (password unchanged)")
            return
        from_env = os.environ.get("DEPLOYER_DEVELOPER_PASSWORD")
        password = from_env or secrets.token_urlsafe(12)
        developer = User.objects.create_user(username="developer", password=password)
        developers.members.add(developer)
        if from_env:
            self.stdout.write(
                "Developer login created: developer (password DEPLOYER_DEVELOPER_PASSWORD)"
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Developer login created: developer / {password}   (shown only this once)"
                )
            )
