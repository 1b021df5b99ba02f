"""CloudFormation templates: parsing (JSON/YAML), parameters, conditions and intrinsic functions."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"
NO_VALUE = object()
INTRINSICS = {
    "Ref",
    "Fn::GetAtt",
    "Fn::Sub",
    "Fn::Join",
    "Fn::If",
    "Fn::Select",
    "Fn::Split",
    "Fn::Equals",
    "Fn::And",
    "Fn::Or",
    "Fn::Not",
    "Fn::FindInMap",
    "Fn::GetAZs",
    "Fn::Base64",
    "Condition",
}


class TemplateError(Exception):
    """A template or parameter problem CloudFormation rejects at the API call (ValidationError)."""


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms (!Ref, !GetAtt, !Sub, ...)."""


def _short_form(tag: str) -> Callable[[yaml.Loader, yaml.Node], Any]:
    name = "Ref" if tag == "Ref" else ("Condition" if tag == "Condition" else f"Fn::{tag}")

    def construct(loader: yaml.Loader, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {name: value}

    return construct


for _tag in [
    "Ref",
    "GetAtt",
    "Sub",
    "Join",
    "If",
    "Select",
    "Split",
    "Equals",
    "And",
    "Or",
    "Not",
    "FindInMap",
    "GetAZs",
    "Base64",
    "Condition",
]:
    _CfnLoader.add_constructor(f"!{_tag}", _short_form(_tag))


def parse_template(body: str) -> dict[str, Any]:
    """The template as data; raises TemplateError with AWS's wording when it is malformed."""
    try:
        template = json.loads(body)
    except ValueError:
        try:
            template = yaml.load(body, Loader=_CfnLoader)
        except yaml.YAMLError as error:
            raise TemplateError(f"Template format error: YAML not well-formed. {error}") from error
    if not isinstance(template, dict):
        raise TemplateError("Template format error: JSON not well-formed.")
    resources = template.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise TemplateError("Template format error: At least one Resources member must be defined.")
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or "Type" not in resource:
            raise TemplateError(
                f"Template format error: [/Resources/{logical_id}] Every Resources object must "
                "contain a Type member."
            )
    return template


def resolve_parameters(
    template: Mapping[str, Any],
    given: Mapping[str, str],
    previous: Mapping[str, str] | None = None,
    use_previous: set[str] | None = None,
) -> dict[str, str]:
    """Parameter values as strings after defaults; AWS's messages for missing or unknown ones."""
    declared: dict[str, Any] = template.get("Parameters") or {}
    unknown = [name for name in given if name not in declared]
    if unknown:
        raise TemplateError(f"Parameters: [{', '.join(unknown)}] do not exist in the template")
    values: dict[str, str] = {}
    missing = []
    for name, spec in declared.items():
        if use_previous and name in use_previous and previous and name in previous:
            values[name] = previous[name]
        elif name in given:
            values[name] = str(given[name])
        elif "Default" in spec:
            default = spec["Default"]
            values[name] = (
                ",".join(map(str, default)) if isinstance(default, list) else str(default)
            )
        else:
            missing.append(name)
    if missing:
        raise TemplateError(f"Parameters: [{', '.join(missing)}] must have values")
    for name, spec in declared.items():
        allowed = spec.get("AllowedValues")
        if allowed and values[name] not in [str(item) for item in allowed]:
            raise TemplateError(f"Parameter '{name}' must be one of AllowedValues")
        if spec.get("Type") == "Number":
            try:
                float(values[name])
            except ValueError as error:
                raise TemplateError(f"Parameter '{name}' must be a number.") from error
    return values


def typed_parameter(spec: Mapping[str, Any], value: str) -> Any:
    kind = str(spec.get("Type", "String"))
    if kind.startswith("List<") or kind == "CommaDelimitedList":
        return [item.strip() for item in value.split(",")] if value else []
    return value


class Resolver:
    """Evaluates intrinsic functions against parameters, conditions and provisioned resources."""

    def __init__(
        self,
        template: Mapping[str, Any],
        parameters: Mapping[str, str],
        pseudo: Mapping[str, Any],
        references: Callable[[str], Any],
        attributes: Callable[[str, str], Any],
    ) -> None:
        self.template = template
        self.parameters = parameters
        self.pseudo = pseudo
        self.references = references
        self.attributes = attributes
        self.conditions: dict[str, bool] = {}
        declared = template.get("Parameters") or {}
        self.parameter_values = {
            name: typed_parameter(declared[name], value) for name, value in parameters.items()
        }
        for name in template.get("Conditions") or {}:
            self.condition(name)

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            definitions = self.template.get("Conditions") or {}
            if name not in definitions:
                raise TemplateError(
                    f"Template format error: Unresolved dependencies [{name}]. Cannot reference "
                    "resources in the Conditions block of the template"
                )
            self.conditions[name] = bool(self.resolve(definitions[name]))
        return self.conditions[name]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key in INTRINSICS:
                return self._function(key, argument)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameter_values:
            return self.parameter_values[name]
        return self.references(name)

    def _function(self, name: str, argument: Any) -> Any:
        if name == "Ref":
            return self.ref(argument)
        if name == "Condition":
            return self.condition(argument)
        if name == "Fn::GetAtt":
            logical_id, attribute = (
                argument.split(".", 1) if isinstance(argument, str) else argument
            )
            return self.attributes(logical_id, self.resolve(attribute))
        if name == "Fn::Sub":
            return self._sub(argument)
        if name == "Fn::Join":
            delimiter, items = argument
            return str(delimiter).join(str(item) for item in self.resolve(items))
        if name == "Fn::If":
            condition, when_true, when_false = argument
            return self.resolve(when_true if self.condition(condition) else when_false)
        if name == "Fn::Select":
            index, items = self.resolve(argument)
            return items[int(index)]
        if name == "Fn::Split":
            delimiter, text = self.resolve(argument)
            return str(text).split(delimiter)
        if name == "Fn::Equals":
            left, right = self.resolve(argument)
            return str(left) == str(right)
        if name == "Fn::And":
            return all(self.resolve(argument))
        if name == "Fn::Or":
            return any(self.resolve(argument))
        if name == "Fn::Not":
            return not self.resolve(argument)[0]
        if name == "Fn::FindInMap":
            map_name, first, second = self.resolve(argument)[:3]
            return self.template["Mappings"][map_name][first][second]
        if name == "Fn::GetAZs":
            region = self.resolve(argument) or self.pseudo["AWS::Region"]
            return [f"{region}{zone}" for zone in "abcdef"]
        if name == "Fn::Base64":
            import base64

            return base64.b64encode(str(self.resolve(argument)).encode()).decode()
        raise TemplateError(f"Template format error: Unsupported function {name}")

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            text, variables = argument[0], self.resolve(argument[1])
        else:
            text, variables = argument, {}

        def replace(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("!"):
                return "${" + expression[1:] + "}"
            if expression in variables:
                return str(variables[expression])
            if "." in expression and expression.split(".", 1)[0] not in self.pseudo:
                logical_id, attribute = expression.split(".", 1)
                return str(self.attributes(logical_id, attribute))
            value = self.ref(expression)
            return ",".join(value) if isinstance(value, list) else str(value)

        return re.sub(r"\$\{([^}]+)\}", replace, str(text))


def references_of(value: Any) -> set[str]:
    """Logical ids a template fragment refers to through Ref, GetAtt or Sub."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references_of(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                target = item.split(".", 1)[0] if isinstance(item, str) else item[0]
                found.add(target)
            elif key == "Fn::Sub":
                text = item[0] if isinstance(item, list) else item
                for expression in re.findall(r"\$\{([^}!]+)\}", str(text)):
                    found.add(expression.split(".", 1)[0])
                if isinstance(item, list):
                    found |= references_of(item[1])
            else:
                found |= references_of(item)
    return found


def creation_order(resources: Mapping[str, Any]) -> list[str]:
    """Logical ids ordered so each resource comes after those it depends on."""
    dependencies: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        depends_on = resource.get("DependsOn") or []
        if isinstance(depends_on, str):
            depends_on = [depends_on]
        refs = references_of(resource.get("Properties") or {}) | set(depends_on)
        dependencies[logical_id] = {ref for ref in refs if ref in resources}
    order: list[str] = []
    visiting: set[str] = set()

    def visit(logical_id: str) -> None:
        if logical_id in order:
            return
        if logical_id in visiting:
            raise TemplateError(
                f"Circular dependency between resources: [{', '.join(sorted(visiting))}]"
            )
        visiting.add(logical_id)
        for dependency in sorted(dependencies[logical_id]):
            visit(dependency)
        visiting.discard(logical_id)
        order.append(logical_id)

    for logical_id in resources:
        visit(logical_id)
    return order
