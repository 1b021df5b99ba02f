"""Make sure an administrator login exists, printing its password when one is generated."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Create the administrator login if no superuser exists. The password is "
        "DEPLOYER_ADMIN_PASSWORD when set, otherwise generated and printed once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        User = get_user_model()
        existing = User.objects.filter(is_superuser=True).order_by("pk").first()
        if existing is not None:
            self.stdout.write(f"Admin login: {existing.get_username()} (password unchanged)")
            return
        password = os.environ.get("DEPLOYER_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        if os.environ.get("DEPLOYER_ADMIN_PASSWORD"):
            self.stdout.write(f"Admin login created: {username} (password DEPLOYER_ADMIN_PASSWORD)")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Admin login created: {username} / {password}   (shown only this once)"
                )
            )
