"""Escaping filters for HTML, XML, JSON, YAML and Java properties, and Markdown to HTML."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "/": "&#x2F;"}
_XML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"}
_JSON = {'"': '\\"', "\r": "\\r", "\t": "\\t", "\n": "\\n", "\\": "\\\\"}
_NEWLINE_RUNS = re.compile(r"(?:\r?\n)+")


def _utf16_units(text: str) -> list[str]:
    """The string as .NET sees it: astral characters are two UTF-16 code units."""
    units: list[str] = []
    for char in text:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            units.append(chr(0xD800 + (code >> 10)))
            units.append(chr(0xDC00 + (code & 0x3FF)))
        else:
            units.append(char)
    return units


def _unicode_escape(char: str) -> str:
    return f"\\u{ord(char):04x}"


def _mapped(table: dict[str, str]) -> Any:
    def escape(argument: str | None, options: list[str]) -> str | None:
        if argument is None or options:
            return None
        return "".join(table.get(char, char) for char in argument)

    return escape


def yaml_single_quote_escape(argument: str | None, options: list[str]) -> str | None:
    if argument is None or options:
        return None

    def widen(run: re.Match[str]) -> str:
        return ("\r\n" if run.group().startswith("\r") else "\n") + run.group()

    return _NEWLINE_RUNS.sub(widen, argument).replace("'", "''")


_YAML_DOUBLE = {"\r": "\\r", "\n": "\\n", "\t": "\\t", "\\": "\\\\", '"': '\\"'}


def yaml_double_quote_escape(argument: str | None, options: list[str]) -> str | None:
    if argument is None or options:
        return None
    out = []
    for unit in _utf16_units(argument):
        if unit in _YAML_DOUBLE:
            out.append(_YAML_DOUBLE[unit])
        elif 0x20 <= ord(unit) <= 0x7E:
            out.append(unit)
        else:
            out.append(_unicode_escape(unit))
    return "".join(out)


_PROPERTIES_COMMON = {"\\": "\\\\", "\r": "\\r", "\n": "\\n", "\t": "\\t"}


def _properties_char(unit: str) -> str:
    if unit in _PROPERTIES_COMMON:
        return _PROPERTIES_COMMON[unit]
    return unit if ord(unit) < 0xFF else _unicode_escape(unit)


def properties_key_escape(argument: str | None, options: list[str]) -> str | None:
    if argument is None or options:
        return None
    special = {" ": "\\ ", ":": "\\:", "=": "\\="}
    return "".join(special.get(u) or _properties_char(u) for u in _utf16_units(argument))


def properties_value_escape(argument: str | None, options: list[str]) -> str | None:
    if argument is None or options:
        return None
    units = _utf16_units(argument)
    return "".join(
        "\\ " if index == 0 and unit == " " else _properties_char(unit)
        for index, unit in enumerate(units)
    )


@lru_cache(maxsize=1)
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"linkify": True})
    renderer.enable(["table", "strikethrough", "linkify"])
    # Markdig, the reference's renderer, writes strikethrough as <del>.
    renderer.add_render_rule("s_open", lambda *_: "<del>")
    renderer.add_render_rule("s_close", lambda *_: "</del>")
    return renderer


def markdown_to_html(argument: str | None, options: list[str]) -> str | None:
    if argument is None or options:
        return None
    html: str = _markdown().render(argument.strip())
    return html + "\n"


FILTERS = {
    "htmlescape": _mapped(_HTML),
    "xmlescape": _mapped(_XML),
    "jsonescape": _mapped(_JSON),
    "yamlsinglequoteescape": yaml_single_quote_escape,
    "yamldoublequoteescape": yaml_double_quote_escape,
    "propertieskeyescape": properties_key_escape,
    "propertiesvalueescape": properties_value_escape,
    "markdown": markdown_to_html,
    "markdowntohtml": markdown_to_html,
}
