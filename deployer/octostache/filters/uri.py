"""URI filters: UriEscape, UriDataEscape and UriPart (properties of a .NET Uri)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import quote, unquote, urlsplit

_URI_STRING_SAFE = "-._~:/?#[]@!$&'()*+,;="
_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21, "ws": 80, "wss": 443, "file": -1}
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def uri_escape(argument: str | None, options: list[str]) -> str | None:
    if argument is None or options:
        return None
    return quote(argument, safe=_URI_STRING_SAFE)


def uri_data_escape(argument: str | None, options: list[str]) -> str | None:
    if argument is None or options:
        return None
    return quote(argument, safe="-._~")


class _RelativeUri(Exception):
    pass


class _Uri:
    """The parts of an absolute URI the way System.Uri reports them."""

    def __init__(self, text: str) -> None:
        self.text = text.strip()
        self.absolute = bool(_ABSOLUTE.match(self.text)) and "://" in self.text
        if not self.absolute:
            return
        parts = urlsplit(self.text)
        self.scheme = parts.scheme.lower()
        self.host = (parts.hostname or "").lower()
        self.user_info = unquote(parts.netloc.rpartition("@")[0]) if "@" in parts.netloc else ""
        self.explicit_port = parts.port
        self.path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
        self.query = "?" + parts.query if parts.query else ""
        self.fragment = "#" + parts.fragment if parts.fragment else ""
        self.bracketed = parts.netloc.rpartition("@")[2].startswith("[")

    def need_absolute(self) -> None:
        if not self.absolute:
            raise _RelativeUri("This operation is not supported for a relative URI.")

    @property
    def port(self) -> int:
        if self.explicit_port is not None:
            return self.explicit_port
        return _DEFAULT_PORTS.get(self.scheme, -1)

    @property
    def is_default_port(self) -> bool:
        return self.explicit_port is None or self.explicit_port == _DEFAULT_PORTS.get(self.scheme)

    @property
    def display_host(self) -> str:
        return f"[{self.host}]" if self.bracketed else self.host

    @property
    def authority(self) -> str:
        return self.display_host + ("" if self.is_default_port else f":{self.port}")

    @property
    def host_name_type(self) -> str:
        try:
            address = ipaddress.ip_address(self.host)
        except ValueError:
            return "Dns" if self.host else "Basic"
        return "IPv4" if address.version == 4 else "IPv6"

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def part(self, name: str) -> str:
        if name == "isabsoluteuri":
            return str(self.absolute).lower()
        self.need_absolute()
        user = self.user_info + "@" if self.user_info else ""
        values = {
            "absolutepath": lambda: self.path,
            "absoluteuri": lambda: (
                f"{self.scheme}://{user}{self.authority}{self.path}{self.query}{self.fragment}"
            ),
            "authority": lambda: self.authority,
            "dnssafehost": lambda: self.host,
            "fragment": lambda: self.fragment,
            "host": lambda: self.display_host,
            "hostandport": lambda: f"{self.display_host}:{self.port}",
            "hostnametype": lambda: self.host_name_type,
            "isdefaultport": lambda: str(self.is_default_port).lower(),
            "isfile": lambda: str(self.scheme == "file").lower(),
            "isloopback": lambda: str(self.is_loopback).lower(),
            "isunc": lambda: str(self.scheme == "file" and bool(self.host)).lower(),
            "path": lambda: unquote(self.path),
            "pathandquery": lambda: self.path + self.query,
            "port": lambda: str(self.port),
            "query": lambda: self.query,
            "scheme": lambda: self.scheme,
            "schemeandserver": lambda: f"{self.scheme}://{self.authority}",
            "userinfo": lambda: self.user_info,
        }
        return values[name]()


_SUPPORTED = {
    "absolutepath",
    "absoluteuri",
    "authority",
    "dnssafehost",
    "fragment",
    "host",
    "hostandport",
    "hostnametype",
    "isabsoluteuri",
    "isdefaultport",
    "isfile",
    "isloopback",
    "isunc",
    "path",
    "pathandquery",
    "port",
    "query",
    "scheme",
    "schemeandserver",
    "userinfo",
}


def uri_part(argument: str | None, options: list[str]) -> str | None:
    if argument is None:
        return None
    if not options:
        return "[UriPart error: no argument given]"
    wanted = options[0]
    name = wanted.lower()
    if name not in _SUPPORTED:
        return f"[UriPart {wanted} error: argument '{wanted}' not supported]"
    try:
        return _Uri(argument).part(name)
    except (_RelativeUri, ValueError) as error:
        return f"[UriPart {wanted} error: {error}]"


FILTERS = {"uriescape": uri_escape, "uridataescape": uri_data_escape, "uripart": uri_part}
