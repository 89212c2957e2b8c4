"""Thai calendar helpers: Buddhist Era years, the Thai fiscal year, formatting and parsing.

Conventions used throughout:

* Dates are stored in CE (``datetime.date``); the Buddhist Era (BE = CE + 543) is for display and input.
* The Thai fiscal year runs 1 October – 30 September and is named by the BE year in which it ends:
  FY 2568 = 2024-10-01 .. 2025-09-30. Q1 = Oct–Dec, Q2 = Jan–Mar, Q3 = Apr–Jun, Q4 = Jul–Sep.
* Thai digits (๐–๙) are accepted anywhere a number is typed.
* Errors raised for bad user input are ``ValueError`` with a Thai / English message.

Stdlib only; no Django imports.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

__all__ = [
    "BE_OFFSET",
    "PHASE_ANCHOR",
    "PHASE_LENGTH",
    "THAI_DIGITS",
    "THAI_MONTHS",
    "THAI_MONTHS_ABBR",
    "be_to_ce",
    "ce_to_be",
    "fiscal_month_index",
    "fiscal_months",
    "fiscal_quarter",
    "fiscal_year",
    "fiscal_year_bounds",
    "format_fiscal_year",
    "format_quarter",
    "format_thai_date",
    "format_thai_datetime",
    "parse_be_year",
    "parse_number",
    "parse_period",
    "phase_of",
    "quarter_bounds",
    "thai_month_name",
    "to_arabic_digits",
    "to_thai_digits",
]

BE_OFFSET = 543
PHASE_ANCHOR = 2561  # first year of the first 5-year National Strategy phase (BE)
PHASE_LENGTH = 5

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_TO_THAI = str.maketrans("0123456789", THAI_DIGITS)
_TO_ARABIC = str.maketrans(THAI_DIGITS, "0123456789")

THAI_MONTHS: tuple[str, ...] = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
THAI_MONTHS_ABBR: tuple[str, ...] = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)

# Fiscal quarter -> (first month, last month, last day of last month); Q1 lies in the previous CE year.
_QUARTER_MONTHS = {1: (10, 12, 31), 2: (1, 3, 31), 3: (4, 6, 30), 4: (7, 9, 30)}

# Smallest BE year that is read as BE when typed without an era prefix; below this it is read as CE.
_BARE_BE_MIN = 2400


# --------------------------------------------------------------------------- years


def ce_to_be(year: int) -> int:
    """Convert a CE (Gregorian) year to the Buddhist Era year (CE + 543)."""
    return year + BE_OFFSET


def be_to_ce(year: int) -> int:
    """Convert a Buddhist Era year to the CE (Gregorian) year (BE − 543)."""
    return year - BE_OFFSET


def fiscal_year(d: date) -> int:
    """Return the BE fiscal year containing ``d`` (October onwards belongs to the next year)."""
    return ce_to_be(d.year) + (1 if d.month >= 10 else 0)


def fiscal_quarter(d: date) -> int:
    """Return the fiscal quarter (1–4) of ``d``: Q1 = Oct–Dec, Q2 = Jan–Mar, Q3 = Apr–Jun, Q4 = Jul–Sep."""
    return 1 if d.month >= 10 else (d.month - 1) // 3 + 2


def _fy_end_ce_year(fy_be: int) -> int:
    """CE year in which fiscal year ``fy_be`` ends; ValueError if the year is not representable as dates."""
    ce = be_to_ce(fy_be)
    if not (date.min.year + 1 <= ce <= date.max.year):
        raise ValueError(f"ปีงบประมาณอยู่นอกช่วงที่รองรับ / fiscal year out of supported range: {fy_be!r}")
    return ce


def fiscal_year_bounds(fy_be: int) -> tuple[date, date]:
    """Return the first and last day (CE dates) of BE fiscal year ``fy_be``, e.g. 2568 → (2024-10-01, 2025-09-30)."""
    ce = _fy_end_ce_year(fy_be)
    return date(ce - 1, 10, 1), date(ce, 9, 30)


def _check_quarter(quarter: object) -> None:
    if isinstance(quarter, bool) or not isinstance(quarter, int) or quarter not in _QUARTER_MONTHS:
        raise ValueError(f"ไตรมาสต้องเป็น 1–4 / quarter must be 1-4: {quarter!r}")


def quarter_bounds(fy_be: int, quarter: int) -> tuple[date, date]:
    """Return the first and last day (CE dates) of ``quarter`` (1–4) in BE fiscal year ``fy_be``.

    Raises ValueError for a quarter outside 1–4.
    """
    _check_quarter(quarter)
    ce = _fy_end_ce_year(fy_be)
    first_month, last_month, last_day = _QUARTER_MONTHS[quarter]
    year = ce - 1 if quarter == 1 else ce
    return date(year, first_month, 1), date(year, last_month, last_day)


def fiscal_month_index(d: date) -> int:
    """Return the position of ``d``'s month within its fiscal year: 1 = October … 12 = September."""
    return (d.month - 10) % 12 + 1


def fiscal_months(fy_be: int) -> list[tuple[int, int]]:
    """Return the 12 months of BE fiscal year ``fy_be`` as ``(ce_year, month)`` pairs, in order Oct … Sep."""
    ce = _fy_end_ce_year(fy_be)
    return [(ce - 1, m) for m in (10, 11, 12)] + [(ce, m) for m in range(1, 10)]


def phase_of(be_year: int) -> tuple[int, int]:
    """Return ``(first, last)`` BE years of the 5-year National Strategy phase containing ``be_year``.

    Phases are aligned to 2561 (2561–2565, 2566–2570, …) and extended in both directions.
    """
    start = PHASE_ANCHOR + ((be_year - PHASE_ANCHOR) // PHASE_LENGTH) * PHASE_LENGTH
    return start, start + PHASE_LENGTH - 1


# --------------------------------------------------------------------------- digits & formatting


def to_thai_digits(s: str) -> str:
    """Replace ASCII digits 0–9 with Thai digits ๐–๙; every other character is left unchanged."""
    return s.translate(_TO_THAI)


def to_arabic_digits(s: str) -> str:
    """Replace Thai digits ๐–๙ with ASCII digits 0–9; every other character is left unchanged."""
    return s.translate(_TO_ARABIC)


def _digits(s: str, thai_digits: bool) -> str:
    return to_thai_digits(s) if thai_digits else s


def thai_month_name(month: int, *, abbr: bool = False) -> str:
    """Return the Thai name of ``month`` (1–12), abbreviated (e.g. "ต.ค.") if ``abbr``; ValueError otherwise."""
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise ValueError(f"เดือนต้องเป็น 1–12 / month must be 1-12: {month!r}")
    return (THAI_MONTHS_ABBR if abbr else THAI_MONTHS)[month - 1]


def format_thai_date(d: date, *, abbr: bool = False, thai_digits: bool = False) -> str:
    """Format ``d`` as "1 ตุลาคม 2567" (BE year); ``abbr`` gives "1 ต.ค. 2567"; ``thai_digits`` uses ๐–๙."""
    text = f"{d.day} {thai_month_name(d.month, abbr=abbr)} {ce_to_be(d.year)}"
    return _digits(text, thai_digits)


def format_thai_datetime(dt: datetime, *, abbr: bool = False, thai_digits: bool = False) -> str:
    """Format ``dt`` as "1 ตุลาคม 2567 14:05 น." (24-hour clock, in ``dt``'s own timezone; no conversion)."""
    text = f"{format_thai_date(dt, abbr=abbr)} {dt.hour:02d}:{dt.minute:02d} น."
    return _digits(text, thai_digits)


def format_fiscal_year(fy_be: int, *, thai_digits: bool = False) -> str:
    """Format a BE fiscal year as "ปีงบประมาณ 2568"."""
    return _digits(f"ปีงบประมาณ {fy_be}", thai_digits)


def format_quarter(fy_be: int, q: int, *, thai_digits: bool = False) -> str:
    """Format quarter ``q`` of BE fiscal year ``fy_be`` as "ไตรมาส 1/2568"; ValueError for q outside 1–4."""
    _check_quarter(q)
    return _digits(f"ไตรมาส {q}/{fy_be}", thai_digits)


# --------------------------------------------------------------------------- parsing

# After Thai digits are mapped to ASCII: optional sign, an integer part that is either plain digits or
# correctly grouped thousands ("1,234,567"), and an optional fraction. ".5" is allowed; "5." is not.
_NUMBER_RE = re.compile(
    r"""
    (?P<sign>[+-])?
    (?:
        (?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<frac>[0-9]+))?
      | \.(?P<frac_only>[0-9]+)
    )
    """,
    re.VERBOSE,
)


def parse_number(s: str) -> Decimal:
    """Parse a typed number (Thai or ASCII digits) into a ``Decimal``.

    Accepts surrounding whitespace, an optional leading sign, thousands separators "," in valid positions
    and a decimal point: "1,234.50", " -๑,๒๓๔ ", "+0.5", ".5". Anything else (empty, "12,34", "1e5", NaN,
    Infinity, letters) raises ValueError with a Thai / English message.
    """
    if not isinstance(s, str):
        raise TypeError(f"parse_number expects str, got {type(s).__name__}")
    m = _NUMBER_RE.fullmatch(to_arabic_digits(s.strip()))
    if m is None:
        raise ValueError(f"ไม่ใช่ตัวเลข / not a number: {s!r}")
    text = (m["sign"] or "") + (m["int"] or "0").replace(",", "")
    frac = m["frac"] if m["frac"] is not None else m["frac_only"]
    if frac is not None:
        text += "." + frac
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the regex only lets valid literals through
        raise ValueError(f"ไม่ใช่ตัวเลข / not a number: {s!r}") from exc


_BE_PREFIX = r"พ\.?\s*ศ\.?|B\.?\s*E\.?"
_CE_PREFIX = r"ค\.?\s*ศ\.?|C\.?\s*E\.?|A\.?\s*D\.?"
_YEAR_RE = re.compile(
    rf"(?:(?P<be>{_BE_PREFIX})|(?P<ce>{_CE_PREFIX}))?\s*(?P<year>[0-9]+)",
    re.IGNORECASE,
)
_MIN_BE = ce_to_be(date.min.year)
_MAX_BE = ce_to_be(date.max.year)


def _invalid_year(s: object) -> ValueError:
    return ValueError(f"ปีไม่ถูกต้อง / invalid year: {s!r}")


def parse_be_year(s: str | int) -> int:
    """Parse a typed year and return it as a BE year.

    "2568", "๒๕๖๘", "พ.ศ. 2568", "พ.ศ.2568" → 2568. A CE year is converted: "ค.ศ. 2025" → 2568, and a bare
    year below 2400 is taken as CE ("2025" → 2568); the same rule applies to ``int`` input. The result must
    correspond to a CE year representable by ``datetime.date`` (1–9999). Otherwise ValueError.
    """
    if isinstance(s, bool):
        raise _invalid_year(s)
    if isinstance(s, int):
        be = s if s >= _BARE_BE_MIN else ce_to_be(s)
    elif isinstance(s, str):
        m = _YEAR_RE.fullmatch(to_arabic_digits(s.strip()))
        if m is None:
            raise _invalid_year(s)
        year = int(m["year"])
        if m["be"]:
            be = year
        elif m["ce"] or year < _BARE_BE_MIN:
            be = ce_to_be(year)
        else:
            be = year
    else:
        raise _invalid_year(s)
    if not _MIN_BE <= be <= _MAX_BE:
        raise _invalid_year(s)
    return be


_PERIOD_RE = re.compile(r"(?P<start>[0-9]{4})(?:\s*[-–—−]\s*(?P<end>[0-9]{4}))?")


def parse_period(s: str) -> tuple[int, int]:
    """Parse a BE fiscal year or BE year range into ``(start, end)``.

    "2568" → (2568, 2568); "2566-2570", "2566–2570", "๒๕๖๖-๒๕๗๐" → (2566, 2570). Years must be 4-digit BE
    years (≥ 2400; CE years are rejected, not converted). ValueError if malformed or start > end.
    """
    if not isinstance(s, str):
        raise TypeError(f"parse_period expects str, got {type(s).__name__}")
    m = _PERIOD_RE.fullmatch(to_arabic_digits(s.strip()))
    if m is None:
        raise ValueError(f"ช่วงปีไม่ถูกต้อง / invalid period: {s!r}")
    start = int(m["start"])
    end = int(m["end"]) if m["end"] is not None else start
    if start < _BARE_BE_MIN or end < _BARE_BE_MIN:
        raise ValueError(f"ต้องเป็นปี พ.ศ. / years must be Buddhist Era: {s!r}")
    if start > end:
        raise ValueError(f"ปีเริ่มต้นมากกว่าปีสิ้นสุด / start year after end year: {s!r}")
    return start, end
