"""The local AWS: moto's server behind a WSGI layer that adds the realism moto lacks."""

from __future__ import annotations

import json
import signal
import threading
import time
import urllib.request
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any, Protocol

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from deployer.sandbox.clock import SimulatedClock, resolve_speed
from deployer.sandbox.faults import FaultInjector, FaultRule
from deployer.sandbox.protocol import (
    AwsRequest,
    StartResponse,
    WsgiResult,
    error_response,
)

ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
CONTROL_PREFIX = "/moto-api/sandbox"


class Interceptor(Protocol):
    """Answers the calls whose behaviour the sandbox simulates itself; None passes to moto."""

    def handle(self, request: AwsRequest, start_response: StartResponse) -> WsgiResult | None: ...

    def reset(self) -> None: ...

    def stop(self) -> None: ...


class SandboxApp:
    """WSGI app: control endpoint, fault injection, simulated services, then moto."""

    def __init__(self, speed: float) -> None:
        self.clock = SimulatedClock(speed)
        self.faults = FaultInjector()
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.interceptors: list[Interceptor] = _build_interceptors(self.clock)
        self._push_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> WsgiResult:
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL_PREFIX):
            return self._control(environ, path[len(CONTROL_PREFIX) :], start_response)
        request = AwsRequest.from_environ(environ)
        if request is None:
            return self.moto(environ, start_response)
        fault = self.faults.fault_for(request.service, request.action)
        if fault == "throttle":
            code = "ThrottlingException" if request.protocol == "json" else "Throttling"
            return error_response(start_response, request, code, "Rate exceeded", 400)
        if fault == "error":
            return error_response(
                start_response, request, "InternalFailure", "Simulated internal error", 500
            )
        for interceptor in self.interceptors:
            answer = interceptor.handle(request, start_response)
            if answer is not None:
                return answer
        result = self.moto(environ, start_response)
        if request.service == "ecr" and request.action == "PutImage":
            self._order_push_times(request)
        return result

    def _order_push_times(self, request: AwsRequest) -> None:
        # moto stamps pushes in whole seconds; AWS keeps sub-second order, which "latest tag"
        # logic relies on, so pushes in one repository get strictly increasing times.
        from moto.ecr.models import ecr_backends

        repositories = ecr_backends[ACCOUNT_ID][request.region].repositories
        repository = repositories.get(request.params.get("repositoryName", ""))
        if repository is None or not repository.images:
            return
        with self._push_lock:
            newest = repository.images[-1]
            earlier = [image.image_pushed_at for image in repository.images[:-1]]
            floor = max(earlier, default=0) + 0.001
            newest.image_pushed_at = max(time.time(), floor)  # type: ignore[assignment]

    def _control(
        self, environ: dict[str, Any], action: str, start_response: StartResponse
    ) -> WsgiResult:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            payload = json.loads(raw or b"{}")
            answer = self._control_action(environ.get("REQUEST_METHOD", "GET"), action, payload)
            status = "200 OK"
        except (KeyError, TypeError, ValueError) as error:
            answer, status = {"error": str(error)}, "400 Bad Request"
        body = json.dumps(answer).encode()
        start_response(
            status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]

    def _control_action(self, method: str, action: str, payload: dict[str, Any]) -> Any:
        if action == "/health":
            return {"status": "ok", "speed": self.clock.speed}
        if action == "/faults" and method == "GET":
            return {"faults": self.faults.describe()}
        if action == "/faults" and method == "POST":
            self.faults.add(
                FaultRule(
                    service=str(payload["service"]),
                    kind=str(payload.get("kind", "throttle")),
                    rate=float(payload.get("rate", 1.0)),
                    action=payload.get("action"),
                    limit=payload.get("limit"),
                )
            )
            return {"faults": self.faults.describe()}
        if action == "/faults" and method == "DELETE":
            self.faults.clear()
            return {"faults": []}
        if action == "/config" and method == "POST":
            engine = self._engine()
            if "service_stabilization_timeout" in payload:
                engine.service_timeout = float(payload["service_stabilization_timeout"])
            return {"service_stabilization_timeout": engine.service_timeout}
        if action == "/lifecycle-hooks" and method == "POST":
            answer = str(payload.get("answer", "SUCCEEDED"))
            if answer not in ("SUCCEEDED", "FAILED"):
                raise ValueError("answer must be SUCCEEDED or FAILED")
            answers = self._ecs().service_deployments.hook_answers
            answers[str(payload.get("target") or "*")] = answer
            return {"answers": answers}
        if action == "/lifecycle-hooks" and method == "DELETE":
            self._ecs().service_deployments.hook_answers.clear()
            return {"answers": {}}
        if action == "/reset" and method == "POST":
            self.reset()
            return {"status": "reset"}
        raise ValueError(f"Unknown sandbox control call {method} {action}")

    def _engine(self) -> Any:
        from deployer.sandbox.cfn_api import CloudFormationInterceptor

        for interceptor in self.interceptors:
            if isinstance(interceptor, CloudFormationInterceptor):
                return interceptor.engine
        raise ValueError("CloudFormation is not simulated")

    def _ecs(self) -> Any:
        from deployer.sandbox.ecs_api import EcsInterceptor

        for interceptor in self.interceptors:
            if isinstance(interceptor, EcsInterceptor):
                return interceptor.simulator
        raise ValueError("ECS is not simulated")

    def reset(self) -> None:
        """Forget everything: injected faults, simulated state and moto's backends."""
        from moto.moto_api._internal.models import moto_api_backend

        self.faults.clear()
        for interceptor in self.interceptors:
            interceptor.reset()
        moto_api_backend.reset()

    def stop(self) -> None:
        self.clock.stop()
        for interceptor in self.interceptors:
            interceptor.stop()


def _build_interceptors(clock: SimulatedClock) -> list[Interceptor]:
    from deployer.sandbox.cfn_api import CloudFormationInterceptor
    from deployer.sandbox.cfn_engine import CloudFormationEngine
    from deployer.sandbox.ecs_api import EcsInterceptor
    from deployer.sandbox.ecs_sim import EcsSimulator

    simulator = EcsSimulator(clock)
    return [
        CloudFormationInterceptor(CloudFormationEngine(clock, simulator)),
        EcsInterceptor(simulator),
    ]


class _QuietRequestHandler(MotoRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class SandboxServer:
    """The sandbox served from a background thread; `with SandboxServer() as sandbox: ...`."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        speed: float | None = None,
        *,
        log_requests: bool = False,
    ) -> None:
        self.host = host
        self.log_requests = log_requests
        self.requested_port = port
        self.speed = resolve_speed(speed)
        self.app = SandboxApp(self.speed)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("The sandbox is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        """Serve in a background thread; returns once the sandbox answers."""
        self._server = make_server(
            self.host,
            self.requested_port,
            self.app,
            threaded=True,
            request_handler=MotoRequestHandler if self.log_requests else _QuietRequestHandler,
        )
        self._server.daemon_threads = True  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="deployer-sandbox",
            daemon=True,
        )
        self._thread.start()
        _wait_until_answering(f"{self.url}{CONTROL_PREFIX}/health")
        return self

    def stop(self) -> None:
        self.app.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _wait_until_answering(url: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.02)


def serve(host: str, port: int, speed: float | None = None) -> None:
    """Serve the sandbox in the foreground until SIGINT or SIGTERM, then shut down cleanly."""
    sandbox = SandboxServer(host=host, port=port, speed=speed, log_requests=True)
    stop_requested = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requested.set()

    previous: dict[int, Callable[..., Any] | int | None] = {}
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        previous[stop_signal] = signal.signal(stop_signal, request_stop)
    sandbox.start()
    print(
        f"Local sandbox (simulated AWS) on {sandbox.url} at speed {sandbox.speed:g}; "
        "account 123456789012, any access keys. Ctrl+C stops it.",
        flush=True,
    )
    try:
        while not stop_requested.wait(0.5):
            pass
    finally:
        sandbox.stop()
        for signal_number, handler in previous.items():
            signal.signal(signal_number, handler)
