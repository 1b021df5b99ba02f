"""Adaptive polling: quick while a phase is due to end, slower while not, within a call budget."""

from __future__ import annotations

from deployer.aws.polling import Poller


class Clock:
    """Time that moves only when the poller sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.calls = 0

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def adaptive(clock: Clock) -> Poller:
    return Poller(
        sleep=clock.sleep,
        monotonic=lambda: clock.now,
        quick_seconds=1.0,
        seconds_per_call=1.0,
        calls=lambda: clock.calls,
    )


def test_polls_quickly_while_busy_and_slows_to_the_maximum_while_quiet() -> None:
    clock = Clock()
    poller = adaptive(clock)
    waits = []
    for busy in (True, True, False, False, False, False, False, True):
        before = clock.now
        poller.wait(5.0, "the stack", busy=busy)
        waits.append(clock.now - before)
    assert waits == [1.0, 1.0, 1.5, 2.25, 3.375, 5.0, 5.0, 1.0]


def test_the_end_a_moment_away_is_polled_four_times_as_often() -> None:
    clock = Clock()
    poller = adaptive(clock)
    poller.wait(5.0, "the stack", busy=True)
    before = clock.now
    poller.wait(5.0, "the stack", imminent=True)
    assert clock.now - before == 0.25


def test_never_more_than_one_polling_call_per_quick_interval_on_average() -> None:
    clock = Clock()
    poller = adaptive(clock)
    clock.calls = 2  # reading the stack and starting its operation come before polling
    for _ in range(20):
        clock.calls += 3  # a poll of three calls, always in a hurry
        poller.wait(5.0, "the rollout", imminent=True)
        assert clock.calls - 5 <= clock.now
    # Quiet polls save budget that quick ones spend later.
    quiet = Clock()
    poller = adaptive(quiet)
    for _ in range(4):
        quiet.calls += 1
        poller.wait(5.0, "the stack")
    before = quiet.now
    quiet.calls += 2
    poller.wait(5.0, "the stack", busy=True)
    assert quiet.now - before == 1.0


def test_throttling_backs_off_to_the_maximum_even_when_busy() -> None:
    clock = Clock()
    poller = adaptive(clock)
    poller.wait(5.0, "the stack", busy=True)
    poller.back_off()
    before = clock.now
    poller.wait(5.0, "the stack", busy=True)
    assert clock.now - before == 5.0
    before = clock.now
    poller.wait(5.0, "the stack", busy=True)
    assert clock.now - before == 1.0


def test_a_poller_without_quick_seconds_waits_what_it_is_told() -> None:
    clock = Clock()
    poller = Poller(sleep=clock.sleep, monotonic=lambda: clock.now)
    poller.wait(0.25, "the stack", busy=True)
    poller.wait(0.25, "the stack")
    assert clock.now == 0.5
