"""Polling helpers: watch the sandbox through boto3 the way a deployment would."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

POLL_SECONDS = 0.01
LIMIT_SECONDS = 30.0


def watch_stack(cloudformation: Any, stack: str) -> tuple[list[str], dict[str, Any]]:
    """Every distinct stack status seen until the stack settles, and its final description."""
    seen: list[str] = []
    deadline = time.monotonic() + LIMIT_SECONDS
    while True:
        description = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
        if not seen or seen[-1] != description["StackStatus"]:
            seen.append(description["StackStatus"])
        if not description["StackStatus"].endswith("_IN_PROGRESS"):
            return seen, description
        if time.monotonic() > deadline:
            raise AssertionError(f"Stack {stack} still in progress after {seen}")
        time.sleep(POLL_SECONDS)


def wait_until(condition: Callable[[], Any], what: str, timeout: float = 120.0) -> Any:
    """Poll `condition` until it is truthy; its value. Fails naming `what` after `timeout`
    (long enough for a deployment on a busy machine; a passing test never waits for it)."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out waiting for {what}")
        time.sleep(POLL_SECONDS)
    return value


def resource_events(cloudformation: Any, stack: str) -> list[tuple[str, str]]:
    """(logical id, status) of every event, oldest first."""
    events = cloudformation.describe_stack_events(StackName=stack)["StackEvents"]
    return [(event["LogicalResourceId"], event["ResourceStatus"]) for event in reversed(events)]


def failed_reasons(cloudformation: Any, stack: str) -> dict[str, str]:
    events = cloudformation.describe_stack_events(StackName=stack)["StackEvents"]
    return {
        event["LogicalResourceId"]: event.get("ResourceStatusReason", "")
        for event in events
        if event["ResourceStatus"].endswith("_FAILED")
    }
