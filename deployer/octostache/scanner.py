"""The parser's lexical layer: positions, failures and backtracking, words, quoted text, names."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from deployer.octostache.nodes import Text, Token

_IDENTIFIER_PUNCTUATION = frozenset("_-:/~()@")
_KEYWORDS_AFTER_SPACE = ("in", "==", "!=")
T = TypeVar("T")


class _Failure(Exception):
    """Internal signal that one alternative did not match; the caller backtracks."""


def _is_identifier_char(char: str, allow_space: bool) -> bool:
    if char.isalpha() or char.isdecimal() or char in _IDENTIFIER_PUNCTUATION:
        return True
    return allow_space and char.isspace()


class _Scanner:
    def __init__(self, source: str) -> None:
        self.source = source
        self.length = len(source)
        self.furthest = 0
        self.expected = "end of template"
        self.depth = 0
        self.memo: dict[int, tuple[tuple[Token, int] | None, tuple[int, str]]] = {}

    # -- failure bookkeeping -------------------------------------------------
    def fail(self, position: int, expected: str) -> _Failure:
        if position >= self.furthest:
            self.furthest = position
            self.expected = expected
        return _Failure()

    def expect(self, position: int, literal: str) -> int:
        if self.source.startswith(literal, position):
            return position + len(literal)
        raise self.fail(position, repr(literal))

    def skip_space(self, position: int) -> int:
        while position < self.length and self.source[position].isspace():
            position += 1
        return position

    def keyword(self, position: int, word: str) -> int:
        end = position + len(word)
        if self.source[position:end].lower() == word:
            return end
        raise self.fail(position, word)

    def attempt(
        self, parser: Callable[[int], tuple[T, int]], position: int
    ) -> tuple[T, int] | None:
        try:
            return parser(position)
        except _Failure:
            return None

    def bare_word(self, position: int) -> tuple[Text, int]:
        word, index = self.identifier(position, allow_space=False)
        return Text(word), self.skip_space(index)

    def quoted_text(self, position: int) -> tuple[Text, int]:
        index = self.expect(self.skip_space(position), '"')
        end = index
        while end < self.length and self.source[end] not in '"#':
            end += 1
        closing = self.expect(end, '"')
        return Text(self.source[index:end]), self.skip_space(closing)

    def escaped_quoted_text(self, position: int) -> tuple[Text, int]:
        index = self.expect(self.skip_space(position), '\\"')
        end = self.source.find('\\"', index)
        if end < 0:
            raise self.fail(self.length, "'\\\"'")
        return Text(self.source[index:end]), self.skip_space(end + 2)

    def literal(self, position: int) -> tuple[str, int]:
        parsed = self.attempt(self.quoted_text, position) or self.escaped_quoted_text(position)
        text, index = parsed
        return text.text, index

    def identifier(self, position: int, allow_space: bool = True) -> tuple[str, int]:
        source, length = self.source, self.length
        index = position
        while index < length:
            char = source[index]
            if not _is_identifier_char(char, allow_space):
                break
            if char.isspace() and self._space_ends_identifier(index):
                break
            index += 1
        if index == position:
            raise self.fail(position, "identifier")
        return source[position:index].strip(), index

    def _space_ends_identifier(self, index: int) -> bool:
        source, length = self.source, self.length
        after = index + 1
        if after < length - 1 and source[after] in "|}":
            return True
        for keyword in _KEYWORDS_AFTER_SPACE:
            end = after + len(keyword)
            if length <= end or not source[end].isspace():
                continue
            if source[after:end] == keyword:
                return True
        return False
