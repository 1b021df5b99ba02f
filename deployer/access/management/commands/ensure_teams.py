"""Seed the teams Administrators, Developers and Release managers, and their demo users."""

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
RELEASE_MANAGER_ENVIRONMENTS = ("Production",)


class Command(BaseCommand):
    help = (
        "Create the teams Administrators (the superusers), Developers (Project editor "
        "everywhere, Deployer on Development and Staging) with a demo user `developer`, and "
        "Release managers (Deployer and Approver on Production) with a demo user "
        "`release-manager`, so that a Production deployment can be approved by someone other "
        "than who asked. Passwords come from DEPLOYER_DEVELOPER_PASSWORD and "
        "DEPLOYER_RELEASE_MANAGER_PASSWORD or are generated and printed once. Existing teams "
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
        developers = self._team(
            "Developers",
            "Edit every project; deploy to Development and Staging.",
            [(Role.PROJECT_EDITOR, ()), (Role.DEPLOYER, DEVELOPER_ENVIRONMENTS)],
        )
        managers = self._team(
            "Release managers",
            "Deploy to Production and approve what others deploy there.",
            [
                (Role.DEPLOYER, RELEASE_MANAGER_ENVIRONMENTS),
                (Role.APPROVER, RELEASE_MANAGER_ENVIRONMENTS),
            ],
        )
        self.stdout.write("Teams: Administrators, Developers, Release managers")
        self._demo_user("developer", "Developer", developers, "DEPLOYER_DEVELOPER_PASSWORD")
        self._demo_user(
            "release-manager", "Release manager", managers, "DEPLOYER_RELEASE_MANAGER_PASSWORD"
        )

    def _team(self, name: str, description: str, roles: list[tuple[str, tuple[str, ...]]]) -> Team:
        """The team, with its roles when it is new; a role scoped to environments covers only
        those that exist, and is left out (with a warning) when none does."""
        team, created = Team.objects.get_or_create(name=name, defaults={"description": description})
        if not created:
            return team
        for role, environment_names in roles:
            environments = list(Environment.objects.filter(name__in=environment_names))
            if environment_names and not environments:
                # Never "all environments" by accident: with no such environment yet the role
                # covers none until an administrator chooses.
                self.stderr.write(
                    f"No {' or '.join(environment_names)} environment yet: the {name} team's "
                    f"{Role(role).label} role is not created; add it on the team's page."
                )
                continue
            team_role = TeamRole.objects.create(team=team, role=role)
            team_role.environments.set(environments)
        return team

    def _demo_user(self, username: str, title: str, team: Team, password_variable: str) -> None:
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(f"{title} login: {username} (password unchanged)")
            return
        from_env = os.environ.get(password_variable)
        password = from_env or secrets.token_urlsafe(12)
        user = User.objects.create_user(username=username, password=password)
        team.members.add(user)
        if from_env:
            self.stdout.write(f"{title} login created: {username} (password {password_variable})")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{title} login created: {username} / {password}   (shown only this once)"
                )
            )
