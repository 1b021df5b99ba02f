"""Template filters of the step editor: expression badges and readable document values."""

from __future__ import annotations

from typing import Any

from django import template

from steps.document.model import is_expression as document_is_expression

register = template.Library()


@register.filter
def is_expression(value: Any) -> bool:
    """True for a value bound to an Octostache expression (shown with a badge)."""
    return document_is_expression(value)


@register.filter
def as_document_value(value: Any) -> str:
    """A document value as a person reads it in a comparison: lists joined, null as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "(empty)"
    if value == "":
        return "(empty)"
    return str(value)
