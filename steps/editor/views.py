"""The step editor: the step page, the container editor, and YAML import and export."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from deployer.core.http import HtmxHttpRequest
from deployer.feeds.models import Feed
from deployer.projects.models import Project
from steps.actions import (
    DuplicateStepName,
    StaleEditError,
    document_changes,
    export_step,
    import_step,
    save_step,
)
from steps.actions import (
    delete_step as delete_step_action,
)
from steps.document import model as doc
from steps.document.io import document_from_data
from steps.document.model import DocumentError, StepDocument
from steps.editor import forms as f
from steps.editor.sections import (
    ContainerEditor,
    Editor,
    StepEditor,
    new_container_data,
    new_step_data,
)
from steps.models import Step
from steps.validation.step import validate

# --- Views ---------------------------------------------------------------------------------------

EDITOR_ACTIONS = ("_add", "_remove", "_refresh")


def _project(slug: str) -> Project:
    return get_object_or_404(Project, slug=slug)


def _step(project: Project, pk: int) -> Step:
    step = get_object_or_404(Step.objects.select_related("updated_by"), pk=pk, project=project)
    step.project = project  # already loaded; links to the step need its slug
    return step


def feed_choices() -> list[tuple[str, str]]:
    return [(slug, f"{name} ({slug})") for slug, name in Feed.objects.values_list("slug", "name")]


def _run_editor(
    request: HtmxHttpRequest,
    editor: Editor,
    template: str,
    context: dict[str, Any],
    save: Callable[[StepDocument], HttpResponse | None],
) -> HttpResponse:
    """Answer the editor's requests: inline validation of one field, adding and removing rows,
    redrawing a section, and saving the whole document."""
    context["editor"] = editor
    if request.method == "POST":
        if "_validate" in request.POST:
            editor.check()
            found = editor.find_field(request.POST["_validate"])
            if found is None:
                return HttpResponse(status=204)
            field_section, bound = found
            return render(
                request,
                "steps/_field.html",
                {
                    **context,
                    "field": bound,
                    "form": bound.form,
                    "section": field_section,
                    "oob": True,  # the side navigation's mark follows the field's errors
                },
            )
        for action in EDITOR_ACTIONS:
            if action in request.POST:
                section = editor.rearrange(action, request.POST[action])
                if request.htmx and section is not None:
                    return render(
                        request, "steps/_section.html", {**context, "section": section, "oob": True}
                    )
                return render(request, template, context)
        document = editor.check()
        if document is not None:
            response = save(document)
            if response is not None:
                return response
    return render(request, template, context)


def _saver(
    request: HtmxHttpRequest, step: Step, editor: Editor, context: dict[str, Any], done: str
) -> Callable[[StepDocument], HttpResponse | None]:
    def save(document: StepDocument) -> HttpResponse | None:
        revision = request.POST.get("_revision", "")
        expected = int(revision) if revision.isdigit() else None
        try:
            saved = save_step(step, document, expected, request.user)
        except StaleEditError as error:
            messages.error(
                request,
                f"{error} Their changes are listed below; save again to replace them with yours.",
            )
            context["changes"] = document_changes(editor.document_data(), error.other.document)
            context["revision"] = error.other.revision
            return None
        except DuplicateStepName as error:
            editor.place("name", str(error))
            return None
        messages.success(request, f"Step {saved.name} saved.")
        return redirect(done or saved.get_absolute_url())

    return save


def _step_context(project: Project, step: Step | None, url: str) -> dict[str, Any]:
    return {
        "project": project,
        "step": step,
        "form_url": url,
        "revision": step.revision if step else "",
        "containers": list(enumerate(step.containers)) if step else [],
    }


def create_step(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = _project(slug)
    post = request.POST if request.method == "POST" else None
    editor = StepEditor(new_step_data(), post, feeds=feed_choices(), new=True)
    url = reverse("projects:steps:create-step", args=[project.slug])
    context = _step_context(project, None, url)
    step = Step(project=project)
    return _run_editor(
        request,
        editor,
        "steps/step_editor.html",
        context,
        _saver(request, step, editor, context, ""),
    )


def edit_step(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project(slug)
    step = _step(project, pk)
    post = request.POST if request.method == "POST" else None
    editor = StepEditor(step.document, post, feeds=feed_choices())
    context = _step_context(project, step, step.get_absolute_url())
    return _run_editor(
        request,
        editor,
        "steps/step_editor.html",
        context,
        _saver(request, step, editor, context, ""),
    )


def edit_container(
    request: HtmxHttpRequest, slug: str, pk: int, index: int | None = None
) -> HttpResponse:
    """The container editor; without ``index`` it adds a container to the step."""
    project = _project(slug)
    step = _step(project, pk)
    containers = step.containers
    if index is not None and index >= len(containers):
        raise Http404("The step has no such container.")
    data = copy.deepcopy(step.document)
    if index is None:
        index = len(containers)
        data.setdefault("containers", []).append(new_container_data())
        url = reverse("projects:steps:add-container", args=[project.slug, step.pk])
    else:
        url = reverse("projects:steps:edit-container", args=[project.slug, step.pk, index])
    post = request.POST if request.method == "POST" else None
    editor = ContainerEditor(data, index, post, feeds=feed_choices())
    context = {
        **_step_context(project, step, url),
        "index": index,
        "container_name": (containers[index].get("name") if index < len(containers) else ""),
    }
    return _run_editor(
        request,
        editor,
        "steps/container_editor.html",
        context,
        _saver(request, step, editor, context, step.get_absolute_url() + "#containers"),
    )


@require_POST
def remove_container(request: HtmxHttpRequest, slug: str, pk: int, index: int) -> HttpResponse:
    project = _project(slug)
    step = _step(project, pk)
    data = copy.deepcopy(step.document)
    containers = data.get("containers", [])
    if index >= len(containers):
        raise Http404("The step has no such container.")
    removed = containers.pop(index)
    try:
        document = document_from_data(data)
    except DocumentError as error:
        messages.error(request, f"Cannot remove the container: {error}")
        return redirect(step)
    issues = validate(document)
    if issues:
        messages.error(
            request,
            f"Container {removed.get('name')} was not removed; without it: "
            + "; ".join(str(issue) for issue in issues),
        )
        return redirect(step)
    revision = request.POST.get("_revision", "")
    try:
        save_step(
            step, document, int(revision) if revision.isdigit() else step.revision, request.user
        )
    except StaleEditError as error:
        messages.error(request, str(error))
        return redirect(step)
    messages.success(request, f"Container {removed.get('name')} removed.")
    return redirect(step)


@require_POST
def delete_step(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project(slug)
    step = _step(project, pk)
    delete_step_action(step)
    messages.success(request, f"Step {step.name} deleted.")
    return redirect(project)


@require_GET
def download_yaml(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    step = _step(_project(slug), pk)
    response = HttpResponse(export_step(step), content_type="application/yaml; charset=utf-8")
    filename = f"{step.project.slug}-{step.pk}.step.yaml"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def import_yaml(request: HtmxHttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    """Import a step document: as a new (or same-named) step of the project, or into ``pk``."""
    project = _project(slug)
    step = _step(project, pk) if pk is not None else None
    form = f.YamlImportForm(request.POST or None, request.FILES or None)
    problems: list[doc.DocumentProblem] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = import_step(
                project, form.cleaned_data["yaml"], replace=step, user=request.user
            )
        except DocumentError as error:
            problems = error.problems
        except DuplicateStepName as error:
            form.add_error(None, str(error))
        else:
            verb = "created" if result.created else "replaced"
            messages.success(request, f"Step {result.step.name} {verb} from YAML.")
            return redirect(result.step)
    return render(
        request,
        "steps/import.html",
        {"project": project, "step": step, "form": form, "problems": problems},
    )
