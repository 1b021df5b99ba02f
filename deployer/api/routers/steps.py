"""A project's step as its step document: read it (JSON or YAML), create or replace it."""

from __future__ import annotations

import json

import yaml
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from deployer.access.permissions import EDIT_PROJECT, VIEW
from deployer.api.errors import request_user
from deployer.api.routers.projects import project_for
from deployer.api.schemas import ERRORS, Problem
from steps.actions import DuplicateStepName, export_step, import_step, read_step_yaml
from steps.document.io import document_to_data
from steps.document.model import DocumentError
from steps.document.schema import StepDocumentModel
from steps.models import Step

router = Router(tags=["steps"])
YAML = "application/yaml"
# A JSON body is read as YAML (json_as_yaml): one reader, its limits and the validator, for both.
DOCUMENT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/StepDocumentModel"}},
            YAML: {"schema": {"type": "string"}},
        },
    }
}


class Finding(Schema):
    path: str
    line: int | None
    message: str


class InvalidDocument(Schema):
    detail: str
    problems: list[Finding]


class StepSaved(Schema):
    name: str
    revision: int
    created: bool


def wants_yaml(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return YAML in accept or "text/yaml" in accept or "application/x-yaml" in accept


def json_as_yaml(text: str) -> str:
    """A JSON body as YAML text, so the one reader (its limits, the validator) reads both.

    JSON is nearly YAML, but not quite (a tab may indent JSON, never YAML): converting first
    keeps every JSON document readable."""
    try:
        return yaml.safe_dump(json.loads(text), sort_keys=False, allow_unicode=True)
    except (ValueError, RecursionError) as exc:
        raise HttpError(400, f"The body is not JSON: {str(exc)[:200]}") from None


@router.get("/{slug}/steps/{name}", response={200: StepDocumentModel, **ERRORS})
def get_step(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    """The step document; YAML (as the export) with `Accept: application/yaml`."""
    project = project_for(request, slug, VIEW)
    step = Step.objects.filter(project=project, name=name).first()
    if step is None:
        raise HttpError(404, f"{project.name} has no step named {name}.")
    if wants_yaml(request):
        return HttpResponse(export_step(step), content_type=f"{YAML}; charset=utf-8")
    return JsonResponse(document_to_data(step.to_document()))


@router.put(
    "/{slug}/steps/{name}",
    response={**ERRORS, 200: StepSaved, 201: StepSaved, 400: InvalidDocument, 409: Problem},
    openapi_extra=DOCUMENT_BODY,
)
def put_step(request: HttpRequest, slug: str, name: str) -> Status[dict[str, object]]:
    """Create or replace the step from a step document (JSON, or YAML with its content type).

    Nothing changes when the document has a problem: the 400 lists each (path, line, message).
    """
    project = project_for(request, slug, EDIT_PROJECT)
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise HttpError(400, "The step document must be UTF-8 text.") from None
    is_json = request.content_type == "application/json"
    if is_json:
        text = json_as_yaml(text)
    existing = Step.objects.filter(project=project, name=name).first()
    try:
        if existing is None and (named := read_step_yaml(text).name) != name:
            raise HttpError(400, f"The document names the step {named!r}, the URL {name!r}.")
        result = import_step(project, text, replace=existing, user=request_user(request))
    except DocumentError as exc:
        # A JSON body's problems have no line: the lines are those of its YAML form.
        problems = [
            {"path": p.path, "line": None if is_json else p.line, "message": p.message}
            for p in exc.problems
        ]
        detail = f"The step document has {len(problems)} problem(s); nothing was changed."
        return Status(400, {"detail": detail, "problems": problems})
    except DuplicateStepName as exc:
        raise HttpError(409, f"{exc}; nothing was changed.") from None
    step = result.step
    saved = {"name": step.name, "revision": step.revision, "created": result.created}
    return Status(201 if result.created else 200, saved)
