"""Text filters: case, trimming, slicing, indenting, joining, regex replace and comparisons."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from deployer.octostache.netformat import parse_int

_DOTNET_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
_DOTNET_SPACE += "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def to_upper(argument: str | None, options: list[str]) -> str | None:
    if argument is None or options:
        return None
    return argument.upper()


def to_lower(argument: str | None, options: list[str]) -> str | None:
    if argument is None or options:
        return None
    return argument.lower()


def trim(argument: str | None, options: list[str]) -> str | None:
    if argument is None or len(options) > 1:
        return None
    if not options:
        return argument.strip(_DOTNET_SPACE)
    side = options[0].lower()
    if side == "start":
        return argument.lstrip(_DOTNET_SPACE)
    if side == "end":
        return argument.rstrip(_DOTNET_SPACE)
    return None


def substring(argument: str | None, options: list[str]) -> str | None:
    if argument is None or not 1 <= len(options) <= 2:
        return None
    numbers = [parse_int(option) for option in options]
    if any(number is None or number < 0 for number in numbers):
        return None
    values = [n for n in numbers if n is not None]
    start, length = (0, values[0]) if len(values) == 1 else (values[0], values[1])
    if start > len(argument):
        return None
    return argument[start : start + length]


def truncate(argument: str | None, options: list[str]) -> str | None:
    if argument is None or not 1 <= len(options) <= 2:
        return None
    length = parse_int(options[0])
    if length is None or length < 0:
        return None
    suffix = options[1] if len(options) == 2 else "..."
    return argument[:length] + suffix if length < len(argument) else argument


_INDENT_SIZES = re.compile(r"^((\d{1,3})?/)?(\d{1,3})$")


def _indent_strings(options: list[str]) -> tuple[str, str] | None:
    if not options:
        return "    ", "    "
    if len(options) == 2:
        return options[0], options[1]
    if len(options) > 2:
        return None
    option = options[0]
    sizes = _INDENT_SIZES.match(option)
    if sizes:
        slash, first, later = sizes.group(1), sizes.group(2), int(sizes.group(3))
        if later <= 255:
            if slash is None:
                return " " * later, " " * later
            if first is None:
                return "", " " * later
            if int(first) <= 255:
                return " " * int(first), " " * later
    return option, option


def indent(argument: str | None, options: list[str]) -> str | None:
    if argument is None:
        return None
    if argument == "":
        return ""
    strings = _indent_strings(options)
    if strings is None:
        return None
    first, later = strings
    return first + argument.replace("\n", "\n" + later)


def append(argument: str | None, options: list[str]) -> str | None:
    if not options:
        return None
    return (argument or "") + "".join(options)


def prepend(argument: str | None, options: list[str]) -> str | None:
    if not options:
        return None
    return "".join(options) + (argument or "")


# .NET regex syntax that Python spells differently.
_NAMED_GROUP = re.compile(r"\(\?<(?![=!])(\w+)>|\(\?'(\w+)'")
_BACKREFERENCE = re.compile(r"\\k<(\w+)>|\\k'(\w+)'")


@lru_cache(maxsize=256)
def compile_dotnet_regex(pattern: str) -> re.Pattern[str] | None:
    translated = _NAMED_GROUP.sub(lambda m: f"(?P<{m.group(1) or m.group(2)}>", pattern)
    translated = _BACKREFERENCE.sub(lambda m: f"(?P={m.group(1) or m.group(2)})", translated)
    try:
        return re.compile(translated)
    except re.error:
        return None


_SUBSTITUTION = re.compile(r"\$(?:(\d+)|\{(\w+)\}|(\$)|(&)|(`)|(')|(_))")


def _replacement(template: str) -> Callable[[re.Match[str]], str]:
    def expand(match: re.Match[str]) -> str:
        def piece(token: re.Match[str]) -> str:
            number, name, dollar, whole, before, after, everything = token.groups()
            if dollar:
                return "$"
            if whole:
                return match.group(0)
            if before:
                return match.string[: match.start()]
            if after:
                return match.string[match.end() :]
            if everything:
                return match.string
            group: int | str = int(number) if number is not None else name
            if isinstance(group, str) and group.isdigit():
                group = int(group)
            try:
                return match.group(group) or ""
            except (IndexError, error_type):
                return token.group(0)

        return _SUBSTITUTION.sub(piece, template)

    return expand


error_type = re.error


def replace(argument: str | None, options: list[str]) -> str | None:
    if argument is None or not 1 <= len(options) <= 2:
        return None
    pattern = compile_dotnet_regex(options[0])
    if pattern is None:
        return None
    replacement = options[1] if len(options) == 2 else ""
    return pattern.sub(_replacement(replacement), argument)


def match(argument: str | None, options: list[str]) -> str | None:
    if argument is None or len(options) != 1:
        return None
    pattern = compile_dotnet_regex(options[0])
    if pattern is None:
        return None
    return "true" if pattern.search(argument) else "false"


def _comparison(test: Callable[[str, str], bool]) -> Callable[[str | None, list[str]], str | None]:
    def compare(argument: str | None, options: list[str]) -> str | None:
        if argument is None or len(options) != 1:
            return None
        return "true" if test(argument, options[0]) else "false"

    return compare


FILTERS = {
    "toupper": to_upper,
    "tolower": to_lower,
    "trim": trim,
    "substring": substring,
    "truncate": truncate,
    "indent": indent,
    "append": append,
    "prepend": prepend,
    "replace": replace,
    "match": match,
    "startswith": _comparison(str.startswith),
    "endswith": _comparison(str.endswith),
    "contains": _comparison(lambda text, part: part in text),
}
