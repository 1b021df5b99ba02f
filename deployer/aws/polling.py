"""How a deployment waits on AWS: adaptive polling, cancellation, deadlines, and call counting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class Cancelled(Exception):
    """The user cancelled the deployment; raised at the next poll."""


class TimedOut(Exception):
    """The wait-with-timeout deadline passed while waiting for `phase`."""

    def __init__(self, phase: str, waited: float) -> None:
        super().__init__(f"Timed out after {waited / 60:.1f} minutes waiting for {phase}.")
        self.phase = phase
        self.waited = waited


@dataclass
class Poller:
    """How the workflow waits: a sleep, a cancel check, an optional deadline, and a clock.

    With `quick_seconds` set, polling is adaptive: `wait(seconds, ...)` waits `quick_seconds`
    while something is due to end (`busy`), a quarter of it when the end is known to be a
    moment away (`imminent`: the rollout CloudFormation waits on has completed), and otherwise
    a little longer after each quiet poll, up to `seconds`. `seconds_per_call` keeps the calls
    counted by `calls` since the first wait to one per that many seconds on average: quick polls
    spend what slow ones saved.
    """

    sleep: Callable[[float], None]
    cancelled: Callable[[], bool] = lambda: False
    deadline: float | None = None  # monotonic time
    started: float = 0.0
    monotonic: Callable[[], float] = field(default=lambda: 0.0)
    quick_seconds: float | None = None
    seconds_per_call: float = 0.0
    calls: Callable[[], int] = lambda: 0
    _interval: float | None = None
    _budget_since: tuple[float, int] | None = None  # (time, calls) at the first wait

    def check(self, phase: str) -> None:
        if self.cancelled():
            raise Cancelled()
        if self.deadline is not None and self.monotonic() > self.deadline:
            raise TimedOut(phase, self.monotonic() - self.started)

    def wait(
        self, seconds: float, phase: str, *, busy: bool = False, imminent: bool = False
    ) -> None:
        self.check(phase)
        self.sleep(self.interval(seconds, busy=busy, imminent=imminent))
        self.check(phase)

    def interval(self, seconds: float, *, busy: bool = False, imminent: bool = False) -> float:
        """How long to wait before the next poll, `seconds` being the longest interval."""
        if self.quick_seconds is None:
            return seconds
        quick = min(self.quick_seconds, seconds)
        if self._interval == float("inf"):
            interval = seconds  # throttled: back off, however busy
        elif imminent:
            interval = quick / 4
        elif busy or self._interval is None:
            interval = quick
        else:
            interval = min(seconds, max(quick, self._interval * 1.5))
        self._interval = interval
        # The call budget counts the polls' calls, from the first wait on: reading the stack
        # and starting its operation come before any polling.
        now = self.monotonic()
        if self._budget_since is None:
            self._budget_since = (now, self.calls())
        since, calls_then = self._budget_since
        earliest = since + (self.calls() - calls_then) * self.seconds_per_call
        return max(interval, earliest - now)

    def back_off(self) -> None:
        """AWS throttled a call: the next quiet poll waits the longest interval."""
        self._interval = float("inf")


class CallCounter:
    """Counts the AWS calls (each attempt, retries included) that the watched clients send."""

    def __init__(self) -> None:
        self.count = 0
        self._watched: set[int] = set()

    def watch(self, client: Any) -> Any:
        if id(client) not in self._watched:
            self._watched.add(id(client))
            client.meta.events.register("before-send", self._sent)
        return client

    def _sent(self, **kwargs: Any) -> None:
        self.count += 1
