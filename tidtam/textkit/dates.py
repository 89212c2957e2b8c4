"""Find and parse dates written in Thai (and English) text, as they appear in Thai government documents.

Recognised forms (Thai or ASCII digits; Thai month names full, abbreviated with or without dots, or English):

* a day: "17 ก.ค. 2563", "วันที่ 1 มีนาคม 2562", "วันจันทร์ที่ 1 มีนาคม 2562", "17 July 2020", "July 17, 2020",
  "มิถุนายน 20, 2019", "17 ก.ค. 63" (a two-digit year after a Thai month is BE 25xx);
* a range: "๙-๑๐ พฤษภาคม ๒๕๖๕", "30 เมษายน – 2 พฤษภาคม 2565", "1 มี.ค. 2562 ถึง 5 มี.ค. 2562", and of months:
  "ต.ค. 66 – มี.ค. 67", "ตุลาคม – ธันวาคม 2567";
* a month: "มีนาคม 2562", "ม.ค. 63", "July 2020";
* a fiscal year: "ปีงบประมาณ 2568", "ปีงบประมาณ พ.ศ. 2568", "ปีงบฯ 2568", "FY 2568" (a range of them: "ปีงบประมาณ
  2566–2570");
* a quarter: "ไตรมาสที่ 2", "ไตรมาส 1/2568", "ไตรมาสที่ 2 ปีงบประมาณ 2568", "Q2/2568";
* a year with an era or "ปี": "พ.ศ. 2565", "ค.ศ. 2020", "ปี 2565", "พ.ศ. 2566–2570".

A bare 4-digit number is never taken as a year on its own. Years: an explicit era (พ.ศ., ค.ศ., B.E., C.E., A.D.)
decides; otherwise a 4-digit year ≥ 2400 is BE and a smaller one CE (``thaicalendar.parse_be_year``). Text is
normalised first (``tidtam.textkit.normalise``); spans refer to the text as given. Stdlib only; no Django imports.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tidtam.core import thaicalendar as tc
from tidtam.textkit.normalise import NormalisedText, normalise_mapped

__all__ = ["DateKind", "DateMention", "find_dates", "parse_date"]


class DateKind(StrEnum):
    """What a date mention names."""

    DAY = "day"
    RANGE = "range"
    MONTH = "month"
    FISCAL_YEAR = "fiscal_year"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date, range or period found in text.

    ``start`` and ``end`` are CE dates, both inclusive (equal for a day); both are None for a quarter whose fiscal year
    is unknown. ``span`` is ``(start, end)`` in the text given, ``text`` that slice. ``fiscal_year`` (BE) is set for a
    fiscal year and a quarter; ``quarter`` (1–4) for a quarter.
    """

    kind: DateKind
    start: date | None
    end: date | None
    span: tuple[int, int]
    text: str
    fiscal_year: int | None = None
    quarter: int | None = None


# --------------------------------------------------------------------------- month names

_EN_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


def _month_key(token: str) -> str:
    return re.sub(r"[.\s]", "", token).lower()


# Month number by name with dots and spaces removed, lower case: "มีนาคม", "มีค", "march", "mar" → 3.
_MONTH_NUMBERS: dict[str, int] = {
    "sept": 9,
    **{name: n for n, name in enumerate(tc.THAI_MONTHS, start=1)},
    **{_month_key(abbr): n for n, abbr in enumerate(tc.THAI_MONTHS_ABBR, start=1)},
    **{name: n for n, name in enumerate(_EN_MONTHS, start=1)},
    **{name[:3]: n for n, name in enumerate(_EN_MONTHS, start=1)},
}


def _thai_abbr_pattern(abbr: str) -> str:
    first, second = abbr.rstrip(".").split(".")
    dotted = rf"{first}\.\s?{second}\.?"
    # Without dots the letters could be part of a word, so no Thai letter may touch them.
    dotless = rf"(?<![\u0e01-\u0e4e]){first}{second}(?![\u0e01-\u0e4e])"
    return f"{dotted}|{dotless}"


_TH_MONTH = "|".join([*tc.THAI_MONTHS, *map(_thai_abbr_pattern, tc.THAI_MONTHS_ABBR)])
_EN_MONTH = r"(?<![a-z])(?:{})\.?(?![a-z])".format("|".join([*_EN_MONTHS, "sept", *(m[:3] for m in _EN_MONTHS)]))


def _month(name: str) -> str:
    return rf"(?P<{name}>(?P<{name}th>{_TH_MONTH})|{_EN_MONTH})"


# --------------------------------------------------------------------------- building blocks

# Latin era abbreviations must be upper case ("be 2020" in English prose is not an era).
_ERA = r"พ\.?\s?ศ\.?|ค\.?\s?ศ\.?|(?-i:(?<![A-Za-z])(?:B\.?\s?E|C\.?\s?E|A\.?\s?D)\.?)"
_CE_ERA = re.compile(r"ค|C|A")
_NO_MORE_DIGITS = r"(?!\d|[:.]\d)"  # also keeps "10:30" and "10.30 น." from reading as years
_DASH = r"(?:[-–—−]|ถึง)"
_YEAR_DASH = r"[-–—−]"
_FY_WORD = r"(?:ปีงบประมาณ|ปีงบฯ?|(?<![a-z])(?:FY|fiscal\s?year))"
_WEEKDAY = r"(?:จันทร์|อังคาร|พุธ|พฤหัสบดี|พฤหัสฯ?|ศุกร์|เสาร์|อาทิตย์)"
_DAY_PREFIX = rf"(?:วัน{_WEEKDAY}?ที่\s?)?"


def _day(name: str) -> str:
    return rf"(?<!\d)(?P<{name}>\d{{1,2}}){_NO_MORE_DIGITS}"


def _year(name: str, *, short: bool = True) -> str:
    digits = rf"\d{{4}}|(?P<{name}short>\d{{2}})" if short else r"\d{4}"
    return rf"(?P<{name}>(?:(?P<{name}era>{_ERA})\s?)?(?<!\d)(?:{digits})){_NO_MORE_DIGITS}"


_PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "range": rf"{_DAY_PREFIX}{_day('d1')}(?:\s?{_month('m1')}(?:\s?{_year('y1')})?)?"
        rf"\s?{_DASH}\s?{_DAY_PREFIX}{_day('d2')}\s?{_month('m2')}\s?{_year('y2')}",
        "month_range": rf"{_month('m1')}(?:\s?{_year('y1')})?\s?{_DASH}\s?{_month('m2')}\s?{_year('y2')}",
        "day": rf"{_DAY_PREFIX}{_day('d1')}\s?{_month('m1')}\s?{_year('y1')}",
        "month_first": rf"{_month('m1')}\s?{_day('d1')}\s?,?\s?{_year('y1', short=False)}",
        "month": rf"{_month('m1')}\s?{_year('y1')}",
        "fiscal_year": rf"{_FY_WORD}\s?{_year('y1', short=False)}(?:\s?{_YEAR_DASH}\s?{_year('y2', short=False)})?",
        "quarter": rf"(?:ไตรมาส(?:ที่)?|(?<![a-z])Q)\s?(?P<q>[1-4])(?!\d)"
        rf"(?:\s?(?:/|(?:ของ\s?)?(?:{_FY_WORD}|ปี))\s?{_year('y1', short=False)})?",
        "year": rf"(?:ปี\s?)?{_year('y1', short=False)}(?:\s?{_YEAR_DASH}\s?{_year('y2', short=False)})?",
    }.items()
}


# --------------------------------------------------------------------------- interpretation
# A ValueError while reading a match means the text has the shape of a date but names no real one (31 กุมภาพันธ์):
# the match is dropped and still owns its text, so its month is not reported on its own.


def _be_year(m: re.Match[str], name: str, *, default_era: str | None = None) -> int:
    """BE year of group ``name``; ``default_era`` applies when the group has no era of its own (a range's end)."""
    era = m[f"{name}era"] or default_era
    if m.groupdict().get(f"{name}short"):
        two = int(m[f"{name}short"])
        # Two-digit years: BE 25xx unless the era says CE (then 20xx).
        return tc.ce_to_be(2000 + two) if era and _CE_ERA.match(era) else 2500 + two
    digits = m[name][-4:]
    return tc.parse_be_year(f"{era} {digits}" if era else digits)


def _ce_year(m: re.Match[str], name: str, *, default_era: str | None = None) -> int:
    return tc.be_to_ce(_be_year(m, name, default_era=default_era))


def _month_number(m: re.Match[str], name: str) -> int:
    return _MONTH_NUMBERS[_month_key(m[name])]


def _short_year_needs_thai_month(m: re.Match[str], year: str, month: str) -> bool:
    # "17 July 20" is too ambiguous: a two-digit year only follows a Thai month name.
    return bool(m.groupdict().get(f"{year}short")) and not m[f"{month}th"]


_Read = tuple[DateKind, date | None, date | None, int | None, int | None]


def _read_range(m: re.Match[str]) -> _Read | None:
    """A range of days ("9-10 พฤษภาคม 2565") or of months ("ต.ค. 66 – มี.ค. 67"); the start borrows what it lacks."""
    if _short_year_needs_thai_month(m, "y2", "m2") or (m["y1"] and _short_year_needs_thai_month(m, "y1", "m1")):
        return None
    groups = m.groupdict()
    end_year, end_month = _ce_year(m, "y2"), _month_number(m, "m2")
    end = date(end_year, end_month, int(groups["d2"]) if groups.get("d2") else monthrange(end_year, end_month)[1])
    start_day = int(groups["d1"]) if groups.get("d1") else 1
    start_month = _month_number(m, "m1") if m["m1"] else end_month
    start_year = _ce_year(m, "y1") if m["y1"] else end_year
    start = date(start_year, start_month, start_day)
    if start > end and m["m1"] and not m["y1"]:  # "30 ธันวาคม – 2 มกราคม 2565" starts the year before
        start = date(start_year - 1, start_month, start_day)
    if start > end:
        raise ValueError("range ends before it starts")
    return DateKind.RANGE, start, end, None, None


def _read_years(m: re.Match[str], kind: DateKind) -> _Read:
    first = _be_year(m, "y1")
    last = _be_year(m, "y2", default_era=m["y1era"]) if m["y2"] else first
    if last < first:
        raise ValueError("range ends before it starts")
    if kind is DateKind.FISCAL_YEAR:
        start, end = tc.fiscal_year_bounds(first)[0], tc.fiscal_year_bounds(last)[1]
    else:
        start, end = date(tc.be_to_ce(first), 1, 1), date(tc.be_to_ce(last), 12, 31)
    if last > first:
        return DateKind.RANGE, start, end, None, None
    return kind, start, end, first if kind is DateKind.FISCAL_YEAR else None, None


def _read(form: str, m: re.Match[str]) -> _Read | None:
    """Interpret a match as ``(kind, start, end, fiscal_year, quarter)``; None if it is not a date after all."""
    if form in ("range", "month_range"):
        return _read_range(m)
    if form in ("day", "month_first"):
        if _short_year_needs_thai_month(m, "y1", "m1"):
            return None
        d = date(_ce_year(m, "y1"), _month_number(m, "m1"), int(m["d1"]))
        return DateKind.DAY, d, d, None, None
    if form == "month":
        # A two-digit year only after an abbreviated Thai month ("ม.ค. 63"); "มีนาคม 15" is more likely a count.
        if m["y1short"] and (not m["m1th"] or m["m1"] in tc.THAI_MONTHS):
            return None
        year, month = _ce_year(m, "y1"), _month_number(m, "m1")
        return DateKind.MONTH, date(year, month, 1), date(year, month, monthrange(year, month)[1]), None, None
    if form == "fiscal_year":
        return _read_years(m, DateKind.FISCAL_YEAR)
    if form == "quarter":
        fy = _be_year(m, "y1") if m["y1"] else None
        return DateKind.QUARTER, None, None, fy, int(m["q"])  # bounds once the fiscal year is known
    if form == "year":
        if not m["y1era"] and not m[0].startswith("ปี"):
            return None  # a bare number: never a year on its own
        return _read_years(m, DateKind.YEAR)
    raise AssertionError(form)  # pragma: no cover


# --------------------------------------------------------------------------- public API


def _candidates(norm: str) -> list[tuple[int, int, int, str, re.Match[str]]]:
    found = []
    for priority, (form, pattern) in enumerate(_PATTERNS.items()):
        for m in pattern.finditer(norm):
            found.append((m.start(), -(m.end() - m.start()), priority, form, m))
    found.sort(key=lambda c: c[:3])
    return found


def _mentions(mapped: NormalisedText, fiscal_year: int | None) -> list[DateMention]:
    mentions: list[DateMention] = []
    taken_until = 0
    for start, _, _, form, m in _candidates(mapped.text):
        if start < taken_until:
            continue
        try:
            read = _read(form, m)
        except ValueError:
            taken_until = m.end()
            continue
        if read is None:
            continue
        taken_until = m.end()
        kind, first, last, fy, quarter = read
        if kind is DateKind.QUARTER:
            fy = fy if fy is not None else fiscal_year
            if fy is not None:
                try:
                    first, last = tc.quarter_bounds(fy, quarter)
                except ValueError:
                    continue
        span = mapped.source_span(m.start(), m.end())
        text = mapped.source[span[0] : span[1]]
        mentions.append(DateMention(kind, first, last, span, text, fy, quarter))
    return mentions


def find_dates(text: str, *, fiscal_year: int | None = None) -> list[DateMention]:
    """Return the date mentions in ``text``, in order, without overlaps (the longest wins where two start together).

    ``fiscal_year`` (BE) is the context for a quarter written without one ("ไตรมาสที่ 2"); without it such a quarter
    is returned with ``start`` and ``end`` None. Impossible dates ("31 กุมภาพันธ์ 2565") are left out.
    """
    return _mentions(normalise_mapped(text), fiscal_year)


def parse_date(text: str, *, fiscal_year: int | None = None) -> DateMention | None:
    """Parse ``text`` that is one date expression as a whole (surrounding whitespace aside); None otherwise.

    "17 ก.ค. 2563" → a day, 2020-07-17; "ปีงบประมาณ 2568" → a fiscal year, 2024-10-01 .. 2025-09-30;
    "ประชุม 17 ก.ค. 2563" → None (use ``find_dates`` for running text).
    """
    mapped = normalise_mapped(text)
    mentions = _mentions(mapped, fiscal_year)
    if len(mentions) == 1 and mentions[0].span == mapped.source_span(0, len(mapped.text)):
        return mentions[0]
    return None
