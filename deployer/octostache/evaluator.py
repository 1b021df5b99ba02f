"""Evaluates parsed templates against variables: lookup, JSON navigation, blocks and filters."""

from __future__ import annotations

import math
from collections.abc import Mapping
from contextlib import suppress
from functools import lru_cache
from typing import Any

from deployer.octostache.errors import SelfReferenceError
from deployer.octostache.filters import invoke_filter
from deployer.octostache.jsonvalues import INVALID, parse_lenient, value_text
from deployer.octostache.netformat import format_double, parse_double, parse_int
from deployer.octostache.nodes import (
    CalcConstant,
    CalcNode,
    Calculation,
    CalcVariable,
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
from deployer.octostache.parser import parse_or_error, parse_variable_name

EACH_INDEX = ("octopus", "template", "each", "index")
EACH_FIRST = ("octopus", "template", "each", "first")
EACH_LAST = ("octopus", "template", "each", "last")


class Binding:
    """One node of the variable tree: its own value, named children and indexed children."""

    __slots__ = ("children", "indexable", "item", "key")

    def __init__(self, item: str | None = None, key: str | None = None) -> None:
        self.item = item
        self.key = key  # for an indexed child, its index as first written
        self.children: dict[str, Binding] = {}
        self.indexable: dict[str, Binding] = {}

    def child(self, name: str) -> Binding:
        key = name.lower()
        found = self.children.get(key)
        if found is None:
            found = self.children[key] = Binding()
        return found

    def indexed(self, index: str) -> Binding:
        key = index.lower()
        found = self.indexable.get(key)
        if found is None:
            # An indexed child's own value defaults to its key: `#{x}` inside `each`.
            found = self.indexable[key] = Binding(index, index)
        return found

    def with_item(self, item: str) -> Binding:
        copy = Binding(item, self.key)
        copy.children = self.children
        copy.indexable = self.indexable
        return copy


def build_bindings(variables: Mapping[str, str | None]) -> Binding:
    """The variable tree. Cached by content: a deployment renders many fields with one set."""
    items = tuple(variables.items())
    try:
        return _bindings_for(items)
    except TypeError:  # an unhashable value: build without the cache
        return _bindings_for.__wrapped__(items)


@lru_cache(maxsize=16)
def _bindings_for(items: tuple[tuple[str, str | None], ...]) -> Binding:
    root = Binding()
    for name, value in items:
        steps = _name_steps(name)
        if steps is None:
            continue
        node = root
        for is_identifier, text in steps:
            node = node.child(text) if is_identifier else node.indexed(text)
        node.item = value if value is not None else ""
    return root


@lru_cache(maxsize=8192)
def _name_steps(name: str) -> tuple[tuple[bool, str], ...] | None:
    path = parse_variable_name(name)
    if path is None:
        return None
    return tuple(
        (True, step.name) if isinstance(step, Identifier) else (False, step.key)
        for step in path.steps
    )


def clear_caches() -> None:
    _bindings_for.cache_clear()
    _name_steps.cache_clear()
    parse_lenient.cache_clear()


def _json_binding(value: Any) -> Binding:
    return Binding(value_text(value))


class Scope:
    __slots__ = ("binding", "parent")

    def __init__(self, binding: Binding, parent: Scope | None = None) -> None:
        self.binding = binding
        self.parent = parent


class Evaluator:
    """One render: the root scope, the chain of variables being resolved, the `null` flag."""

    def __init__(self, root: Binding) -> None:
        self.root = Scope(root)
        self.resolving: list[tuple[str, str]] = []
        self.saw_null = False

    # -- templates ---------------------------------------------------------------------------
    def render(self, template: Template) -> str | None:
        out: list[str] = []
        self.tokens(template.tokens, self.root, out)
        return None if self.saw_null else "".join(out)

    def tokens(self, tokens: tuple[Token, ...], scope: Scope, out: list[str]) -> None:
        for token in tokens:
            self.token(token, scope, out)

    def token(self, token: Token, scope: Scope, out: list[str]) -> None:
        if isinstance(token, Text):
            out.append(token.text)
        elif isinstance(token, Substitution):
            value = self.calculate(token.expression, scope)
            if value is not None:
                out.append(value)
            elif isinstance(token.expression, FilterCall) and token.expression.name == "null":
                self.saw_null = True
            else:
                out.append(token.echo())
        elif isinstance(token, Conditional):
            self.conditional(token, scope, out)
        elif isinstance(token, Repetition):
            self.repetition(token, scope, out)
        else:
            result = self.calc(token.expression, scope)
            out.append(token.echo() if result is None else format_double(result))

    def render_token(self, token: Token, scope: Scope) -> str:
        out: list[str] = []
        self.token(token, Scope(Binding(), scope), out)
        return "".join(out)

    # -- expressions -------------------------------------------------------------------------
    def calculate(self, expression: Expression, scope: Scope) -> str | None:
        if isinstance(expression, Symbol):
            if not expression.steps:
                return None
            found = self.walk(expression, scope)
            return None if found is None else found.item
        argument = self.calculate(expression.argument, scope)
        options = [self.render_token(option, scope) for option in expression.options]
        return invoke_filter(expression.name, argument, options)

    def resolve(self, symbol: Symbol, scope: Scope) -> str:
        found = self.walk(symbol, scope)
        return "" if found is None or found.item is None else found.item

    # -- lookup ----------------------------------------------------------------------------------
    def walk(self, symbol: Symbol, scope: Scope) -> Binding | None:
        """The binding a path names, its value evaluated; None when nothing answers to it."""
        key = symbol.lookup_key()
        if any(seen == key for seen, _ in self.resolving):
            # Like the reference, the message lists every variable being resolved, outermost first.
            raise SelfReferenceError([*(display for _, display in self.resolving), symbol.echo()])
        self.resolving.append((key, symbol.echo()))
        try:
            steps = self.concrete_steps(symbol, scope)
            if steps is None:
                return None
            current: Scope | None = scope
            while current is not None:
                found = self.follow(steps, current)
                if found is not None:
                    break
                current = current.parent
            else:
                return None
            if found.item is not None and "#{" in found.item:
                return found.with_item(self.evaluate_value(found.item, current))
            return found
        finally:
            self.resolving.pop()

    def concrete_steps(self, symbol: Symbol, scope: Scope) -> list[Step] | None:
        steps: list[Step] = []
        for step in symbol.steps:
            if isinstance(step, Indexer) and step.symbol is not None:
                found = self.walk(step.symbol, scope)
                if found is None or found.item is None:
                    return None
                steps.append(Indexer(found.item))
            else:
                steps.append(step)
        return steps

    def follow(self, steps: list[Step], scope: Scope) -> Binding | None:
        node = scope.binding
        for step in steps:
            if isinstance(step, Identifier):
                name = step.name
                found = node.children.get(name.lower())
            else:
                name = step.key
                if name == "*" and node.indexable:
                    found = next(iter(node.indexable.values()))
                else:
                    found = node.indexable.get(name.lower())
            if found is None:
                found = self.from_json(node, name, scope)
                if found is None:
                    return None
            node = found
        return node

    def from_json(self, node: Binding, name: str, scope: Scope) -> Binding | None:
        text = node.item
        if text is None:
            return None
        if "#{" in text:
            # JSON that refers to its own properties (`{Name: "#{Test.Value}", Value: 12}`) is
            # read as written; the reference's tests expect `#{Test.Name}` to give 12.
            with suppress(SelfReferenceError):
                text = self.evaluate_value(text, scope)
        value = parse_lenient(text)
        if value is INVALID:
            return None
        if isinstance(value, dict):
            return _json_binding(value.get(name))
        if isinstance(value, list):
            position = parse_int(name)
            if position is None:
                return None
            in_range = 0 <= position < len(value)
            return _json_binding(value[position] if in_range else None)
        return _json_binding(value)

    def evaluate_value(self, text: str, scope: Scope) -> str:
        parsed = parse_or_error(text)
        if not isinstance(parsed, Template):
            return text
        saw_null = self.saw_null
        out: list[str] = []
        self.tokens(parsed.tokens, Scope(Binding(), scope), out)
        # A `null` filter inside a variable's value empties that value, not the whole result.
        self.saw_null = saw_null
        return "".join(out)

    # -- blocks ------------------------------------------------------------------------------------
    def conditional(self, token: Conditional, scope: Scope, out: list[str]) -> None:
        condition = token.condition
        left = self.operand(condition.left, scope)
        if left is None:
            out.append(token.echo())
            return
        if condition.equals is None:
            chosen = is_truthy(left)
        else:
            if isinstance(condition.right, str):
                right: str | None = condition.right
            else:
                assert condition.right is not None
                right = self.operand(condition.right, scope)
                if right is None:
                    out.append(token.echo())
                    return
            chosen = (left == right) == condition.equals
        self.tokens(token.truthy if chosen else token.falsy, scope, out)

    def operand(self, expression: Expression, scope: Scope) -> str | None:
        if isinstance(expression, Symbol):
            return self.resolve(expression, scope)
        return self.calculate(expression, scope)

    def repetition(self, token: Repetition, scope: Scope, out: list[str]) -> None:
        items = self.items(token.collection, scope)
        last = len(items) - 1
        for position, item in enumerate(items):
            locals_ = Binding()
            _set(locals_, EACH_INDEX, str(position))
            _set(locals_, EACH_FIRST, "True" if position == 0 else "False")
            _set(locals_, EACH_LAST, "True" if position == last else "False")
            locals_.children[token.variable.lower()] = item
            self.tokens(token.body, Scope(locals_, scope), out)

    def items(self, collection: Symbol, scope: Scope) -> list[Binding]:
        found = self.walk(collection, scope)
        if found is None:
            return []
        if found.indexable:
            return [_with_key(child) for child in found.indexable.values()]
        if found.item is None:
            return []
        value = parse_lenient(found.item)
        if isinstance(value, list):
            return [_json_binding(element) for element in value]
        if isinstance(value, dict):
            bindings = []
            for key, element in value.items():
                binding = Binding(key)
                binding.children["key"] = Binding(key)
                binding.children["value"] = _json_binding(element)
                bindings.append(binding)
            return bindings
        return [Binding(part) for part in found.item.split(",")]

    # -- calc ----------------------------------------------------------------------------
    def calc(self, node: CalcNode, scope: Scope) -> float | None:
        if isinstance(node, CalcConstant):
            return node.value
        if isinstance(node, CalcVariable):
            found = self.walk(node.symbol, scope)
            if found is None or found.item is None:
                return None
            return parse_double(found.item)
        left = self.calc(node.left, scope)
        if left is None:
            return None
        right = self.calc(node.right, scope)
        if right is None:
            return None
        return _operate(left, node.operator, right)


def _with_key(child: Binding) -> Binding:
    """An indexed item also answers `.Key` with its index, unless a `Key` variable is defined."""
    if "key" in child.children or child.key is None:
        return child
    item = Binding(child.item, child.key)
    item.children = {**child.children, "key": Binding(child.key)}
    item.indexable = child.indexable
    return item


def _operate(left: float, operator: str, right: float) -> float:
    if operator == "+":
        return left + right
    if operator == "-":
        return left - right
    if operator == "*":
        return left * right
    if right == 0:
        if left == 0 or math.isnan(left):
            return math.nan
        return math.copysign(math.inf, left) * math.copysign(1.0, right)
    return left / right


def _set(root: Binding, path: tuple[str, ...], value: str) -> None:
    node = root
    for name in path:
        node = node.child(name)
    node.item = value


def is_truthy(value: str) -> bool:
    if value in ("", "0"):
        return False
    return value.strip().lower() not in ("no", "false")


def evaluate(template: Template, variables: Mapping[str, str | None]) -> str | None:
    return Evaluator(build_bindings(variables)).render(template)


__all__ = ["Binding", "Calculation", "Evaluator", "build_bindings", "evaluate", "is_truthy"]
