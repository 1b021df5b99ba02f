"""Deployer's command-line client for CI pipelines: the HTTP API from anywhere, Python stdlib only.

Runs as `python -m deployer.client` in a checkout, or as this one file copied anywhere:
`python client.py --server https://deployer.example.com deploy --project web --version 1.2.0
--environment Staging`. The token comes from the DEPLOYER_API_TOKEN environment variable (create
one on your Deployer profile page). Exit status: 0 success, 1 failure, 2 refused (no right, a
lifecycle or validation refusal, a bad or missing token).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

OK, FAILED, REFUSED = 0, 1, 2
TOKEN_VARIABLE = "DEPLOYER_API_TOKEN"
SERVER_VARIABLE = "DEPLOYER_SERVER"
# Waiting on a deployment survives this many network errors in a row (a web server restarting).
RETRIES = 5
ENDED_BADLY = {"failed", "cancelled", "rejected"}


class ApiError(Exception):
    """The server answered with an error, or could not be reached; `status` 0 for the latter."""

    def __init__(self, status: int, detail: str, body: Any = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.body = body

    @property
    def exit_status(self) -> int:
        # Not allowed, or refused by a rule (lifecycle, validation, a taken version): exit 2.
        return REFUSED if self.status in (400, 401, 403, 404, 409) else FAILED


def describe(body: Any) -> str:
    """The `detail` of an error body in one line; validation errors as `place: message`."""
    detail = body.get("detail") if isinstance(body, dict) else body
    if isinstance(detail, list):
        return "; ".join(
            f"{'.'.join(str(part) for part in item.get('loc', []))}: {item.get('msg', '')}"
            if isinstance(item, dict)
            else str(item)
            for item in detail
        )
    return str(detail)


class Api:
    """Calls to one Deployer server with one token."""

    def __init__(self, server: str, token: str, timeout: float = 30) -> None:
        self.base = server.rstrip("/") + "/api/v1"
        self.token = token
        self.timeout = timeout

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        content_type: str = "application/json",
    ) -> Any:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace")
            try:
                parsed: Any = json.loads(text)
            except ValueError:
                parsed = {"detail": text.strip()[:500] or exc.reason}
            raise ApiError(exc.code, describe(parsed), parsed) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ApiError(0, f"Cannot reach {self.base}: {reason}") from None
        return json.loads(payload) if payload else None

    def calm(self, method: str, path: str) -> Any:
        """`call`, retried with backoff while the server cannot be reached or answers 5xx."""
        for attempt in range(RETRIES + 1):
            try:
                return self.call(method, path)
            except ApiError as exc:
                if (exc.status and exc.status < 500) or attempt == RETRIES:
                    raise
                time.sleep(min(2**attempt, 15))
        raise AssertionError("unreachable")


def quoted(part: str) -> str:
    return urllib.parse.quote(part, safe="")


def create_release(api: Api, args: argparse.Namespace) -> int:
    images = {}
    for item in args.image:
        package, sep, tag = item.partition("=")
        if not sep or not package or not tag:
            print(f"--image {item}: write it as PACKAGE=TAG, e.g. demo/web=1.2.0.", file=sys.stderr)
            return REFUSED
        images[package] = tag
    body: dict[str, Any] = {"images": images, "notes": args.notes}
    if args.version:
        body["version"] = args.version
    created = api.call("POST", f"/projects/{quoted(args.project)}/releases", body)
    print(created["version"])
    return OK


def deploy(api: Api, args: argparse.Namespace) -> int:
    path = f"/projects/{quoted(args.project)}/releases/{quoted(args.version)}/deployments"
    body = {"environment": args.environment, "force_reason": args.force_reason}
    queued = api.call("POST", path, body)
    print(f"Deployment {queued['id']} {queued['status']}: {queued['url']}", flush=True)
    if args.no_wait:
        return OK
    return follow(api, int(queued["id"]), args.poll, args.timeout)


def follow(api: Api, deployment_id: int, poll: float, timeout: float | None) -> int:
    """Print the task log as it grows until the deployment ends; its exit status."""
    after = 0
    hinted = False
    started = time.monotonic()
    while True:
        page = api.calm("GET", f"/deployments/{deployment_id}/log?after={after}")
        for line in page["lines"]:
            out = sys.stderr if line["level"] == "error" else sys.stdout
            print(line["text"], file=out, flush=True)
        after = page["last"]
        if page["finished"]:
            return summarise(api.calm("GET", f"/deployments/{deployment_id}"))
        if page["status"] == "awaiting_approval" and not hinted:
            print("Awaiting approval: an approver decides on the deployment's page.", flush=True)
            hinted = True
        if timeout is not None and time.monotonic() - started > timeout:
            print(f"Gave up waiting after {timeout:.0f}s; the deployment goes on.", file=sys.stderr)
            return FAILED
        if not page["lines"]:
            time.sleep(poll)


def summarise(state: dict[str, Any]) -> int:
    """The last lines a pipeline shows: the outcome, and for a failure its cause and a hint."""
    if state["status"] == "success":
        print(f"Deployment {state['id']}: Success.", flush=True)
        return OK
    if state["status"] in ENDED_BADLY:
        reason = state.get("error_reason") or state.get("error_code") or state["status"]
        print(f"Deployment {state['id']} {state['status']}: {reason}", file=sys.stderr)
        if state.get("error_hint"):
            print(f"Hint: {state['error_hint']}", file=sys.stderr)
        return FAILED
    print(f"Deployment {state['id']}: {state['status']}.", flush=True)
    return OK


_NAME = re.compile(r"^name:\s*(?P<name>.+?)\s*(#.*)?$", re.MULTILINE)


def step_name(text: str, is_json: bool) -> str | None:
    """The step's name from its document: JSON's `name`, or YAML's top-level `name:` line."""
    if is_json:
        data = json.loads(text)
        return data.get("name") if isinstance(data, dict) else None
    found = _NAME.search(text)
    return found.group("name").strip("'\"") if found else None


def push_step(api: Api, args: argparse.Namespace) -> int:
    try:
        with open(args.file, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"Cannot read {args.file}: {exc}", file=sys.stderr)
        return FAILED
    is_json = args.file.endswith(".json")
    try:
        name = args.name or step_name(text, is_json)
    except ValueError as exc:
        print(f"{args.file}: not JSON: {exc}", file=sys.stderr)
        return REFUSED
    if not name:
        print(f"{args.file}: no top-level name; pass --name STEP.", file=sys.stderr)
        return REFUSED
    content_type = "application/json" if is_json else "application/yaml"
    try:
        saved = api.call(
            "PUT",
            f"/projects/{quoted(args.project)}/steps/{quoted(name)}",
            raw=text.encode(),
            content_type=content_type,
        )
    except ApiError as exc:
        problems = exc.body.get("problems", []) if isinstance(exc.body, dict) else []
        for problem in problems:
            line = f"line {problem['line']}: " if problem.get("line") else ""
            print(f"{args.file}: {line}{problem['path']}: {problem['message']}", file=sys.stderr)
        raise
    verb = "Created" if saved["created"] else "Replaced"
    print(f"{verb} step {saved['name']!r} in {args.project} (revision {saved['revision']})")
    return OK


def status(api: Api, args: argparse.Namespace) -> int:
    state = api.call("GET", f"/deployments/{args.id}")
    print(
        f"Deployment {state['id']}: {state['project']} {state['release']} to "
        f"{state['environment']}: {state['status']}"
        + (f" ({state['phase']})" if state.get("phase") else "")
    )
    if state.get("error_reason"):
        print(f"Reason: {state['error_reason']}")
    for step, outputs in (state.get("outputs") or {}).items():
        for name, value in outputs.items() if isinstance(outputs, dict) else []:
            print(f"{step}.{name} = {value}")
    print(state["url"])
    return FAILED if state["status"] in ENDED_BADLY else OK


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="deployer-client", description=__doc__.splitlines()[0])
    top.add_argument(
        "--server",
        default=os.environ.get(SERVER_VARIABLE),
        help=f"Deployer's address, e.g. https://deployer.example.com (or {SERVER_VARIABLE}).",
    )
    commands = top.add_subparsers(dest="command", required=True)
    release = commands.add_parser("create-release", help="Create a release; prints its version.")
    release.add_argument("--project", required=True, help="The project's slug.")
    release.add_argument("--version", help="Default: the last release's, incremented.")
    release.add_argument(
        "--image",
        action="append",
        default=[],
        metavar="PACKAGE=TAG",
        help="Pin an image's tag, e.g. --image demo/web=1.2.0 (repeatable); others: newest.",
    )
    release.add_argument("--notes", default="", help="Release notes.")
    release.set_defaults(run=create_release)
    go = commands.add_parser("deploy", help="Deploy a release and stream its task log.")
    go.add_argument("--project", required=True, help="The project's slug.")
    go.add_argument("--version", required=True, help="The release version.")
    go.add_argument("--environment", required=True, help="The environment's name.")
    go.add_argument("--no-wait", action="store_true", help="Queue it and exit.")
    go.add_argument("--force-reason", default="", help="Deploy past the lifecycle (admins).")
    go.add_argument("--poll", type=float, default=1.0, help="Seconds between log reads.")
    go.add_argument("--timeout", type=float, help="Stop waiting after this many seconds.")
    go.set_defaults(run=deploy)
    push = commands.add_parser("push-step", help="Create or replace a step from its document.")
    push.add_argument("file", help="The step document, YAML (or JSON when it ends in .json).")
    push.add_argument("--project", required=True, help="The project's slug.")
    push.add_argument("--name", help="The step's name (default: the document's name).")
    push.set_defaults(run=push_step)
    show = commands.add_parser("status", help="Show a deployment's status.")
    show.add_argument("id", type=int, help="The deployment's number.")
    show.set_defaults(run=status)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not args.server:
        print(f"Pass --server URL or set {SERVER_VARIABLE}.", file=sys.stderr)
        return REFUSED
    if not token:
        print(f"Set {TOKEN_VARIABLE} to an API token (from your profile page).", file=sys.stderr)
        return REFUSED
    try:
        return int(args.run(Api(args.server, token), args))
    except ApiError as exc:
        print(f"Error{f' {exc.status}' if exc.status else ''}: {exc.detail}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        return FAILED


if __name__ == "__main__":
    sys.exit(main())
