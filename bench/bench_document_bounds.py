"""Benchmark: step documents near the size limit are accepted or refused quickly (item: < 0.5 s).

Each case is a document built to make reading or validating as slow as it can within the bounds;
the script prints how long import (read, validate, report) takes to accept or refuse it, in
wall-clock and CPU time, and exits 1 when any case takes 0.5 s of CPU or more (CPU time, so a
busy machine does not fail it; the wall-clock figure shows what a user waits).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deployer.settings")

import django  # noqa: E402

django.setup()

from steps.actions import read_step_yaml  # noqa: E402
from steps.document.model import MAX_DOCUMENT_CHARS, DocumentError  # noqa: E402

BUDGET_SECONDS = 0.5
HEAD = """\
version: 1
name: Deploy web
configuration: {task_definition_name: web}
network: {security_group_ids: [sg-0123abcd], subnet_ids: [subnet-0123abcd]}
"""


def container(index: int, body: str = "") -> str:
    return f"  - name: c{index}\n    image: {{feed: docker-hub, package: nginx}}\n{body}"


def fill(make_item: Callable[[int], str], prefix: str, suffix: str = "") -> str:
    """As many items as fit under the size limit between ``prefix`` and ``suffix``."""
    parts, size, index = [prefix], len(prefix) + len(suffix), 0
    while True:
        item = make_item(index)
        if size + len(item) > MAX_DOCUMENT_CHARS:
            break
        parts.append(item)
        size += len(item)
        index += 1
    return "".join(parts) + suffix


def many_containers() -> str:
    return fill(container, HEAD + "containers:\n")


def many_variables() -> str:
    # Ten containers sharing the size limit: the most list items a valid document can have.
    per_container = MAX_DOCUMENT_CHARS // 10 - 200
    parts = [HEAD, "containers:\n"]
    for index in range(10):
        body = fill(
            lambda n: f"        - {{name: V{n}, value: v}}\n",
            "    environment:\n      variables:\n",
        )[:per_container]
        body = body[: body.rfind("\n") + 1]
        parts.append(container(index, body))
    return "".join(parts)


def many_bad_variables() -> str:
    # Every variable breaks a rule: the validator reports each with its line.
    parts = [HEAD, "containers:\n"]
    per_container = MAX_DOCUMENT_CHARS // 10 - 200
    for index in range(10):
        body = fill(
            lambda n: f"        - {{name: V{n}, value: x, type: secret}}\n",
            "    environment:\n      variables:\n",
        )[:per_container]
        body = body[: body.rfind("\n") + 1]
        parts.append(container(index, body))
    return "".join(parts)


def unknown_keys() -> str:
    # A mapping of as many entries as allowed, none of them known: each is a problem to report.
    keys = "".join(f"  unknown{n}: x\n" for n in range(999))
    return HEAD + "containers:\n" + container(0) + "tags:\n" + keys


def long_texts() -> str:
    return (
        HEAD
        + "containers:\n"
        + container(0, "    user: " + "u" * (MAX_DOCUMENT_CHARS - 400) + "\n")
    )


def aliases() -> str:
    # One anchored list, repeated by aliases in every container: 10 x 2 x 900 items to read.
    items = "[" + ", ".join(["s"] * 900) + "]"
    first = f"    environment: {{entry_point: &big {items}, command: *big}}\n"
    body = "    environment: {entry_point: *big, command: *big}\n"
    containers = [container(0, first)] + [container(n, body) for n in range(1, 10)]
    return HEAD + "containers:\n" + "".join(containers)


def port_and_balancer_mappings() -> str:
    # Each load balancer mapping is checked against the container's port mappings.
    ports = "    port_mappings:\n" + "".join(
        f"      - {{container_port: {n + 1}}}\n" for n in range(1000)
    )
    arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/t/0123456789abcdef"
    prefix = HEAD + "containers:\n" + container(0, ports) + "load_balancer_mappings:\n"
    return fill(
        lambda n: (
            f"  - {{container_name: c0, container_port: {n % 1000 + 2}, target_group_arn: {arn}}}\n"
        ),
        prefix,
    )


def oversized() -> str:
    return many_containers() + "#" * 2_000_000


CASES: dict[str, Callable[[], str]] = {
    "1,000s of containers": many_containers,
    "10 containers of many variables": many_variables,
    "10 containers of invalid variables": many_bad_variables,
    "unknown keys": unknown_keys,
    "one long text": long_texts,
    "aliases of a long list": aliases,
    "balancer mappings x port mappings": port_and_balancer_mappings,
    "over the size limit": oversized,
}


def main() -> int:
    slowest = 0.0
    for name, build in CASES.items():
        text = build()
        started, started_cpu = time.perf_counter(), time.process_time()
        try:
            read_step_yaml(text)
            outcome = "accepted"
        except DocumentError as error:
            outcome = f"refused ({len(error.problems)} problems): {str(error.problems[0])[:60]}"
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - started_cpu
        slowest = max(slowest, cpu)
        print(
            f"{name:34} {len(text):>9,} chars {elapsed * 1000:7.1f} ms "
            f"({cpu * 1000:6.1f} ms CPU)  {outcome}"
        )
    print(f"slowest: {slowest * 1000:.1f} ms CPU (budget {BUDGET_SECONDS * 1000:.0f} ms)")
    return 0 if slowest < BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
