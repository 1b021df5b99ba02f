"""A record of the AWS calls reaching the sandbox, for tests and benchmarks that count them."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from deployer.sandbox.protocol import AwsRequest, StartResponse, WsgiResult


@dataclass(frozen=True)
class Call:
    service: str
    action: str
    at: float  # time.monotonic() when the call arrived


class CallLog:
    """WSGI middleware around the sandbox app: records each AWS call, then passes it on.

    Install it before the server starts: `server.app = CallLog(server.app)`.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self._calls: list[Call] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> WsgiResult:
        request = AwsRequest.from_environ(environ)
        if request is not None:
            with self._lock:
                self._calls.append(Call(request.service, request.action, time.monotonic()))
        return self.app(environ, start_response)

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def actions(self) -> list[str]:
        return [call.action for call in self.calls]

    def mark(self, label: str) -> None:
        """Record a marker between calls (a test's "a poll ended here"), as service "mark"."""
        with self._lock:
            self._calls.append(Call("mark", label, time.monotonic()))

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()

    def __getattr__(self, name: str) -> Any:
        # Everything else (clock, faults, stop, reset) is the sandbox app's own.
        return getattr(self.app, name)
