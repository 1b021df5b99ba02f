"""The sandbox server: binding, speed factor and clean shutdown of the foreground command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from deployer.sandbox.clock import resolve_speed
from deployer.sandbox.server import SandboxServer

REPOSITORY = Path(__file__).resolve().parents[2]


def test_speed_comes_from_the_environment_unless_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPLOYER_SANDBOX_SPEED", "20")
    assert resolve_speed(None) == 20.0
    assert resolve_speed(3) == 3.0
    monkeypatch.delenv("DEPLOYER_SANDBOX_SPEED")
    assert resolve_speed(None) == 1.0


def test_speed_must_be_positive() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        resolve_speed(0)


@pytest.mark.slow
def test_server_binds_loopback_on_a_free_port_and_stops() -> None:
    with SandboxServer(speed=50) as sandbox:
        assert sandbox.url.startswith("http://127.0.0.1:")
        assert sandbox.port > 0
        with urllib.request.urlopen(f"{sandbox.url}/moto-api/sandbox/health") as response:
            assert b'"speed": 50.0' in response.read()
        url = sandbox.url
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/moto-api/sandbox/health", timeout=1)


@pytest.mark.slow
def test_serve_runs_in_the_foreground_until_sigterm() -> None:
    code = "from deployer.sandbox.server import serve; serve('127.0.0.1', 0, 40)"
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=REPOSITORY,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert "Local sandbox (simulated AWS) on http://127.0.0.1:" in banner
        assert "speed 40" in banner
        time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
