"""Reading the step document from YAML or plain data, and writing it out again."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import difflib
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from steps.document.model import (
    ALWAYS_EXPORTED,
    CURRENT_VERSION,
    ITEM_LIMITS,
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_DOCUMENT_CHARS,
    MAX_ITEMS,
    MAX_TEXT_CHARS,
    REQUIRED_WHEN,
    UPGRADES,
    DocumentError,
    DocumentProblem,
    HealthCheck,
    Path,
    StepDocument,
    format_path,
    is_expression,
)

# --- Reading plain data into the document -------------------------------------------------------


_INVALID: Any = object()  # a value that could not be read; its problem is already recorded
# Reading stops after this many problems: a broken document is reported, not catalogued.
MAX_PROBLEMS = 100


class _TooManyProblems(Exception):
    """The reader found MAX_PROBLEMS problems and stops."""


_INTEGER_TEXT = re.compile(r"[+-]?[0-9]{1,18}")  # no longer: far beyond any valid value


@dataclass
class _Reader:
    """Converts plain data into document objects, collecting every problem on the way."""

    lines: dict[Path, int] = field(default_factory=dict)
    # The source text of plain YAML scalars that are not strings (`value: 0755`), so a text field
    # keeps what the user wrote rather than what YAML made of it.
    raw_text: dict[Path, str] = field(default_factory=dict)
    problems: list[DocumentProblem] = field(default_factory=list)

    def report(self, path: Path, message: str) -> Any:
        line = None
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                line = self.lines[path[:end]]
                break
        self.problems.append(DocumentProblem(format_path(path), line, message))
        if len(self.problems) >= MAX_PROBLEMS:
            raise _TooManyProblems
        return _INVALID

    def read(self, hint: Any, value: Any, path: Path) -> Any:
        nullable, kind, inner, expression_allowed = _plan(hint)
        if value is None and nullable:
            return None
        if kind == "object":
            return self.read_object(inner, value, path)
        if kind == "list":
            return self.read_list(inner, value, path, expression_allowed=expression_allowed)
        if kind == "map":
            return self.read_text_map(value, path)
        if kind == "bool":
            return self.read_bool(value, path)
        if kind == "int":
            return self.read_int(value, path, expression_allowed=expression_allowed)
        return self.read_text(value, path)

    def read_object(self, cls: type, value: Any, path: Path) -> Any:
        if value is None and _all_fields_default(cls):
            return cls()
        if not isinstance(value, Mapping):
            return self.report(path, f"expected a mapping of fields, got {_describe(value)}")
        if len(value) > MAX_ITEMS:
            return self.report(path, _too_many_message(len(value), "entries"))
        fields = _fields(cls)
        for key in value:
            if key not in fields:
                self.report((*path, str(key)), _unknown_field_message(str(key), list(fields)))
        arguments: dict[str, Any] = {}
        valid = True
        for name, item in fields.items():
            if name in value:
                arguments[name] = self.read(_hints(cls)[name], value[name], (*path, name))
            elif (cls, name) in REQUIRED_WHEN and _required_now(cls, name, value):
                other, expected = REQUIRED_WHEN[(cls, name)]
                arguments[name] = self.report(
                    (*path, name), f"required field missing: {other}: {expected} needs it"
                )
            elif _has_default(item):
                continue
            else:
                arguments[name] = self.report((*path, name), "required field missing")
            valid = valid and arguments.get(name) is not _INVALID
        if not valid or any(str(key) not in fields for key in value):
            return _INVALID
        if cls is HealthCheck and arguments.get("command") == []:
            return None  # the contract: an empty command means no health check
        return cls(**arguments)

    def read_list(self, item_hint: Any, value: Any, path: Path, *, expression_allowed: bool) -> Any:
        if value is None:
            return []
        if isinstance(value, str) and expression_allowed:
            if len(value) > MAX_TEXT_CHARS:
                return self.report(path, _too_long_message(len(value)))
            if is_expression(value):
                return value
            # What an expression becomes after substitution: a comma-separated list.
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if len(parts) > MAX_ITEMS:
                return self.report(path, _too_many_message(len(parts)))
            return parts
        if not isinstance(value, list):
            wanted = "a list or an #{expression}" if expression_allowed else "a list"
            return self.report(path, f"expected {wanted}, got {_describe(value)}")
        if len(value) > MAX_ITEMS:  # counted before any item is read
            return self.report(path, _too_many_message(len(value)))
        items = [self.read(item_hint, item, (*path, index)) for index, item in enumerate(value)]
        return _INVALID if any(item is _INVALID for item in items) else items

    def read_text_map(self, value: Any, path: Path) -> Any:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            return self.report(
                path, f"expected a mapping of names to values, got {_describe(value)}"
            )
        if len(value) > MAX_ITEMS:
            return self.report(path, _too_many_message(len(value)))
        result = {str(key): self.read_text(item, (*path, str(key))) for key, item in value.items()}
        return _INVALID if _INVALID in result.values() else result

    def read_text(self, value: Any, path: Path) -> Any:
        if isinstance(value, str):
            if len(value) > MAX_TEXT_CHARS:
                return self.report(path, _too_long_message(len(value)))
            return value
        if value is None:
            return ""
        if path in self.raw_text:
            return self.raw_text[path]
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float | datetime.date):
            return str(value)
        return self.report(path, f"expected text, got {_describe(value)}")

    def read_int(self, value: Any, path: Path, *, expression_allowed: bool) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and expression_allowed and is_expression(value):
            return value
        if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
            return int(value.strip())
        wanted = "a whole number or an #{expression}" if expression_allowed else "a whole number"
        return self.report(path, f"expected {wanted}, got {_describe(value)}")

    def read_bool(self, value: Any, path: Path) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            if is_expression(value):
                return value
            # Substituted variables arrive as text; Octopus writes booleans as True/False.
            if value.strip().lower() in ("true", "false"):
                return value.strip().lower() == "true"
        return self.report(
            path, f"expected true, false or an #{{expression}}, got {_describe(value)}"
        )


def _too_many_message(count: int, what: str = "items") -> str:
    return f"{count:,} {what} is too many; use at most {MAX_ITEMS:,}"


def _too_long_message(length: int) -> str:
    return f"{length:,} characters is too long for one value; use at most {MAX_TEXT_CHARS:,}"


def _is_union(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType)


@cache
def _plan(hint: Any) -> tuple[bool, str, Any, bool]:
    """How to read a value of a type hint: (nullable, kind, inner type, expression allowed).
    Worked out once per hint: reading calls this for every value of the document."""
    options = typing.get_args(hint) if _is_union(hint) else (hint,)
    nullable = type(None) in options
    options = tuple(option for option in options if option is not type(None))
    first, expression_allowed = options[0], str in options
    if isinstance(first, type) and dataclasses.is_dataclass(first):
        return nullable, "object", first, expression_allowed
    if typing.get_origin(first) is list:
        return nullable, "list", typing.get_args(first)[0], expression_allowed
    if typing.get_origin(first) is dict:
        return nullable, "map", None, expression_allowed
    if first is bool:
        return nullable, "bool", None, expression_allowed
    if first is int:
        return nullable, "int", None, expression_allowed
    return nullable, "text", None, expression_allowed


@cache
def _fields(cls: type) -> dict[str, dataclasses.Field[Any]]:
    return {item.name: item for item in dataclasses.fields(cls)}


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _has_default(item: dataclasses.Field[Any]) -> bool:
    return (
        item.default is not dataclasses.MISSING or item.default_factory is not dataclasses.MISSING
    )


def _required_now(cls: type, name: str, section: Mapping[str, Any]) -> bool:
    other, expected = REQUIRED_WHEN[(cls, name)]
    return bool(section.get(other) == expected)


def _all_fields_default(cls: type) -> bool:
    return all(_has_default(item) for item in dataclasses.fields(cls))


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)


def _unknown_field_message(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return f"unknown field (did you mean {close[0]}?)" if close else "unknown field"


def upgrade(data: Mapping[str, Any]) -> dict[str, Any]:
    """Bring the plain data of an older document version up to ``CURRENT_VERSION``."""
    upgraded = dict(data)
    version = upgraded["version"]
    while version < CURRENT_VERSION:
        upgraded = UPGRADES[version](upgraded)
        version += 1
        upgraded["version"] = version
    return upgraded


def _read_document(data: Any, reader: _Reader) -> StepDocument:
    if not isinstance(data, Mapping):
        reader.report((), f"a step document is a mapping of sections, got {_describe(data)}")
        raise DocumentError(reader.problems)
    version = data.get("version")
    if "version" not in data:
        reader.report(("version",), f"required field missing; add `version: {CURRENT_VERSION}`")
    elif not isinstance(version, int) or isinstance(version, bool):
        reader.report(("version",), f"expected a whole number, got {_describe(version)}")
    elif version > CURRENT_VERSION:
        reader.report(
            ("version",),
            f"version {version} is newer than this Deployer reads (up to {CURRENT_VERSION})",
        )
    elif version < CURRENT_VERSION and version not in UPGRADES:
        reader.report(("version",), f"version {version} is not a step document version")
    if reader.problems:
        raise DocumentError(reader.problems)
    try:
        document = reader.read_object(StepDocument, upgrade(data), ())
    except _TooManyProblems:
        reader.problems.append(
            DocumentProblem("", None, f"reading stopped after {MAX_PROBLEMS} problems")
        )
    if reader.problems:
        # In the order a reader meets them in the file.
        raise DocumentError(sorted(reader.problems, key=lambda p: p.line or 0))
    return typing.cast(StepDocument, document)


def document_from_data(data: Mapping[str, Any]) -> StepDocument:
    """The document for plain data (parsed JSON or YAML); raises ``DocumentError`` (no lines)."""
    return _read_document(data, _Reader())


# libyaml's parser when PyYAML was built with it: several times faster on large documents.
_YamlLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YAML_LOADER = _YamlLoader


def load_document(text: str) -> StepDocument:
    """The document for YAML text; raises ``DocumentError`` listing every problem with its line."""
    return load_document_with_lines(text)[0]


def load_document_with_lines(text: str) -> tuple[StepDocument, dict[Path, int]]:
    """``load_document``, with the 1-based line of every key and list item by path, so problems
    found later (by the validator) can name their line without reading the YAML again."""
    check_bounds(text)
    reader = _Reader()
    try:
        loader = _YamlLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                # Indexed before construction, which rewrites merge keys (`<<`) in place.
                reader.lines[()] = node.start_mark.line + 1
                with contextlib.suppress(_TooManyProblems):  # report those found so far
                    _index_nodes(node, (), reader, visited=set())
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = " ".join(part for part in (error.context, error.problem) if part)
        raise DocumentError([DocumentProblem("", line, f"malformed YAML: {reason}")]) from None
    except (yaml.YAMLError, ValueError) as error:
        # ValueError: a scalar YAML cannot convert, such as an integer of thousands of digits.
        raise DocumentError([DocumentProblem("", None, f"malformed YAML: {error}")]) from None
    if reader.problems:
        raise DocumentError(reader.problems)
    return _read_document(data, reader), reader.lines


# --- Bounds, checked before the document is built ------------------------------------------------


@dataclass
class _Frame:
    """A list or mapping being scanned."""

    is_mapping: bool
    path: Path
    keys: tuple[str, ...]  # the path without list indexes, to look up ITEM_LIMITS
    anchor: str | None
    count: int = 0
    expecting_key: bool = True
    key: str = ""


def _bounds_error(path: Path, event: Any, message: str) -> DocumentError:
    line = event.start_mark.line + 1 if event.start_mark is not None else None
    return DocumentError([DocumentProblem(format_path(path), line, message)])


def check_bounds(text: str) -> None:
    """Refuse a document whose size, lists, texts, nesting or aliases exceed the bounds of
    ``steps.document.model``, from YAML's event stream alone: nothing is built, and the scan
    stops at the first excess, so the cost is bounded by the document's size limit.
    Malformed YAML is left to the loader, which reports it with more context."""
    if len(text) > MAX_DOCUMENT_CHARS:
        raise DocumentError(
            [
                DocumentProblem(
                    "",
                    None,
                    f"the document has {len(text):,} characters; a step document may have at "
                    f"most {MAX_DOCUMENT_CHARS:,} ({MAX_DOCUMENT_CHARS // 1024} KiB)",
                )
            ]
        )
    parser = _YamlLoader(text)
    # Anchor -> (its item count when it is a list, else -1; its expanded size).
    anchors: dict[str, tuple[int, int]] = {}
    sizes: list[int] = []  # expanded size of each open collection, parallel to `stack`
    stack: list[_Frame] = []
    expanded = aliases = 0
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, yaml.CollectionEndEvent):
                frame, size = stack.pop(), sizes.pop()
                if frame.anchor:
                    anchors[frame.anchor] = (-1 if frame.is_mapping else frame.count, size)
                if sizes:
                    sizes[-1] += size
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue
            path, keys = _place(stack, event)
            if isinstance(event, yaml.ScalarEvent):
                if len(event.value) > MAX_TEXT_CHARS:
                    raise _bounds_error(path, event, _too_long_message(len(event.value)))
                size = len(event.value) + 1
                if event.anchor:
                    anchors[event.anchor] = (-1, size)
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise _bounds_error(
                        path, event, f"more than {MAX_ALIASES} aliases; write the values out"
                    )
                count, size = anchors.get(event.anchor or "", (-1, 0))
                limit, what = ITEM_LIMITS.get(keys, (MAX_ITEMS, "items"))
                if count > limit:
                    raise _bounds_error(path, event, _limit_message(limit, what))
            else:
                if len(stack) >= MAX_DEPTH:
                    raise _bounds_error(
                        path, event, f"lists and mappings nest more than {MAX_DEPTH} deep"
                    )
                stack.append(
                    _Frame(isinstance(event, yaml.MappingStartEvent), path, keys, event.anchor)
                )
                sizes.append(0)
                size = 1
            expanded += size
            if sizes:
                sizes[-1] += size
            # Aliases repeat content: the document they spell out must fit the size limit too.
            if expanded > 2 * MAX_DOCUMENT_CHARS:
                raise _bounds_error(
                    path, event, "the aliases expand the document far beyond its size limit"
                )
    except yaml.YAMLError:
        return
    finally:
        parser.dispose()


def _place(stack: list[_Frame], event: Any) -> tuple[Path, tuple[str, ...]]:
    """Where a node event sits (its path, and its key path for ITEM_LIMITS); counts it in its
    list or mapping and refuses the one item too many."""
    if not stack:
        return (), ()
    parent = stack[-1]
    if parent.is_mapping:
        if parent.expecting_key:
            parent.count += 1
            if parent.count > MAX_ITEMS:
                raise _bounds_error(parent.path, event, _limit_message(MAX_ITEMS, "entries"))
            parent.expecting_key = False
            parent.key = event.value if isinstance(event, yaml.ScalarEvent) else "?"
            return (*parent.path, parent.key), (*parent.keys, parent.key)
        parent.expecting_key = True
        return (*parent.path, parent.key), (*parent.keys, parent.key)
    index = parent.count
    parent.count += 1
    limit, what = ITEM_LIMITS.get(parent.keys, (MAX_ITEMS, "items"))
    if parent.count > limit:
        raise _bounds_error(parent.path, event, _limit_message(limit, what))
    return (*parent.path, index), parent.keys


def _limit_message(limit: int, what: str) -> str:
    if what == "containers":
        return f"more than {limit} containers; a task definition holds at most {limit}"
    return f"more than {limit:,} {what}; use at most {limit:,}"


def _index_nodes(node: yaml.Node, path: Path, reader: _Reader, visited: set[int]) -> None:
    """Record the line of every key and item, the raw text of plain scalars, duplicate keys."""
    if isinstance(node, yaml.ScalarNode):
        # Plain style is None from PyYAML's parser and "" from libyaml's.
        if not node.style and node.tag != "tag:yaml.org,2002:str":
            reader.raw_text[path] = node.value
        return
    if id(node) in visited:
        # An alias of a collection indexed already: lines below it fall back to this one, and
        # nested aliases cannot multiply the work.
        return
    visited.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # merged keys may be overridden; they are no duplicates
            key = str(key_node.value)
            child = (*path, key)
            reader.lines[child] = key_node.start_mark.line + 1
            if key in seen:
                reader.report(child, "duplicate key")
            seen.add(key)
            _index_nodes(value_node, child, reader, visited)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            reader.lines[(*path, index)] = item.start_mark.line + 1
            _index_nodes(item, (*path, index), reader, visited)


# --- Writing the document out -------------------------------------------------------------------


def document_to_data(document: StepDocument) -> dict[str, Any]:
    """Every effective value as plain, JSON-serialisable data (for release snapshots)."""
    return typing.cast(dict[str, Any], _plain(document, omit_defaults=False))


def _plain(value: Any, *, omit_defaults: bool) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        result: dict[str, Any] = {}
        for item in dataclasses.fields(value):
            item_value = getattr(value, item.name)
            required = (type(value), item.name) in REQUIRED_WHEN and _required_now(
                type(value), item.name, vars(value)
            )
            if omit_defaults and not required and not _exported(type(value), item, item_value):
                continue
            plain = _plain(item_value, omit_defaults=omit_defaults)
            if omit_defaults and plain == {} and dataclasses.is_dataclass(item_value):
                continue  # a section left empty by the omission rule
            result[item.name] = plain
        return result
    if isinstance(value, list):
        return [_plain(item, omit_defaults=omit_defaults) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item, omit_defaults=omit_defaults) for key, item in value.items()}
    return value


def _exported(cls: type, item: dataclasses.Field[Any], value: Any) -> bool:
    if (cls, item.name) in ALWAYS_EXPORTED or not _has_default(item):
        return True
    if dataclasses.is_dataclass(value):
        return True  # a section: written unless the rule leaves it empty
    if item.default_factory is not dataclasses.MISSING:
        return bool(value != item.default_factory())
    # 1 == True in Python, so compare types too: a value of another type is never the default.
    return type(value) is not type(item.default) or value != item.default


class _DocumentDumper(yaml.SafeDumper):
    """Block style, list items indented under their key, never anchors or aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        # Equal values shared between containers must be written out in full each time.
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
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


_DocumentDumper.add_representer(str, _represent_text)


def dump_document(document: StepDocument) -> str:
    """YAML for export: the contract's key order, defaults omitted (see the module docstring)."""
    text = yaml.dump(
        _plain(document, omit_defaults=True),
        Dumper=_DocumentDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=10_000,
        indent=2,
    )
    return str(text)
