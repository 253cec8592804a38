"""Parsers that turn raw spreadsheet cells into typed values.

Cells come from python-calamine, csv or parquet, so a parser may see ``str``, ``float``,
``int``, ``bool``, ``date``, ``datetime``, ``time``, ``timedelta``, ``None``, NaN, and
(from pandas/parquet) numpy scalars, ``Decimal``, ``pd.NaT`` or ``pd.NA``.

Every parser returns ``None`` for an empty cell and raises :class:`Unreadable` (a
``ValueError``) with a short English reason when a non-empty cell cannot be read; callers
turn that into finding F007 (or F008 for :class:`DigitsLost`). Parsers are pure and are
applied to the unique values of a column.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from ledgercheck import idnumber

__all__ = [
    "DigitsLost",
    "Unreadable",
    "clean_text",
    "is_empty",
    "parse_bool",
    "parse_date",
    "parse_id_number",
    "parse_int",
    "parse_number",
    "parse_ratio",
    "parse_text",
    "parse_year",
]


class Unreadable(ValueError):
    """A non-empty cell that cannot be read as the expected type."""


class DigitsLost(Unreadable):
    """An ID number that went through a spreadsheet number and lost digits."""


# --- patterns -------------------------------------------------------------------------
# [0-9] rather than \d: \d also matches Arabic-Indic and other Unicode digits.

# Zero-width characters are invisible in Excel but break equality; BOMs leak from CSV.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_ALL_SPACE = re.compile(r"[\s" + _INVISIBLE + r"]+")
# str.strip() with an explicit set is linear; a regex like r"\s+$" is quadratic on long
# inner runs of spaces. Unicode has no whitespace above U+3000.
_STRIP_CHARS = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace()) + _INVISIBLE
# Some exports wrap codes as ="…" so that Excel keeps them as text when opening the CSV.
_EXCEL_TEXT_FORMULA = re.compile(r'="(?P<inner>[^"]*)"')

_NUMBER = re.compile(
    r"(?P<sign>[+-]?)(?P<cur>¥|RMB|CNY|人民币)?"
    r"(?P<num>(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)"
    r"(?P<exp>[eE][+-]?[0-9]{1,3})?"
    r"(?P<unit>元|圆|块|万元|万|亿元|亿|千伏安|(?i:kva))?",
)
_MULTIPLIER = {"万元": 10_000, "万": 10_000, "亿元": 100_000_000, "亿": 100_000_000}

_INT = re.compile(
    r"(?P<num>[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+))(?:\.0*)?"
    r"(?:人|个月|月|次|年|户|个|天|日|口|岁|周岁)?",
)
_PERCENT = re.compile(r"(?P<num>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))%")

# Separators must agree ('2020-06-30', not '2020-06/30'); a time part is allowed and ignored.
# Date text keeps single spaces (see _date_text), hence the optional ' ?'.
_DATE_SEP = re.compile(
    r"(?P<y>[0-9]{4}) ?(?P<sep>[-/.]) ?(?P<m>[0-9]{1,2}) ?(?P=sep) ?(?P<d>[0-9]{1,2})"
    r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?",
)
_DATE_CJK = re.compile(
    r"(?P<y>[0-9]{4}) ?年 ?(?P<m>[0-9]{1,2}) ?月 ?(?P<d>[0-9]{1,2}) ?(?:[日号])?",
)
_DATE_COMPACT = re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})")
_SERIAL = re.compile(r"[0-9]{1,7}(?:\.[0-9]*)?")

_YEAR = re.compile(r"(?P<y>[0-9]{4})(?:\.0*)?(?:年度?)?")
_YEAR_MONTH = re.compile(r"(?P<y>[0-9]{4})(?:年[0-9]{1,2}月份?|[-/.][0-9]{1,2})")
_MIN_YEAR, _MAX_YEAR = 1900, 2100

_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?E[+-]?[0-9]+")
# '460203199001011200.0': the text of a float, so the value passed through a float.
_FLOAT_TEXT = re.compile(r"[0-9]{16,}\.0*")
# Excel keeps 15 significant digits and pads an 18-digit number with zeros.
_EXCEL_TRUNCATED = re.compile(r"[0-9]{15}000")

# Excel's 1900 date system counts 1900-02-29, which never existed: serials from 61 on are
# one day ahead of a plain count from 1899-12-31.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_EPOCH_BEFORE_LEAP_BUG = dt.date(1899, 12, 31)
_EXCEL_FAKE_LEAP_DAY = 60
_EXCEL_MAX_SERIAL = 2_958_465  # 9999-12-31

_TRUE = {
    "是", "Y", "YES", "TRUE", "T", "√", "✓", "✔", "☑", "有", "1", "1.0", "对",
    "已参加", "已参保", "已签约", "已治愈", "已享受",
}  # fmt: skip
_FALSE = {
    "否", "N", "NO", "FALSE", "F", "×", "✗", "✘", "✕", "☒", "无", "没有", "0", "0.0", "不是",
    "未参加", "未参保", "未签约", "未治愈", "未享受",
}  # fmt: skip


# --- shared helpers -------------------------------------------------------------------


def _native(v: object) -> object:
    """Turn a numpy scalar into its Python counterpart so the isinstance checks work."""
    if type(v).__module__ == "numpy" and not isinstance(v, float | str):
        name = type(v).__name__
        # .item() of a datetime64[ns] is an int of nanoseconds, not a datetime.
        if not name.startswith(("datetime64", "timedelta64")):
            item = getattr(v, "item", None)
            if callable(item):
                return item()
    return v


def is_empty(v: object) -> bool:
    """True for None, NaN, pandas NA/NaT and strings of only (any kind of) whitespace."""
    if v is None:
        return True
    if isinstance(v, str):
        return not v or _ALL_SPACE.fullmatch(v) is not None
    if isinstance(v, float):
        return math.isnan(v)
    # pd.NaT is a datetime instance whose methods raise; matched by name to avoid pandas.
    return type(v).__name__ in ("NaTType", "NAType")


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _strip(s: str) -> str:
    return s.strip(_STRIP_CHARS)


def _collapse_line_breaks(s: str) -> str:
    """Join the lines of a cell: with nothing between CJK characters (人均 / 纯收入 on two
    lines is one word wrapped to fit the column), with a space otherwise."""
    lines = [line for line in map(_strip, s.splitlines()) if line]
    if len(lines) <= 1:
        return lines[0] if lines else ""
    pieces = [lines[0]]
    for prev, line in itertools.pairwise(lines):
        if not (_is_wide(prev[-1]) and _is_wide(line[0])):
            pieces.append(" ")
        pieces.append(line)
    return "".join(pieces)


def _number_text(v: float | int) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _as_text(v: object) -> str:
    """Render a non-string cell the way a person reads it in the sheet."""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int | float):
        return _number_text(v)
    if isinstance(v, dt.datetime):
        if v.time() == dt.time(0):
            return v.date().isoformat()
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, Decimal):
        return _number_text(float(v)) if v.is_finite() else str(v)
    return str(v)


def _text(v: object, *, nfkc: bool) -> str | None:
    v = _native(v)
    if is_empty(v):
        return None
    s = v if isinstance(v, str) else _as_text(v)
    if nfkc:
        s = unicodedata.normalize("NFKC", s)
    return _collapse_line_breaks(s) or None


def clean_text(v: object) -> str | None:
    """NFKC-normalised, stripped text with inner line breaks collapsed; empty -> None.

    NFKC turns full-width digits, letters, brackets and spaces into their ASCII forms, so
    '（１２）' and '(12)' compare equal.
    """
    return _text(v, nfkc=True)


def parse_text(v: object) -> str | None:
    """Stripped text without NFKC (a name keeps the characters it was written with)."""
    return _text(v, nfkc=False)


def _compact(v: str) -> str:
    """NFKC text with all whitespace removed, for parsing numbers and codes."""
    s = unicodedata.normalize("NFKC", v)
    # U+2212 MINUS SIGN survives NFKC but is what some exporters write for '-'.
    return _ALL_SPACE.sub("", s).replace("\u2212", "-")


def _date_text(v: str) -> str:
    """NFKC text with whitespace runs reduced to one space: '2020-06-30 00:00' keeps its
    space so the time part stays apart from the day."""
    s = unicodedata.normalize("NFKC", v)
    return _ALL_SPACE.sub(" ", s).strip()


def _preview(v: object) -> str:
    text = v if isinstance(v, str) else _as_text(v)
    return text if len(text) <= 30 else text[:27] + "..."


def _not_a(kind: str, v: object) -> Unreadable:
    return Unreadable(f"not {kind}: {_preview(v)!r}")


# --- booleans -------------------------------------------------------------------------


def parse_bool(v: object) -> bool | None:
    """是/否, Y/N, yes/no, true/false, √/×, ✓/✗, 有/无, 1/0, 已…/未… ; empty -> None."""
    v = _native(v)
    if is_empty(v):
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float | Decimal):
        if v == 1:
            return True
        if v == 0:
            return False
        raise _not_a("a yes/no value", v)
    if not isinstance(v, str):
        raise _not_a("a yes/no value", v)
    key = _compact(v).upper()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise _not_a("a yes/no value", v)


# --- numbers --------------------------------------------------------------------------


def _finite(x: float, v: object) -> float:
    if not math.isfinite(x):
        raise Unreadable(f"not a finite number: {_preview(v)!r}")
    return x


def _real(v: object, kind: str) -> float:
    """A number cell as a finite float; bools and dates are not numbers."""
    if isinstance(v, bool) or not isinstance(v, int | float | Decimal):
        raise _not_a(kind, v)
    try:
        return _finite(float(v), v)
    except OverflowError as exc:  # an int too large for a float
        raise Unreadable(f"number too large: {_preview(v)!r}") from exc


def _decimal_text(v: str, kind: str, *, bare: bool = False) -> tuple[Decimal, str]:
    """Parse number text into (value, unit); the unit is '' when absent. ``bare`` refuses
    a currency sign or a unit."""
    m = _NUMBER.fullmatch(_compact(v))
    if m is None or (bare and (m["cur"] or m["unit"])):
        raise _not_a(kind, v)
    text = m["sign"] + m["num"].replace(",", "") + (m["exp"] or "")
    try:
        return Decimal(text), m["unit"] or ""
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only numbers
        raise _not_a(kind, v) from exc


def parse_number(v: object) -> float | None:
    """Money or a quantity: 1234.5, '1,234.50', '1234元', '¥150', '1.2万' (x 10000)."""
    v = _native(v)
    if is_empty(v):
        return None
    if not isinstance(v, str):
        return _real(v, "a number")
    value, unit = _decimal_text(v, "a number")
    # Decimal keeps '1.1万' at 11000 rather than 11000.000000000002.
    value *= _MULTIPLIER.get(unit, 1)
    return _finite(float(value), v)


def parse_int(v: object) -> int | None:
    """A whole number: 5, 5.0, '5', '５', '5人', '6个月', '3次', '2019年'."""
    v = _native(v)
    if is_empty(v):
        return None
    if not isinstance(v, str):
        if isinstance(v, int) and not isinstance(v, bool):
            return _int64(v, v)
        x = _real(v, "a whole number")
        if not x.is_integer():
            raise Unreadable(f"not a whole number: {_preview(v)!r}")
        return _int64(int(x), v)
    m = _INT.fullmatch(_compact(v))
    if m is None:
        raise _not_a("a whole number", v)
    try:
        n = int(m["num"].replace(",", ""))
    except ValueError as exc:  # more digits than int() accepts from text
        raise Unreadable(f"number too large: {_preview(v)!r}") from exc
    return _int64(n, v)


def _int64(n: int, v: object) -> int:
    """A whole number a typed column can hold (1e300 is whole, but no Int64)."""
    if not -(2**63) <= n < 2**63:
        raise Unreadable(f"number too large: {_preview(v)!r}")
    return n


def _fraction(x: Decimal, v: object) -> float:
    if x < 0 or x > 100:
        raise Unreadable(f"not a ratio between 0 and 100%: {_preview(v)!r}")
    return float(x) if x <= 1 else float(x / 100)


def parse_ratio(v: object) -> float | None:
    """A ratio as a fraction: 0.9, '0.9', '90%', '９０％', 90 -> 0.9; 1 means 100%."""
    v = _native(v)
    if is_empty(v):
        return None
    if not isinstance(v, str):
        # str() of a float is its shortest repr, so 33.3 gives 0.333 and not 0.33299...
        return _fraction(Decimal(str(_real(v, "a ratio"))), v)
    s = _compact(v)
    m = _PERCENT.fullmatch(s)
    if m is not None:
        pct = Decimal(m["num"])
        if pct < 0 or pct > 100:
            raise Unreadable(f"not a ratio between 0 and 100%: {_preview(v)!r}")
        return float(pct / 100)
    value, _ = _decimal_text(v, "a ratio", bare=True)
    return _fraction(value, v)


# --- dates ----------------------------------------------------------------------------


def _from_serial(serial: float, v: object) -> dt.date:
    if not 1 <= serial < _EXCEL_MAX_SERIAL + 1:
        raise Unreadable(f"not a date (Excel serial out of range): {_preview(v)!r}")
    days = int(serial)  # a fractional part is the time of day
    if days == _EXCEL_FAKE_LEAP_DAY:
        raise Unreadable("not a date: Excel serial 60 is 1900-02-29, which does not exist")
    if days < _EXCEL_FAKE_LEAP_DAY:
        return _EXCEL_EPOCH_BEFORE_LEAP_BUG + dt.timedelta(days=days)
    return _EXCEL_EPOCH + dt.timedelta(days=days)


def _ymd(m: re.Match[str], v: object) -> dt.date:
    try:
        return dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError as exc:
        raise Unreadable(f"not a real date: {_preview(v)!r}") from exc


def _date_from_text(s: str, v: object) -> dt.date | None:
    """Textual date forms (not serials); None when s has none of the forms."""
    for pattern in (_DATE_SEP, _DATE_CJK, _DATE_COMPACT):
        m = pattern.fullmatch(s)
        if m is not None:
            return _ymd(m, v)
    return None


def _date_from_number(x: float, v: object) -> dt.date:
    # An 8-digit number cell like 20200630 is beyond every serial: it was typed as yyyymmdd.
    if x.is_integer() and 10_000_101 <= x <= 99_991_231:
        m = _DATE_COMPACT.fullmatch(str(int(x)))
        if m is not None:
            return _ymd(m, v)
    return _from_serial(x, v)


def parse_date(v: object) -> dt.date | None:
    """A date from a date cell, an Excel serial, or text such as '2020/6/30', '2020年6月30日'."""
    v = _native(v)
    if is_empty(v):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if not isinstance(v, str):
        return _date_from_number(_real(v, "a date"), v)
    s = _date_text(v)
    found = _date_from_text(s, v)
    if found is not None:
        return found
    if _SERIAL.fullmatch(s):
        return _from_serial(float(s), v)
    raise _not_a("a date", v)


def _check_year(year: int, v: object) -> int:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise Unreadable(f"year outside {_MIN_YEAR}-{_MAX_YEAR}: {_preview(v)!r}")
    return year


def parse_year(v: object) -> int | None:
    """A year: 2019, 2019.0, '2019', '2019年', '２０１９年', a date, '2019-12-01'."""
    v = _native(v)
    if is_empty(v):
        return None
    if isinstance(v, dt.date):
        return _check_year(v.year, v)
    if not isinstance(v, str):
        # A number in a year column is the year itself, never an Excel serial.
        x = _real(v, "a year")
        if not x.is_integer():
            raise _not_a("a year", v)
        return _check_year(int(x), v)
    s = _compact(v)
    m = _YEAR.fullmatch(s) or _YEAR_MONTH.fullmatch(s)
    if m is not None:
        return _check_year(int(m["y"]), v)
    found = _date_from_text(_date_text(v), v)
    if found is None:
        raise _not_a("a year", v)
    return _check_year(found.year, v)


# --- ID numbers -----------------------------------------------------------------------


def _excel_general(x: float) -> str:
    """A number as Excel's General format shows it in an ordinary column width."""
    if x.is_integer() and abs(x) < 1e11:
        return str(int(x))
    mantissa, exponent = f"{x:.5E}".split("E")
    mantissa = mantissa.rstrip("0").rstrip(".")
    sign = exponent[0]
    return f"{mantissa}E{sign}{int(exponent[1:]):02d}"


def _shown_as_number(v: int | float | Decimal) -> str:
    try:
        x = float(v)
    except OverflowError:
        return str(v)
    return _excel_general(x) if math.isfinite(x) else str(v)


def parse_id_number(v: object) -> str | None:
    """An ID number as upper-case NFKC text without spaces; DigitsLost when it went
    through a spreadsheet number. Malformed IDs are returned for idnumber.problem()."""
    v = _native(v)
    if is_empty(v):
        return None
    if isinstance(v, bool):
        raise _not_a("an ID number", v)
    if isinstance(v, int | float | Decimal):
        raise DigitsLost(f"ID number stored as a number ({_shown_as_number(v)}): digits lost")
    if not isinstance(v, str):
        raise _not_a("an ID number", v)
    s = _compact(v).upper()
    quoted = _EXCEL_TEXT_FORMULA.fullmatch(s)
    if quoted is not None:
        s = quoted["inner"]
    if _SCIENTIFIC.fullmatch(s):
        raise DigitsLost(f"ID number in scientific notation ({s}): digits lost")
    if _FLOAT_TEXT.fullmatch(s):
        raise DigitsLost(f"ID number written as a decimal number ({s}): digits lost")
    if _EXCEL_TRUNCATED.fullmatch(s) and idnumber.check_digit(s[:17]) != s[17]:
        raise DigitsLost(
            f"ID number ends in 000 with a wrong check digit ({s}): "
            "Excel kept only 15 significant digits",
        )
    return s
