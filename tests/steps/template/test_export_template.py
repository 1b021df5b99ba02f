"""`manage.py export_template`: the Export dialog's YAML on the command line, with substitution."""

from __future__ import annotations

import importlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

GOLDEN = Path(__file__).parent.parent / "golden"


def _octostache_importable() -> bool:
    try:
        return hasattr(importlib.import_module("deployer.octostache"), "render")
    except ImportError:
        return False


octostache_available = pytest.mark.skipif(
    not _octostache_importable(), reason="deployer.octostache is not available yet"
)

EXPRESSION_STEP = """\
version: 1
name: Deploy web
configuration:
  task_definition_name: "web-#{Octopus.Environment.Name}"
task_size:
  cpu: "#{Cpu}"
  memory: 512
network:
  security_group_ids: [sg-0123456789abcdef0]
  subnet_ids: "#{Subnets}"
containers:
  - name: web
    image: {feed: docker-hub, package: nginx}
    environment:
      variables:
        - {name: DB_PASSWORD, value: "#{DbPassword}"}
"""


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("export_template", *args, stdout=out)
    return out.getvalue()


def test_export_prints_the_golden_template(tmp_path: Path) -> None:
    assert export(str(GOLDEN / "complex.step.yaml")) == (
        GOLDEN / "complex.template.yaml"
    ).read_text(encoding="utf-8")


def test_expressions_stay_as_written_without_variables(tmp_path: Path) -> None:
    step = tmp_path / "step.yaml"
    step.write_text(EXPRESSION_STEP)
    template = yaml.safe_load(export(str(step)))
    assert template["Parameters"]["TaskDefinitionName"]["Default"] == (
        "web-#{Octopus.Environment.Name}"
    )
    assert template["Parameters"]["TaskDefinitionCPU"]["Default"] == "#{Cpu}"


def test_invalid_step_exits_non_zero_listing_the_validation_errors(tmp_path: Path) -> None:
    step = tmp_path / "step.yaml"
    step.write_text(
        (GOLDEN / "minimal.step.yaml").read_text().replace("subnet-0123456789abcdef0", "nope")
    )
    with pytest.raises(CommandError) as raised:
        export(str(step))
    assert "network.subnet_ids[0]" in str(raised.value)


def test_unreadable_document_exits_non_zero_with_the_problem_line(tmp_path: Path) -> None:
    step = tmp_path / "step.yaml"
    step.write_text((GOLDEN / "minimal.step.yaml").read_text() + "bogus: 1\n")
    with pytest.raises(CommandError, match="bogus: unknown field"):
        export(str(step))


def test_command_line_exit_code_is_non_zero_for_an_invalid_step(tmp_path: Path) -> None:
    step = tmp_path / "step.yaml"
    step.write_text(
        (GOLDEN / "minimal.step.yaml").read_text().replace("subnet-0123456789abcdef0", "nope")
    )
    manage = Path(__file__).resolve().parents[3] / "manage.py"
    finished = subprocess.run(
        [sys.executable, str(manage), "export_template", str(step)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert finished.returncode != 0
    assert finished.stdout == ""
    assert "network.subnet_ids[0]" in finished.stderr


def test_missing_file_exits_non_zero(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        export(str(tmp_path / "absent.yaml"))


@octostache_available
def test_variables_and_environment_are_substituted_first(tmp_path: Path) -> None:
    step = tmp_path / "step.yaml"
    step.write_text(EXPRESSION_STEP)
    variables = tmp_path / "vars.yaml"
    variables.write_text("Cpu: 256\nSubnets: subnet-0123456789abcdef0, subnet-0fedcba9876543210\n")
    template = yaml.safe_load(
        export(str(step), "--variables", str(variables), "--environment", "Staging")
    )
    assert template["Parameters"]["TaskDefinitionName"]["Default"] == "web-Staging"
    assert template["Parameters"]["TaskDefinitionCPU"]["Default"] == "256"
    network = template["Resources"]["ServicewebStaging"]["Properties"]["NetworkConfiguration"]
    assert network["AwsvpcConfiguration"]["Subnets"] == [
        "subnet-0123456789abcdef0",
        "subnet-0fedcba9876543210",
    ]


@octostache_available
def test_a_variable_left_out_of_the_file_stays_an_expression(tmp_path: Path) -> None:
    # How sensitive values stay out of an export: they are simply not given.
    step = tmp_path / "step.yaml"
    step.write_text(EXPRESSION_STEP)
    variables = tmp_path / "vars.yaml"
    variables.write_text("Cpu: 256\nSubnets: subnet-0123456789abcdef0\n")
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "export_template",
        str(step),
        "--variables",
        str(variables),
        "--environment",
        "Staging",
        stdout=out,
        stderr=err,
    )
    assert "Value: '#{DbPassword}'" in out.getvalue()
    assert "containers[0].environment.variables[0].value" in err.getvalue()


@octostache_available
def test_substitution_that_makes_the_step_invalid_exits_non_zero(tmp_path: Path) -> None:
    step = tmp_path / "step.yaml"
    step.write_text(EXPRESSION_STEP)
    variables = tmp_path / "vars.yaml"
    variables.write_text("Cpu: 300\nSubnets: subnet-0123456789abcdef0\n")
    with pytest.raises(CommandError, match=r"task_size\.cpu"):
        export(str(step), "--variables", str(variables))
