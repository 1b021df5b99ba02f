"""Shared request and response shapes: bodies refuse unknown keys; errors are {"detail": ...}."""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict


class Body(Schema):
    """A request body: a key the API does not know is an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Problem(Schema):
    detail: str


# The error answers every authenticated operation may give.
ERRORS: dict[int, type[Schema]] = {400: Problem, 401: Problem, 403: Problem, 404: Problem}
