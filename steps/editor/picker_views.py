"""The step editor's pickers: AWS ids to choose from, as an htmx fragment under the field."""

from __future__ import annotations

import re

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from deployer.core.http import HtmxHttpRequest
from deployer.core.query import query_choice, query_id, query_text
from deployer.projects.models import Project
from steps.editor.pickers import KINDS, Picked, aws_choices
from steps.models import Step

# The editor's own inputs, sent along with htmx's hx-include; their names carry a form prefix.
ROLES_SUFFIX = "target_roles"
NETWORK_SUFFIXES = ("network__subnet_ids", "network__security_group_ids")
MAX_FIELD_TEXT = 4000
INPUT_ID = re.compile(r"^[A-Za-z0-9_-]{1,200}$")


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.replace("\n", ",").split(",") if item.strip()]


def _posted(request: HtmxHttpRequest, suffix: str) -> str | None:
    for name in request.GET:
        value = request.GET.get(name, "")
        if name.endswith(suffix) and len(value) <= MAX_FIELD_TEXT:
            return value
    return None


@require_GET
def pick_aws_id(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Choices for an AWS id field from the step's cluster targets' accounts, matching `q`."""
    project = get_object_or_404(Project, slug=slug)
    kind = query_choice(request, "kind", KINDS)
    input_id = query_text(request, "for")
    roles_text = _posted(request, ROLES_SUFFIX)
    if roles_text is None:
        step_pk = query_id(request, "step")
        step = get_object_or_404(Step, pk=step_pk, project=project) if step_pk else None
        roles = step.to_document().target_roles if step is not None else []
        roles = roles if isinstance(roles, list) else []
    else:
        roles = _items(roles_text)
    network = [
        item for suffix in NETWORK_SUFFIXES for item in _items(_posted(request, suffix) or "")
    ]
    if not kind:
        picked = Picked(errors=[f"Unknown kind of AWS id; one of: {', '.join(KINDS)}."])
    else:
        picked = aws_choices(kind, roles, query_text(request, "q"), chosen_network=network)
    return render(
        request,
        "steps/_picker.html",
        {
            "picked": picked,
            "input_id": input_id if INPUT_ID.match(input_id) else "",
            "query": query_text(request, "q"),
        },
    )
