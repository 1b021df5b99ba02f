"""`make run` starts the sandbox, a worker and the web server; Ctrl-C stops every one of them."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

REPO = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def parents() -> dict[int, int]:
    """pid -> parent pid of every live (non-zombie) process."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, ppid = stat.read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, ValueError):
            continue
        if state != "Z":
            table[int(stat.parent.name)] = int(ppid)
    return table


def descendants(root: int) -> set[int]:
    table = parents()
    found = {root} if root in table else set()
    grew = True
    while grew:
        children = {pid for pid, ppid in table.items() if ppid in found} - found
        found |= children
        grew = bool(children)
    return found


def alive(pids: set[int]) -> set[int]:
    return pids & set(parents())


def wait_for(url: str, process: subprocess.Popen[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def log_in(base: str, username: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    opener.open(f"{base}/login/", form).read()
    return opener.open(f"{base}/infrastructure/clusters/").read().decode()


def test_make_run_serves_the_app_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port, sandbox_port = free_port(), free_port()
    env = {
        **os.environ,
        "DEPLOYER_DATA_DIR": str(tmp_path),
        "DEPLOYER_PORT": str(port),
        "DEPLOYER_SANDBOX_URL": f"http://127.0.0.1:{sandbox_port}",
        "DEPLOYER_ADMIN_PASSWORD": "make-run-password",
        "DEPLOYER_SANDBOX_SPEED": "50",
    }
    env.pop("DATABASE_URL", None)  # the default install: SQLite in the data folder
    env.pop("DJANGO_SETTINGS_MODULE", None)
    make = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz", make, timeout=180)
        page = log_in(base, "admin", "make-run-password")
        assert "sandbox-development" in page
        assert "Local sandbox (simulated AWS)" in page
        started = descendants(make.pid)
        # make, the supervisor, the sandbox, the worker cluster and the web server, with theirs
        assert len(started) >= 5
    finally:
        os.killpg(make.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        output, _ = make.communicate(timeout=90)
    assert "Deployer is running" in output
    assert "Stopped." in output
    deadline = time.monotonic() + 10
    while alive(started) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert alive(started) == set()
    assert (tmp_path / "deployer.sqlite3").exists()
