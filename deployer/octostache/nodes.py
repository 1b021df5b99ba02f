"""The parsed form of a template: immutable nodes, each able to print its normalised echo form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from deployer.octostache.netformat import format_double


@dataclass(frozen=True, slots=True)
class Identifier:
    name: str

    def echo(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Indexer:
    """`[key]`, or `[#{Sym}]` when `symbol` is set (resolved at lookup time)."""

    key: str
    symbol: Symbol | None = None

    def echo(self) -> str:
        if self.symbol is not None:
            return "[#{" + self.symbol.echo() + "}]"
        return "[" + self.key + "]"


Step: TypeAlias = Identifier | Indexer


@dataclass(frozen=True, slots=True)
class Symbol:
    steps: tuple[Step, ...]

    def echo(self) -> str:
        parts: list[str] = []
        for position, step in enumerate(self.steps):
            if isinstance(step, Identifier) and position > 0:
                parts.append(".")
            parts.append(step.echo())
        return "".join(parts)

    def lookup_key(self) -> str:
        """A case-insensitive identity, used to detect self-referencing variables."""
        return self.echo().lower()


@dataclass(frozen=True, slots=True)
class FilterCall:
    argument: Expression
    name: str
    options: tuple[Token, ...]

    def echo(self) -> str:
        text = self.argument.echo() + " | " + self.name
        for option in self.options:
            text += " " + (f'"{option.text}"' if isinstance(option, Text) else option.echo())
        return text


Expression: TypeAlias = Symbol | FilterCall


@dataclass(frozen=True, slots=True)
class Text:
    text: str

    def echo(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Substitution:
    expression: Expression

    def echo(self) -> str:
        return "#{" + self.expression.echo() + "}"


@dataclass(frozen=True, slots=True)
class Condition:
    """`left`, `left ==/!= right` (an expression) or `left ==/!= "literal"`."""

    left: Expression
    equals: bool | None = None
    right: Expression | str | None = None

    def echo(self) -> str:
        if self.equals is None:
            return self.left.echo()
        operator = "==" if self.equals else "!="
        right = f'"{self.right}"' if isinstance(self.right, str) else _echo_expression(self.right)
        return f"{self.left.echo()} {operator} {right} "


def _echo_expression(expression: Expression | None) -> str:
    return "" if expression is None else expression.echo()


@dataclass(frozen=True, slots=True)
class Conditional:
    condition: Condition
    truthy: tuple[Token, ...]
    falsy: tuple[Token, ...]

    def echo(self) -> str:
        text = "#{if " + self.condition.echo() + "}" + "".join(t.echo() for t in self.truthy)
        if self.falsy:
            text += "#{else}" + "".join(t.echo() for t in self.falsy)
        return text + "#{/if}"


@dataclass(frozen=True, slots=True)
class Repetition:
    variable: str
    collection: Symbol
    body: tuple[Token, ...]

    def echo(self) -> str:
        body = "".join(t.echo() for t in self.body)
        return "#{each " + self.variable + " in " + self.collection.echo() + "}" + body + "#{/each}"


@dataclass(frozen=True, slots=True)
class CalcConstant:
    value: float

    def echo(self) -> str:
        return format_double(self.value)


@dataclass(frozen=True, slots=True)
class CalcVariable:
    symbol: Symbol

    def echo(self) -> str:
        return self.symbol.echo()


@dataclass(frozen=True, slots=True)
class CalcOperation:
    left: CalcNode
    operator: str
    right: CalcNode

    def echo(self) -> str:
        return self.left.echo() + self.operator + self.right.echo()


CalcNode: TypeAlias = CalcConstant | CalcVariable | CalcOperation


@dataclass(frozen=True, slots=True)
class Calculation:
    expression: CalcNode

    def echo(self) -> str:
        return "#{" + self.expression.echo() + "}"


Token: TypeAlias = Text | Substitution | Conditional | Repetition | Calculation


@dataclass(frozen=True, slots=True)
class Template:
    tokens: tuple[Token, ...]
