"""Date and number filters: NowDate, NowDateUtc, AddHours, AddDays and Format."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from deployer.octostache import netdates
from deployer.octostache.netformat import (
    NetFormatError,
    format_number,
    parse_decimal,
    parse_double,
    parse_int,
)


def now_date(argument: str | None, options: list[str]) -> str | None:
    if argument is not None or len(options) > 1:
        return None
    return _format_or_none(netdates.now_local(), options[0] if options else "O", False)


def now_date_utc(argument: str | None, options: list[str]) -> str | None:
    if argument is not None or len(options) > 1:
        return None
    return _format_or_none(netdates.now_utc(), options[0] if options else "O", False)


def _format_or_none(date: netdates.NetDate, fmt: str, is_offset_type: bool) -> str | None:
    try:
        return netdates.format_date(date, fmt, is_offset_type)
    except (NetFormatError, ValueError, OverflowError):
        return None


def _adder(unit: str) -> Callable[[str | None, list[str]], str | None]:
    def add(argument: str | None, options: list[str]) -> str | None:
        if argument is None or len(options) != 1:
            return None
        amount = parse_double(options[0], allow_thousands=False)
        date = netdates.parse_date(argument)
        if amount is None or date is None:
            return None
        try:
            shifted = netdates.shift(date, timedelta(**{unit: amount}))
        except (OverflowError, ValueError):
            return None
        return _format_or_none(shifted, "O", False)

    return add


def format_value(argument: str | None, options: list[str]) -> str | None:
    if argument is None or not 1 <= len(options) <= 2:
        return None
    try:
        if len(options) == 1:
            fmt = options[0]
            number = parse_decimal(argument)
            if number is not None:
                return format_number(number, fmt)
            date = netdates.parse_date(argument)
            if date is not None:
                return netdates.format_date(netdates.as_offset(date), fmt, True)
            return None
        kind, fmt = options[0].lower(), options[1]
        if kind in ("int", "int32"):
            integer = parse_int(argument)
            return None if integer is None else format_number(integer, fmt)
        if kind == "double":
            double = parse_double(argument)
            return None if double is None else format_number(double, fmt)
        if kind == "decimal":
            decimal = parse_decimal(argument)
            return None if decimal is None else format_number(decimal, fmt)
        if kind in ("date", "datetime"):
            date = netdates.parse_date(argument)
            return None if date is None else netdates.format_date(date, fmt, False)
        if kind == "datetimeoffset":
            date = netdates.parse_date(argument)
            if date is None:
                return None
            return netdates.format_date(netdates.as_offset(date), fmt, True)
    except (NetFormatError, ValueError, OverflowError):
        return None
    return None


FILTERS = {
    "nowdate": now_date,
    "nowdateutc": now_date_utc,
    "addhours": _adder("hours"),
    "adddays": _adder("days"),
    "format": format_value,
}
