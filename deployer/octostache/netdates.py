""".NET invariant-culture date parsing (a practical subset) and date format strings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from deployer.octostache.netformat import NetFormatError

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# How a .NET DateTime knows its zone: unspecified (naive), UTC, or an explicit offset.
NAIVE, UTC_KIND, OFFSET = "naive", "utc", "offset"


@dataclass(frozen=True)
class NetDate:
    moment: datetime  # naive for NAIVE; aware otherwise
    ticks: int  # the sub-microsecond 100 ns digit .NET keeps (0-9)
    kind: str


_ISO = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,7}))?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$",
    re.IGNORECASE,
)
_MONTH_NAMES = {name.lower(): n + 1 for n, name in enumerate(MONTHS)}
_MONTH_NAMES.update({name[:3].lower(): n + 1 for n, name in enumerate(MONTHS)})
_SLASHED = re.compile(
    r"^\s*(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})"
    r"(?:\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?\s*(AM|PM)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$",
    re.IGNORECASE,
)
_NAMED = re.compile(
    r"^\s*(?:[A-Za-z]+,?\s+)?(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})"
    r"(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*(GMT|UTC|Z|[+-]\d{2}:?\d{2})?\s*$",
    re.IGNORECASE,
)


def _zone(text: str | None) -> tuple[str, timezone | None]:
    if not text:
        return NAIVE, None
    upper = text.upper()
    if upper in ("Z", "GMT", "UTC"):
        return UTC_KIND, UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return OFFSET, timezone(sign * timedelta(hours=hours, minutes=minutes))


def _build(
    year: int,
    month: int,
    day: int,
    hour: int,
    minute: int,
    second: int,
    fraction: str | None,
    zone: str | None,
) -> NetDate | None:
    digits = (fraction or "").ljust(7, "0")[:7]
    kind, tz = _zone(zone)
    try:
        moment = datetime(year, month, day, hour, minute, second, int(digits[:6]), tzinfo=tz)
    except ValueError:
        return None
    return NetDate(moment, int(digits[6]), kind)


def parse_date(text: str) -> NetDate | None:
    """DateTime(Offset).TryParse for the shapes people write: ISO 8601, M/d/yyyy, d MMM yyyy."""
    match = _ISO.match(text)
    if match:
        y, mo, d, h, mi, s, frac, zone = match.groups()
        return _build(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), frac, zone)
    match = _SLASHED.match(text)
    if match:
        a, b, c, h, mi, s, frac, meridiem, zone = match.groups()
        if len(a) == 4:
            year, month, day = int(a), int(b), int(c)
        else:
            month, day, year = int(a), int(b), int(c)
            if len(c) <= 2:
                year += 2000 if year < 50 else 1900
        hour = int(h or 0)
        if meridiem:
            hour = hour % 12 + (12 if meridiem.upper() == "PM" else 0)
        return _build(year, month, day, hour, int(mi or 0), int(s or 0), frac, zone)
    match = _NAMED.match(text)
    if match:
        d, month_name, y, h, mi, s, zone = match.groups()
        named_month = _MONTH_NAMES.get(month_name.lower())
        if named_month is None:
            return None
        hour, minute, second = int(h or 0), int(mi or 0), int(s or 0)
        return _build(int(y), named_month, int(d), hour, minute, second, None, zone)
    return None


def _offset_text(moment: datetime, separator: str = ":") -> str:
    offset = moment.utcoffset() or timedelta(0)
    total = int(offset.total_seconds() // 60)
    sign = "-" if total < 0 else "+"
    hours, minutes = divmod(abs(total), 60)
    return f"{sign}{hours:02d}{separator}{minutes:02d}"


_STANDARD_PATTERNS = {
    "d": "MM/dd/yyyy",
    "D": "dddd, dd MMMM yyyy",
    "f": "dddd, dd MMMM yyyy HH:mm",
    "F": "dddd, dd MMMM yyyy HH:mm:ss",
    "g": "MM/dd/yyyy HH:mm",
    "G": "MM/dd/yyyy HH:mm:ss",
    "m": "MMMM dd",
    "M": "MMMM dd",
    "s": "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
    "t": "HH:mm",
    "T": "HH:mm:ss",
    "y": "yyyy MMMM",
    "Y": "yyyy MMMM",
}


def format_date(date: NetDate, fmt: str, is_offset_type: bool) -> str:
    """DateTime/DateTimeOffset.ToString(fmt) in the invariant culture."""
    if fmt == "":
        fmt = "G"
    moment = date.moment
    if len(fmt) == 1:
        if fmt in "oO":
            return _round_trip(date, is_offset_type)
        if fmt in "rR":
            utc = moment.astimezone(UTC) if moment.tzinfo else moment
            return _custom(NetDate(utc, 0, UTC_KIND), "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'", False)
        if fmt == "u":
            utc = moment.astimezone(UTC) if is_offset_type and moment.tzinfo else moment
            return _custom(NetDate(utc, 0, UTC_KIND), "yyyy'-'MM'-'dd HH':'mm':'ss'Z'", False)
        if fmt == "U":
            utc = moment.astimezone(UTC) if moment.tzinfo else moment
            return _custom(NetDate(utc, 0, UTC_KIND), "dddd, dd MMMM yyyy HH:mm:ss", False)
        pattern = _STANDARD_PATTERNS.get(fmt)
        if pattern is None:
            raise NetFormatError(f"Unknown date format {fmt}")
        return _custom(date, pattern, is_offset_type)
    return _custom(date, fmt, is_offset_type)


def _round_trip(date: NetDate, is_offset_type: bool) -> str:
    moment = date.moment
    fraction = f"{moment.microsecond:06d}{date.ticks}"
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + "." + fraction
    if is_offset_type or date.kind == OFFSET:
        return text + _offset_text(moment)
    if date.kind == UTC_KIND:
        return text + "Z"
    return text


def _custom(date: NetDate, fmt: str, is_offset_type: bool) -> str:
    out: list[str] = []
    index = 0
    if fmt.startswith("%") and len(fmt) == 2:
        fmt = fmt[1]
    while index < len(fmt):
        char = fmt[index]
        if char in "'\"":
            end = fmt.find(char, index + 1)
            if end < 0:
                raise NetFormatError("Unterminated quote")
            out.append(fmt[index + 1 : end])
            index = end + 1
            continue
        if char == "\\":
            if index + 1 >= len(fmt):
                raise NetFormatError("Trailing escape")
            out.append(fmt[index + 1])
            index += 2
            continue
        if char == "%":
            index += 1
            continue
        if char in "dfFghHKmMstyz":
            run = len(char)
            while index + run < len(fmt) and fmt[index + run] == char:
                run += 1
            token = char * run
            out.append(_date_part(date, token, is_offset_type))
            index += run
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _date_part(date: NetDate, token: str, is_offset_type: bool) -> str:
    moment = date.moment
    char, run = token[0], len(token)
    if char == "d":
        if run == 1:
            return str(moment.day)
        if run == 2:
            return f"{moment.day:02d}"
        name = DAYS[moment.weekday()]
        return name[:3] if run == 3 else name
    if char in "fF":
        if run > 7:
            raise NetFormatError("Too many fraction digits")
        digits = f"{moment.microsecond:06d}{date.ticks}"[:run]
        return digits.rstrip("0") if char == "F" else digits
    if char == "g":
        return "A.D."
    if char == "h":
        hour = moment.hour % 12 or 12
        return str(hour) if run == 1 else f"{hour:02d}"
    if char == "H":
        return str(moment.hour) if run == 1 else f"{moment.hour:02d}"
    if char == "K":
        if is_offset_type or date.kind == OFFSET:
            return _offset_text(moment)
        return "Z" if date.kind == UTC_KIND else ""
    if char == "m":
        return str(moment.minute) if run == 1 else f"{moment.minute:02d}"
    if char == "M":
        if run == 1:
            return str(moment.month)
        if run == 2:
            return f"{moment.month:02d}"
        name = MONTHS[moment.month - 1]
        return name[:3] if run == 3 else name
    if char == "s":
        return str(moment.second) if run == 1 else f"{moment.second:02d}"
    if char == "t":
        designator = "AM" if moment.hour < 12 else "PM"
        return designator[0] if run == 1 else designator
    if char == "y":
        if run == 1:
            return str(moment.year % 100)
        if run == 2:
            return f"{moment.year % 100:02d}"
        return str(moment.year).rjust(run, "0")
    if char == "z":
        offset = _offset_text(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
        hours = int(offset[1:3])
        if run == 1:
            return f"{offset[0]}{hours}"
        if run == 2:
            return offset[:3]
        return offset
    raise NetFormatError(f"Unknown date token {token}")


def now_local() -> NetDate:
    moment = datetime.now()
    return NetDate(moment, 0, NAIVE)


def now_utc() -> NetDate:
    moment = datetime.now(UTC)
    return NetDate(moment, 0, UTC_KIND)


def as_offset(date: NetDate) -> NetDate:
    """DateTimeOffset.TryParse: a text without an offset is taken as the server's zone, UTC here."""
    if date.kind == NAIVE:
        return NetDate(date.moment.replace(tzinfo=UTC), date.ticks, OFFSET)
    return NetDate(date.moment, date.ticks, OFFSET)


def shift(date: NetDate, delta: timedelta) -> NetDate:
    return NetDate(date.moment + delta, date.ticks, date.kind)
