"""AWS failures in words a user can act on, and whether retrying can help."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from deployer.aws.errors import AccessDeniedError, CredentialsError, NetworkError, translate


def client_error(code: str, message: str, status: int = 400) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "DescribeStacks",
    )


def test_access_denied_names_the_missing_permission() -> None:
    error = translate(
        client_error("AccessDenied", "User: arn:aws:iam::1:user/ci is not authorized"),
        "cloudformation:DescribeStacks",
    )
    assert isinstance(error, AccessDeniedError)
    assert "Grant cloudformation:DescribeStacks" in error.message
    assert not error.retryable


def test_rejected_credentials_say_what_to_check() -> None:
    error = translate(client_error("InvalidClientTokenId", "bad token", 403), "ecs:ListTasks")
    assert isinstance(error, CredentialsError)
    assert "Check the account's access key and secret key" in error.message


@pytest.mark.parametrize(("code", "status"), [("Throttling", 400), ("InternalFailure", 500)])
def test_throttling_and_server_errors_can_be_retried(code: str, status: int) -> None:
    assert translate(client_error(code, "try later", status), "ecs:ListTasks").retryable


def test_a_validation_error_cannot_be_retried() -> None:
    error = translate(client_error("ValidationError", "Stack x does not exist"), "cf:Describe")
    assert not error.retryable
    assert error.code == "ValidationError"


def test_no_network_points_at_the_endpoint() -> None:
    error = translate(EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), "ecs:ListTasks")
    assert isinstance(error, NetworkError)
    assert error.retryable
    assert "is the local sandbox running?" in error.message


def test_missing_credentials_say_where_they_come_from() -> None:
    error = translate(NoCredentialsError(), "sts:GetCallerIdentity")
    assert isinstance(error, CredentialsError)
    assert "instance role" in error.message
