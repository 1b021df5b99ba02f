"""Project variables: which value applies where, the system variables, and masking secrets."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from deployer.core.crypto import decrypt, encrypt
from steps.validation.secrets import sensitive_closure

if TYPE_CHECKING:
    from deployer.projects.models import Project

MASK = "********"
NAME_RULE = "Variable names cannot contain “#{” or start or end with spaces."


@dataclass(frozen=True)
class VariableValue:
    """One value of a variable; `environments` holds environment ids, empty meaning all."""

    name: str
    value: str
    environments: frozenset[int] = frozenset()
    sensitive: bool = False

    @property
    def specificity(self) -> int:
        # Octopus ranks scoped values above unscoped ones; environments are our only scope.
        return 1 if self.environments else 0

    def applies_to(self, environment_id: int | None) -> bool:
        return not self.environments or environment_id in self.environments

    def to_snapshot(self) -> dict[str, Any]:
        """Plain data for a release snapshot; a sensitive value stays encrypted."""
        data: dict[str, Any] = {
            "name": self.name,
            "environments": sorted(self.environments),
            "sensitive": self.sensitive,
        }
        if self.sensitive:
            data["encrypted_value"] = encrypt(self.value)
        else:
            data["value"] = self.value
        return data

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> VariableValue:
        sensitive = bool(data.get("sensitive"))
        return cls(
            name=str(data["name"]),
            value=decrypt(data["encrypted_value"]) if sensitive else str(data.get("value", "")),
            environments=frozenset(int(e) for e in data.get("environments", [])),
            sensitive=sensitive,
        )


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a variable name, or None when it can."""
    if not name.strip():
        return "Enter a name."
    if "#{" in name or name != name.strip():
        return NAME_RULE
    return None


def project_values(project: Project) -> list[VariableValue]:
    """The project's variable values as plain data (one query for the values, one for scopes)."""
    return [
        VariableValue(
            name=variable.name,
            value=variable.effective_value,
            environments=frozenset(e.pk for e in variable.environments.all()),
            sensitive=variable.is_sensitive,
        )
        for variable in project.variables.prefetch_related("environments")
    ]


def conflicts(values: Iterable[VariableValue]) -> list[str]:
    """Messages for values of one name that apply to the same environment equally specifically.

    Two unscoped values conflict everywhere; two scoped values conflict where scopes overlap.
    """
    problems = []
    by_name: dict[str, list[VariableValue]] = {}
    for value in values:
        by_name.setdefault(value.name.lower(), []).append(value)
    for group in by_name.values():
        unscoped = [v for v in group if not v.environments]
        if len(unscoped) > 1:
            problems.append(f"{group[0].name} has {len(unscoped)} values for all environments.")
        scoped = [v for v in group if v.environments]
        for i, first in enumerate(scoped):
            for second in scoped[i + 1 :]:
                if first.environments & second.environments:
                    problems.append(
                        f"{group[0].name} has two values scoped to the same environment."
                    )
    return problems


def effective_values(
    values: Iterable[VariableValue], environment_id: int | None
) -> dict[str, VariableValue]:
    """The value of each name that applies to the environment: scoped beats unscoped."""
    chosen: dict[str, VariableValue] = {}
    for value in values:
        if not value.applies_to(environment_id):
            continue
        key = value.name.lower()
        current = chosen.get(key)
        if current is None or value.specificity > current.specificity:
            chosen[key] = value
    return {value.name: value for value in chosen.values()}


@dataclass
class Masker:
    """Replaces every known secret in text with ********, longest secrets first."""

    secrets: set[str] = field(default_factory=set)
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)

    def add(self, secret: str | None) -> None:
        # Very short values would mask ordinary text everywhere ("1", "on"); they are still
        # never shown in the UI.
        if secret and len(secret) >= 3 and secret not in self.secrets:
            self.secrets.add(secret)
            self._pattern = None

    def mask(self, text: str) -> str:
        if not self.secrets or not text:
            return text
        if self._pattern is None:
            ordered = sorted(self.secrets, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(s) for s in ordered))
        return self._pattern.sub(MASK, text)


def masker_for(values: Iterable[VariableValue]) -> Masker:
    masker = Masker()
    for value in values:
        if value.sensitive:
            masker.add(value.value)
    return masker


def as_mapping(values: Mapping[str, VariableValue]) -> dict[str, str]:
    return {name: value.value for name, value in values.items()}


@dataclass(frozen=True)
class PackageImage:
    """An image pinned by a release, as the Octopus.Action.Package[...] variables see it."""

    package: str  # the reference name used in the step document (the image name in its feed)
    image: str  # the full reference, registry/name:tag
    registry: str
    version: str


@dataclass(frozen=True)
class DeploymentFacts:
    """What a deployment knows about itself; becomes the Octopus.* system variables."""

    project_name: str
    project_id: int
    environment_name: str
    environment_id: int
    release_number: str = ""
    deployment_id: int | None = None
    created_by: str = ""
    step_name: str = ""
    machine_name: str = ""
    region: str = ""
    cluster_name: str = ""
    images: tuple[PackageImage, ...] = ()


def system_variables(facts: DeploymentFacts) -> dict[str, str]:
    """The Octopus.* variables, named as Octopus names them, for one step on one target."""
    deployment_id = f"Deployments-{facts.deployment_id}" if facts.deployment_id else ""
    variables = {
        "Octopus.Project.Name": facts.project_name,
        "Octopus.Project.Id": f"Projects-{facts.project_id}",
        "Octopus.Environment.Name": facts.environment_name,
        "Octopus.Environment.Id": f"Environments-{facts.environment_id}",
        "Octopus.Release.Number": facts.release_number,
        "Octopus.Deployment.Id": deployment_id,
        "Octopus.Deployment.Name": f"Deploy to {facts.environment_name}",
        "Octopus.Deployment.CreatedBy.Username": facts.created_by,
        "Octopus.Step.Name": facts.step_name,
        "Octopus.Action.Name": facts.step_name,
        "Octopus.Machine.Name": facts.machine_name,
        "Octopus.Action.Aws.Region": facts.region,
        "Octopus.Action.Aws.Ecs.ClusterName": facts.cluster_name,
    }
    for image in facts.images:
        prefix = f"Octopus.Action.Package[{image.package}]"
        variables[f"{prefix}.Image"] = image.image
        variables[f"{prefix}.PackageId"] = image.package
        variables[f"{prefix}.PackageVersion"] = image.version
        variables[f"{prefix}.Registry"] = image.registry
    return variables


def deployment_variables(
    values: Iterable[VariableValue], environment_id: int, facts: DeploymentFacts
) -> tuple[dict[str, str], Masker]:
    """Project values for the environment plus system variables (which win), and their masker."""
    chosen = effective_values(values, environment_id)
    variables = as_mapping(chosen)
    variables.update(system_variables(facts))
    return variables, masker_for(chosen.values())


def masked_artifacts(value: Any, masker: Masker) -> Any:
    """`value` (text, or JSON-like data of any depth) with every known secret masked.

    The one way a deployment's files are stored and served: the task log masks its own lines,
    and everything else a deployment keeps (templates, substituted documents, any artifact
    added later) passes through here, keys included.
    """
    if isinstance(value, str):
        return masker.mask(value)
    if isinstance(value, dict):
        return {masker.mask(str(k)): masked_artifacts(v, masker) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked_artifacts(item, masker) for item in value]
    return value


def sensitive_variables(values: Iterable[VariableValue]) -> dict[str, str]:
    """Names (lower case) of the variables that are sensitive or read one, in any environment.

    For views that show a step for no particular environment (the Export dialog): a variable
    counts as sensitive when any of its values reads a sensitive variable.
    """
    texts: dict[str, str] = {}
    names = set()
    for value in values:
        if value.sensitive:
            names.add(value.name)
        else:
            key = value.name.lower()
            texts[key] = f"{texts.get(key, '')} {value.value}"
    return sensitive_closure(texts, names)
