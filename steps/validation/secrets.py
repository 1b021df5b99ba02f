"""Sensitive variables in a step: where they may be bound, and the SSM parameters they become.

A sensitive value may only be the whole value of a container's plain environment variable. There
it becomes a secret: the deployment stores it as an SSM Parameter Store SecureString and the
container reads it through `Secrets` (`ValueFrom` = the parameter's ARN), so neither the template
nor the stack carries the value. Anywhere else (a tag, a command, an image, a name) AWS would
receive it in plain text, so the step is refused, naming the field and the variable (not the value).
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Iterator, Mapping, Set
from dataclasses import dataclass
from typing import Any

from deployer.octostache import OctostacheError, referenced_names
from steps.document.io import document_from_data, document_to_data
from steps.document.model import StepDocument, format_path

PARAMETER_PREFIX = "/deployer"
# SSM parameter names: letters, digits, `.`, `-`, `_` and `/` between levels; at most 1011
# characters for the fully qualified name; at most 15 levels. See PutParameter's `Name`.
_SEGMENT_CHARACTER = re.compile(r"[^A-Za-z0-9_.-]")
MAX_PARAMETER_NAME = 1011
# A Standard-tier parameter's value (Advanced parameters cost money; we never create those).
MAX_SECRET_BYTES = 4096
# Room for the prefix and three segments of at most this length each, with their slashes.
_MAX_SEGMENT = 300
# An environment variable value that is one variable reference and nothing else.
_WHOLE_REFERENCE = re.compile(r"#\{\s*([^}|#]+?)\s*\}")
# What a deployment fills in for the export's account and region: CloudFormation's own.
EXPORT_ARN_PREFIX = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"
EXPORT_ENVIRONMENT = "#{Octopus.Environment.Name}"


@dataclass(frozen=True)
class SecretBinding:
    """A container environment variable whose whole value is one sensitive variable."""

    container_index: int
    variable_index: int
    container: str
    name: str  # the environment variable's name in the container
    variable: str  # the sensitive (or sensitive-reading) project variable it holds

    @property
    def path(self) -> str:
        return format_path(
            ("containers", self.container_index, "environment", "variables", self.variable_index)
        )


def sensitive_closure(variables: Mapping[str, str], sensitive_names: Set[str]) -> dict[str, str]:
    """Every variable that is sensitive or reads one, by lower-case name -> the sensitive source.

    `DbUrl = postgres://app:#{DbPassword}@db/app` renders the password, so it is as sensitive as
    `DbPassword` itself: binding it in a tag would send the password to AWS in plain text.
    """
    sources = {name.lower(): name for name in sensitive_names}
    reads: dict[str, set[str]] = {}
    for name, value in variables.items():
        if value and "#{" in value:
            reads[name.lower()] = {read.lower() for read in _names_read(value)}
    changed = True
    while changed:  # to a fixed point: a variable may read one that reads a sensitive one
        changed = False
        for name, read in reads.items():
            if name in sources:
                continue
            source = next((sources[r] for r in sorted(read) if r in sources), None)
            if source is not None:
                sources[name] = source
                changed = True
    return sources


def _names_read(template: str) -> set[str]:
    try:
        return referenced_names(template)
    except OctostacheError:
        return set()


def _describe(variable: str, source: str) -> str:
    if variable.lower() == source.lower():
        return f"the sensitive variable {variable}"
    return f"the variable {variable} (it reads the sensitive variable {source})"


_Path = tuple[str | int, ...]


def _strings(value: Any, path: _Path = ()) -> Iterator[tuple[_Path, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))
    elif isinstance(value, str) and "#{" in value:
        yield path, value


def _environment_entry(data: Mapping[str, Any], path: tuple[str | int, ...]) -> Any:
    """The environment variable entry `path` is the value of, or None for any other field."""
    if len(path) != 6 or path[0] != "containers" or path[2:4] != ("environment", "variables"):
        return None
    if path[5] != "value" or not isinstance(path[1], int) or not isinstance(path[4], int):
        return None
    return data["containers"][path[1]]["environment"]["variables"][path[4]]


def _reads(value: str, sensitive: Mapping[str, str]) -> list[str]:
    names = _names_read(value)
    if not names and "#{" in value:
        # Unparsable: Octostache leaves it as written, so nothing is read; nothing to guard.
        return []
    return sorted(name for name in names if name.lower() in sensitive)


def binding_problems(
    data: Mapping[str, Any], sensitive: Mapping[str, str]
) -> list[tuple[str, str]]:
    """(path, message) for every place a sensitive value would reach AWS in plain text.

    `data` is the document as written (before substitution), as `document_to_data` gives it;
    `sensitive` is `sensitive_closure`'s answer. Messages name the variable, never its value.
    """
    problems: list[tuple[str, str]] = []
    if not sensitive:
        return problems
    for path, value in _strings(data):
        read = _reads(value, sensitive)
        if not read:
            continue
        where = format_path(path)
        first = read[0]
        what = _describe(first, sensitive[first.lower()])
        entry = _environment_entry(data, path)
        if entry is None:
            problems.append(
                (
                    where,
                    f"{what} cannot be used here: AWS would receive its value in plain text. "
                    "A sensitive value can only be the whole value of a container environment "
                    f"variable (#{{{first}}}), which deploys as an SSM SecureString secret.",
                )
            )
        elif entry.get("type", "plain") != "plain":
            problems.append(
                (
                    where,
                    f"{what} cannot be the value of a secret-type variable (that value is an ARN "
                    "AWS receives in plain text); make the variable plain and its value "
                    f"#{{{first}}}: Deployer stores it as a secret.",
                )
            )
        elif _whole_reference(value) is None or len(read) > 1:
            problems.append(
                (
                    where,
                    f"{what} must be the whole value (#{{{first}}}), without other text or "
                    "filters, to become a secret; put the combined value in a variable of its "
                    "own (it is treated as sensitive when it reads a sensitive one) and use that.",
                )
            )
    return problems


def _whole_reference(value: str) -> str | None:
    match = _WHOLE_REFERENCE.fullmatch(value.strip())
    return match.group(1) if match else None


def secret_bindings(
    data: Mapping[str, Any],
    sensitive: Mapping[str, str],
    names: Mapping[str, str] | None = None,
) -> list[SecretBinding]:
    """The container environment variables that become secrets, in document order.

    `names` maps lower-case variable names to their defined spelling: names are case-insensitive,
    so `#{dbpassword}` and `#{DbPassword}` are one variable and must be one parameter.
    """
    bindings: list[SecretBinding] = []
    if not sensitive:
        return bindings
    for path, value in _strings(data):
        entry = _environment_entry(data, path)
        name = _whole_reference(value)
        if entry is None or name is None or name.lower() not in sensitive:
            continue
        if entry.get("type", "plain") != "plain":
            continue
        container = data["containers"][path[1]]
        bindings.append(
            SecretBinding(
                container_index=int(path[1]),
                variable_index=int(path[4]),
                container=str(container.get("name", "")),
                name=str(entry.get("name", "")),
                variable=(names or {}).get(name.lower(), name),
            )
        )
    return bindings


def secret_value_problems(
    data: Mapping[str, Any], bindings: list[SecretBinding]
) -> list[tuple[str, str]]:
    """(path, message) for substituted secret values SSM cannot store (empty, over 4 KB)."""
    problems = []
    for binding in bindings:
        entry = data["containers"][binding.container_index]["environment"]["variables"]
        value = entry[binding.variable_index].get("value")
        if not isinstance(value, str) or "#{" in value:
            continue  # unresolved: reported as such
        where = f"{binding.path}.value"
        if not value:
            problems.append(
                (
                    where,
                    f"the sensitive variable {binding.variable} is empty in this environment and "
                    "SSM cannot store an empty secret; give it a value or remove it from the "
                    "container",
                )
            )
        elif len(value.encode()) > MAX_SECRET_BYTES:
            problems.append(
                (
                    where,
                    f"the value of {binding.variable} is longer than SSM's {MAX_SECRET_BYTES} "
                    "bytes for a parameter; store it in S3 and use an environment file instead",
                )
            )
    return problems


def _segment(text: str) -> str:
    """One level of a parameter name: AWS's characters only, unique for distinct inputs."""
    cleaned = _SEGMENT_CHARACTER.sub("_", text)
    if cleaned == text and 0 < len(text) <= _MAX_SEGMENT and text not in (".", ".."):
        return text
    # Two names that clean up alike (`My Secret`, `My_Secret`) must not share a parameter.
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return f"{cleaned[: _MAX_SEGMENT - 9]}-{digest}"


def parameter_name(project_slug: str, environment_name: str, variable: str) -> str:
    """`/deployer/<project slug>/<environment name>/<variable name>`, made valid for SSM.

    Characters SSM refuses become `_`, and the level then gets a short hash of the original so
    two names never collide; see docs/security.md.
    """
    return "/".join(
        (PARAMETER_PREFIX, _segment(project_slug), _segment(environment_name), _segment(variable))
    )


def export_parameter_arn(project_slug: str, environment_name: str | None, variable: str) -> str:
    """The parameter's ARN as the exported template writes it (`Fn::Sub` resolves the rest)."""
    environment = _segment(environment_name) if environment_name else EXPORT_ENVIRONMENT
    return (
        f"{EXPORT_ARN_PREFIX}{PARAMETER_PREFIX}/{_segment(project_slug)}/{environment}/"
        f"{_segment(variable)}"
    )


def with_secrets(
    data: Mapping[str, Any], bindings: list[SecretBinding], arns: Mapping[str, str]
) -> dict[str, Any]:
    """The document data with each bound environment variable turned into a `secret` entry.

    `arns` maps a bound variable's name (lower case) to the ARN its container reads it from.
    """
    result = copy.deepcopy(dict(data))
    for binding in bindings:
        container = result["containers"][binding.container_index]
        entry = container["environment"]["variables"][binding.variable_index]
        entry["type"] = "secret"
        entry["value"] = arns[binding.variable.lower()]
    return result


def sensitive_binding_problems(
    document: StepDocument, sensitive: Mapping[str, str] | None
) -> list[tuple[str, str]]:
    """`binding_problems` for a document as written; the validator's entry point."""
    if not sensitive:
        return []
    return binding_problems(document_to_data(document), sensitive)


def export_form(
    written: StepDocument,
    shown: StepDocument,
    project_slug: str,
    environment_name: str | None,
    sensitive: Mapping[str, str],
    names: Mapping[str, str] | None = None,
) -> StepDocument:
    """`shown` (the exported document, substituted or not) with each secret in its `Secrets` form.

    The bindings are read from `written`, the document before substitution: only it says which
    values came from sensitive variables. Without an environment the parameter's name keeps
    `#{Octopus.Environment.Name}`, as the export keeps every other per-deployment value.
    """
    bindings = secret_bindings(document_to_data(written), sensitive, names)
    if not bindings:
        return shown
    arns = {
        b.variable.lower(): export_parameter_arn(project_slug, environment_name, b.variable)
        for b in bindings
    }
    return document_from_data(with_secrets(document_to_data(shown), bindings, arns))
