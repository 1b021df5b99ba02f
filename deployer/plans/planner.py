"""The change plan: what deploying a release to an environment would change, step by step.

CloudFormation's own view (a change set, created, read and deleted, never executed) plus a
readable diff of the service's effective settings, and one verdict line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings

from deployer.aws.changesets import ResourceChange, StackPlan, plan_stack
from deployer.aws.cloudformation import KnownStack
from deployer.aws.ecs import service_of_stack
from deployer.aws.errors import AwsError
from deployer.aws.service_state import read_service_state
from deployer.aws.session import ClientFactory
from deployer.aws.ssm import planned_parameter
from deployer.deployments.preparation import prepare_step, stack_parameters
from deployer.deployments.secret_store import bound_secrets
from deployer.plans.settings import (
    Difference,
    differences,
    settings_from_aws,
    settings_from_template,
)
from deployer.projects.variables import Masker, masker_for
from deployer.releases.snapshot import snapshot_documents, snapshot_variables
from steps.document.io import document_from_data
from steps.document.model import DocumentError, StepDocument
from steps.document.yaml_output import dump_template
from steps.template.builder import TemplateError, build_template
from steps.template.preflight import validation_findings
from steps.validation.secrets import with_secrets
from targets.selection import no_targets_message, targets_for

if TYPE_CHECKING:
    from deployer.releases.models import Release
    from targets.models import ClusterTarget, Environment

logger = logging.getLogger(__name__)

NO_CHANGES = "no changes"
TAGS_ONLY = "tags only (the service will not roll)"
IN_PLACE = "the service will be updated in place (no new task definition)"
ROLL = "the service will roll to a new task definition"
REPLACE = "the service will be replaced"
# From least to most disruptive; a plan's verdict is its most disruptive step's.
RANK = [NO_CHANGES, TAGS_ONLY, IN_PLACE, ROLL, "creates", REPLACE]
# A redeploy of the same release changes only the stack's tags (Octopus.Deployment.Id): nothing
# that runs changes, so for CI (`plan_release` exit code) it counts as no changes.
UNCHANGED_VERDICTS = frozenset({NO_CHANGES, TAGS_ONLY})
SERVICE = "AWS::ECS::Service"
DEPLOYMENT_ID_TAG = "Octopus.Deployment.Id"
TASK_DEFINITION = "AWS::ECS::TaskDefinition"


@dataclass
class StepPlan:
    """One step on one target: its stack's change set, the service diff and the verdict."""

    step: str
    target: str
    stack_name: str = ""
    operation: str = ""
    verdict: str = ""
    reasons: list[str] = field(default_factory=list)
    resource_changes: list[ResourceChange] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    error: str = ""

    @property
    def rank(self) -> int:
        if self.error:
            return len(RANK)
        return RANK.index("creates" if self.verdict.startswith("creates") else self.verdict)

    def lines(self) -> list[str]:
        head = f"Step {self.step}" + (f" on {self.target}" if self.target else "")
        if self.stack_name:
            head += f" (stack {self.stack_name})"
        lines = [f"{head}: {self.error or self.verdict}"]
        lines += [f"  because {reason}" for reason in self.reasons]
        for change in self.resource_changes:
            text = f"  {change.action} {change.logical_id} ({change.resource_type})"
            if change.replacement in ("True", "Conditional"):
                text += f", replacement {change.replacement}"
            if change.causes:
                text += ": " + ", ".join(name for name, _ in change.causes)
            lines.append(text)
        return lines + [f"  ~ {difference}" for difference in self.differences]

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "target": self.target,
            "stack_name": self.stack_name,
            "operation": self.operation,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "resource_changes": [change.to_dict() for change in self.resource_changes],
            "differences": [difference.to_dict() for difference in self.differences],
            "error": self.error,
        }


@dataclass
class Plan:
    """The plan for a release and an environment."""

    project: str
    version: str
    environment: str
    steps: list[StepPlan] = field(default_factory=list)

    @property
    def error(self) -> str:
        return next((step.error for step in self.steps if step.error), "")

    @property
    def verdict(self) -> str:
        """One line: the most disruptive step's verdict (with the step when there are several)."""
        if not self.steps:
            return NO_CHANGES
        worst = max(self.steps, key=lambda step: step.rank)
        if worst.error:
            return f"cannot plan: {worst.error}"
        return worst.verdict

    @property
    def has_changes(self) -> bool:
        """Anything that runs changes: a verdict beyond tags, or a secret's stored value."""
        return any(
            step.verdict not in UNCHANGED_VERDICTS or any(d.masked for d in step.differences)
            for step in self.steps
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "version": self.version,
            "environment": self.environment,
            "verdict": self.verdict,
            "has_changes": self.has_changes,
            "error": self.error,
            "steps": [step.to_dict() for step in self.steps],
        }

    def lines(self) -> list[str]:
        """The plan as text: the verdict first, then each step's reasons, resources and diff."""
        lines = [f"Plan for {self.project} {self.version} → {self.environment}: {self.verdict}"]
        for step in self.steps:
            lines += step.lines()
        return lines


def compute_plan(
    release: Release,
    environment: Environment,
    *,
    deployment_id: int | None = None,
    wait_seconds: float | None = None,
    interactive: bool = False,
) -> Plan:
    """What deploying `release` to `environment` would change; reads AWS, writes nothing.

    Each step is substituted for each matching target exactly as a deployment does it
    (`deployment_id` names the deployment whose automatic tags the stack would get).
    AWS errors become the step's `error`; they never raise. `interactive` when a person waits
    on the answer (a page, the API): an unreachable account fails in seconds, not after the
    retries a command in a pipeline can afford.
    """
    plan = Plan(release.project.name, release.version, environment.name)
    values = snapshot_variables(release)
    secrets = set(masker_for(values).secrets)
    wait = settings.PLAN_WAIT_SECONDS if wait_seconds is None else wait_seconds
    for document in snapshot_documents(release):
        targets = targets_for(document.target_roles, environment.pk)
        if not targets:
            plan.steps.append(
                StepPlan(
                    str(document.name),
                    "",
                    error=no_targets_message(document.target_roles, environment.name),
                )
            )
        for target in targets:
            step = StepPlan(str(document.name), target.name)
            try:
                _plan_step(
                    step,
                    release,
                    environment,
                    document,
                    target,
                    values,
                    secrets,
                    wait,
                    deployment_id,
                    interactive,
                )
            except AwsError as exc:
                step.error = Masker(set(secrets)).mask(exc.message)
            except Exception as exc:  # a plan informs; a bug in it must not break the page
                logger.exception("Plan of %s %s failed", release.project.slug, release.version)
                step.error = Masker(set(secrets)).mask(
                    f"internal error: {type(exc).__name__}: {exc}"
                )
            plan.steps.append(step)
    return plan


def _plan_step(
    step: StepPlan,
    release: Release,
    environment: Environment,
    document: StepDocument,
    target: ClusterTarget,
    values: list[Any],
    secrets: set[str],
    wait: float,
    deployment_id: int | None,
    interactive: bool,
) -> None:
    prepared = prepare_step(
        release, environment, document, target, values, deployment_id=deployment_id
    )
    substitution = prepared.substitution
    secrets |= substitution.derived_secrets
    masker = Masker(set(secrets))
    if not substitution.ok or substitution.document is None:
        findings = substitution.findings()
        step.error = masker.mask(
            "the step is not valid after substitution: " + (findings[0] if findings else "")
        )
        return
    factory = ClientFactory(target.account, interactive=interactive)
    substituted = substitution.document
    secret_changes = []
    bound = bound_secrets(release.project.slug, environment.name, substitution)
    if bound:
        ssm = factory.client("ssm", target.region)
        sts = factory.client("sts", target.region)
        arns = {}
        for secret in bound:
            arn, current = planned_parameter(ssm, sts, target.region, secret.parameter)
            arns[secret.variable.lower()] = arn
            if current != secret.value:
                # Never shown, not even to say what it was: "changed" is all a plan tells.
                secret_changes.append(
                    Difference(
                        f"secret {secret.variable} (SSM {secret.parameter})",
                        None,
                        None,
                        masked=True,
                    )
                )
        substituted = document_from_data(
            with_secrets(substitution.data, substitution.secret_bindings, arns)
        )
    context = prepared.context()
    problems = [str(finding) for finding in validation_findings(substituted)]
    template: dict[str, Any] = {}
    if not problems:
        try:
            template = build_template(substituted, context)
        except (TemplateError, DocumentError) as exc:
            problems.append(str(exc))
    if problems:
        step.error = masker.mask("the step is not valid after substitution: " + problems[0])
        return
    step.stack_name = context.stack_name(substituted)
    plan_template(
        step,
        factory,
        target,
        template,
        stack_parameters(substituted, step.stack_name),
        [{"Key": tag.key, "Value": tag.value} for tag in context.stack_tags()],
        tuple(secrets),
        wait,
    )
    if deployment_id is None:
        # No deployment exists yet: the tag will hold its id, unknown until it is queued.
        step.differences = [
            Difference(d.setting, d.before, "(the deployment's id)")
            if d.setting == f"Tag {DEPLOYMENT_ID_TAG}" and d.after is None
            else d
            for d in step.differences
        ]
        if step.verdict == TAGS_ONLY:
            step.reasons = [str(d) for d in step.differences if d.setting.startswith("Tag ")]
    if secret_changes and not step.error:
        step.differences += secret_changes
        if step.verdict in UNCHANGED_VERDICTS:
            step.reasons.append(
                "a secret's value changes in SSM; running tasks read it only when they start"
            )


def plan_template(
    step: StepPlan,
    factory: ClientFactory,
    target: ClusterTarget,
    template: dict[str, Any],
    parameters: list[dict[str, str]],
    tags: list[dict[str, str]],
    secrets: tuple[str, ...],
    wait: float,
    *,
    review_creation: bool = True,
    known: KnownStack | None = None,
) -> None:
    """Fill `step` from the stack's change set for `template` and the service's settings diff.

    `review_creation=False`: a missing stack is planned from the template alone (see
    `plan_stack`), as a deployment about to create it does; `known`: the stack as the
    deployment has just described it.
    """
    cloudformation = factory.client("cloudformation", target.region)
    stack = plan_stack(
        cloudformation,
        step.stack_name,
        dump_template(template),
        parameters=parameters,
        tags=tags,
        wait_seconds=wait,
        review_creation=review_creation,
        known=known,
    )
    if stack.operation in ("create", "recreate") and not stack.changes:
        stack.changes = [
            ResourceChange("Add", logical_id, str(resource.get("Type", "")))
            for logical_id, resource in (template.get("Resources") or {}).items()
        ]
    step.operation = stack.operation
    if stack.operation == "busy":
        step.error = (
            f"stack {step.stack_name} is {stack.status} (an operation is still running); "
            "plan again once it settles"
        )
        return
    after = settings_from_template(
        template,
        {p["ParameterKey"]: p["ParameterValue"] for p in parameters},
        tags,
        target.region,
    )
    before: dict[str, str] = {}
    if stack.operation == "update":
        # The stack's own output names its service; older stacks are asked for their resources.
        service = stack.outputs.get("ServiceName") or service_of_stack(
            cloudformation, step.stack_name
        )
        state = (
            read_service_state(factory.client("ecs", target.region), target.cluster_name, service)
            if service
            else None
        )
        if state is not None:
            before = settings_from_aws(state)
    step.resource_changes = stack.changes
    step.differences = differences(before, after, secrets)
    step.verdict, step.reasons = verdict(stack, step.differences)


def verdict(stack: StackPlan, found: list[Difference]) -> tuple[str, list[str]]:
    """The one-line verdict for a stack's change set, and the reasons for it."""
    if stack.operation in ("create", "recreate"):
        kinds = ", ".join(sorted({c.resource_type.split("::")[-1] for c in stack.changes}))
        again = (
            f" again (it is {stack.status}; the deployment deletes it first)"
            if stack.operation == "recreate"
            else ""
        )
        return f"creates stack {stack.stack_name}{again}" + (f": {kinds}" if kinds else ""), []
    replaced = [
        change
        for change in stack.changes
        if change.resource_type == SERVICE
        and (change.replacement in ("True", "Conditional") or change.action == "Remove")
    ]
    if replaced:
        reasons = [
            f"{change.logical_id}: {name} requires re-creating the service"
            for change in replaced
            for name, recreation in change.causes
            if recreation in ("Always", "Conditionally")
        ]
        return REPLACE, reasons or [f"{replaced[0].logical_id} is {replaced[0].action.lower()}d"]
    definition_changes = [
        change
        for change in stack.changes
        if change.resource_type == TASK_DEFINITION
        and change.action in ("Add", "Modify")
        and (change.action == "Add" or change.replacement != "False")
    ]
    shown = [str(d) for d in found if not d.setting.startswith("Tag ")]
    if definition_changes:
        names = sorted({n for c in definition_changes for n, _ in c.causes} - {"Tags"})
        return ROLL, shown or [f"the task definition changes ({', '.join(names)})"]
    if any("Properties" in change.scope for change in stack.changes):
        return IN_PLACE, shown or [
            f"{change.logical_id}: " + ", ".join(name for name, _ in change.causes)
            for change in stack.changes
            if "Properties" in change.scope
        ]
    if stack.changes:
        return TAGS_ONLY, [str(d) for d in found if d.setting.startswith("Tag ")]
    return NO_CHANGES, []
