"""Reads AWS API requests off WSGI and writes answers in the query (XML) and JSON protocols."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

StartResponse = Any
WsgiResult = Iterable[bytes]


@dataclass
class AwsRequest:
    """One AWS API call: which service and action, its region and its parameters."""

    service: str
    region: str
    action: str
    protocol: str  # "query" or "json"
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> AwsRequest | None:
        """Parse the call, leaving the body readable for whoever handles it next."""
        service, region = _service_and_region(environ)
        if service is None:
            return None
        body = _read_body(environ)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        content_type = environ.get("CONTENT_TYPE", "")
        if target and "json" in content_type:
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                params = {}
            return cls(service, region, target.rsplit(".", 1)[-1], "json", params)
        if content_type.startswith("application/x-www-form-urlencoded"):
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            return cls(service, region, form.pop("Action", ""), "query", form)
        return cls(service, region, "", "rest", {})


def _service_and_region(environ: Mapping[str, Any]) -> tuple[str | None, str]:
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    try:
        credential = authorization.split("Credential=", 1)[1].split(",", 1)[0]
        _key, _date, region, service, _terminator = credential.split("/")
    except (IndexError, ValueError):
        return None, "us-east-1"
    return service.lower(), region


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def query_list(params: Mapping[str, str], prefix: str) -> list[str]:
    """The values of a query-protocol list (`Prefix.member.1`, `Prefix.member.2`, ...)."""
    values = []
    index = 1
    while f"{prefix}.member.{index}" in params:
        values.append(params[f"{prefix}.member.{index}"])
        index += 1
    return values


def query_structures(params: Mapping[str, str], prefix: str) -> list[dict[str, str]]:
    """The members of a query-protocol list of structures, each as a flat field map."""
    members: list[dict[str, str]] = []
    index = 1
    while True:
        member_prefix = f"{prefix}.member.{index}."
        member = {
            key[len(member_prefix) :]: value
            for key, value in params.items()
            if key.startswith(member_prefix)
        }
        if not member:
            return members
        members.append(member)
        index += 1


def _request_id() -> str:
    return str(uuid.uuid4())


def json_response(
    start_response: StartResponse, payload: Mapping[str, Any], status: int = 200
) -> WsgiResult:
    body = json.dumps(payload, default=_json_default).encode("utf-8")
    start_response(
        f"{status} {'OK' if status == 200 else 'Error'}",
        [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("Content-Length", str(len(body))),
            ("x-amzn-RequestId", _request_id()),
        ],
    )
    return [body]


def json_error(
    start_response: StartResponse, code: str, message: str, status: int = 400
) -> WsgiResult:
    return json_response(start_response, {"__type": code, "message": message}, status)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"Cannot serialise {type(value).__name__}")


def to_xml(value: Any) -> str:
    """Serialise plain data the way the query protocol does: lists become `member` elements."""
    if isinstance(value, Mapping):
        return "".join(
            f"<{key}>{to_xml(item)}</{key}>" for key, item in value.items() if item is not None
        )
    if isinstance(value, list | tuple):
        return "".join(f"<member>{to_xml(item)}</member>" for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return escape(str(value))


def xml_response(
    start_response: StartResponse,
    action: str,
    result: Mapping[str, Any] | None,
    namespace: str,
) -> WsgiResult:
    result_xml = f"<{action}Result>{to_xml(result)}</{action}Result>" if result is not None else ""
    body = (
        f'<{action}Response xmlns="{namespace}">{result_xml}'
        f"<ResponseMetadata><RequestId>{_request_id()}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    ).encode()
    start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
    return [body]


def xml_error(
    start_response: StartResponse, code: str, message: str, status: int = 400
) -> WsgiResult:
    kind = "Sender" if status < 500 else "Receiver"
    body = (
        "<ErrorResponse><Error>"
        f"<Type>{kind}</Type><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        f"</Error><RequestId>{_request_id()}</RequestId></ErrorResponse>"
    ).encode()
    start_response(
        f"{status} Error", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))]
    )
    return [body]


def error_response(
    start_response: StartResponse, request: AwsRequest, code: str, message: str, status: int = 400
) -> WsgiResult:
    """An error in the protocol the caller used."""
    if request.protocol == "json":
        return json_error(start_response, code, message, status)
    return xml_error(start_response, code, message, status)
