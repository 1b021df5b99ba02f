"""Pre-flight checks: the step validator first, then one cfn-lint run on the generated template."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from steps.document.io import load_document
from steps.document.model import StepDocument
from steps.template.builder import DeployContext, render_template
from steps.template.preflight import (
    VALIDATION_ERROR_CODE,
    PreflightError,
    ensure_deployable,
    lint_template,
    preflight,
)

GOLDEN = Path(__file__).parent.parent / "golden"


def golden_document(name: str) -> StepDocument:
    return load_document((GOLDEN / f"{name}.step.yaml").read_text(encoding="utf-8"))


def deploy_context() -> DeployContext:
    return DeployContext(
        cluster_name="demo",
        region="us-east-1",
        environment_name="Production",
        images={"nginx": "docker.io/nginx:1.27"},
    )


def with_security_group(document: StepDocument, group: str) -> StepDocument:
    network = dataclasses.replace(document.network, security_group_ids=[group])
    return dataclasses.replace(document, network=network)


def test_valid_step_passes_and_returns_the_template_it_linted() -> None:
    document = golden_document("multi")
    result = preflight(document)
    assert result.ok
    assert result.errors == []
    assert result.template_yaml == render_template(document)
    assert result.lint_seconds > 0


def test_invalid_step_reports_validation_findings_with_document_paths_and_skips_lint() -> None:
    document = golden_document("minimal")
    document = dataclasses.replace(
        document, task_size=dataclasses.replace(document.task_size, memory=3072)
    )
    result = preflight(document)
    assert not result.ok
    assert [f.path for f in result.errors] == ["task_size.memory"]
    assert result.errors[0].source == "validation"
    assert result.template_yaml == ""
    assert result.lint_seconds == 0


def test_cfn_lint_findings_carry_template_paths_levels_and_rules() -> None:
    # The validator refuses short ids, so the template is altered after it was built.
    template = render_template(golden_document("minimal"))
    result = lint_template(template.replace("sg-0123456789abcdef0", "sg-0123"))
    (finding,) = [f for f in result if f.level == "error"]
    assert finding.source == "cfn-lint"
    assert finding.path == (
        "Resources/Serviceweb/Properties/NetworkConfiguration/AwsvpcConfiguration/SecurityGroups/0"
    )
    assert finding.rule == "E1150"
    assert finding.line is not None


@pytest.mark.parametrize("group", ["sg-0123", "sg-0123456789abcdef", "sg-0123ABCD"])
def test_an_id_cfn_lint_would_refuse_is_refused_by_the_validator_first(group: str) -> None:
    result = preflight(with_security_group(golden_document("minimal"), group))
    assert [(f.source, f.path) for f in result.errors] == [
        ("validation", "network.security_group_ids[0]")
    ]
    assert "8 or 17 hex digits" in result.errors[0].message


def test_expressions_in_an_export_are_informational_not_errors() -> None:
    document = golden_document("minimal")
    container = dataclasses.replace(document.containers[0], memory_hard_limit="#{Memory}")
    result = preflight(dataclasses.replace(document, containers=[container]))
    assert result.ok
    memory = [f for f in result.findings if f.path.endswith("ContainerDefinitions/0/Memory")]
    assert [f.level for f in memory] == ["informational"]


def test_deployable_step_yields_the_deploy_time_template() -> None:
    text = ensure_deployable(golden_document("minimal"), deploy_context())
    assert "#{" not in text
    assert "docker.io/nginx:1.27" in text


def test_undeployable_step_fails_fast_with_the_validation_error_code_and_every_finding() -> None:
    document = golden_document("minimal")
    document = dataclasses.replace(
        document,
        task_size=dataclasses.replace(document.task_size, memory=3072),
        network=dataclasses.replace(document.network, subnet_ids=["not-a-subnet"]),
    )
    with pytest.raises(PreflightError) as raised:
        ensure_deployable(document, deploy_context())
    assert raised.value.code == VALIDATION_ERROR_CODE == "ECS-Deploy-ValidationError"
    assert {f.path for f in raised.value.findings} == {"task_size.memory", "network.subnet_ids[0]"}
    assert str(raised.value).startswith("ECS-Deploy-ValidationError")


def test_missing_image_at_deploy_time_is_a_finding_not_a_crash() -> None:
    context = dataclasses.replace(deploy_context(), images={})
    result = preflight(golden_document("minimal"), context)
    assert not result.ok
    assert "nginx" in result.errors[0].message


def test_the_same_template_is_linted_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from steps.template import preflight as preflight_module

    runs: list[str] = []
    real_lint = preflight_module._cfn_lint_matches

    def counting_lint(template: str) -> list[object]:
        runs.append(template)
        return real_lint(template)

    monkeypatch.setattr(preflight_module, "_cfn_lint_matches", counting_lint)
    monkeypatch.setattr(preflight_module, "_lint_cache", type(preflight_module._lint_cache)())
    document = golden_document("minimal")
    first = ensure_deployable(document, deploy_context())
    second = ensure_deployable(document, deploy_context())
    other = ensure_deployable(with_security_group(document, "sg-0fedcba9"), deploy_context())
    assert first == second
    assert other != first
    assert runs == [first, other]
