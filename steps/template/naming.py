"""Names Octopus derives for the ECS step: camelCase, stack names, logical ids and stack tags."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# lodash 4.17.21 `camelCase`, ported regex by regex (lodash.js, "Used to compose unicode
# character classes"), because Octopus names stacks and logical ids with it and users search
# their AWS accounts for those exact names. JavaScript matches on UTF-16 code units, so the text
# is turned into surrogate pairs before matching and back afterwards; re.ASCII gives `\d` and
# `\b` their JavaScript (non-`u` flag) meaning.
_ASTRAL_RANGE = "\\ud800-\\udfff"
_COMBO_MARKS_RANGE = "\\u0300-\\u036f"
_COMBO_HALF_MARKS_RANGE = "\\ufe20-\\ufe2f"
_COMBO_SYMBOLS_RANGE = "\\u20d0-\\u20ff"
_COMBO_RANGE = _COMBO_MARKS_RANGE + _COMBO_HALF_MARKS_RANGE + _COMBO_SYMBOLS_RANGE
_DINGBAT_RANGE = "\\u2700-\\u27bf"
_LOWER_RANGE = "a-z\\xdf-\\xf6\\xf8-\\xff"
_MATH_OP_RANGE = "\\xac\\xb1\\xd7\\xf7"
_NON_CHAR_RANGE = "\\x00-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\xbf"
_PUNCTUATION_RANGE = "\\u2000-\\u206f"
_SPACE_RANGE = (
    " \\t\\x0b\\f\\xa0\\ufeff\\n\\r\\u2028\\u2029\\u1680\\u180e\\u2000\\u2001\\u2002\\u2003"
    "\\u2004\\u2005\\u2006\\u2007\\u2008\\u2009\\u200a\\u202f\\u205f\\u3000"
)
_UPPER_RANGE = "A-Z\\xc0-\\xd6\\xd8-\\xde"
_VAR_RANGE = "\\ufe0e\\ufe0f"
_BREAK_RANGE = _MATH_OP_RANGE + _NON_CHAR_RANGE + _PUNCTUATION_RANGE + _SPACE_RANGE

_APOS = "['\u2019]"
_BREAK = "[" + _BREAK_RANGE + "]"
_COMBO = "[" + _COMBO_RANGE + "]"
_DIGITS = "\\d+"
_DINGBAT = "[" + _DINGBAT_RANGE + "]"
_LOWER = "[" + _LOWER_RANGE + "]"
_MISC = (
    "[^"
    + _ASTRAL_RANGE
    + _BREAK_RANGE
    + _DIGITS
    + _DINGBAT_RANGE
    + _LOWER_RANGE
    + _UPPER_RANGE
    + "]"
)
_FITZ = "\\ud83c[\\udffb-\\udfff]"
_MODIFIER = "(?:" + _COMBO + "|" + _FITZ + ")"
_NON_ASTRAL = "[^" + _ASTRAL_RANGE + "]"
_REGIONAL = "(?:\\ud83c[\\udde6-\\uddff]){2}"
_SURR_PAIR = "[\\ud800-\\udbff][\\udc00-\\udfff]"
_UPPER = "[" + _UPPER_RANGE + "]"
_ZWJ = "\\u200d"

_MISC_LOWER = "(?:" + _LOWER + "|" + _MISC + ")"
_MISC_UPPER = "(?:" + _UPPER + "|" + _MISC + ")"
_OPT_CONTR_LOWER = "(?:" + _APOS + "(?:d|ll|m|re|s|t|ve))?"
_OPT_CONTR_UPPER = "(?:" + _APOS + "(?:D|LL|M|RE|S|T|VE))?"
_OPT_MOD = _MODIFIER + "?"
_OPT_VAR = "[" + _VAR_RANGE + "]?"
_OPT_JOIN = (
    "(?:"
    + _ZWJ
    + "(?:"
    + "|".join([_NON_ASTRAL, _REGIONAL, _SURR_PAIR])
    + ")"
    + _OPT_VAR
    + _OPT_MOD
    + ")*"
)
_ORD_LOWER = "\\d*(?:1st|2nd|3rd|(?![123])\\dth)(?=\\b|[A-Z_])"
_ORD_UPPER = "\\d*(?:1ST|2ND|3RD|(?![123])\\dTH)(?=\\b|[a-z_])"
_SEQ = _OPT_VAR + _OPT_MOD + _OPT_JOIN
_EMOJI = "(?:" + "|".join([_DINGBAT, _REGIONAL, _SURR_PAIR]) + ")" + _SEQ

_UNICODE_WORD = re.compile(
    "|".join(
        [
            _UPPER
            + "?"
            + _LOWER
            + "+"
            + _OPT_CONTR_LOWER
            + "(?="
            + "|".join([_BREAK, _UPPER, "$"])
            + ")",
            _MISC_UPPER
            + "+"
            + _OPT_CONTR_UPPER
            + "(?="
            + "|".join([_BREAK, _UPPER + _MISC_LOWER, "$"])
            + ")",
            _UPPER + "?" + _MISC_LOWER + "+" + _OPT_CONTR_LOWER,
            _UPPER + "+" + _OPT_CONTR_UPPER,
            _ORD_UPPER,
            _ORD_LOWER,
            _DIGITS,
            _EMOJI,
        ]
    ),
    re.ASCII,
)
_HAS_UNICODE_WORD = re.compile("[a-z][A-Z]|[A-Z]{2}[a-z]|[0-9][a-zA-Z]|[a-zA-Z][0-9]|[^a-zA-Z0-9 ]")
_ASCII_WORD = re.compile("[^\\x00-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7f]+")
_LATIN = re.compile("[\\xc0-\\xd6\\xd8-\\xf6\\xf8-\\xff\\u0100-\\u017f]")
_COMBO_MARK = re.compile(_COMBO)
_APOS_RE = re.compile(_APOS)


def _deburr_table() -> dict[str, str]:
    # lodash's `deburredLetters`: Latin-1 Supplement and Latin Extended-A to basic Latin.
    groups = {
        "A": "ÀÁÂÃÄÅĀĂĄ",
        "a": "àáâãäåāăą",
        "C": "ÇĆĈĊČ",
        "c": "çćĉċč",
        "D": "ÐĎĐ",
        "d": "ðďđ",
        "E": "ÈÉÊËĒĔĖĘĚ",
        "e": "èéêëēĕėęě",
        "G": "ĜĞĠĢ",
        "g": "ĝğġģ",
        "H": "ĤĦ",
        "h": "ĥħ",
        "I": "ÌÍÎÏĨĪĬĮİ",
        "i": "ìíîïĩīĭįı",
        "J": "Ĵ",
        "j": "ĵ",
        "K": "Ķ",
        "k": "ķĸ",
        "L": "ĹĻĽĿŁ",
        "l": "ĺļľŀł",
        "N": "ÑŃŅŇŊ",
        "n": "ñńņňŋ",
        "O": "ÒÓÔÕÖØŌŎŐ",
        "o": "òóôõöøōŏő",
        "R": "ŔŖŘ",
        "r": "ŕŗř",
        "S": "ŚŜŞŠ",
        "s": "śŝşšſ",
        "T": "ŢŤŦ",
        "t": "ţťŧ",
        "U": "ÙÚÛÜŨŪŬŮŰŲ",
        "u": "ùúûüũūŭůűų",
        "W": "Ŵ",
        "w": "ŵ",
        "Y": "ÝŶŸ",
        "y": "ýÿŷ",
        "Z": "ŹŻŽ",
        "z": "źżž",
    }
    table = {letter: plain for plain, letters in groups.items() for letter in letters}
    table.update(
        {"Æ": "Ae", "æ": "ae", "Þ": "Th", "þ": "th", "ß": "ss", "Ĳ": "IJ", "ĳ": "ij"}
        | {"Œ": "Oe", "œ": "oe", "ŉ": "'n"}
    )
    return table


_DEBURRED = _deburr_table()


def _to_utf16_units(text: str) -> str:
    data = text.encode("utf-16-le", "surrogatepass")
    return "".join(chr(int.from_bytes(data[i : i + 2], "little")) for i in range(0, len(data), 2))


def _from_utf16_units(text: str) -> str:
    data = b"".join(ord(unit).to_bytes(2, "little") for unit in text)
    return data.decode("utf-16-le", "surrogatepass")


def _upper_first(word: str) -> str:
    # lodash upper-cases the first whole symbol, so a surrogate pair stays together.
    head = 2 if word and "\ud800" <= word[0] <= "\udbff" else 1
    first = _from_utf16_units(word[:head]).upper()
    return _to_utf16_units(first) + word[head:]


def _lower(units: str) -> str:
    return _to_utf16_units(_from_utf16_units(units).lower())


def lodash_words(text: str) -> list[str]:
    """Split text into words exactly as lodash's `_.words` does (without a custom pattern)."""
    units = _to_utf16_units(text)
    pattern = _UNICODE_WORD if _HAS_UNICODE_WORD.search(units) else _ASCII_WORD
    return [_from_utf16_units(match) for match in pattern.findall(units)]


def camel_case(text: str) -> str:
    """lodash `_.camelCase`: `Environments-104` -> `environments104`, `Foo Bar` -> `fooBar`."""
    deburred = _COMBO_MARK.sub("", _LATIN.sub(lambda m: _DEBURRED[m.group(0)], text))
    units = _to_utf16_units(_APOS_RE.sub("", deburred))
    pattern = _UNICODE_WORD if _HAS_UNICODE_WORD.search(units) else _ASCII_WORD
    result = ""
    for index, word in enumerate(pattern.findall(units)):
        lowered = _lower(word)
        result += _upper_first(lowered) if index else lowered
    return _from_utf16_units(result)


STACK_NAME_MAX_LENGTH = 128


def stack_name(cluster_name: str, task_definition_name: str, environment_name: str) -> str:
    """The CloudFormation stack a step deploys to: `cf-ecs-{cluster}-{task}-{environment}`."""
    parts = (cluster_name, task_definition_name, environment_name)
    name = "-".join(["cf-ecs", *(camel_case(part) for part in parts)])
    return name[:STACK_NAME_MAX_LENGTH]


# Octopus builds logical ids as `TaskDefinition{name.CamelCase()}` (OctopusDeploy/Calamari,
# source/Calamari.Aws/Inputs/Ecs/DeployEcsCommandInputs.cs, with the lodash port in
# LodashStringExtensions.cs), so the suffix starts lower case: `TaskDefinitionweb`. We keep that
# so stacks created by Octopus can be taken over without replacing their resources.
@dataclass(frozen=True)
class LogicalIds:
    """The logical ids of the resources a step's template declares."""

    task_definition: str
    service: str
    task_execution_role: str
    log_group: str


def logical_ids(task_definition_name: str) -> LogicalIds:
    """Logical ids for a task definition name, as Octopus names them."""
    suffix = camel_case(task_definition_name)
    return LogicalIds(
        task_definition=f"TaskDefinition{suffix}",
        service=f"Service{suffix}",
        task_execution_role=f"TaskExecutionRole{suffix}",
        log_group=f"AwsLogGroup{suffix}",
    )


TAG_KEY_MAX_LENGTH = 128
TAG_VALUE_MAX_LENGTH = 256
_TAG_DISALLOWED = re.compile(r"[^a-zA-Z0-9 +=.:/@_-]")


@dataclass(frozen=True)
class StackTag:
    """One key/value tag on the CloudFormation stack."""

    key: str
    value: str


def sanitise_tag(key: str, value: str) -> StackTag | None:
    """Drop characters AWS refuses in tags and cut to its limits; None when nothing is left."""
    clean_key = _TAG_DISALLOWED.sub("", key)[:TAG_KEY_MAX_LENGTH]
    clean_value = _TAG_DISALLOWED.sub("", value)[:TAG_VALUE_MAX_LENGTH]
    if not clean_key or not clean_value:
        return None
    return StackTag(clean_key, clean_value)


def sanitise_tags(pairs: Iterable[tuple[str, str]]) -> list[StackTag]:
    """Sanitise each pair in order, dropping the ones that end up empty."""
    tags = (sanitise_tag(key, value) for key, value in pairs)
    return [tag for tag in tags if tag is not None]


# The variables Octopus tags the resources of its steps with, in the order of its step design
# guidelines (OctopusDeploy/Architecture, Steps/StepDesignGuidelines.md, "Tags and labels"):
# identifiers first, then readable names; plus the release number, which people search by. A
# tag is added only when its variable has a value (no tenant tags for untenanted deployments,
# no runbook tags for deployments).
AUTOMATIC_TAG_VARIABLES = (
    "Octopus.Project.Id",
    "Octopus.Action.Id",
    "Octopus.Deployment.Id",
    "Octopus.RunbookRun.Id",
    "Octopus.Step.Id",
    "Octopus.Environment.Id",
    "Octopus.Deployment.Tenant.Id",
    "Octopus.Deployment.Name",
    "Octopus.Deployment.Tenant.Name",
    "Octopus.Environment.Name",
    "Octopus.Project.Name",
    "Octopus.Release.Number",
    "Octopus.Release.Channel.Name",
    "Octopus.Space.Name",
    "Octopus.Action.Name",
    "Octopus.Step.Name",
    "Octopus.Runbook.Name",
    "Octopus.RunbookRun.Name",
    "Octopus.RunbookSnapshot.Name",
    "Octopus.Machine.Name",
)


def automatic_tags(variables: Mapping[str, str]) -> list[StackTag]:
    """Stack tags keyed by Octopus variable names, taken from the deployment's variables."""
    return sanitise_tags(
        (name, variables.get(name, "")) for name in AUTOMATIC_TAG_VARIABLES if variables.get(name)
    )


def stack_tags(automatic: Iterable[StackTag], user: Iterable[tuple[str, str]]) -> list[StackTag]:
    """Automatic tags first, then the user's; a user tag never overrides an automatic key."""
    result = list(automatic)
    taken = {tag.key for tag in result}
    for tag in sanitise_tags(user):
        if tag.key not in taken:
            result.append(tag)
            taken.add(tag.key)
    return result
