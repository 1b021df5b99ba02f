"""Shared request and response shapes: bodies refuse unknown keys; errors are {"detail": ...}."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import ConfigDict, Field

# The largest number a query parameter may hold: bigger ones are a 400, not a database error.
MAX_NUMBER = 2**31 - 1
MAX_PAGE = 100


class Body(Schema):
    """A request body: a key the API does not know is an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Problem(Schema):
    # A sentence; for a body or parameter of the wrong shape, each place and what is wrong.
    detail: str | list[dict[str, Any]]


# The error answers every authenticated operation may give.
ERRORS: dict[int, type[Schema]] = {400: Problem, 401: Problem, 403: Problem, 404: Problem}


class Pages(LimitOffsetPagination):
    """`limit` (1 to 100, default 100) and `offset` for list endpoints; the answer has `items`
    and the total `count`."""

    class Input(Schema):
        limit: int = Field(MAX_PAGE, ge=1, le=MAX_PAGE)
        offset: int = Field(0, ge=0, le=MAX_NUMBER)
