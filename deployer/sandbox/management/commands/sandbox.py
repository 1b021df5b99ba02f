"""Run the local AWS sandbox in the foreground."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the local AWS sandbox (simulated AWS) on 127.0.0.1 until interrupted."

    def add_arguments(self, parser: CommandParser) -> None:
        default_port = urlparse(settings.SANDBOX_URL).port or 5055
        parser.add_argument("--port", type=int, default=default_port)
        parser.add_argument(
            "--speed",
            type=float,
            default=None,
            help="Divide simulated durations by this factor (1 = realistic; default "
            "DEPLOYER_SANDBOX_SPEED or 1).",
        )

    def handle(self, *args: Any, port: int, speed: float | None, **options: Any) -> None:
        from deployer.sandbox.server import serve

        serve("127.0.0.1", port, speed)
