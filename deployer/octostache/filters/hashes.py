"""Hash filters: Md5, Sha1, Sha256, Sha384, Sha512 as lowercase hex."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from deployer.octostache.errors import OctostacheError
from deployer.octostache.filters.encoding import decode_base64, encoding_named
from deployer.octostache.netformat import parse_int


def _input_reader(option: str) -> Callable[[str], bytes] | None:
    if option.lower() == "base64":
        return decode_base64
    codec = encoding_named(option)
    if codec is None:
        return None
    return lambda text: text.encode(codec, errors="surrogatepass")


def _options(options: list[str]) -> tuple[Callable[[str], bytes], int | None] | None:
    reader: Callable[[str], bytes] | None = _input_reader("utf8")
    size: int | None = None
    if len(options) > 2:
        return None
    if not options:
        assert reader is not None
        return reader, size
    first_size = parse_int(options[0])
    if first_size is not None and first_size > 0:
        size = first_size
        if len(options) > 1:
            reader = _input_reader(options[1])
    else:
        reader = _input_reader(options[0])
        if reader is not None and len(options) > 1:
            size = parse_int(options[1])
            if size is None or size <= 0:
                return None
    if reader is None:
        return None
    return reader, size


def _hash_filter(algorithm: str) -> Callable[[str | None, list[str]], str | None]:
    def digest(argument: str | None, options: list[str]) -> str | None:
        if argument is None:
            return None
        parsed = _options(options)
        if parsed is None:
            return None
        reader, size = parsed
        try:
            data = reader(argument)
        except OctostacheError:
            return None
        raw = hashlib.new(algorithm, data).digest()
        return raw[: size or len(raw)].hex()

    return digest


FILTERS = {
    "md5": _hash_filter("md5"),
    "sha1": _hash_filter("sha1"),
    "sha256": _hash_filter("sha256"),
    "sha384": _hash_filter("sha384"),
    "sha512": _hash_filter("sha512"),
}
