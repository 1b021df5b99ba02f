"""Start the sandbox, a queue worker and the web server together; stop them all on Ctrl-C."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")
STOP_GRACE_SECONDS = 15
PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        # A session of its own: Ctrl-C reaches only this supervisor, which then stops the
        # children in order (web first, sandbox last) instead of all at once. Everything the
        # child forks stays in its process group, so stop() reaches the whole group; and should
        # this supervisor itself be killed, the child is told to stop too.
        self.process = subprocess.Popen(
            self.argv, start_new_session=True, preexec_fn=_stop_when_parent_dies
        )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is None:
            return
        # Even when the child itself is gone (killed, crashed), what it forked may not be: a
        # worker cluster's processes would go on running scheduled tasks under PID 1.
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.process.wait()
        self._wait_for_group()
        # Workers forked by the child share its process group; make sure none outlive it.
        self._signal_group(signal.SIGKILL)

    def _wait_for_group(self) -> None:
        """Give the rest of the group the grace period to stop on SIGTERM, as the child had."""
        assert self.process is not None
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)

    def _signal_group(self, sig: signal.Signals) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)


def _stop_when_parent_dies() -> None:
    """In the child, before exec: Linux sends it SIGTERM when this supervisor dies."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).close()
    except urllib.error.HTTPError:
        return True  # it answered, even if with an error status
    except OSError:
        return False
    return True


def wait_until_answering(url: str, child: Child, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not answers(url):
        if not child.running():
            raise CommandError(f"The {child.name} exited before answering at {url}.")
        if time.monotonic() > deadline:
            raise CommandError(f"The {child.name} did not answer at {url} within {timeout:.0f}s.")
        time.sleep(0.2)


class Command(BaseCommand):
    help = "Run Deployer locally: the sandbox (unless DEPLOYER_SANDBOX=off), a worker, the web."

    def handle(self, *args: Any, **options: Any) -> None:
        bind = os.environ.get("DEPLOYER_BIND", "127.0.0.1")
        port = int(os.environ.get("DEPLOYER_PORT", "8000"))
        web_url = f"http://{bind}:{port}"
        use_sandbox = settings.SANDBOX_ENABLED
        sandbox_url = settings.SANDBOX_URL
        children: list[Child] = []
        stopping = False

        def request_stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)

        try:
            if use_sandbox:
                if answers(sandbox_url):
                    self.stdout.write(f"Using the sandbox already running at {sandbox_url}.")
                else:
                    sandbox_port = str(urlparse(sandbox_url).port or 5055)
                    sandbox = Child(
                        "sandbox", [sys.executable, MANAGE, "sandbox", "--port", sandbox_port]
                    )
                    children.append(sandbox)
                    sandbox.start()
                    wait_until_answering(f"{sandbox_url}/moto-api/", sandbox)
                call_command("seed_sandbox", url=sandbox_url)
            # After the seed, so that the Developers team can be given its environments.
            call_command("ensure_teams")
            worker = Child("worker", [sys.executable, MANAGE, "qcluster"])
            web = Child(
                "web server",
                [
                    sys.executable, "-m", "gunicorn", "deployer.wsgi",
                    "--bind", f"{bind}:{port}",
                    "--workers", os.environ.get("DEPLOYER_WEB_WORKERS", "2"),
                    "--threads", "4",
                    "--graceful-timeout", "10",
                    "--access-logfile", "-",
                    # The default control socket is one per user: two instances on one machine
                    # would share it.
                    "--control-socket", str(Path(settings.DATA_DIR).resolve() / "gunicorn.ctl"),
                ],
            )  # fmt: skip
            for child in (worker, web):
                children.append(child)
                child.start()
            wait_until_answering(f"{web_url}/healthz", web)
            self._print_summary(web_url, sandbox_url if use_sandbox else None)
            while not stopping:
                exited = [child for child in children if not child.running()]
                if exited:
                    raise CommandError(f"The {exited[0].name} stopped unexpectedly.")
                time.sleep(0.5)
            self.stdout.write("Stopping…")
        finally:
            for child in reversed(children):
                child.stop()
        self.stdout.write("Stopped.")

    def _print_summary(self, web_url: str, sandbox_url: str | None) -> None:
        workers = settings.Q_CLUSTER["workers"]
        lines = [
            "",
            "Deployer is running:",
            f"  Web       {web_url}",
            f"  Worker    django-q2 cluster, {workers} workers, {settings.QUEUE_BROKER} broker",
        ]
        if sandbox_url:
            lines.append(f"  Sandbox   {sandbox_url}   Local sandbox (simulated AWS)")
        lines += [f"  Data      {settings.DATA_DIR}", "Press Ctrl-C to stop.", ""]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()
