"""Exceptions raised by the Octostache variable language."""

from __future__ import annotations


class OctostacheError(Exception):
    """An error evaluating a template (a self-referencing variable, undecodable input)."""


class OctostacheParseError(OctostacheError):
    """A template that does not follow the grammar; carries where parsing gave up."""

    def __init__(self, message: str, offset: int, line: int, column: int) -> None:
        super().__init__(f"{message} (line {line}, column {column})")
        self.reason = message
        self.offset = offset
        self.line = line
        self.column = column


class SelfReferenceError(OctostacheError):
    """A variable whose value refers, directly or through others, back to itself."""

    def __init__(self, chain: list[str]) -> None:
        super().__init__(f"self referencing loop ({' -> '.join(chain)})")
        self.chain = chain
