""".NET number formatting as the Format filter and calc print it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from deployer.octostache import render
from deployer.octostache.netformat import format_double, format_number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5.0, "5"),
        (-2.0, "-2"),
        (1.5, "1.5"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1.4000000000000001, "1.4000000000000001"),
        (123456789012345.0, "123456789012345"),
        (1e15, "1E+15"),
        (1.2345678901234568e17, "1.2345678901234568E+17"),
        (0.0001, "0.0001"),
        (1e-05, "1E-05"),
        (1.5e-07, "1.5E-07"),
        (float("inf"), "Infinity"),
        (float("nan"), "NaN"),
    ],
)
def test_double_prints_shortest_round_trip_like_dotnet(value: float, expected: str) -> None:
    assert format_double(value) == expected


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        (Decimal("1234.5678"), "G", "1234.5678"),
        (Decimal("1.50"), "G", "1.50"),
        (Decimal("0.0000001"), "G", "0.0000001"),
        (1234.5678, "#,##0", "1,235"),
        (Decimal("1234.5"), "0,0", "1,235"),
        (Decimal("0"), "#", ""),
        (12345, "G3", "1.23E+04"),
        (0.000012345, "G", "1.2345E-05"),
        (Decimal("1234.5678"), "0.00E+00", "1.23E+03"),
        (Decimal("-5"), "C", "(¤5.00)"),
        (Decimal("0.5"), "P0", "50 %"),
        (Decimal("1.005"), "F2", "1.01"),
        (1.005, "F2", "1.01"),
        (Decimal("2.5"), "F0", "3"),
        (-1234, "N0", "-1,234"),
        (255, "x4", "00ff"),
        (-1, "X", "FFFFFFFF"),
        (Decimal("0.5"), "#.##", ".5"),
        (Decimal("12.3"), "000.000", "012.300"),
        (Decimal("1234567"), "#,##0,", "1,235"),
        (Decimal("0.1234"), "0.0%", "12.3%"),
        (Decimal("-1234.56"), "0.0;(0.0)", "(1234.6)"),
        (Decimal("0"), "0.00;neg;zero", "zero"),
    ],
)
def test_number_formats(value: int | float | Decimal, fmt: str, expected: str) -> None:
    assert format_number(value, fmt) == expected


def test_calc_prints_small_results_in_scientific_notation() -> None:
    assert render("#{calc 1/100000}", {}) == "1E-05"
    assert render("#{calc 1/10000}", {}) == "0.0001"
