"""Format with .NET number and date formats, date arithmetic, NowDate and version filters."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from deployer.octostache import OctostacheError, render

DATE = "2030/05/22 09:05:00"


@pytest.mark.parametrize(
    ("template", "value", "expected"),
    [
        ('#{v | Format Date "HH dd-MMM-yyy"}', DATE, "09 22-May-2030"),
        ('#{v | Format DateTime \\"HH dd-MMM-yyyy\\" }', DATE, "09 22-May-2030"),
        ("#{ v | Format yyyy}", DATE, "2030"),
        ("#{v | Format yyyy}", "hello World", '#{v | Format "yyyy"}'),
        ("#{v | Format DateTime O}", DATE, "2030-05-22T09:05:00.0000000"),
        ("#{v | Format DateTimeOffset zzz}", DATE, "+00:00"),
        ("#{v | Format Date D}", DATE, "Wednesday, 22 May 2030"),
        ("#{v | Format Date s}", DATE, "2030-05-22T09:05:00"),
        ('#{v | Format Date "h:mm tt"}', "2030-05-22T21:05:00", "9:05 PM"),
        ("#{v | Format Date R}", "2030-05-22T09:05:00Z", "Wed, 22 May 2030 09:05:00 GMT"),
        ("#{v | Format C}", "23.4", "¤23.40"),
        ("#{v | Format Double C}", "23.4", "¤23.40"),
        ("#{v | Format N}", "1234.5678", "1,234.57"),
        ("#{v | Format N0}", "1234.5678", "1,235"),
        ("#{v | Format F1}", "1234.5678", "1234.6"),
        ("#{v | Format E2}", "1234.5678", "1.23E+003"),
        ("#{v | Format P1}", "0.256", "25.6 %"),
        ("#{v | Format Int D5}", "42", "00042"),
        ("#{v | Format Int X}", "255", "FF"),
        ("#{v | Format Decimal D}", "1.5", '#{v | Format "Decimal" "D"}'),
        ("#{v | Format Double G3}", "1234.5678", "1.23E+03"),
        ('#{v | Format \\"#,##0.00\\"}', "1234.5678", "1,234.57"),
        ('#{v | Format \\"0.0;(0.0)\\"}', "-1234.56", "(1234.6)"),
        ('#{v | Format \\"#.##%\\"}', "0.12345", "12.35%"),
        ('#{v | Format "00000.0"}', "12.34", "00012.3"),
        ("#{v | Format Int D}", "abc", '#{v | Format "Int" "D"}'),
        ("#{v | Format}", "1", "#{v | Format}"),
        ("#{v | Format a b c}", "1", '#{v | Format "a" "b" "c"}'),
    ],
)
def test_format(template: str, value: str, expected: str) -> None:
    assert render(template, {"v": value}) == expected


@pytest.mark.parametrize(
    ("template", "value", "expected"),
    [
        ("#{v | AddHours 2}", "2024-01-31T10:00:00Z", "2024-01-31T12:00:00.0000000Z"),
        ("#{v | AddHours -1}", "2024-01-31T10:00:00", "2024-01-31T09:00:00.0000000"),
        ('#{v | AddDays "1.5"}', "2024-01-31T10:00:00+02:00", "2024-02-01T22:00:00.0000000+02:00"),
        ("#{v | AddDays 1}", "2024-02-28", "2024-02-29T00:00:00.0000000"),
        ("#{v | AddDays x}", "2024-02-28", '#{v | AddDays "x"}'),
        ("#{v | AddDays 1 2}", "2024-02-28", '#{v | AddDays "1" "2"}'),
        ("#{v | AddDays 1}", "not a date", '#{v | AddDays "1"}'),
    ],
)
def test_date_arithmetic(template: str, value: str, expected: str) -> None:
    assert render(template, {"v": value}) == expected


def test_now_date_defaults_to_round_trip_format() -> None:
    local = render("#{ | NowDate}", {})
    utc = render("#{ | NowDateUtc}", {})
    assert local is not None and utc is not None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}", local)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z", utc)


def test_now_date_can_be_formatted_and_chained() -> None:
    before = datetime.now(UTC).year
    rendered = render("#{ | NowDateUtc yyyy}", {})
    assert rendered in {str(before), str(datetime.now(UTC).year)}
    assert render("#{ | NowDateUtc | Format DateTimeOffset zz}", {}) == "+00"


def test_now_date_needs_empty_input() -> None:
    assert render("#{v | NowDate}", {"v": "x"}) == "#{v | NowDate}"
    assert render("#{ | NowDate a b}", {}) == '#{ | NowDate "a" "b"}'


@pytest.mark.parametrize(
    ("version", "parts"),
    [
        ("1.2.3", ("1", "2", "3", "0", "", "", "", "")),
        ("v1.2.3.4-beta.5+meta", ("1", "2", "3", "4", "beta.5", "beta", "5", "meta")),
        ("V2", ("2", "0", "0", "0", "", "", "", "")),
        ("branch-hithere", ("0", "0", "0", "0", "branch-hithere", "branch", "hithere", "")),
        ("my-branch", ("0", "0", "0", "0", "my-branch", "my", "branch", "")),
        ("1.0.0_rc\\2", ("1", "0", "0", "0", "rc\\2", "rc", "2", "")),
    ],
)
def test_version_filters(version: str, parts: tuple[str, ...]) -> None:
    names = [
        "VersionMajor",
        "VersionMinor",
        "VersionPatch",
        "VersionRevision",
        "VersionPreRelease",
        "VersionPreReleasePrefix",
        "VersionPreReleaseCounter",
        "VersionMetadata",
    ]
    template = "|".join("#{v | " + name + "}" for name in names)
    assert render(template, {"v": version}) == "|".join(parts)


def test_version_of_empty_input_raises() -> None:
    with pytest.raises(OctostacheError):
        render("#{v | VersionMajor}", {"v": ""})
