"""Print the pinned requirements of pyproject.toml, one per line (the extra named in argv[1])."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]
extra = sys.argv[1] if len(sys.argv) > 1 else None
requirements = project["optional-dependencies"][extra] if extra else project["dependencies"]
print("\n".join(requirements))
