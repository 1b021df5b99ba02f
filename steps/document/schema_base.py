"""The step document schema's building blocks: scalar readers, bounded collections, ``Section``.

The models built from them are in ``steps.document.schema`` and ``schema_deployment``.

Scalars are read by our own validators rather than pydantic's coercion, because the document's
rules differ from Python's: any scalar may be an Octostache expression, numbers and booleans
arrive as text after substitution, and a text field keeps what the user wrote (``0755``). Their
messages say what was expected and what was given.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, ClassVar, NoReturn, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    PlainValidator,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from steps.document.model import (
    MAX_ITEMS,
    MAX_TEXT_CHARS,
    REQUIRED_WHEN,
    is_expression,
)

# The error type of every problem our validators raise; its context holds the message.
PROBLEM = "step_document"


class RawScalar:
    """A plain YAML scalar that YAML read as another type than text (``0755``, ``yes``), with
    the text written in the file, so a text field can keep it."""

    __slots__ = ("text", "value")

    def __init__(self, value: Any, text: str) -> None:
        self.value = value
        self.text = text


class RequiredNow:
    """Stands in for a key another key of its section makes required (``REQUIRED_WHEN``)."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def problem(message: str) -> NoReturn:
    raise PydanticCustomError(PROBLEM, "{message}", {"message": message})


def describe(value: Any) -> str:
    """A given value as messages show it."""
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)


def too_many_message(count: int, what: str = "items") -> str:
    return f"{count:,} {what} is too many; use at most {MAX_ITEMS:,}"


def too_long_message(length: int) -> str:
    return f"{length:,} characters is too long for one value; use at most {MAX_TEXT_CHARS:,}"


def _given(value: Any) -> Any:
    """The value as YAML made it; a key required by another key's value is refused here."""
    if isinstance(value, RequiredNow):
        problem(value.message)
    return value.value if isinstance(value, RawScalar) else value


# --- Scalars ------------------------------------------------------------------------------------

_INTEGER_TEXT = re.compile(r"[+-]?[0-9]{1,18}")  # no longer: far beyond any valid value


def _text(value: Any) -> str:
    given = _given(value)
    if isinstance(given, str):
        if len(given) > MAX_TEXT_CHARS:
            problem(too_long_message(len(given)))
        return given
    if given is None:
        return ""
    if isinstance(value, RawScalar):
        return value.text
    if isinstance(given, bool):
        return "true" if given else "false"
    if isinstance(given, int | float | datetime.date):
        return str(given)
    problem(f"expected text, got {describe(given)}")


def _whole_number_or_expression(value: Any) -> int | str:
    given = _given(value)
    if isinstance(given, int) and not isinstance(given, bool):
        return given
    if isinstance(given, str) and is_expression(given):
        return given
    if isinstance(given, str) and _INTEGER_TEXT.fullmatch(given.strip()):
        return int(given.strip())
    problem(f"expected a whole number or an #{{expression}}, got {describe(given)}")


def _boolean_or_expression(value: Any) -> bool | str:
    given = _given(value)
    if isinstance(given, bool):
        return given
    if isinstance(given, str):
        if is_expression(given):
            return given
        # Substituted variables arrive as text; Octopus writes booleans as True/False.
        if given.strip().lower() in ("true", "false"):
            return given.strip().lower() == "true"
    problem(f"expected true, false or an #{{expression}}, got {describe(given)}")


def _version(value: Any) -> int:
    given = _given(value)
    if isinstance(given, int) and not isinstance(given, bool):
        return given
    problem(f"expected a whole number, got {describe(given)}")


Text = Annotated[str, PlainValidator(_text)]
Number = Annotated[int | str, PlainValidator(_whole_number_or_expression)]
Boolean = Annotated[bool | str, PlainValidator(_boolean_or_expression)]


# --- Collections: counted before their items are read -------------------------------------------


def _list(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    given = _given(value)
    if given is None:
        return []
    if not isinstance(given, list):
        problem(f"expected a list, got {describe(given)}")
    if len(given) > MAX_ITEMS:
        problem(too_many_message(len(given)))
    return handler(given)


def _list_or_expression(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    given = _given(value)
    if isinstance(given, str):
        if len(given) > MAX_TEXT_CHARS:
            problem(too_long_message(len(given)))
        if is_expression(given):
            return given
        # What an expression becomes after substitution: a comma-separated list.
        parts = [part.strip() for part in given.split(",") if part.strip()]
        if len(parts) > MAX_ITEMS:
            problem(too_many_message(len(parts)))
        return parts
    if given is not None and not isinstance(given, list):
        problem(f"expected a list or an #{{expression}}, got {describe(given)}")
    return _list(given, handler)


def _text_map(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    given = _given(value)
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        problem(f"expected a mapping of names to values, got {describe(given)}")
    if len(given) > MAX_ITEMS:
        problem(too_many_message(len(given)))
    return handler({str(key): item for key, item in given.items()})


# A list of texts, or one #{expression} (or, after substitution, comma-separated text).
TextList = Annotated[list[Text], WrapValidator(_list_or_expression)]
TextMap = Annotated[dict[str, Text], WrapValidator(_text_map)]


_Item = TypeVar("_Item")
# A list of sections: `ListOf[Tag]`.
ListOf = Annotated[list[_Item], WrapValidator(_list)]


# --- Sections -----------------------------------------------------------------------------------


class Section(BaseModel):
    """A mapping of the document; converts into its ``dataclass_type``."""

    model_config = ConfigDict(extra="forbid")
    dataclass_type: ClassVar[type]

    @model_validator(mode="before")
    @classmethod
    def _read_mapping(cls, value: Any) -> Any:
        given = _given(value)
        if given is None and not any(f.is_required() for f in cls.model_fields.values()):
            return {}
        if not isinstance(given, Mapping):
            problem(f"expected a mapping of fields, got {describe(given)}")
        if len(given) > MAX_ITEMS:
            problem(too_many_message(len(given), "entries"))
        data = {str(key): item for key, item in given.items()}
        for (owner, name), (other, expected) in REQUIRED_WHEN.items():
            required = owner is cls.dataclass_type and _given(data.get(other)) == expected
            if required and name not in data:
                data[name] = RequiredNow(f"required field missing: {other}: {expected} needs it")
        return data

    def to_dataclass(self) -> Any:
        return self.dataclass_type(
            **{name: _converted(getattr(self, name)) for name in type(self).model_fields}
        )


def _converted(value: Any) -> Any:
    if isinstance(value, Section):
        return value.to_dataclass()
    if isinstance(value, list):
        return [_converted(item) for item in value]
    if isinstance(value, dict):
        return {key: _converted(item) for key, item in value.items()}
    return value


_S = TypeVar("_S", bound=Section)


def _section(cls: type[_S]) -> Callable[[], _S]:
    """The default of a section left out: all its own defaults."""
    return lambda: cls.model_validate({})
