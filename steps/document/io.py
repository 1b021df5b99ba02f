"""Reading the step document from YAML or plain data, and writing it out again."""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pydantic
import yaml
from pydantic_core import ErrorDetails

from steps.document import schema
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
    Path,
    StepDocument,
    format_path,
)
from steps.document.yaml_output import dump_yaml

# --- Reading plain data into the document -------------------------------------------------------

# Reading stops after this many problems: a broken document is reported, not catalogued.
MAX_PROBLEMS = 100


class _TooManyProblems(Exception):
    """The index found MAX_PROBLEMS problems and stops."""


@dataclass
class _Index:
    """What the YAML says beyond its data: the line of every key and list item by path, the
    source text of plain scalars that YAML read as another type than text, duplicate keys."""

    lines: dict[Path, int] = field(default_factory=dict)
    # So a text field keeps what the user wrote (`value: 0755`) rather than what YAML made of it.
    raw_text: dict[Path, str] = field(default_factory=dict)
    problems: list[DocumentProblem] = field(default_factory=list)

    def report(self, path: Path, message: str) -> None:
        self.problems.append(DocumentProblem(format_path(path), line_of(path, self.lines), message))
        if len(self.problems) >= MAX_PROBLEMS:
            raise _TooManyProblems


def line_of(path: Path, lines: Mapping[Path, int]) -> int | None:
    """The line of ``path``, or of the nearest enclosing key or item that has one."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _unknown_field_message(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return f"unknown field (did you mean {close[0]}?)" if close else "unknown field"


def _section_at(loc: Path) -> type[schema.Section] | None:
    """The model of the mapping at ``loc`` (the location of one of its keys, left out)."""
    model: type[schema.Section] = schema.StepDocumentModel
    for part in loc:
        if isinstance(part, int):
            continue  # an item of a list: the list's field named the item model already
        info = model.model_fields.get(part)
        inner = _section_in(info.annotation) if info is not None else None
        if inner is None:
            return None
        model = inner
    return model


def _section_in(annotation: Any) -> type[schema.Section] | None:
    if isinstance(annotation, type) and issubclass(annotation, schema.Section):
        return annotation
    for argument in typing.get_args(annotation):
        found = _section_in(argument)
        if found is not None:
            return found
    return None


def _problem_of(error: ErrorDetails, lines: Mapping[Path, int]) -> DocumentProblem:
    path: Path = tuple(error["loc"])
    kind = error["type"]
    if kind == schema.PROBLEM:
        message = str((error.get("ctx") or {})["message"])
    elif kind == "missing":
        message = "required field missing"
    elif kind == "extra_forbidden":
        section = _section_at(path[:-1])
        known = list(section.model_fields) if section is not None else []
        message = _unknown_field_message(str(path[-1]), known)
    else:  # not expected from the schema's own validators; pydantic's words then
        message = error["msg"]
    return DocumentProblem(format_path(path), line_of(path, lines), message)


def _with_raw_text(data: Any, raw_text: Mapping[Path, str]) -> None:
    """Mark, in place, the values YAML read from plain scalars as another type than text."""
    for path, text in raw_text.items():
        if not path:
            continue  # the document itself is a mapping, or it was refused
        parent: Any = data
        for part in path[:-1]:
            parent = _child(parent, part)
        value = _child(parent, path[-1])
        if value is not None and not isinstance(value, schema.RawScalar):
            parent[path[-1]] = schema.RawScalar(value, text)


def _child(parent: Any, part: str | int) -> Any:
    if isinstance(parent, dict):
        return parent.get(part)
    if isinstance(parent, list) and isinstance(part, int) and part < len(parent):
        return parent[part]
    return None


def upgrade(data: Mapping[str, Any]) -> dict[str, Any]:
    """Bring the plain data of an older document version up to ``CURRENT_VERSION``."""
    upgraded = dict(data)
    version = upgraded["version"]
    while version < CURRENT_VERSION:
        upgraded = UPGRADES[version](upgraded)
        version += 1
        upgraded["version"] = version
    return upgraded


def _read_document(data: Any, index: _Index) -> StepDocument:
    if not isinstance(data, Mapping):
        index.report((), f"a step document is a mapping of sections, got {schema.describe(data)}")
        raise DocumentError(index.problems)
    version = data.get("version")
    if "version" not in data:
        index.report(("version",), f"required field missing; add `version: {CURRENT_VERSION}`")
    elif not isinstance(version, int) or isinstance(version, bool):
        index.report(("version",), f"expected a whole number, got {schema.describe(version)}")
    elif version > CURRENT_VERSION:
        index.report(
            ("version",),
            f"version {version} is newer than this Deployer reads (up to {CURRENT_VERSION})",
        )
    elif version < CURRENT_VERSION and version not in UPGRADES:
        index.report(("version",), f"version {version} is not a step document version")
    if index.problems:
        raise DocumentError(index.problems)
    upgraded = upgrade(data)
    if index.raw_text:
        _with_raw_text(upgraded, index.raw_text)
    try:
        return schema.StepDocumentModel.model_validate(upgraded).to_document()
    except pydantic.ValidationError as error:
        errors = error.errors(include_url=False, include_input=False)
        problems = [_problem_of(detail, index.lines) for detail in errors[:MAX_PROBLEMS]]
    # In the order a reader meets them in the file.
    problems.sort(key=lambda p: p.line or 0)
    if len(errors) > MAX_PROBLEMS:
        problems.append(DocumentProblem("", None, f"reading stopped after {MAX_PROBLEMS} problems"))
    raise DocumentError(problems)


def document_from_data(data: Mapping[str, Any]) -> StepDocument:
    """The document for plain data (parsed JSON or YAML); raises ``DocumentError`` (no lines)."""
    return _read_document(data, _Index())


# libyaml's parser when PyYAML was built with it: several times faster on large documents.
_YamlLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_document(text: str) -> StepDocument:
    """The document for YAML text; raises ``DocumentError`` listing every problem with its line."""
    return load_document_with_lines(text)[0]


def load_document_with_lines(text: str) -> tuple[StepDocument, dict[Path, int]]:
    """``load_document``, with the 1-based line of every key and list item by path, so problems
    found later (by the validator) can name their line without reading the YAML again."""
    check_bounds(text)
    index = _Index()
    try:
        loader = _YamlLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                # Indexed before construction, which rewrites merge keys (`<<`) in place.
                index.lines[()] = node.start_mark.line + 1
                with contextlib.suppress(_TooManyProblems):  # report those found so far
                    _index_nodes(node, (), index, visited=set())
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
    if index.problems:
        raise DocumentError(index.problems)
    return _read_document(data, index), index.lines


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
                    raise _bounds_error(path, event, schema.too_long_message(len(event.value)))
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


def _index_nodes(node: yaml.Node, path: Path, index: _Index, visited: set[int]) -> None:
    """Record the line of every key and item, the raw text of plain scalars, duplicate keys."""
    if isinstance(node, yaml.ScalarNode):
        # Plain style is None from PyYAML's parser and "" from libyaml's.
        if not node.style and node.tag != "tag:yaml.org,2002:str":
            index.raw_text[path] = node.value
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
            index.lines[child] = key_node.start_mark.line + 1
            if key in seen:
                index.report(child, "duplicate key")
            seen.add(key)
            _index_nodes(value_node, child, index, visited)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            index.lines[(*path, position)] = item.start_mark.line + 1
            _index_nodes(item, (*path, position), index, visited)


# --- Writing the document out -------------------------------------------------------------------


def _has_default(item: dataclasses.Field[Any]) -> bool:
    return (
        item.default is not dataclasses.MISSING or item.default_factory is not dataclasses.MISSING
    )


def _required_now(cls: type, name: str, section: Mapping[str, Any]) -> bool:
    other, expected = REQUIRED_WHEN[(cls, name)]
    return bool(section.get(other) == expected)


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


def dump_document(document: StepDocument) -> str:
    """YAML for export: the contract's key order, defaults omitted (see the module docstring)."""
    return dump_yaml(_plain(document, omit_defaults=True))
