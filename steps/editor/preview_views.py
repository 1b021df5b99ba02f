"""The step seen two other ways: its CloudFormation template (Export dialog) and, per
environment, the step as a deployment would substitute it (Preview)."""

from __future__ import annotations

import re

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET
from pygments.lexers.data import YamlLexer
from pygments.token import Token

from deployer.core.http import HtmxHttpRequest
from deployer.projects.models import Project
from deployer.projects.variables import (
    DeploymentFacts,
    deployment_variables,
    project_values,
    sensitive_variables,
)
from steps.document.io import dump_document
from steps.document.model import DocumentError
from steps.models import Step
from steps.template.builder import render_template
from steps.template.preflight import lint_template, preflight
from steps.template.substitution import substitute_step
from steps.validation.secrets import export_form
from targets.models import Environment
from targets.selection import targets_for

_EXPRESSION = re.compile(r"#\{.*?\}")
# Keep the text exactly as given: no stripped or added line breaks.
_YAML_LEXER = YamlLexer(stripnl=False, ensurenl=False)


def highlight_yaml(text: str) -> SafeString:
    """YAML with mapping keys and Octostache expressions wrapped in elements for colour.

    Pygments tells keys from text that only looks like one (``a: b`` inside a block scalar)."""
    parts: list[str] = []
    for token, value in _YAML_LEXER.get_tokens(text):
        if token in Token.Name.Tag:
            parts.append(f'<span class="yaml-key">{escape(value)}</span>')
        else:
            parts.append(_mark_expressions(value))
    return mark_safe("".join(parts))  # every piece above is escaped


def _mark_expressions(text: str) -> str:
    parts: list[str] = []
    last = 0
    for match in _EXPRESSION.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(f'<mark class="expression">{escape(match.group(0))}</mark>')
        last = match.end()
    parts.append(escape(text[last:]))
    return "".join(parts)


def _step(slug: str, pk: int) -> tuple[Project, Step]:
    project = get_object_or_404(Project, slug=slug)
    return project, get_object_or_404(Step, project=project, pk=pk)


@require_GET
def export_template(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """The Export dialog: the template, a copy and a download button, and cfn-lint's findings."""
    project, step = _step(slug, pk)
    try:
        document = step.to_document()
    except DocumentError as exc:
        return render(
            request, "steps/export.html", {"project": project, "step": step, "error": exc}
        )
    result = preflight(document)
    if result.template_yaml:
        # Sensitive values bound in containers show as the secrets a deployment would make.
        values = project_values(project)
        names = {value.name.lower(): value.name for value in values}
        sensitive = sensitive_variables(values)
        shown = export_form(document, document, project.slug, None, sensitive, names)
        if shown is not document:
            result.template_yaml = render_template(shown)
            result.findings = lint_template(result.template_yaml)
    filename = f"{document.configuration.task_definition_name}.cloudformation.yaml"
    if request.GET.get("download") and result.template_yaml:
        response = HttpResponse(
            result.template_yaml, content_type="application/yaml; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    context = {
        "project": project,
        "step": step,
        "result": result,
        "highlighted": highlight_yaml(result.template_yaml),
        "filename": filename,
    }
    if request.htmx:
        return render(request, "steps/export.html#export-dialog", context)
    return render(request, "steps/export.html", context)


@require_GET
def preview_step(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """The step as deploying it to an environment would substitute it, with project variables."""
    project, step = _step(slug, pk)
    environments = list(Environment.objects.all())
    environment = next(
        (e for e in environments if str(e.pk) == request.GET.get("environment")),
        environments[0] if environments else None,
    )
    context: dict[str, object] = {
        "project": project,
        "step": step,
        "environments": environments,
        "environment": environment,
    }
    if environment is not None:
        document = step.to_document()
        # The target a deployment would use first, found the way deployments find it.
        target = next(iter(targets_for(document.target_roles, environment.pk)), None)
        values = project_values(project)
        facts = DeploymentFacts(
            project_name=project.name,
            project_id=project.pk,
            environment_name=environment.name,
            environment_id=environment.pk,
            step_name=str(document.name),
            machine_name=target.name if target else "",
            region=target.region if target else "",
            cluster_name=target.cluster_name if target else "",
        )
        variables, masker = deployment_variables(values, environment.pk, facts)
        result = substitute_step(document, variables, {v.name for v in values if v.sensitive})
        for secret in result.derived_secrets:
            masker.add(secret)
        shown = dump_document(result.document) if result.document else ""
        context.update(
            target=target,
            findings=[masker.mask(finding) for finding in result.findings()],
            highlighted=highlight_yaml(masker.mask(shown)),
        )
    if request.htmx:
        return render(request, "steps/preview.html#preview-body", context)
    return render(request, "steps/preview.html", context)
