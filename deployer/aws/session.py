"""The one place boto3 clients are built: credentials, assumed roles, endpoint, retries."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import (
    AssumeRoleCredentialFetcher,
    Credentials,
    DeferredRefreshableCredentials,
)

import deployer
from deployer.aws.errors import THROTTLING_CODES

if TYPE_CHECKING:
    from targets.models import AwsAccount

USER_AGENT = f"Deployer/{deployer.__version__}"

MAX_ATTEMPTS = 8
CLIENT_CONFIG = Config(
    user_agent_extra=USER_AGENT,
    # Adaptive mode adds client-side rate limiting on top of the standard retry rules, which
    # is what a poller hitting DescribeStackEvents in a loop needs when AWS throttles it.
    retries={"mode": "adaptive", "max_attempts": MAX_ATTEMPTS},
    connect_timeout=5,
    read_timeout=60,
)

# For calls a person waits on inside a request ("Test connection", a feed's "Test", tag lists):
# an unreachable or silent endpoint is reported within about two seconds instead of after the
# deployment config's eight attempts. Deployments keep CLIENT_CONFIG: there patience pays.
INTERACTIVE_CONFIG = Config(
    user_agent_extra=USER_AGENT,
    # botocore's `max_attempts` counts retries only; `total_max_attempts` counts the first call.
    retries={"mode": "standard", "total_max_attempts": 2},
    connect_timeout=1,
    read_timeout=2,
)


_MODEL_LOADER = botocore.session.Session().get_component("data_loader")


class ClientFactory:
    """Builds clients for one AWS account, cached per (region, service) for the factory's life.

    Make one factory per deployment or request: a long-lived cache would keep credentials that
    an edited account no longer has. ``interactive=True`` for calls made while a person waits on
    a request: few attempts and short timeouts (``INTERACTIVE_CONFIG``).
    """

    def __init__(
        self,
        account: AwsAccount,
        *,
        interactive: bool = False,
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        self.account = account
        self.config = INTERACTIVE_CONFIG if interactive else CLIENT_CONFIG
        self.on_retry = on_retry
        self._clients: dict[tuple[str, str], Any] = {}
        self._session: boto3.Session | None = None

    def client(self, service: str, region: str) -> Any:
        key = (region, service)
        if key not in self._clients:
            client = self.session().client(
                service,
                region_name=region,
                endpoint_url=self.account.endpoint_url or None,
                config=self.config,
            )
            if self.on_retry is not None:
                client.meta.events.register("needs-retry", self._report_retry)
            self._clients[key] = client
        return self._clients[key]

    def _report_retry(
        self,
        response: tuple[Any, dict[str, Any]] | None = None,
        operation: Any = None,
        attempts: int = 0,
        caught_exception: Exception | None = None,
        **kwargs: Any,
    ) -> None:
        """Tell the user when AWS throttles or fails a call that botocore is about to retry."""
        reason = ""
        if caught_exception is not None:
            reason = type(caught_exception).__name__
        elif response is not None:
            parsed = response[1] or {}
            status = parsed.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            code = parsed.get("Error", {}).get("Code", "")
            if code in THROTTLING_CODES or status >= 500:
                reason = code or f"HTTP {status}"
        if reason and self.on_retry is not None and attempts < MAX_ATTEMPTS:
            name = getattr(operation, "name", "a call")
            self.on_retry(f"AWS answered {name} with {reason}; retrying (attempt {attempts + 1}).")

    def session(self) -> boto3.Session:
        if self._session is None:
            self._session = self._build_session()
            # Service models are the same for every account: load each once per process, not
            # once per factory (the CloudFormation model alone takes about 0.1 s to read).
            self._session._session.register_component("data_loader", _MODEL_LOADER)
        return self._session

    def _build_session(self) -> boto3.Session:
        account = self.account
        if account.credentials == account.Credentials.KEYS:
            base = boto3.Session(
                aws_access_key_id=account.access_key_id,
                aws_secret_access_key=account.secret_access_key,
            )
        else:
            base = boto3.Session()
        if not account.role_arn:
            return base
        source = base.get_credentials()
        if source is None:
            # Let botocore raise its usual NoCredentialsError when the role is first used.
            source = Credentials("", "")
        extra_args: dict[str, Any] = {
            "RoleSessionName": account.role_session_name or "deployer",
            "DurationSeconds": account.session_duration,
        }
        if account.external_id:
            extra_args["ExternalId"] = account.external_id
        endpoint = account.endpoint_url or None
        config = self.config

        def create_sts_client(service: str, **kwargs: Any) -> Any:
            return base.client(service, endpoint_url=endpoint, config=config, **kwargs)

        fetcher = AssumeRoleCredentialFetcher(
            client_creator=create_sts_client,
            source_credentials=source,
            role_arn=account.role_arn,
            extra_args=extra_args,
        )
        # Deferred: the role is assumed on the first call, and again before the session expires,
        # so deployments longer than the session duration keep working.
        credentials = DeferredRefreshableCredentials(
            method="assume-role", refresh_using=fetcher.fetch_credentials
        )
        core = botocore.session.Session()
        core._credentials = credentials  # botocore's documented way to inject refreshable creds
        return boto3.Session(botocore_session=core)
