"""Base64 filters."""

from __future__ import annotations

import base64
import binascii

from deployer.octostache.errors import OctostacheError

_ENCODINGS = {"utf8": "utf-8", "utf-8": "utf-8", "unicode": "utf-16-le"}


def encoding_named(option: str) -> str | None:
    return _ENCODINGS.get(option.lower())


def decode_base64(text: str) -> bytes:
    """Convert.FromBase64String: whitespace ignored, padding required."""
    compact = "".join(text.split())
    if len(compact) % 4:
        raise OctostacheError(f"The input is not a valid Base-64 string: {text!r}")
    try:
        return base64.b64decode(compact, validate=True)
    except binascii.Error as error:
        raise OctostacheError(f"The input is not a valid Base-64 string: {text!r}") from error


def to_base64(argument: str | None, options: list[str]) -> str | None:
    if argument is None or len(options) > 1:
        return None
    codec = encoding_named(options[0]) if options else "utf-8"
    if codec is None:
        return None
    data = argument.encode(codec, errors="surrogatepass")
    return base64.b64encode(data).decode("ascii")


def from_base64(argument: str | None, options: list[str]) -> str | None:
    if argument is None or len(options) > 1:
        return None
    data = decode_base64(argument)
    codec = encoding_named(options[0]) if options else "utf-8"
    if codec is None:
        return None
    return data.decode(codec, errors="replace")


FILTERS = {"tobase64": to_base64, "frombase64": from_base64}
