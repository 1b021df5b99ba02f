"""Lenient JSON reading (as Newtonsoft accepts it) and the text forms of JSON values."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from deployer.octostache.netformat import format_double

INVALID = object()
_NUMBER = re.compile(r"-?(?:\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_BARE_NAME = re.compile(r"[A-Za-z_$][\w$]*")


class _Invalid(Exception):
    pass


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.index = 0

    def space(self) -> None:
        text = self.text
        while self.index < len(text):
            char = text[self.index]
            if char.isspace():
                self.index += 1
            elif text.startswith("//", self.index):
                end = text.find("\n", self.index)
                self.index = len(text) if end < 0 else end
            elif text.startswith("/*", self.index):
                end = text.find("*/", self.index + 2)
                if end < 0:
                    raise _Invalid
                self.index = end + 2
            else:
                return

    def value(self) -> Any:
        self.space()
        if self.index >= len(self.text):
            raise _Invalid
        char = self.text[self.index]
        if char == "{":
            return self.object()
        if char == "[":
            return self.array()
        if char in "\"'":
            return self.string()
        for word, result in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.index):
                self.index += len(word)
                return result
        match = _NUMBER.match(self.text, self.index)
        if match:
            self.index = match.end()
            literal = match.group()
            if any(c in literal for c in ".eE"):
                return float(literal)
            return int(literal)
        raise _Invalid

    def string(self) -> str:
        quote = self.text[self.index]
        self.index += 1
        out: list[str] = []
        text = self.text
        while self.index < len(text):
            char = text[self.index]
            if char == quote:
                self.index += 1
                return "".join(out)
            if char == "\\":
                escaped = text[self.index + 1 : self.index + 2]
                if escaped == "u":
                    out.append(chr(int(text[self.index + 2 : self.index + 6], 16)))
                    self.index += 6
                    continue
                mapping = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}
                out.append(mapping.get(escaped, escaped))
                self.index += 2
                continue
            out.append(char)
            self.index += 1
        raise _Invalid

    def name(self) -> str:
        self.space()
        if self.index < len(self.text) and self.text[self.index] in "\"'":
            return self.string()
        match = _BARE_NAME.match(self.text, self.index)
        if not match:
            raise _Invalid
        self.index = match.end()
        return match.group()

    def expect(self, char: str) -> None:
        self.space()
        if not self.text.startswith(char, self.index):
            raise _Invalid
        self.index += 1

    def peek(self, char: str) -> bool:
        self.space()
        return self.text.startswith(char, self.index)

    def object(self) -> dict[str, Any]:
        self.index += 1
        result: dict[str, Any] = {}
        while not self.peek("}"):
            key = self.name()
            self.expect(":")
            result[key] = self.value()
            if not self.peek(","):
                break
            self.index += 1
        self.expect("}")
        return result

    def array(self) -> list[Any]:
        self.index += 1
        result: list[Any] = []
        while not self.peek("]"):
            result.append(self.value())
            if not self.peek(","):
                break
            self.index += 1
        self.expect("]")
        return result


@lru_cache(maxsize=1024)
def parse_lenient(text: str) -> Any:
    """The JSON value of text, or INVALID. Unquoted names, single quotes, comments are accepted."""
    reader = _Reader(text)
    try:
        reader.space()
        if reader.index >= len(text):
            return INVALID
        value = reader.value()
        reader.space()
    except (_Invalid, ValueError, IndexError):
        return INVALID
    if reader.index != len(text):
        return INVALID
    return value


def scalar_text(value: Any) -> str:
    """A JSON scalar as Newtonsoft's JValue turns it into a string."""
    if value is None:
        return ""
    if value is True:
        return "True"
    if value is False:
        return "False"
    if isinstance(value, float):
        return format_double(value)
    return str(value)


def _normalise_floats(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _normalise_floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalise_floats(item) for item in value]
    return value


def compact(value: Any) -> str:
    """JsonConvert.SerializeObject(token): compact, non-ASCII kept."""
    return json.dumps(_normalise_floats(value), separators=(",", ":"), ensure_ascii=False)


def value_text(value: Any) -> str:
    if isinstance(value, dict | list):
        return compact(value)
    return scalar_text(value)
