"""The Octostache variable language: `render(template, variables)` and the functions around it."""

from __future__ import annotations

from collections.abc import Mapping

from deployer.octostache.errors import OctostacheError, OctostacheParseError
from deployer.octostache.evaluator import Evaluator, build_bindings
from deployer.octostache.nodes import (
    CalcOperation,
    Calculation,
    CalcVariable,
    Conditional,
    FilterCall,
    Indexer,
    Repetition,
    Substitution,
    Symbol,
    Token,
)
from deployer.octostache.parser import parse, parse_continuing, parse_or_error

__all__ = [
    "OctostacheError",
    "OctostacheParseError",
    "has_expression",
    "parse",
    "referenced_names",
    "render",
]


def has_expression(value: str) -> bool:
    """True when the text contains `#{`, i.e. rendering may change it."""
    return "#{" in value


def render(
    template: str, variables: Mapping[str, str | None], *, halt_on_error: bool = True
) -> str | None:
    """The template with variables substituted; None only when a `null` filter was evaluated.

    A template that does not parse comes back unchanged (halt_on_error=True), or has its bad
    text kept as written while the rest is evaluated (halt_on_error=False). A variable that
    refers back to itself raises OctostacheError.
    """
    if "#{" not in template:
        return template
    if halt_on_error:
        parsed = parse_or_error(template)
        if isinstance(parsed, OctostacheParseError):
            return template
    else:
        parsed = parse_continuing(template)
    try:
        return Evaluator(build_bindings(variables)).render(parsed)
    except RecursionError as error:
        raise OctostacheError("variables refer to each other too deeply to evaluate") from error


def referenced_names(template: str) -> set[str]:
    """Names of the variables a template reads (paths as written), excluding `each` loop items.

    A template that does not parse reads nothing: `render` returns it unchanged.
    """
    parsed = parse_or_error(template)
    if isinstance(parsed, OctostacheParseError):
        return set()
    names: set[str] = set()
    _collect(parsed.tokens, names, frozenset())
    return names


def _collect(tokens: tuple[Token, ...], names: set[str], loop_names: frozenset[str]) -> None:
    for token in tokens:
        if isinstance(token, Substitution):
            _collect_expression(token.expression, names, loop_names)
        elif isinstance(token, Conditional):
            condition = token.condition
            _collect_expression(condition.left, names, loop_names)
            if condition.right is not None and not isinstance(condition.right, str):
                _collect_expression(condition.right, names, loop_names)
            _collect(token.truthy, names, loop_names)
            _collect(token.falsy, names, loop_names)
        elif isinstance(token, Repetition):
            _collect_symbol(token.collection, names, loop_names)
            _collect(token.body, names, loop_names | {token.variable.lower()})
        elif isinstance(token, Calculation):
            _collect_calc(token, names, loop_names)


def _collect_calc(token: Calculation, names: set[str], loop_names: frozenset[str]) -> None:
    pending = [token.expression]
    while pending:
        node = pending.pop()
        if isinstance(node, CalcVariable):
            _collect_symbol(node.symbol, names, loop_names)
        elif isinstance(node, CalcOperation):
            pending.extend([node.left, node.right])


def _collect_expression(
    expression: Symbol | FilterCall, names: set[str], loop_names: frozenset[str]
) -> None:
    while isinstance(expression, FilterCall):
        _collect(expression.options, names, loop_names)
        expression = expression.argument
    _collect_symbol(expression, names, loop_names)


def _collect_symbol(symbol: Symbol, names: set[str], loop_names: frozenset[str]) -> None:
    if not symbol.steps:
        return
    for step in symbol.steps:
        if isinstance(step, Indexer) and step.symbol is not None:
            _collect_symbol(step.symbol, names, loop_names)
    first = symbol.steps[0]
    if getattr(first, "name", "").lower() in loop_names:
        return
    if symbol.echo().lower().startswith("octopus.template.each."):
        return
    names.add(symbol.echo())
