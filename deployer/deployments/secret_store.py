"""A deployment's secrets: sensitive environment values stored in SSM, the step reading them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from deployer.aws.errors import AwsError
from deployer.aws.session import ClientFactory
from deployer.aws.ssm import store_secure_string
from deployer.deployments.failures import AWS_ERROR, DeploymentFailed
from steps.document.io import document_from_data
from steps.template.substitution import Substitution
from steps.validation.secrets import parameter_name, with_secrets

if TYPE_CHECKING:
    from deployer.deployments.engine import DeploymentRun
    from targets.models import ClusterTarget


def store_secrets(run: DeploymentRun, substitution: Substitution, target: ClusterTarget) -> None:
    """Store each sensitive environment value as an SSM SecureString; the step then reads it.

    Rewrites `substitution` in place: each bound variable becomes a `secret` entry whose value is
    the parameter's ARN, so the template carries `Secrets`/`ValueFrom` (and, when the stack
    creates the execution role, `ssm:GetParameters` on exactly those ARNs) instead of the value.
    Does nothing for a step that is not deployable as substituted: it fails before any AWS call.
    """
    if not substitution.secret_bindings or not substitution.ok:
        return
    project = run.release.project
    environment = run.environment.name
    client = ClientFactory(target.account, on_retry=run.log.warning).client("ssm", target.region)
    arns: dict[str, str] = {}
    for binding in substitution.secret_bindings:
        key = binding.variable.lower()
        if key in arns:
            continue
        # The rendered value: the variable's own, or what it renders to when it reads others.
        entry = substitution.data["containers"][binding.container_index]["environment"]
        value = str(entry["variables"][binding.variable_index]["value"])
        run.masker.add(value)
        name = parameter_name(project.slug, environment, binding.variable)
        try:
            stored = store_secure_string(
                client,
                name,
                value,
                description=(
                    f"Sensitive variable {binding.variable} of project {project.name} in "
                    f"{environment}, stored by Deployer"
                ),
            )
        except AwsError as exc:
            reason = f"Could not store {binding.variable} in SSM as {name}: {exc.message}"
            run.log.error(f"{AWS_ERROR}: {reason}")
            raise DeploymentFailed(AWS_ERROR, reason) from exc
        verb = "Stored" if stored.written else "Unchanged:"
        run.log.info(
            f"{verb} secret {binding.variable} in SSM Parameter Store as {name} "
            f"(SecureString, version {stored.version})."
        )
        arns[key] = stored.arn
    data = with_secrets(substitution.data, substitution.secret_bindings, arns)
    substitution.document = document_from_data(data)
    substitution.data = data
