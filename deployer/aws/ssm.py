"""SSM Parameter Store calls for deployment secrets: store a SecureString only when it changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deployer.aws.errors import AwsError, aws_errors

PARAMETER_NOT_FOUND = "ParameterNotFound"
SECURE_STRING = "SecureString"


@dataclass(frozen=True)
class StoredParameter:
    """A parameter as the deployment left it: its ARN, its version, and whether we wrote it."""

    name: str
    arn: str
    version: int
    written: bool


def current_parameter(client: Any, name: str) -> dict[str, Any] | None:
    """The parameter, decrypted, or None when it does not exist."""
    try:
        with aws_errors("ssm:GetParameter"):
            response = client.get_parameter(Name=name, WithDecryption=True)
    except AwsError as exc:
        if exc.code == PARAMETER_NOT_FOUND:
            return None
        raise
    return dict(response["Parameter"])


def store_secure_string(client: Any, name: str, value: str, description: str) -> StoredParameter:
    """Make parameter `name` a SecureString holding `value`, writing only when it differs.

    Reading first (decrypted) and comparing keeps the parameter's version, and its history,
    for the deployments that did not change the value. The value never appears in an error.
    """
    current = current_parameter(client, name)
    if current is not None:
        if current.get("Type") != SECURE_STRING:
            raise AwsError(
                f"SSM parameter {name} exists as a {current.get('Type')}, not a SecureString; "
                "delete it (or rename the variable) so the deployment can store the secret "
                "encrypted.",
                code="ParameterTypeMismatch",
            )
        if current.get("Value") == value:
            return StoredParameter(name, str(current["ARN"]), int(current["Version"]), False)
    try:
        with aws_errors("ssm:PutParameter"):
            response = client.put_parameter(
                Name=name,
                Value=value,
                Type=SECURE_STRING,
                Description=description,
                Overwrite=current is not None,
            )
    except AwsError as exc:
        # Keep the message to what AWS says about the call, never the request (it holds the value).
        raise AwsError(exc.message, code=exc.code, retryable=exc.retryable) from None
    version = int(response["Version"])
    if current is not None:
        return StoredParameter(name, str(current["ARN"]), version, True)
    # PutParameter does not answer the ARN; read it rather than build it from an account id,
    # so any AWS-compatible endpoint and partition is used as it is.
    with aws_errors("ssm:GetParameter"):
        described = client.get_parameter(Name=name, WithDecryption=False)["Parameter"]
    return StoredParameter(name, str(described["ARN"]), version, True)


def planned_parameter(client: Any, sts: Any, region: str, name: str) -> tuple[str, str | None]:
    """The ARN parameter `name` has (or will have once stored) and its current value, if any.

    Reads only: for a change plan, which must not store the secret it is about to compare.
    """
    current = current_parameter(client, name)
    if current is not None:
        return str(current["ARN"]), str(current.get("Value", ""))
    with aws_errors("sts:GetCallerIdentity"):
        account = str(sts.get_caller_identity()["Account"])
    return f"arn:aws:ssm:{region}:{account}:parameter{name}", None
