"""A backtracking recursive-descent parser turning template text into nodes."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from deployer.octostache.errors import OctostacheParseError
from deployer.octostache.nodes import (
    CalcConstant,
    CalcNode,
    CalcOperation,
    Calculation,
    CalcVariable,
    Condition,
    Conditional,
    Expression,
    FilterCall,
    Identifier,
    Indexer,
    Repetition,
    Step,
    Substitution,
    Symbol,
    Template,
    Text,
    Token,
)
from deployer.octostache.scanner import _Failure, _Scanner

_NUMBER = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_EMPTY_SYMBOL = Symbol(())

# Deeper nesting is refused as a parse error, so parsing never exhausts Python's stack.
MAX_NESTING = 40


class _Parser(_Scanner):
    # -- templates -----------------------------------------------------------
    def template(self, position: int, stops: tuple[str, ...] = ()) -> tuple[tuple[Token, ...], int]:
        """Tokens until one fails to parse or a stop marker (`#{else}` …) is reached."""
        tokens: list[Token] = []
        while position < self.length:
            if stops and self._at_stop(position, stops):
                break
            parsed = self.attempt(self.token, position)
            if parsed is None:
                break
            token, position = parsed
            tokens.append(token)
        return tuple(tokens), position

    def _at_stop(self, position: int, stops: tuple[str, ...]) -> bool:
        for stop in stops:
            if stop == "#{elseif":
                after = position + len(stop)
                if (
                    self.source.startswith(stop, position)
                    and after < self.length
                    and self.source[after].isspace()
                ):
                    return True
            elif self.source.startswith(stop, position):
                return True
        return False

    def token(self, position: int) -> tuple[Token, int]:
        if self.source.startswith("#{", position):
            return self.tag(position)
        return self.text(position)

    def tag(self, position: int) -> tuple[Token, int]:
        """A token starting with `#{`, parsed once per position.

        Unclosed blocks make the parser retry the same text as another kind of token; without
        remembering each position's outcome, nested unclosed `#{if}`s cost exponential time.
        """
        entry = self.memo.get(position)
        if entry is None and self.depth >= MAX_NESTING:
            raise self.fail(position, f"at most {MAX_NESTING} nested tokens")
        if entry is None:
            self.depth += 1
            saved = (self.furthest, self.expected)
            self.furthest, self.expected = position, self.expected
            try:
                result: tuple[Token, int] | None = self._tag(position)
            except _Failure:
                result = None
            finally:
                self.depth -= 1
            reached = (self.furthest, self.expected)
            if saved[0] > reached[0]:
                self.furthest, self.expected = saved
            entry = self.memo[position] = (result, reached)
        result, reached = entry
        if reached[0] >= self.furthest:
            self.furthest, self.expected = reached
        if result is None:
            raise _Failure()
        return result

    def _tag(self, position: int) -> tuple[Token, int]:
        if self.source.startswith("#{/", position):
            raise self.fail(position, "a token")
        conditional = self.attempt(self.conditional, position)
        if conditional is not None:
            return conditional
        calculation = self.attempt(self.calculation, position)
        if calculation is not None:
            return calculation
        repetition = self.attempt(self.repetition, position)
        if repetition is not None:
            return repetition
        return self.substitution(position)

    def text(self, position: int) -> tuple[Text, int]:
        source, length = self.source, self.length
        pieces: list[str] = []
        index = position
        while index < length:
            char = source[index]
            if char != "#":
                next_hash = source.find("#", index)
                end = length if next_hash < 0 else next_hash
                pieces.append(source[index:end])
                index = end
                continue
            if index == length - 1:
                pieces.append("#")
                index += 1
            elif (
                source.startswith("##", index)
                and index + 2 < length - 2
                and source.startswith("#{", index + 2)
            ):
                # `##` right before a token is an escaped `#` and the token still follows.
                pieces.append("#")
                index += 2
            elif source.startswith("##{", index):
                pieces.append("#{")
                index += 3
            elif source[index + 1] != "{":
                pieces.append("#" + source[index + 1])
                index += 2
            else:
                break
        if index == position:
            raise self.fail(position, "text")
        return Text("".join(pieces)), index

    # -- substitutions and expressions --------------------------------------
    def substitution(self, position: int) -> tuple[Substitution, int]:
        index = self.expect(position, "#{")
        expression, index = self.expression(self.skip_space(index))
        index = self.expect(self.skip_space(index), "}")
        return Substitution(expression), index

    def expression(self, position: int) -> tuple[Expression, int]:
        chained = self.attempt(self.filter_chain, position)
        if chained is not None:
            return chained
        return self.symbol(position)

    def filter_chain(self, position: int) -> tuple[FilterCall, int]:
        symbol_parsed = self.attempt(self.symbol, position)
        expression: Expression = _EMPTY_SYMBOL
        index = position
        if symbol_parsed is not None:
            expression, index = symbol_parsed
            index = self.skip_space(index)
        calls = 0
        while True:
            if index >= self.length or self.source[index] != "|":
                if calls == 0:
                    raise self.fail(index, "'|'")
                return expression, index  # type: ignore[return-value]
            name, index = self.identifier(self.skip_space(index + 1), allow_space=False)
            index = self.skip_space(index)
            options: list[Token] = []
            while True:
                parsed = self.attempt(self.option, index)
                if parsed is None:
                    break
                option, index = parsed
                options.append(option)
            expression = FilterCall(expression, name, tuple(options))
            calls += 1

    def option(self, position: int) -> tuple[Token, int]:
        if self.source.startswith("#{", position):
            return self.tag(position)
        for alternative in (self.bare_word, self.quoted_text, self.escaped_quoted_text):
            parsed = self.attempt(alternative, position)
            if parsed is not None:
                return parsed
        raise self.fail(position, "an option")

    # -- paths -----------------------------------------------------------------
    def symbol(self, position: int) -> tuple[Symbol, int]:
        first, index = self.identifier(position)
        steps: list[Step] = [Identifier(first)]
        while index < self.length:
            char = self.source[index]
            if char == ".":
                parsed_name = self.attempt(self.identifier, index + 1)
                if parsed_name is None:
                    break
                name, index = parsed_name
                steps.append(Identifier(name))
            elif char == "[":
                parsed_index = self.attempt(self.indexer, index)
                if parsed_index is None:
                    break
                indexer, index = parsed_index
                steps.append(indexer)
            else:
                break
        return Symbol(tuple(steps)), index

    def indexer(self, position: int) -> tuple[Indexer, int]:
        symbolic = self.attempt(self.symbol_indexer, position)
        if symbolic is not None:
            return symbolic
        key, index = self.string_indexer(position)
        return Indexer(key), index

    def symbol_indexer(self, position: int) -> tuple[Indexer, int]:
        index = self.skip_space(self.expect(position, "["))
        substitution, index = self.substitution(index)
        if not isinstance(substitution.expression, Symbol):
            raise self.fail(index, "a variable name")
        index = self.expect(self.skip_space(index), "]")
        return Indexer(substitution.expression.echo(), substitution.expression), index

    def string_indexer(self, position: int) -> tuple[str, int]:
        index = self.skip_space(self.expect(position, "["))
        parts: list[str] = []
        while index < self.length:
            char = self.source[index]
            if char == "]":
                break
            if char == "[":
                nested = self.attempt(self.string_indexer, index)
                if nested is None:
                    break
                inner, index = nested
                parts.append("[" + inner + "]")
                continue
            end = index
            while end < self.length and self.source[end] not in "[]":
                end += 1
            parts.append(self.source[index:end])
            index = end
        index = self.expect(self.skip_space(index), "]")
        return "".join(parts), index

    # -- blocks ------------------------------------------------------------------
    def block_start(self, position: int, *keywords: str) -> tuple[str, int]:
        index = self.skip_space(self.expect(position, "#{"))
        for word in keywords:
            end = index + len(word)
            if self.source[index:end].lower() != word:
                continue
            if end < self.length and self.source[end].isspace():
                return word, self.skip_space(end)
            raise self.fail(end, "whitespace")
        raise self.fail(index, " or ".join(keywords))

    def conditional(self, position: int) -> tuple[Conditional, int]:
        keyword, index = self.block_start(position, "if", "unless")
        condition, index = self.condition(index)
        index = self.expect(self.skip_space(index), "}")
        if keyword == "if":
            truthy, index = self.template(index, ("#{else}", "#{elseif"))
            clauses: list[tuple[Condition, tuple[Token, ...]]] = []
            while self._at_stop(index, ("#{elseif",)):
                clause_condition, index = self.condition(self.skip_space(index + len("#{elseif")))
                index = self.expect(self.skip_space(index), "}")
                body, index = self.template(index, ("#{else}", "#{elseif"))
                clauses.append((clause_condition, body))
        else:
            truthy, index = self.template(index, ("#{else}", "#{elseif"))
            clauses = []
        otherwise: tuple[Token, ...] = ()
        if self.source.startswith("#{else}", index):
            otherwise, index = self.template(index + len("#{else}"))
        index = self.expect(index, "#{/" + keyword + "}")
        # An elseif chain is the same tree as an if nested in the else branch.
        for clause_condition, body in reversed(clauses):
            otherwise = (Conditional(clause_condition, body, otherwise),)
        if keyword == "if":
            return Conditional(condition, truthy, otherwise), index
        return Conditional(condition, otherwise, truthy), index

    def condition(self, position: int) -> tuple[Condition, int]:
        for alternative in (
            self.expressions_match,
            self.left_literal_match,
            self.right_literal_match,
        ):
            parsed = self.attempt(alternative, position)
            if parsed is not None:
                return parsed
        left, index = self.expression(self.skip_space(position))
        return Condition(left), self.skip_space(index)

    def equality(self, position: int) -> tuple[bool, int]:
        index = self.skip_space(position)
        if self.source.startswith("==", index):
            return True, self.skip_space(index + 2)
        if self.source.startswith("!=", index):
            return False, self.skip_space(index + 2)
        raise self.fail(index, "'==' or '!='")

    def expressions_match(self, position: int) -> tuple[Condition, int]:
        left, index = self.expression(self.skip_space(position))
        equals, index = self.equality(index)
        right, index = self.expression(index)
        return Condition(left, equals, right), self.skip_space(index)

    def left_literal_match(self, position: int) -> tuple[Condition, int]:
        literal, index = self.literal(self.skip_space(position))
        equals, index = self.equality(index)
        right, index = self.expression(index)
        return Condition(right, equals, literal), self.skip_space(index)

    def right_literal_match(self, position: int) -> tuple[Condition, int]:
        left, index = self.expression(self.skip_space(position))
        equals, index = self.equality(index)
        literal, index = self.literal(index)
        return Condition(left, equals, literal), self.skip_space(index)

    def repetition(self, position: int) -> tuple[Repetition, int]:
        _, index = self.block_start(position, "each")
        variable, index = self.identifier(index)
        index = self.keyword(self.skip_space(index), "in")
        collection, index = self.symbol(self.skip_space(index))
        index = self.expect(self.skip_space(index), "}")
        body, index = self.template(index)
        index = self.expect(index, "#{/each}")
        return Repetition(variable, collection, body), index

    # -- calc ----------------------------------------------------------------------
    def calculation(self, position: int) -> tuple[Calculation, int]:
        _, index = self.block_start(position, "calc")
        expression, index = self.calc_sum(index)
        index = self.expect(self.skip_space(index), "}")
        return Calculation(expression), index

    def calc_operator(self, position: int, operators: str) -> tuple[str, int]:
        index = self.skip_space(position)
        if index < self.length and self.source[index] in operators:
            return self.source[index], self.skip_space(index + 1)
        raise self.fail(index, "an operator")

    def _calc_chain(
        self, position: int, operators: str, operand: Callable[[int], tuple[CalcNode, int]]
    ) -> tuple[CalcNode, int]:
        left, index = operand(position)
        while True:
            try:
                operator, after_operator = self.calc_operator(index, operators)
                right, after_right = operand(after_operator)
            except _Failure:
                return left, index
            left, index = CalcOperation(left, operator, right), after_right

    def calc_sum(self, position: int) -> tuple[CalcNode, int]:
        return self._calc_chain(position, "+-", self.calc_term)

    def calc_term(self, position: int) -> tuple[CalcNode, int]:
        return self._calc_chain(position, "*/", self.calc_factor)

    def calc_factor(self, position: int) -> tuple[CalcNode, int]:
        if self.source.startswith("(", position):
            inner, index = self.calc_sum(position + 1)
            return inner, self.expect(index, ")")
        number = _NUMBER.match(self.source, position)
        if number:
            return CalcConstant(float(number.group())), number.end()
        if self.source.startswith("{", position):
            index = self.skip_space(position + 1)
            symbol, index = self.symbol(index)
            index = self.expect(self.skip_space(index), "}")
            return CalcVariable(symbol), index
        symbol, index = self.symbol(self.skip_space(position))
        return CalcVariable(symbol), self.skip_space(index)

    # -- entry points ----------------------------------------------------------------
    def parse(self) -> Template:
        tokens, index = self.template(0)
        if index < self.length:
            self.fail(index, "a valid token")
            raise self.error()
        return Template(tokens)

    def parse_continuing(self) -> Template:
        """Keeps unparseable text as literal text and carries on after it."""
        tokens: list[Token] = []
        index = 0
        while index < self.length:
            parsed, index = self.template(index)
            tokens.extend(parsed)
            if index >= self.length:
                break
            self.furthest = index
            self.attempt(self.token, index)
            end = max(self.furthest, index + 2)
            tokens.append(Text(self.source[index:end]))
            index = end
        return Template(tuple(tokens))

    def error(self) -> OctostacheParseError:
        offset = self.furthest
        line = self.source.count("\n", 0, offset) + 1
        column = offset - (self.source.rfind("\n", 0, offset) + 1) + 1
        return OctostacheParseError(f"expected {self.expected}", offset, line, column)


@lru_cache(maxsize=4096)
def parse_or_error(template: str) -> Template | OctostacheParseError:
    """Parses once per distinct text; a failure is cached too, so bad text is not re-parsed."""
    parser = _Parser(template)
    try:
        return parser.parse()
    except OctostacheParseError as error:
        return error


@lru_cache(maxsize=1024)
def parse_continuing(template: str) -> Template:
    return _Parser(template).parse_continuing()


def parse(template: str) -> Template:
    """The parsed template; raises OctostacheParseError with the position where parsing failed."""
    parsed = parse_or_error(template)
    if isinstance(parsed, OctostacheParseError):
        raise parsed
    return parsed


@lru_cache(maxsize=4096)
def parse_variable_name(name: str) -> Symbol | None:
    """A variable name as a path (`A.B[x].C`); as in the reference, trailing text is ignored."""
    parser = _Parser(name)
    parsed = parser.attempt(parser.symbol, 0)
    return None if parsed is None else parsed[0]


def clear_caches() -> None:
    """Forgets every parsed template and name (benchmarks and tests start cold with this)."""
    from deployer.octostache import evaluator

    evaluator.clear_caches()
    parse_or_error.cache_clear()
    parse_continuing.cache_clear()
    parse_variable_name.cache_clear()
