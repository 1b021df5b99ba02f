""".NET invariant-culture number parsing and formatting (standard and custom format strings)."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_INT = re.compile(r"^\s*([+-]?)(\d+)\s*$")
# NumberStyles.Float | AllowThousands, the default for double.TryParse.
_DOUBLE = re.compile(r"^\s*[+-]?(?=[\d.,])(\d[\d,]*)?(\.\d*)?([eE][+-]?\d+)?\s*$")
# NumberStyles.Number, the default for decimal.TryParse (no exponent).
_DECIMAL = re.compile(r"^\s*[+-]?(?=[\d.,])(\d[\d,]*)?(\.\d*)?\s*[+-]?\s*$")
_STANDARD = re.compile(r"^([A-Za-z])(\d{0,9})$")

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def parse_int(text: str) -> int | None:
    """int.TryParse: optional sign and whitespace, 32-bit range."""
    match = _INT.match(text)
    if not match:
        return None
    value = int(match.group(2)) * (-1 if match.group(1) == "-" else 1)
    return value if INT32_MIN <= value <= INT32_MAX else None


def parse_double(text: str, allow_thousands: bool = True) -> float | None:
    """double.TryParse in the invariant culture."""
    stripped = text.strip()
    special = {"infinity": math.inf, "+infinity": math.inf, "-infinity": -math.inf, "nan": math.nan}
    if stripped.lower() in special:
        return special[stripped.lower()]
    match = _DOUBLE.match(text)
    if not match or not re.search(r"\d", text):
        return None
    if not allow_thousands and "," in text:
        return None
    if match.group(1) is None and match.group(2) in (None, "."):
        return None
    try:
        return float(stripped.replace(",", ""))
    except ValueError:
        return None


def parse_decimal(text: str) -> Decimal | None:
    """decimal.TryParse: thousands separators and a trailing sign allowed, no exponent."""
    match = _DECIMAL.match(text)
    if not match or not re.search(r"\d", text):
        return None
    cleaned = text.strip().replace(",", "").replace(" ", "")
    negative = False
    if cleaned.endswith(("-", "+")):
        if cleaned[0] in "+-":
            return None
        negative = cleaned.endswith("-")
        cleaned = cleaned[:-1]
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return -value if negative else value


def format_double(value: float) -> str:
    """double.ToString() in .NET Core 3+: the shortest text that round-trips."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    digits, exponent = _shortest_digits(value)
    return _general(value < 0, digits, exponent, 15, "E")


def _shortest_digits(value: float) -> tuple[str, int]:
    """Significant digits and the decimal exponent of the first digit, shortest round-trip."""
    text = repr(abs(value))
    if "e" in text:
        mantissa, _, exp_text = text.partition("e")
        digits = mantissa.replace(".", "")
        exponent = int(exp_text)
    else:
        whole, _, fraction = text.partition(".")
        fraction = fraction.rstrip("0")
        if whole != "0":
            digits = (whole + fraction).lstrip("0")
            exponent = len(whole) - 1
        else:
            stripped = fraction.lstrip("0")
            exponent = -(len(fraction) - len(stripped)) - 1
            digits = stripped
    digits = digits.rstrip("0") or "0"
    return digits, exponent


def _general(negative: bool, digits: str, exponent: int, threshold: int, e_char: str) -> str:
    sign = "-" if negative else ""
    if exponent >= threshold or exponent < -4:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mantissa}{e_char}{'+' if exponent >= 0 else '-'}{abs(exponent):02d}"
    if exponent < 0:
        return f"{sign}0.{'0' * (-exponent - 1)}{digits}"
    if len(digits) <= exponent + 1:
        return sign + digits + "0" * (exponent + 1 - len(digits))
    return f"{sign}{digits[: exponent + 1]}.{digits[exponent + 1 :]}"


class NetFormatError(ValueError):
    """The format string is not valid for the value (.NET's FormatException)."""


def format_number(value: int | float | Decimal, fmt: str) -> str:
    """value.ToString(fmt, InvariantCulture) for int, double and decimal values."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return format_double(value)
    if fmt == "":
        fmt = "G"
    standard = _STANDARD.match(fmt)
    if standard:
        return _standard_number(value, standard.group(1), standard.group(2))
    return _custom_number(value, fmt)


def _exact(value: int | float | Decimal) -> Decimal:
    # A double is formatted from its shortest round-trip digits, close to .NET's 15-digit pass.
    if isinstance(value, float):
        return Decimal(repr(value))
    return value if isinstance(value, Decimal) else Decimal(value)


def _round(value: Decimal, places: int) -> Decimal:
    quantum = Decimal(1).scaleb(-places)
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


def _group(digits: str) -> str:
    parts: list[str] = []
    while len(digits) > 3:
        parts.insert(0, digits[-3:])
        digits = digits[:-3]
    parts.insert(0, digits)
    return ",".join(parts)


def _fixed(value: Decimal, places: int, grouped: bool) -> str:
    rounded = _round(abs(value), places)
    text = f"{rounded:f}"
    whole, _, fraction = text.partition(".")
    if grouped:
        whole = _group(whole)
    body = whole + ("." + fraction if places > 0 else "")
    negative = value < 0 and rounded != 0
    return ("-" if negative else "") + body


def _standard_number(value: int | float | Decimal, letter: str, precision_text: str) -> str:
    precision = int(precision_text) if precision_text else None
    upper = letter.upper()
    exact = _exact(value)
    if upper == "D":
        if not isinstance(value, int):
            raise NetFormatError("D is only for integers")
        digits = str(abs(value)).rjust(precision or 0, "0")
        return ("-" if value < 0 else "") + digits
    if upper == "X":
        if not isinstance(value, int):
            raise NetFormatError("X is only for integers")
        number = value if value >= 0 else value + 2**32
        text = format(number, "x" if letter == "x" else "X")
        return text.rjust(precision or 0, "0")
    if upper == "F":
        return _fixed(exact, 2 if precision is None else precision, grouped=False)
    if upper == "N":
        return _fixed(exact, 2 if precision is None else precision, grouped=True)
    if upper == "C":
        text = _fixed(abs(exact), 2 if precision is None else precision, grouped=True)
        return f"(¤{text})" if exact < 0 and text.strip("0.,") else f"¤{text}"
    if upper == "P":
        text = _fixed(exact * 100, 2 if precision is None else precision, grouped=True)
        return text + " %"
    if upper == "E":
        return _scientific(exact, 6 if precision is None else precision, letter, 3)
    if upper == "R" and isinstance(value, float):
        return format_double(value)
    if upper in "GR":
        return _general_format(value, precision, "E" if letter in "GR" else "e")
    raise NetFormatError(f"Unknown format {letter}")


def _scientific(value: Decimal, places: int, letter: str, min_exponent_digits: int) -> str:
    if value == 0:
        mantissa, exponent = Decimal(0), 0
    else:
        exponent = value.copy_abs().adjusted()
        mantissa = _round(value.copy_abs().scaleb(-exponent), places)
        if mantissa >= 10:
            exponent += 1
            mantissa = _round(value.copy_abs().scaleb(-exponent), places)
    text = f"{mantissa:f}"
    sign = "-" if value < 0 else ""
    exp_sign = "-" if exponent < 0 else "+"
    return f"{sign}{text}{letter}{exp_sign}{abs(exponent):0{min_exponent_digits}d}"


def _general_format(value: int | float | Decimal, precision: int | None, e_char: str) -> str:
    if isinstance(value, int) and (precision is None or precision >= len(str(abs(value)))):
        return str(value)
    if isinstance(value, float) and (precision is None or precision == 0):
        text = format_double(value)
        return text.replace("E", e_char)
    exact = _exact(value)
    if isinstance(value, Decimal) and not precision:
        # decimal keeps its scale and never switches to scientific notation here.
        return f"{value:f}"
    if exact == 0:
        return "0"
    assert precision is not None
    rounded = exact.copy_abs().quantize(
        Decimal(1).scaleb(exact.copy_abs().adjusted() - precision + 1), rounding=ROUND_HALF_UP
    )
    digits = str(rounded.as_tuple().digits and "".join(map(str, rounded.as_tuple().digits)))
    digits = digits.rstrip("0") or "0"
    return _general(exact < 0, digits, rounded.adjusted(), precision, e_char)


# -- custom numeric format strings ---------------------------------------------------------------


def _split_sections(fmt: str) -> list[str]:
    sections, current, index = [], [], 0
    quote = None
    while index < len(fmt):
        char = fmt[index]
        if quote:
            if char == quote:
                quote = None
            current.append(char)
        elif char in "'\"":
            quote = char
            current.append(char)
        elif char == "\\" and index + 1 < len(fmt):
            current.append(fmt[index : index + 2])
            index += 1
        elif char == ";":
            sections.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    sections.append("".join(current))
    return sections


def _custom_number(value: int | float | Decimal, fmt: str) -> str:
    exact = _exact(value)
    sections = _split_sections(fmt)
    section = sections[0]
    use_sign = True
    if exact < 0 and len(sections) > 1 and sections[1] != "":
        section, use_sign = sections[1], False
    elif exact == 0 and len(sections) > 2 and sections[2] != "":
        section = sections[2]
    return _apply_custom(exact, section, use_sign)


def _apply_custom(value: Decimal, section: str, use_sign: bool) -> str:
    # First pass: understand the placeholders (outside quotes and escapes).
    literal_mask: list[bool] = []
    chars: list[str] = []
    quote = None
    index = 0
    while index < len(section):
        char = section[index]
        if quote:
            if char == quote:
                quote = None
            else:
                chars.append(char)
                literal_mask.append(True)
        elif char in "'\"":
            quote = char
        elif char == "\\" and index + 1 < len(section):
            chars.append(section[index + 1])
            literal_mask.append(True)
            index += 1
        else:
            chars.append(char)
            literal_mask.append(False)
        index += 1

    def active(position: int, wanted: str) -> bool:
        return not literal_mask[position] and chars[position] in wanted

    placeholders = [i for i in range(len(chars)) if active(i, "0#")]
    point = next((i for i in range(len(chars)) if active(i, ".")), None)
    exponent_at = None
    exponent_digits = 0
    exponent_plus = False
    for i in range(len(chars)):
        if active(i, "eE") and i + 1 < len(chars):
            j = i + 1
            plus = False
            if j < len(chars) and chars[j] in "+-" and not literal_mask[j]:
                plus = chars[j] == "+"
                j += 1
            k = j
            while k < len(chars) and chars[k] == "0" and not literal_mask[k]:
                k += 1
            if k > j:
                exponent_at, exponent_digits, exponent_plus = (i, k), k - j, plus
                break
    end_of_number = exponent_at[0] if exponent_at else len(chars)
    integer_places = [p for p in placeholders if (point is None or p < point) and p < end_of_number]
    fraction_places = [p for p in placeholders if point is not None and point < p < end_of_number]
    last_integer = integer_places[-1] if integer_places else (point if point is not None else 0)
    grouping = any(
        active(i, ",") and integer_places and integer_places[0] < i < last_integer
        for i in range(len(chars))
    )
    scaling = 0
    i = last_integer + 1 if integer_places else 0
    while i < len(chars) and active(i, ","):
        scaling += 1
        i += 1
    percent = sum(1 for i in range(len(chars)) if active(i, "%"))
    permille = sum(1 for i in range(len(chars)) if active(i, "‰"))

    number = value.copy_abs()
    number = number.scaleb(2 * percent + 3 * permille - 3 * scaling)
    exponent = 0
    if exponent_at is not None and number != 0:
        shift = max(len(integer_places), 1)
        exponent = number.adjusted() - shift + 1
        number = number.scaleb(-exponent)
    minimum_fraction = sum(1 for p in fraction_places if chars[p] == "0")
    rounded = number.quantize(Decimal(1).scaleb(-len(fraction_places)), rounding=ROUND_HALF_UP)
    if exponent_at is not None and rounded >= Decimal(10) ** max(len(integer_places), 1):
        exponent += 1
        rounded = number.scaleb(-1).quantize(
            Decimal(1).scaleb(-len(fraction_places)), rounding=ROUND_HALF_UP
        )
    whole_text, _, fraction_text = f"{rounded:f}".partition(".")
    whole_text = whole_text.lstrip("0")
    fraction_text = fraction_text.rstrip("0")
    fraction_text = fraction_text.ljust(minimum_fraction, "0")
    first_zero = next((n for n, p in enumerate(integer_places) if chars[p] == "0"), None)
    minimum_whole = len(integer_places) - first_zero if first_zero is not None else 0
    whole_text = whole_text.rjust(minimum_whole, "0")
    if grouping:
        whole_text = _group(whole_text) if whole_text else whole_text

    out: list[str] = []
    is_zero = rounded == 0
    if value < 0 and use_sign and not is_zero:
        out.append("-")
    integer_emitted = False
    fraction_index = 0
    for i, char in enumerate(chars):
        if exponent_at and exponent_at[0] <= i < exponent_at[1]:
            if i == exponent_at[0]:
                sign = "-" if exponent < 0 else ("+" if exponent_plus else "")
                out.append(char + sign + str(abs(exponent)).rjust(exponent_digits, "0"))
            continue
        if literal_mask[i]:
            out.append(char)
        elif char in "0#":
            if point is None or i < point:
                if not integer_emitted:
                    out.append(whole_text)
                    integer_emitted = True
            else:
                if fraction_index < len(fraction_text):
                    out.append(fraction_text[fraction_index])
                fraction_index += 1
        elif char == ".":
            if not integer_emitted:
                out.append(whole_text)
                integer_emitted = True
            if fraction_text:
                out.append(".")
        elif char == ",":
            continue
        else:
            out.append(char)
    return "".join(out)
