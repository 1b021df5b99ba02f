"""What an import could not carry over, each with the AWS setting, its value and why."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# A value shown in a list is cut here; the whole of it stays in AWS.
MAX_SHOWN = 120


@dataclass(frozen=True)
class Unmapped:
    """One setting of the running service that the step document cannot hold.

    ``setting`` is AWS's own name with where it is (``taskDefinition.ephemeralStorage``,
    ``containerDefinitions[web].linuxParameters``), so it can be found in the console.
    """

    setting: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"{self.setting} = {self.value}: {self.reason}"


@dataclass
class Report:
    """Collects the unmapped settings and notes while a service is mapped."""

    unmapped: list[Unmapped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def skip(self, setting: str, value: Any, reason: str) -> None:
        self.unmapped.append(Unmapped(setting, shown(value), reason))

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def is_set(value: Any) -> bool:
    """False for what AWS reports as "not set": None, false, empty lists, maps and strings."""
    return value is not False and value not in (None, "", [], {})
