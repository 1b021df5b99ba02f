"""A deployment's secrets: sensitive environment values stored in SSM, the step reading them."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class BoundSecret:
    """A sensitive value a container reads from SSM: its variable, parameter name and value."""

    variable: str
    parameter: str
    value: str


def bound_secrets(
    project_slug: str, environment_name: str, substitution: Substitution
) -> list[BoundSecret]:
    """Each distinct sensitive environment value of the substituted step, with its parameter."""
    seen: set[str] = set()
    secrets = []
    for binding in substitution.secret_bindings:
        key = binding.variable.lower()
        if key in seen:
            continue
        seen.add(key)
        # The rendered value: the variable's own, or what it renders to when it reads others.
        entry = substitution.data["containers"][binding.container_index]["environment"]
        value = str(entry["variables"][binding.variable_index]["value"])
        name = parameter_name(project_slug, environment_name, binding.variable)
        secrets.append(BoundSecret(binding.variable, name, value))
    return secrets


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
    for secret in bound_secrets(project.slug, environment, substitution):
        value, name = secret.value, secret.parameter
        run.masker.add(value)
        try:
            stored = store_secure_string(
                client,
                name,
                value,
                description=(
                    f"Sensitive variable {secret.variable} of project {project.name} in "
                    f"{environment}, stored by Deployer"
                ),
            )
        except AwsError as exc:
            reason = f"Could not store {secret.variable} in SSM as {name}: {exc.message}"
            run.log.error(f"{AWS_ERROR}: {reason}")
            raise DeploymentFailed(AWS_ERROR, reason) from exc
        verb = "Stored" if stored.written else "Unchanged:"
        run.log.info(
            f"{verb} secret {secret.variable} in SSM Parameter Store as {name} "
            f"(SecureString, version {stored.version})."
        )
        arns[secret.variable.lower()] = stored.arn
    data = with_secrets(substitution.data, substitution.secret_bindings, arns)
    substitution.document = document_from_data(data)
    substitution.data = data
