"""Fault injection: makes a chosen share of one service's calls throttle or fail with HTTP 500."""

from __future__ import annotations

import threading
from dataclasses import dataclass

FAULT_KINDS = ("throttle", "error")


@dataclass
class FaultRule:
    """Fail `rate` of the calls to `service` (optionally only `action`), at most `limit` times."""

    service: str
    kind: str
    rate: float = 1.0
    action: str | None = None
    limit: int | None = None
    seen: int = 0
    injected: int = 0


class FaultInjector:
    """Decides, call by call and deterministically, which calls get an injected fault."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(self, rule: FaultRule) -> None:
        if rule.kind not in FAULT_KINDS:
            raise ValueError(f"Unknown fault kind {rule.kind!r}; use one of {FAULT_KINDS}")
        if not 0 <= rule.rate <= 1:
            raise ValueError("rate must be between 0 and 1")
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def describe(self) -> list[dict[str, object]]:
        with self._lock:
            return [dict(rule.__dict__) for rule in self._rules]

    def fault_for(self, service: str, action: str) -> str | None:
        """The fault kind to answer this call with, or None to serve it normally."""
        with self._lock:
            for rule in self._rules:
                if rule.service != service or (rule.action and rule.action != action):
                    continue
                if rule.limit is not None and rule.injected >= rule.limit:
                    continue
                rule.seen += 1
                # Evenly spread rather than random, so a test sees the same sequence every run.
                if int(rule.seen * rule.rate) > int((rule.seen - 1) * rule.rate):
                    rule.injected += 1
                    return rule.kind
        return None
