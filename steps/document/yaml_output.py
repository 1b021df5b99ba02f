"""The one YAML writer: stable, readable YAML for step documents and CloudFormation templates."""

from __future__ import annotations

import re
from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    """Block style, lists indented under their key, never anchors or aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        # Equal values shared between containers, or a shared sub-dict (the same Ref used twice),
        # must be written out in full each time.
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # PyYAML writes `key:\n- item`; AWS documents and most people write `key:\n  - item`.
        super().increase_indent(flow, False)


_UNSAFE_IN_PLAIN_YAML = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line text (a health check script) reads best as a literal block; PyYAML falls back
    # to quoting where a block cannot hold the text exactly. Unicode line breaks and control
    # characters are only kept exactly inside double quotes, where they are escaped.
    style = "|" if "\n" in value else None
    if _UNSAFE_IN_PLAIN_YAML.search(value):
        style = '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_text)


def dump_yaml(data: Any) -> str:
    """YAML text for plain data, keys in the dicts' own order, byte-stable for equal input.

    Strings are quoted only where YAML would otherwise read them as another type, or where they
    hold control characters that only an escaped double-quoted string keeps exactly.
    """
    text = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=10_000,
        indent=2,
    )
    return str(text)


def dump_template(template: dict[str, Any]) -> str:
    """YAML text for a CloudFormation template dict.

    Intrinsic functions are written in their long form (`Ref: Name`, `Fn::GetAtt: [Id, Arn]`) so
    the text is plain YAML that any loader reads back, without CloudFormation's `!` tags.
    """
    return dump_yaml(template)
