"""One step made ready for one target: variables substituted, the stack's name, tags and inputs.

Shared by a deployment and by the change plan, so both see exactly the same template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from deployer.projects.variables import DeploymentFacts, deployment_variables
from deployer.releases.snapshot import snapshot_images
from steps.document.model import StepDocument
from steps.template.builder import DeployContext
from steps.template.naming import automatic_tags
from steps.template.substitution import Substitution, substitute_step

if TYPE_CHECKING:
    from deployer.releases.models import Release
    from targets.models import ClusterTarget, Environment


@dataclass
class PreparedStep:
    """A step substituted for one target, before its secrets are stored and its template built."""

    facts: DeploymentFacts
    variables: dict[str, str]
    substitution: Substitution

    def context(self) -> DeployContext:
        """The deploy context of the substituted step (call once the substitution is ok)."""
        substituted = self.substitution.document
        assert substituted is not None
        return DeployContext(
            cluster_name=self.facts.cluster_name,
            region=self.facts.region,
            environment_name=self.facts.environment_name,
            images={image.package: image.image for image in self.facts.images},
            automatic_tags=tuple(automatic_tags(self.variables)),
            user_stack_tags=tuple((t.key, t.value) for t in substituted.tags.tags),
        )


def prepare_step(
    release: Release,
    environment: Environment,
    document: StepDocument,
    target: ClusterTarget,
    values: list[Any],
    *,
    deployment_id: int | None,
    created_by: str = "",
) -> PreparedStep:
    """Substitute the release's variables into `document` for `target`, as a deployment does."""
    facts = DeploymentFacts(
        project_name=release.project.name,
        project_id=release.project_id,
        environment_name=environment.name,
        environment_id=environment.pk,
        release_number=release.version,
        deployment_id=deployment_id,
        created_by=created_by,
        step_name=str(document.name),
        machine_name=target.name,
        region=target.region,
        cluster_name=target.cluster_name,
        images=tuple(snapshot_images(release)),
    )
    variables, _ = deployment_variables(values, environment.pk, facts)
    sensitive = {v.name for v in values if v.sensitive}
    return PreparedStep(facts, variables, substitute_step(document, variables, sensitive))


def stack_parameters(document: StepDocument, stack_name: str) -> list[dict[str, str]]:
    """The parameter values a deployment passes to the stack besides the template's defaults."""
    if any(container.logging.type == "auto" for container in document.containers):
        # The template's default, /ecs/<task definition name>, is the same for every
        # environment: two stacks in one account and region would both create that log group
        # and the second would fail. The stack's own name is unique, so name the group after it.
        return [{"ParameterKey": "LogGroupName", "ParameterValue": f"/ecs/{stack_name}"}]
    return []
