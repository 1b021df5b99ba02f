"""`manage.py export_template FILE`: print the CloudFormation template a step document produces."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError

from steps.document.io import document_to_data as data_of
from steps.document.io import load_document
from steps.document.model import DocumentError
from steps.template.builder import render_template
from steps.template.substitution import substitute_step
from steps.validation.secrets import binding_problems, export_form, secret_bindings

ENVIRONMENT_VARIABLE = "Octopus.Environment.Name"


def read_variables(path: str) -> dict[str, str]:
    """A flat name -> value map from a YAML file; values become text as Octopus holds them."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CommandError(f"cannot read variables from {path}: {error}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CommandError(f"{path}: expected a mapping of variable names to values")
    variables = {}
    for name, value in data.items():
        if isinstance(value, dict | list):
            raise CommandError(f"{path}: {name}: expected a single value, got a {type(value)}")
        if isinstance(value, bool):
            variables[str(name)] = "True" if value else "False"
        else:
            variables[str(name)] = "" if value is None else str(value)
    return variables


class Command(BaseCommand):
    help = (
        "Print the CloudFormation template (YAML) for a step document, as the Export dialog "
        "shows it. With --variables/--environment, substitute variables first."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="a step document (YAML)")
        parser.add_argument(
            "--variables", metavar="VARS.yaml", help="a flat map of variable names to values"
        )
        parser.add_argument(
            "--environment", metavar="NAME", help="the environment (Octopus.Environment.Name)"
        )
        parser.add_argument(
            "--project",
            metavar="SLUG",
            help="show the project's sensitive variables as the SSM secrets a deployment makes",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error}") from None
        try:
            document = load_document(text)
        except DocumentError as error:
            raise CommandError(f"{path}:\n{error}") from None
        written = document
        sensitive, names = project_sensitivity(options["project"])
        problems = binding_problems(data_of(written), sensitive)
        if problems:
            lines = "\n".join(f"{where}: {message}" for where, message in problems)
            raise CommandError(f"{path} puts sensitive values where AWS would see them:\n{lines}")
        if options["variables"] or options["environment"]:
            variables = read_variables(options["variables"]) if options["variables"] else {}
            if options["environment"]:
                variables[ENVIRONMENT_VARIABLE] = options["environment"]
            # The deployment's own substitution, so the export shows what a deployment would send.
            substitution = substitute_step(document, variables)
            if substitution.problems or substitution.document is None:
                lines = "\n".join(substitution.problems)
                raise CommandError(f"{path} is not a valid step after substitution:\n{lines}")
            # A variable left out of the file (a sensitive one, say) stays an expression, as it
            # does in an export without variables; say so rather than fail.
            bindings = secret_bindings(data_of(written), sensitive)
            secret_paths = {f"{binding.path}.value" for binding in bindings}
            for unresolved in substitution.unresolved:
                if unresolved.path not in secret_paths:  # shown as its secret instead
                    self.stderr.write(f"warning: {unresolved}")
            document = substitution.document
        else:
            from steps.validation.step import validate

            issues = validate(document)
            if issues:
                lines = "\n".join(f"{issue.path}: {issue.message}" for issue in issues)
                raise CommandError(f"{path} is not a valid step:\n{lines}")
        if options["project"]:
            document = export_form(
                written, document, options["project"], options["environment"], sensitive, names
            )
        self.stdout.write(render_template(document), ending="")


def project_sensitivity(slug: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """The project's sensitive variables (and those reading them), and every name's spelling."""
    if not slug:
        return {}, {}  # a document alone says nothing about which variables are sensitive
    from deployer.projects.models import Project
    from deployer.projects.variables import project_values, sensitive_variables

    project = Project.objects.filter(slug=slug).first()
    if project is None:
        raise CommandError(f"No project with slug {slug}.")
    values = project_values(project)
    return sensitive_variables(values), {value.name.lower(): value.name for value in values}
