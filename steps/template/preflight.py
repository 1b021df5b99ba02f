"""Pre-flight checks of a step: the step validator, then cfn-lint on the template it produces."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import yaml

from steps.document.model import StepDocument, is_expression
from steps.document.yaml_output import dump_template
from steps.template.builder import DeployContext, TemplateError, build_template

VALIDATION_ERROR_CODE = "ECS-Deploy-ValidationError"
LINT_REGION = "us-east-1"

ERROR = "error"
WARNING = "warning"
INFORMATIONAL = "informational"


@dataclass(frozen=True)
class Finding:
    """One problem: where it is, how bad, and what it says.

    `source` is `validation` (path in the step document, `containers[0].cpu`) or `cfn-lint`
    (path in the template, `Resources/Serviceweb/Properties/DesiredCount`, with the rule id).
    """

    source: str
    level: str
    path: str
    message: str
    rule: str = ""
    line: int | None = None

    def __str__(self) -> str:
        rule = f" [{self.rule}]" if self.rule else ""
        return f"{self.level}: {self.path}: {self.message}{rule}"


@dataclass
class PreflightResult:
    """Every finding of one pre-flight run, the template checked, and how long linting took."""

    findings: list[Finding] = field(default_factory=list)
    template_yaml: str = ""
    lint_seconds: float = 0.0

    @property
    def errors(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.level == ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors


class PreflightError(Exception):
    """A step that must not be deployed; carries every finding for the task log."""

    code = VALIDATION_ERROR_CODE

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = list(findings)
        lines = [f"{self.code}: the step is not valid"] + [f"  {f}" for f in self.findings]
        super().__init__("\n".join(lines))


def validation_findings(document: StepDocument) -> list[Finding]:
    """The step validator's issues as findings."""
    from steps.validation.step import validate

    return [
        Finding(source="validation", level=ERROR, path=issue.path, message=issue.message)
        for issue in validate(document)
    ]


# cfn-lint takes about half a second per template, and a release deployed to several environments
# with the same values produces the same template each time: findings are kept by the template's
# hash, for as long as the process lives (they depend on nothing else).
LINT_CACHE_SIZE = 256
_lint_cache: OrderedDict[str, tuple[Finding, ...]] = OrderedDict()
_lint_cache_lock = threading.Lock()


def lint_template(template_yaml: str) -> list[Finding]:
    """cfn-lint's findings for a template (one run, region us-east-1), remembered by its hash."""
    key = hashlib.sha256(template_yaml.encode()).hexdigest()
    with _lint_cache_lock:
        cached = _lint_cache.get(key)
        if cached is not None:
            _lint_cache.move_to_end(key)
            return list(cached)
    findings = _run_cfn_lint(template_yaml)
    with _lint_cache_lock:
        _lint_cache[key] = tuple(findings)
        while len(_lint_cache) > LINT_CACHE_SIZE:
            _lint_cache.popitem(last=False)
    return findings


_rules: Any = None
_rules_lock = threading.Lock()


def _cfn_lint_rules() -> Any:
    """cfn-lint's rule set, loaded once per process.

    Loading the rules is four fifths of a lint run (about 0.4 s); checking a template with them
    is the rest. cfn-lint's own command line reuses one set for every template it checks.
    """
    global _rules
    with _rules_lock:
        if _rules is None:
            from cfnlint.config import ConfigMixIn
            from cfnlint.runner import Runner

            _rules = Runner(ConfigMixIn(regions=[LINT_REGION])).rules
        return _rules


def _cfn_lint_matches(template_yaml: str) -> list[Any]:
    """One cfn-lint run (region us-east-1) over a template, as cfn-lint's own runner does it."""
    # cfn-lint takes about a second to import; only pay that when linting.
    from cfnlint.config import ConfigMixIn
    from cfnlint.decode.decode import decode_str
    from cfnlint.runner import run_template_by_data

    template, errors = decode_str(template_yaml)
    if errors:
        return list(errors)
    if template is None:
        return []
    rules = _cfn_lint_rules()
    # One template at a time through the shared rule set: rules may keep state during a run.
    with _rules_lock:
        return list(run_template_by_data(template, ConfigMixIn(regions=[LINT_REGION]), rules))


def _run_cfn_lint(template_yaml: str) -> list[Finding]:
    matches = _cfn_lint_matches(template_yaml)
    parsed = yaml.safe_load(template_yaml)
    findings = []
    for match in matches:
        path = [str(part) for part in match.path] if match.path else []
        level = str(match.rule.severity).lower()
        if level == ERROR and _holds_expression(parsed, match.path or []):
            # An expression is only checked once a deployment has substituted it.
            level = INFORMATIONAL
        findings.append(
            Finding(
                source="cfn-lint",
                level=level,
                path="/".join(path),
                message=str(match.message),
                rule=str(match.rule.id),
                line=match.linenumber,
            )
        )
    return findings


def preflight(document: StepDocument, context: DeployContext | None = None) -> PreflightResult:
    """Validate the step and, when it is valid, lint its template once.

    Without a context the export template is checked, so values still holding expressions are
    reported as informational rather than errors.
    """
    result = PreflightResult(findings=validation_findings(document))
    if result.findings:
        return result
    try:
        template = build_template(document, context)
    except TemplateError as error:
        result.findings.append(Finding(source="template", level=ERROR, path="", message=str(error)))
        return result
    result.template_yaml = dump_template(template)
    started = time.perf_counter()
    result.findings.extend(lint_template(result.template_yaml))
    result.lint_seconds = time.perf_counter() - started
    return result


def ensure_deployable(document: StepDocument, context: DeployContext) -> str:
    """The deploy-time template YAML, or PreflightError with every error found."""
    return begin_deployable(document, context).result()


# cfn-lint is CPU work that needs nothing from AWS: a deployment runs it while it reads the
# stack's current state, and joins it before its first write.
_lint_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cfn-lint")


@dataclass
class DeployableCheck:
    """A step that passed the validator, its template, and cfn-lint running in the background."""

    template_yaml: str
    _lint: Future[list[Finding]]

    def result(self) -> str:
        """Wait for cfn-lint; the template YAML, or PreflightError with every error it found."""
        errors = [finding for finding in self._lint.result() if finding.level == ERROR]
        if errors:
            raise PreflightError(errors)
        return self.template_yaml


def begin_deployable(document: StepDocument, context: DeployContext) -> DeployableCheck:
    """Validate the step and build its template now; lint the template in the background.

    Validator and template errors raise PreflightError at once; cfn-lint's come from
    `DeployableCheck.result()`, which the caller must reach before it writes anything.
    """
    findings = validation_findings(document)
    if findings:
        raise PreflightError(findings)
    try:
        template = build_template(document, context)
    except TemplateError as error:
        raise PreflightError(
            [Finding(source="template", level=ERROR, path="", message=str(error))]
        ) from error
    template_yaml = dump_template(template)
    return DeployableCheck(template_yaml, _lint_executor.submit(lint_template, template_yaml))


def _holds_expression(template: Any, path: Sequence[Any]) -> bool:
    value = template
    depth = 0
    for part in path:
        found_in_dict = isinstance(value, dict) and part in value
        found_in_list = isinstance(value, list) and isinstance(part, int) and part < len(value)
        if not (found_in_dict or found_in_list):
            break
        value = value[part]
        depth += 1
    # A finding about the whole template (or a section) says nothing about one value.
    return depth > 1 and _contains_expression(value)


def _contains_expression(value: Any) -> bool:
    if isinstance(value, str):
        return is_expression(value)
    if isinstance(value, dict):
        return any(_contains_expression(item) for item in value.values())
    if isinstance(value, list):
        return any(_contains_expression(item) for item in value)
    return False
