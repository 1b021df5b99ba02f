"""botocore failures turned into errors saying what went wrong, what to do, whether to retry."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ReadTimeoutError,
)

CREDENTIAL_CODES = {
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidSignatureException",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "AuthFailure",
}
ACCESS_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
THROTTLING_CODES = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "SlowDown",
    "ProvisionedThroughputExceededException",
}


class AwsError(Exception):
    """An AWS call failed: `message` is for the user; `retryable` says if trying again helps."""

    def __init__(self, message: str, *, code: str = "", retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retryable = retryable


class CredentialsError(AwsError):
    """AWS rejected or could not find the credentials."""


class AccessDeniedError(AwsError):
    """The credentials are valid but lack a permission."""


class NetworkError(AwsError):
    """The endpoint could not be reached."""


def _code_and_message_in(body: str, default_code: str) -> tuple[str, str]:
    code = re.search(r"<Code>([\w.]+)</Code>", body)
    message = re.search(r"<Message>(.*?)</Message>", body, re.DOTALL)
    return (
        code.group(1) if code else default_code,
        message.group(1).strip() if message else body[:300],
    )


def translate(exc: Exception, action: str) -> AwsError:
    """Turn a botocore exception raised by `action` (`ecs:DescribeClusters`) into an AwsError."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        text = str(error.get("Message", "")) or str(exc)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code.isdigit():
            # botocore could not parse the body (a proxy, or an endpoint answering in another
            # protocol) and used the HTTP status as the code: look for the code in the text.
            code, text = _code_and_message_in(text, default_code=code)
        if code in CREDENTIAL_CODES:
            return CredentialsError(
                f"AWS rejected the credentials ({code}: {text}). Check the account's access key "
                "and secret key, or the role it assumes.",
                code=code,
            )
        if code in ACCESS_CODES:
            return AccessDeniedError(
                f"The credentials are not allowed to call {action} ({code}: {text}). Grant "
                f"{action} to the account's IAM user or role.",
                code=code,
            )
        if code in THROTTLING_CODES:
            return AwsError(f"AWS throttled {action}: {text}", code=code, retryable=True)
        return AwsError(f"{action} failed: {code}: {text}", code=code, retryable=status >= 500)
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return CredentialsError(
            "No AWS credentials were found. Enter an access key and secret key on the account, or "
            "give the machine running Deployer credentials (instance role, environment variables).",
            code=type(exc).__name__,
        )
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError)):
        return NetworkError(
            f"Could not connect to AWS for {action}: {exc}. Check the network, a proxy, or the "
            "account's endpoint URL (is the local sandbox running?).",
            code=type(exc).__name__,
            retryable=True,
        )
    if isinstance(exc, ReadTimeoutError):
        return NetworkError(
            f"AWS did not answer {action} in time: {exc}.", code="ReadTimeout", retryable=True
        )
    if isinstance(exc, NoRegionError):
        return AwsError("No AWS region is set for this call.", code="NoRegion")
    return AwsError(f"{action} failed: {exc}", code=type(exc).__name__)


@contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Raise an AwsError naming `action` for any botocore failure inside the block."""
    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        raise translate(exc, action) from exc
