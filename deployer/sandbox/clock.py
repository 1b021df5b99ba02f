"""Simulated time for the sandbox: realistic durations divided by one speed factor."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime

SPEED_ENVIRONMENT_VARIABLE = "DEPLOYER_SANDBOX_SPEED"


def resolve_speed(speed: float | None = None) -> float:
    """Return the speed factor: the explicit value, else DEPLOYER_SANDBOX_SPEED, else 1."""
    if speed is None:
        raw = os.environ.get(SPEED_ENVIRONMENT_VARIABLE, "").strip()
        speed = float(raw) if raw else 1.0
    if speed <= 0:
        raise ValueError(f"The sandbox speed factor must be positive, not {speed}")
    return float(speed)


class SimulatedClock:
    """Sleeps for realistic durations divided by the speed factor, and wakes early on stop."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self._stopping = threading.Event()

    def scaled(self, realistic_seconds: float) -> float:
        return realistic_seconds / self.speed

    def sleep(self, realistic_seconds: float) -> bool:
        """Wait the scaled duration; False when the sandbox is stopping (callers then give up)."""
        return not self._stopping.wait(self.scaled(realistic_seconds))

    def wait_real(self, seconds: float) -> bool:
        """Wait wall-clock seconds, unscaled; False when the sandbox is stopping."""
        return not self._stopping.wait(seconds)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def stop(self) -> None:
        self._stopping.set()

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)
