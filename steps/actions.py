"""Writes to steps: saving with optimistic locking, YAML import and export, removal."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import F, Max

from deployer.audit.record import document_diff, record
from deployer.projects.models import Project
from steps.document.io import (
    MAX_PROBLEMS,
    document_to_data,
    dump_document,
    load_document_with_lines,
)
from steps.document.model import DocumentError, DocumentProblem, Path, StepDocument, format_path
from steps.models import Step
from steps.validation.step import ValidationIssue, validate

AnyUser = AbstractBaseUser | AnonymousUser | None
_PROJECT_NAME_LENGTH = Project._meta.get_field("name").max_length or 100


class StaleEditError(Exception):
    """The step was saved by someone else since the editor was opened; ``other`` is that
    version, as stored now."""

    def __init__(self, other: Step) -> None:
        self.other = other
        who = f" by {other.updated_by}" if other.updated_by else ""
        super().__init__(
            f"{other.name} was changed{who} since you opened it (now at revision "
            f"{other.revision}). Your changes were not saved."
        )


class DuplicateStepName(ValueError):
    """Another step of the project already has this name."""


def _check_name_free(project: Project, name: str, step_pk: int | None) -> None:
    others = Step.objects.filter(project=project, name=name)
    taken = (others.exclude(pk=step_pk) if step_pk is not None else others).exists()
    if taken:
        raise DuplicateStepName(f"the project already has a step named {name!r}")


def _saver(user: AnyUser) -> Any:
    return user if user is not None and user.is_authenticated else None


def save_step(
    step: Step, document: StepDocument, expected_revision: int | None, user: AnyUser = None
) -> Step:
    """Store ``document`` in ``step`` (a new step is appended to its project's steps).

    The document must already be valid. An existing step is only written while its revision is
    still ``expected_revision``; otherwise ``StaleEditError`` carries the version saved since.
    Raises ``DuplicateStepName`` when another step of the project has the document's name.
    """
    with transaction.atomic():
        _check_name_free(step.project, document.name, step.pk)
        if step.pk is None:
            last = Step.objects.filter(project=step.project).aggregate(Max("position"))
            step.position = (last["position__max"] or 0) + 1
            step.set_document(document)
            step.revision = 1
            step.updated_by = _saver(user)
            try:
                step.save()
            except IntegrityError:
                raise DuplicateStepName(
                    f"the project already has a step named {document.name!r}"
                ) from None
            return step
        old_document = Step.objects.filter(pk=step.pk).values_list("document", flat=True).first()
        # A conditional UPDATE: two saves racing from the same revision cannot both succeed.
        # Revisions start at 1: a form that lost its revision never matches.
        written = Step.objects.filter(pk=step.pk, revision=expected_revision or 0).update(
            name=document.name,
            document=document_to_data(document),
            revision=F("revision") + 1,
            updated_by=_saver(user),
        )
        if not written:
            raise StaleEditError(Step.objects.select_related("updated_by").get(pk=step.pk))
        changes = document_diff(old_document or {}, document_to_data(document))
        if changes:
            record(
                "step.changed",
                f"Step {document.name} changed: {len(changes)} value(s)",
                obj=step,
                project=step.project,
                details={"changes": changes},
            )
    step.refresh_from_db()
    return step


def delete_step(step: Step) -> None:
    """Remove a step from its project (releases keep their own snapshot of it)."""
    step.delete()


# --- YAML import and export ---------------------------------------------------------------------


def export_step(step: Step) -> str:
    """The step as step-document YAML (defaults left out, as the contract says)."""
    return dump_document(step.to_document())


def _line_for(path: str, lines: dict[str, int]) -> int | None:
    """The line of ``path`` or of the nearest enclosing key that has one."""
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None


def issues_as_problems(
    issues: Iterable[ValidationIssue], node_lines: dict[Path, int]
) -> list[DocumentProblem]:
    """Validation issues with the YAML line they come from, as import reports them; at most
    ``MAX_PROBLEMS``, then one line saying how many more there are. ``node_lines`` is the line
    index the loader made while parsing (``load_document_with_lines``)."""
    issues = list(issues)
    lines = {format_path(path): line for path, line in node_lines.items()}
    problems = [
        DocumentProblem(i.path, _line_for(i.path, lines), i.message) for i in issues[:MAX_PROBLEMS]
    ]
    if len(issues) > MAX_PROBLEMS:
        more = len(issues) - MAX_PROBLEMS
        problems.append(DocumentProblem("", None, f"and {more:,} more problems not listed"))
    return problems


def read_step_yaml(text: str) -> StepDocument:
    """A valid document from YAML; ``DocumentError`` lists every problem (path, line, message)
    of the YAML, the keys or the values."""
    document, node_lines = load_document_with_lines(text)
    issues = validate(document)
    if issues:
        raise DocumentError(issues_as_problems(issues, node_lines))
    return document


@dataclass(frozen=True)
class ImportResult:
    step: Step
    created: bool


def import_step(
    project: Project, text: str, *, replace: Step | None = None, user: AnyUser = None
) -> ImportResult:
    """Create or replace a step from step-document YAML, all or nothing.

    Without ``replace`` the step named in the document is replaced, or created when the project
    has none by that name; with ``replace`` that step takes the document (and its name). Raises
    ``DocumentError`` for malformed YAML, unknown keys and invalid values, and
    ``DuplicateStepName`` when ``replace`` would take another step's name; nothing changes then.
    """
    return _import_document(project, read_step_yaml(text), replace=replace, user=user)


def _import_document(
    project: Project, document: StepDocument, *, replace: Step | None, user: AnyUser
) -> ImportResult:
    """``import_step`` for a document already read and validated."""
    with transaction.atomic():
        step = replace or Step.objects.filter(project=project, name=document.name).first()
        if step is None:
            return ImportResult(save_step(Step(project=project), document, None, user), True)
        # Replacing is the user's explicit intent, so it applies to the version stored now.
        current = Step.objects.select_for_update().get(pk=step.pk)
        return ImportResult(save_step(current, document, current.revision, user), False)


def import_step_into_project_slug(slug: str, text: str) -> ImportResult:
    """``import_step`` for the command line: the project is created when its slug is new.

    Raises ``django.core.exceptions.ValidationError`` for a slug a project cannot have."""
    document = read_step_yaml(text)  # before creating anything: all or nothing
    with transaction.atomic():
        project = Project.objects.filter(slug=slug).first()
        if project is None:
            # The model's own validators: the slug's form and its length (a longer one is an
            # error on PostgreSQL and silently stored by SQLite).
            Project._meta.get_field("slug").run_validators(slug)
            name, copies = slug, 0
            while Project.objects.filter(name=name).exists():
                copies += 1
                suffix = " (imported)" if copies == 1 else f" (imported {copies})"
                name = slug[: _PROJECT_NAME_LENGTH - len(suffix)] + suffix
            project = Project.objects.create(slug=slug, name=name)
        return _import_document(project, document, replace=None, user=None)


# --- Comparing two versions ---------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One field whose value differs between two versions of a step document."""

    path: str
    mine: Any
    theirs: Any


_MISSING = object()


def _flatten(value: Any, path: tuple[str | int, ...], into: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _flatten(item, (*path, key), into)
    elif isinstance(value, list) and value and any(isinstance(i, dict | list) for i in value):
        for index, item in enumerate(value):
            _flatten(item, (*path, index), into)
    else:
        into[format_path(path)] = value


def document_changes(mine: dict[str, Any], theirs: dict[str, Any]) -> list[FieldChange]:
    """Field-by-field differences of two documents' data (``document_to_data`` form), in the
    order the fields appear; ``None`` on one side means the field does not exist there."""
    flat_mine: dict[str, Any] = {}
    flat_theirs: dict[str, Any] = {}
    _flatten(mine, (), flat_mine)
    _flatten(theirs, (), flat_theirs)
    paths = list(flat_mine) + [p for p in flat_theirs if p not in flat_mine]
    changes = []
    for path in paths:
        a, b = flat_mine.get(path, _MISSING), flat_theirs.get(path, _MISSING)
        if a != b:
            changes.append(
                FieldChange(path, None if a is _MISSING else a, None if b is _MISSING else b)
            )
    return changes
