"""Substituting variables into a step document, as a deployment and the preview do."""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from typing import Any

from deployer.octostache import OctostacheError, referenced_names, render
from steps.document.io import document_from_data, document_to_data
from steps.document.model import DocumentError, DocumentProblem, StepDocument, format_path
from steps.validation.secrets import (
    SecretBinding,
    binding_problems,
    secret_bindings,
    secret_value_problems,
    sensitive_closure,
)
from steps.validation.step import validate


@dataclass(frozen=True)
class Unresolved:
    """A field whose expression still holds `#{...}` after substitution."""

    path: str
    expression: str
    result: str

    def __str__(self) -> str:
        return (
            f"{self.path}: {self.expression} did not resolve (got “{self.result}”); define the "
            "variables it uses for this environment"
        )


@dataclass
class Substitution:
    """The outcome: the substituted document (None when it cannot be read back) and findings."""

    document: StepDocument | None
    data: dict[str, Any]
    unresolved: list[Unresolved] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # Values rendered from templates that read a sensitive variable: mask them in logs, even
    # after filters changed them beyond recognition (`#{Password | ToBase64}`).
    derived_secrets: set[str] = field(default_factory=set)
    # Container environment variables whose whole value is a sensitive variable: a deployment
    # stores each as an SSM SecureString and the container reads it through `Secrets`.
    secret_bindings: list[SecretBinding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.document is not None and not self.unresolved and not self.problems

    def findings(self) -> list[str]:
        """Every reason the step cannot be deployed as substituted, path first."""
        return [str(item) for item in self.unresolved] + self.problems


def substitute_step(
    document: StepDocument,
    variables: Mapping[str, str],
    sensitive_names: Set[str] = frozenset(),
) -> Substitution:
    """Render every expression in the document, read it back typed, and validate the result.

    A sensitive variable (or one reading a sensitive variable) bound anywhere but as the whole
    value of a container's environment variable is a problem: AWS would receive it in plain text.
    """
    closure = sensitive_closure(variables, sensitive_names) if sensitive_names else {}
    sensitive = set(closure)
    unresolved: list[Unresolved] = []
    derived: set[str] = set()
    written = document_to_data(document)
    # Checked on the document as written: after substitution no one can tell what came from where.
    problems = [f"{path}: {message}" for path, message in binding_problems(written, closure)]
    bindings = secret_bindings(written, closure, {name.lower(): name for name in variables})

    def substituted(value: Any, path: tuple[str | int, ...]) -> Any:
        if isinstance(value, dict):
            return {key: substituted(item, (*path, key)) for key, item in value.items()}
        if isinstance(value, list):
            return [substituted(item, (*path, index)) for index, item in enumerate(value)]
        if not isinstance(value, str) or "#{" not in value:
            return value
        where = format_path(path)
        try:
            result = render(value, variables) or ""
        except OctostacheError as exc:
            problems.append(f"{where}: {exc}")
            return ""
        if "#{" in result:
            unresolved.append(Unresolved(where, value, result))
        if sensitive and _reads_any(value, sensitive):
            derived.add(result)
        return result

    data = substituted(written, ())
    try:
        result = document_from_data(data)
    except DocumentError as exc:
        problems.extend(_problem_text(problem) for problem in exc.problems)
        return Substitution(None, data, unresolved, problems, derived, bindings)
    problems.extend(f"{issue.path}: {issue.message}" for issue in validate(result))
    problems.extend(f"{path}: {message}" for path, message in secret_value_problems(data, bindings))
    return Substitution(result, data, unresolved, problems, derived, bindings)


def _reads_any(template: str, names: Set[str]) -> bool:
    try:
        return any(name.lower() in names for name in referenced_names(template))
    except OctostacheError:
        return True  # cannot tell: treat as secret rather than risk printing it


def _problem_text(problem: DocumentProblem) -> str:
    return f"{problem.path}: {problem.message}" if problem.path else problem.message
