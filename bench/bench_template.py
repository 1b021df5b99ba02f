"""Benchmark: generate the complex golden template, then lint it once (cold and warm cfn-lint)."""

from __future__ import annotations

import logging
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from steps.document.io import load_document  # noqa: E402
from steps.template import preflight  # noqa: E402
from steps.template.builder import render_template  # noqa: E402
from steps.template.preflight import lint_template  # noqa: E402

GENERATE_REPETITIONS = 200
LINT_REPETITIONS = 3
STEP = ROOT / "tests" / "steps" / "golden" / "complex.step.yaml"


def main() -> None:
    logging.disable(logging.INFO)
    document = load_document(STEP.read_text(encoding="utf-8"))

    timings = []
    for _ in range(GENERATE_REPETITIONS):
        started = time.perf_counter()
        text = render_template(document)
        timings.append(time.perf_counter() - started)
    print(
        f"generate complex template: median {statistics.median(timings) * 1000:.2f} ms, "
        f"max {max(timings) * 1000:.2f} ms over {GENERATE_REPETITIONS} runs "
        f"({len(text)} bytes of YAML)"
    )

    started = time.perf_counter()
    from cfnlint.api import lint  # noqa: F401  (the import alone is part of a cold first lint)

    print(f"import cfn-lint: {time.perf_counter() - started:.2f} s")
    lint_timings = []
    for _ in range(LINT_REPETITIONS):
        preflight._lint_cache.clear()  # each run lints: the cache would answer in microseconds
        started = time.perf_counter()
        findings = lint_template(text)
        lint_timings.append(time.perf_counter() - started)
    started = time.perf_counter()
    lint_template(text)
    cached = time.perf_counter() - started
    print(
        f"lint complex template: first {lint_timings[0]:.2f} s, "
        f"then median {statistics.median(lint_timings[1:]):.2f} s "
        f"({len(findings)} findings); the same template again, cached: {cached * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
