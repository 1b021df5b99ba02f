"""Stable, readable YAML for generated CloudFormation templates."""

from __future__ import annotations

from typing import Any

import yaml


class _TemplateDumper(yaml.SafeDumper):
    """Block style, lists indented under their key, never anchors or aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        # A shared sub-dict (the same Ref used twice) must be written out in full each time.
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # PyYAML writes `key:\n- item`; AWS documents and most people write `key:\n  - item`.
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line text (scripts in a health check, for instance) reads best as a literal block.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_TemplateDumper.add_representer(str, _represent_str)


def dump_template(template: dict[str, Any]) -> str:
    """YAML text for a template dict, keys in the dict's own order, byte-stable for equal input.

    Intrinsic functions are written in their long form (`Ref: Name`, `Fn::GetAtt: [Id, Arn]`) so
    the text is plain YAML that any loader reads back, without CloudFormation's `!` tags.
    Strings are quoted only where YAML would otherwise read them as another type.
    """
    text = yaml.dump(
        template,
        Dumper=_TemplateDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=10_000,
        indent=2,
    )
    return str(text)
