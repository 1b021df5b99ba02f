"""`manage.py create_api_token USERNAME [--name N]`: print a new API token for the user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from deployer.api.actions import issue_token
from deployer.audit.context import acting


class Command(BaseCommand):
    help = "Create an API token acting with the user's rights and print it (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The user the token acts as.")
        parser.add_argument("--name", default="Command line", help="What the token is for.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"There is no user {options['username']}.")
        if not user.is_active:
            raise CommandError(f"The account {options['username']} is deactivated.")
        with acting(None, "command"):
            _token, secret = issue_token(user, options["name"])
        self.stdout.write(secret)
