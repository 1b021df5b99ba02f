"""The project variables page: inline add, edit and delete, a filter, and previews."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from deployer.core.http import HtmxHttpRequest
from deployer.core.query import query_id, query_text
from deployer.projects.models import Project, Variable
from deployer.projects.variable_forms import VariableForm
from deployer.projects.variables import MASK, conflicts, effective_values, project_values
from targets.models import Environment


def _variables(project: Project, query: str) -> QuerySet[Variable]:
    variables = project.variables.prefetch_related("environments")
    if query:
        variables = variables.filter(
            Q(name__icontains=query)
            | Q(value__icontains=query)  # sensitive values live elsewhere: never searched
            | Q(description__icontains=query)
        )
    return variables


def _page(
    request: HtmxHttpRequest, project: Project, form: VariableForm | None = None
) -> HttpResponse:
    query = query_text(request, "q").strip()
    context = {
        "project": project,
        "variables": _variables(project, query),
        "query": query,
        "form": form or VariableForm(project=project),
        "environments": Environment.objects.all(),
        "conflicts": conflicts(project_values(project)),
        "mask": MASK,
    }
    if request.htmx and request.htmx.target == "variable-table":
        return render(request, "projects/variables/page.html#variable-table", context)
    return render(request, "projects/variables/page.html", context)


def list_variables(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    return _page(request, get_object_or_404(Project, slug=slug))


@require_POST
def create_variable(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    project = get_object_or_404(Project, slug=slug)
    form = VariableForm(request.POST, project=project)
    if form.is_valid():
        form.save()
        if not request.htmx:
            return redirect("variables:list", slug=slug)
        form = VariableForm(project=project)
    context = {"project": project, "form": form, "mask": MASK}
    if request.htmx:
        # The new row joins the table out of band; the add form comes back fresh or with errors.
        context["variables"] = _variables(project, "")
        context["conflicts"] = conflicts(project_values(project))
        return render(request, "projects/variables/page.html#add-response", context)
    return _page(request, project, form)


def edit_variable(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    project = get_object_or_404(Project, slug=slug)
    variable = get_object_or_404(Variable, project=project, pk=pk)
    form = VariableForm(request.POST or None, instance=variable, project=project)
    if request.method == "POST" and form.is_valid():
        variable = form.save()
        if request.htmx:
            return render(
                request,
                "projects/variables/page.html#variable-row",
                {"project": project, "variable": variable, "mask": MASK},
            )
        return redirect("variables:list", slug=slug)
    context = {"project": project, "variable": variable, "form": form}
    if request.htmx:
        return render(request, "projects/variables/page.html#edit-row", context)
    return render(request, "projects/variables/edit.html", context)


def show_variable(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """One row as displayed: what "Cancel" on an inline edit swaps back in."""
    project = get_object_or_404(Project, slug=slug)
    variable = get_object_or_404(Variable, project=project, pk=pk)
    if not request.htmx:
        return redirect("variables:list", slug=slug)
    return render(
        request,
        "projects/variables/page.html#variable-row",
        {"project": project, "variable": variable, "mask": MASK},
    )


@require_POST
def delete_variable(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    project = get_object_or_404(Project, slug=slug)
    get_object_or_404(Variable, project=project, pk=pk).delete()
    if request.htmx:
        return HttpResponse("")
    return redirect("variables:list", slug=slug)


def preview_variables(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Each variable's effective value in one environment, sensitive values masked."""
    project = get_object_or_404(Project, slug=slug)
    environment_id = query_id(request, "environment")
    if environment_id is None and request.GET.get("environment"):
        return HttpResponseBadRequest(
            "environment must be an environment's id, e.g. ?environment=1."
        )
    environment = get_object_or_404(Environment, pk=environment_id or 0)
    chosen = effective_values(project_values(project), environment.pk)
    rows = sorted(chosen.values(), key=lambda value: value.name.lower())
    context = {"project": project, "environment": environment, "rows": rows, "mask": MASK}
    if request.htmx:
        return render(request, "projects/variables/preview.html#preview-table", context)
    return render(request, "projects/variables/preview.html", context)
