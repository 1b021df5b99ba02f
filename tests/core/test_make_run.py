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


def start_make_run(tmp_path: Path) -> tuple[subprocess.Popen[str], str]:
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
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", make, timeout=180)
    except BaseException:
        os.killpg(make.pid, signal.SIGKILL)
        make.communicate(timeout=30)
        raise
    return make, base


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def wait_until_gone(pids: set[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.2)


def test_make_run_serves_the_app_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    make, base = start_make_run(tmp_path)
    try:
        page = log_in(base, "admin", "make-run-password")
        assert "sandbox-development" in page
        assert "Local sandbox (simulated AWS)" in page
        started = descendants(make.pid)
        # make, the supervisor, the sandbox, the worker cluster and the web server, with theirs
        assert len(started) >= 5
        # The web server's control socket is this instance's own, not one per user.
        assert (tmp_path / "gunicorn.ctl").is_socket()
    finally:
        os.killpg(make.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        output, _ = make.communicate(timeout=90)
    assert "Deployer is running" in output
    assert "Stopped." in output
    wait_until_gone(started, 10)
    assert alive(started) == set()
    assert (tmp_path / "deployer.sqlite3").exists()


def test_when_the_worker_is_killed_everything_make_run_started_stops(tmp_path: Path) -> None:
    make, _ = start_make_run(tmp_path)
    started = descendants(make.pid)
    try:
        table = parents()
        # The cluster's master: the `qcluster` process whose parent is not a `qcluster` itself.
        masters = [
            pid
            for pid in started
            if "manage.py qcluster" in command_line(pid)
            and "qcluster" not in command_line(table.get(pid, 0))
        ]
        assert len(masters) == 1, [command_line(pid) for pid in started]
        assert len(descendants(masters[0])) >= 3  # the master, its sentinel, their workers
        os.kill(masters[0], signal.SIGKILL)  # no chance to stop its children
        # Not communicate(): a survivor would hold the output pipe open forever.
        make.wait(timeout=90)
        wait_until_gone(started, 10)
        leftovers = {pid: command_line(pid) for pid in alive(started)}
    finally:
        for pid in alive(started):  # never leave a stray worker running
            os.kill(pid, signal.SIGKILL)
        output = make.stdout.read() if make.stdout else ""
    assert leftovers == {}
    assert "The worker stopped unexpectedly." in output


def test_when_the_supervisor_itself_is_killed_its_children_stop_too(tmp_path: Path) -> None:
    make, _ = start_make_run(tmp_path)
    started = descendants(make.pid)
    try:
        supervisors = [pid for pid in started if "manage.py up" in command_line(pid)]
        assert len(supervisors) == 1, [command_line(pid) for pid in started]
        os.kill(supervisors[0], signal.SIGKILL)  # no chance to stop anything itself
        make.wait(timeout=90)
        # The children stop on their own, gracefully (SIGTERM): give them their grace period.
        wait_until_gone(started, 30)
        leftovers = {pid: command_line(pid) for pid in alive(started)}
    finally:
        for pid in alive(started):
            os.kill(pid, signal.SIGKILL)
        if make.stdout:
            make.stdout.close()
    assert leftovers == {}
