"""Writing audit records, and the plain differences between two step documents."""

from __future__ import annotations

from typing import Any

from deployer.audit.context import current_actor
from deployer.audit.models import AuditEvent


def record(
    kind: str,
    summary: str,
    *,
    obj: Any = None,
    project: Any = None,
    environment: Any = None,
    details: dict[str, Any] | None = None,
    user: Any = None,
) -> AuditEvent:
    """Append one record, as done by the current actor (or `user`, for logins)."""
    actor = current_actor()
    who = user if user is not None else actor.user
    return AuditEvent.objects.create(
        user=who if who is not None and who.pk else None,
        username=who.get_username() if who is not None else "",
        source=actor.source,
        remote_address=actor.remote_address,
        kind=kind,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        project=project,
        environment=environment,
        summary=summary[:500],
        details=details or {},
    )


def _flatten(value: Any, path: str, into: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _flatten(item, f"{path}.{key}" if path else str(key), into)
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            _flatten(item, f"{path}[{index}]", into)
    else:
        into[path] = value


def document_diff(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """The paths that differ between two step documents' data, each with its old and new value.

    `[{"path": "configuration.desired_count", "old": 1, "new": 2}, …]`; an added or removed
    path has None on the other side.
    """
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    _flatten(old or {}, "", before)
    _flatten(new or {}, "", after)
    return [
        {"path": path, "old": before.get(path), "new": after.get(path)}
        for path in sorted(before.keys() | after.keys())
        if before.get(path) != after.get(path)
    ]
