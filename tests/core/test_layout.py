"""The layout's rules that import-linter cannot express: module size, and who writes releases."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("deployer", "steps", "targets")
MAX_LINES = 500


def product_modules() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def test_no_module_is_over_the_line_limit() -> None:
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in product_modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not too_long, too_long


def test_only_the_actions_modules_create_releases_and_deployments() -> None:
    # Model.objects.create(...) or Model(...) followed by save(); a class statement is not a write.
    creates = re.compile(
        r"(?<!class )\b(Release|Deployment)(\.objects\.(create|get_or_create|bulk_create))?\("
    )
    writers = {
        str(path.relative_to(ROOT))
        for path in product_modules()
        if creates.search(path.read_text(encoding="utf-8"))
    }
    assert writers == {"deployer/releases/actions.py", "deployer/deployments/actions.py"}
