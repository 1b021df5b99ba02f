"""`{% can "deploy" project environment as may %}`: templates hide what a user may not use."""

from __future__ import annotations

from typing import Any

from django import template

from deployer.access.permissions import EDIT_PROJECT, decide
from deployer.access.permissions import can as can_do

register = template.Library()


@register.simple_tag(takes_context=True)
def can(
    context: template.Context, action: str, project: Any = None, environment: Any = None
) -> bool:
    """Whether the page's user may do `action`; the same answer the page's view would give."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if action == "create_project":  # the Project editor role on every project
        return decide(user, EDIT_PROJECT, all_projects=True).allowed
    return can_do(user, action, project or None, environment or None)
