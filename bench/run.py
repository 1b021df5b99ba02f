"""Run every benchmark script under bench/ in turn (`make bench`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

scripts = sorted(p for p in Path(__file__).parent.glob("bench_*.py"))
failed = 0
for script in scripts:
    print(f"== {script.name}", flush=True)
    failed += subprocess.call([sys.executable, str(script)]) != 0
sys.exit(1 if failed else 0)
