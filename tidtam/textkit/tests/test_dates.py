"""Tests for tidtam.textkit.dates (pure Python, no database)."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tidtam.core import thaicalendar as tc
from tidtam.textkit.dates import DateKind, find_dates, parse_date

DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
FISCAL_YEARS = st.integers(min_value=tc.ce_to_be(1900), max_value=tc.ce_to_be(2200))


def one(text: str, **kwargs):
    mention = parse_date(text, **kwargs)
    assert mention is not None, text
    return mention


# --------------------------------------------------------------------------- the required forms


@pytest.mark.parametrize(
    ("text", "kind", "start", "end"),
    [
        ("๙-๑๐ พฤษภาคม ๒๕๖๕", "range", date(2022, 5, 9), date(2022, 5, 10)),
        ("9 - 10 พ.ค. 65", "range", date(2022, 5, 9), date(2022, 5, 10)),
        ("17 ก.ค. 2563", "day", date(2020, 7, 17), date(2020, 7, 17)),
        ("17 ก.ค 2563", "day", date(2020, 7, 17), date(2020, 7, 17)),
        ("17 กค 2563", "day", date(2020, 7, 17), date(2020, 7, 17)),
        ("17 ก.ค.2563", "day", date(2020, 7, 17), date(2020, 7, 17)),
        ("17 ก.ค. 63", "day", date(2020, 7, 17), date(2020, 7, 17)),
        ("17 ก.ค. 2020", "day", date(2020, 7, 17), date(2020, 7, 17)),
        ("วันที่ 1 มีนาคม 2562", "day", date(2019, 3, 1), date(2019, 3, 1)),
        ("วันศุกร์ที่ 1 มีนาคม 2562", "day", date(2019, 3, 1), date(2019, 3, 1)),
        ("1 มีนาคม พ.ศ. 2562", "day", date(2019, 3, 1), date(2019, 3, 1)),
        ("1 มีนาคม ค.ศ. 2019", "day", date(2019, 3, 1), date(2019, 3, 1)),
        ("มิถุนายน 20, 2019", "day", date(2019, 6, 20), date(2019, 6, 20)),
        ("17 July 2020", "day", date(2020, 7, 17), date(2020, 7, 17)),
        ("July 17, 2020", "day", date(2020, 7, 17), date(2020, 7, 17)),
        ("Sept. 5 2021", "day", date(2021, 9, 5), date(2021, 9, 5)),
        ("มีนาคม 2562", "month", date(2019, 3, 1), date(2019, 3, 31)),
        ("ก.พ. 2567", "month", date(2024, 2, 1), date(2024, 2, 29)),
        ("ม.ค. 63", "month", date(2020, 1, 1), date(2020, 1, 31)),
        ("July 2020", "month", date(2020, 7, 1), date(2020, 7, 31)),
        ("ปีงบประมาณ พ.ศ. 2568", "fiscal_year", date(2024, 10, 1), date(2025, 9, 30)),
        ("ปีงบประมาณ 2568", "fiscal_year", date(2024, 10, 1), date(2025, 9, 30)),
        ("ปีงบฯ ๒๕๖๘", "fiscal_year", date(2024, 10, 1), date(2025, 9, 30)),
        ("ไตรมาสที่ 2 ปีงบประมาณ 2568", "quarter", date(2025, 1, 1), date(2025, 3, 31)),
        ("ไตรมาส 1/2568", "quarter", date(2024, 10, 1), date(2024, 12, 31)),
        ("พ.ศ. 2565", "year", date(2022, 1, 1), date(2022, 12, 31)),
        ("ค.ศ. 2020", "year", date(2020, 1, 1), date(2020, 12, 31)),
        ("B.E. 2563", "year", date(2020, 1, 1), date(2020, 12, 31)),
        ("ปี 2565", "year", date(2022, 1, 1), date(2022, 12, 31)),
        ("30 เมษายน – 2 พฤษภาคม 2565", "range", date(2022, 4, 30), date(2022, 5, 2)),
        ("30 ธันวาคม - 2 มกราคม 2565", "range", date(2021, 12, 30), date(2022, 1, 2)),
        ("1 มี.ค. 2562 ถึง 5 มี.ค. 2562", "range", date(2019, 3, 1), date(2019, 3, 5)),
        ("ต.ค. 66 – มี.ค. 67", "range", date(2023, 10, 1), date(2024, 3, 31)),
        ("ตุลาคม - ธันวาคม 2567", "range", date(2024, 10, 1), date(2024, 12, 31)),
        ("ปีงบประมาณ 2566–2570", "range", date(2022, 10, 1), date(2027, 9, 30)),
        ("พ.ศ. 2566 - 2570", "range", date(2023, 1, 1), date(2027, 12, 31)),
    ],
)
def test_forms(text, kind, start, end):
    mention = one(text)
    assert (mention.kind, mention.start, mention.end) == (kind, start, end)
    assert mention.span == (0, len(text))
    assert mention.text == text


def test_fiscal_year_mention_carries_the_year():
    mention = one("ปีงบประมาณ พ.ศ. 2568")
    assert mention.kind is DateKind.FISCAL_YEAR
    assert (mention.fiscal_year, mention.quarter) == (2568, None)


def test_quarter_without_a_year():
    mention = one("ไตรมาสที่ 2")
    assert (mention.kind, mention.quarter, mention.fiscal_year) == (DateKind.QUARTER, 2, None)
    assert (mention.start, mention.end) == (None, None)


def test_quarter_takes_the_fiscal_year_from_context():
    mention = one("ไตรมาสที่ 2", fiscal_year=2568)
    assert (mention.quarter, mention.fiscal_year) == (2, 2568)
    assert (mention.start, mention.end) == tc.quarter_bounds(2568, 2)


def test_quarter_own_year_beats_context():
    mention = one("ไตรมาสที่ 2 ปีงบประมาณ 2568", fiscal_year=2560)
    assert (mention.fiscal_year, mention.start) == (2568, date(2025, 1, 1))


# --------------------------------------------------------------------------- years


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("1 มกราคม 2400", 1857),  # 4 digits ≥ 2400: BE
        ("1 มกราคม 2399", 2399),  # below: CE
        ("1 มกราคม พ.ศ. 2399", 1856),  # an explicit era wins
        ("1 มกราคม ค.ศ. 2563", 2563),
        ("1 มกราคม 63", 2020),  # two digits after a Thai month: BE 25xx
        ("1 มกราคม ค.ศ. 20", 2020),
    ],
)
def test_year_rules(text, year):
    assert one(text).start.year == year


@pytest.mark.parametrize(
    "text",
    [
        "31 กุมภาพันธ์ 2565",
        "29 กุมภาพันธ์ 2565",
        "31 เมษายน 2565",
        "0 มกราคม 2565",
        "10-9 พฤษภาคม 2565",
        "ไตรมาสที่ 5",
        "ปีงบประมาณ 2570-2566",
    ],
)
def test_impossible_dates_are_not_returned(text):
    assert find_dates(text) == []
    assert parse_date(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "งบประมาณ 2565 บาท",  # a bare number is never a year
        "มีคน 25 คน",  # "มีค" inside a word is not March
        "มีนาคม 15 วัน",  # two-digit year only after an abbreviated month
        "17 July 20",  # two-digit year only after a Thai month
        "it will be 2020",  # lower-case "be" is not an era
        "the market 2020",
        "17 ก.ค. 10:30 น.",  # a time, not a year
    ],
)
def test_not_dates(text):
    assert find_dates(text) == []


def test_parse_date_needs_the_whole_text():
    assert parse_date("ประชุม 17 ก.ค. 2563") is None
    assert parse_date("17 ก.ค. 2563 และ 18 ก.ค. 2563") is None
    assert parse_date("") is None
    assert one("  17 ก.ค. 2563\n").span == (2, 14)


def test_odd_spacing_and_invisible_characters():
    text = "วันที่\u200b ๑๗\u00a0\u00a0ก.ค.  ๒๕๖๓"
    mention = one(text)
    assert mention.start == date(2020, 7, 17)
    assert mention.text == text


def test_misordered_marks_in_the_prefix():
    assert one("วันท\u0e48\u0e35 1 มีนาคม 2562").start == date(2019, 3, 1)


# --------------------------------------------------------------------------- running text

PARAGRAPH = (
    "ที่ประชุมเมื่อวันที่ ๑๗ ก.ค. ๒๕๖๓ มีมติให้ดำเนินการในไตรมาสที่ 2 ปีงบประมาณ 2568 "
    "ระหว่างวันที่ 9-10 พฤษภาคม 2565 งบประมาณ 1,234,567 บาท "
    "และรายงานผลภายในเดือนมีนาคม 2562 (July 17, 2020) ตามแผนปี พ.ศ. 2566 – 2570"
)


def test_find_dates_in_a_paragraph():
    mentions = find_dates(PARAGRAPH)
    assert [(m.kind, m.text) for m in mentions] == [
        ("day", "วันที่ ๑๗ ก.ค. ๒๕๖๓"),
        ("quarter", "ไตรมาสที่ 2 ปีงบประมาณ 2568"),
        ("range", "วันที่ 9-10 พฤษภาคม 2565"),
        ("month", "มีนาคม 2562"),
        ("day", "July 17, 2020"),
        ("range", "ปี พ.ศ. 2566 – 2570"),
    ]
    for m in mentions:
        assert PARAGRAPH[m.span[0] : m.span[1]] == m.text
    assert [m.span[0] for m in mentions] == sorted(m.span[0] for m in mentions)
    assert mentions[0].start == date(2020, 7, 17)
    assert (mentions[1].start, mentions[1].end) == (date(2025, 1, 1), date(2025, 3, 31))
    assert (mentions[2].start, mentions[2].end) == (date(2022, 5, 9), date(2022, 5, 10))
    assert (mentions[5].start, mentions[5].end) == (date(2023, 1, 1), date(2027, 12, 31))


def test_an_impossible_date_does_not_leave_its_month_behind():
    text = "ภายใน 31 กุมภาพันธ์ 2565 และ 1 มีนาคม 2565"
    assert [(m.kind, m.text, m.start) for m in find_dates(text)] == [("day", "1 มีนาคม 2565", date(2022, 3, 1))]


def test_quarter_context_applies_in_running_text():
    mentions = find_dates("ผลไตรมาสที่ 1 และไตรมาสที่ 3", fiscal_year=2568)
    assert [(m.quarter, m.start) for m in mentions] == [(1, date(2024, 10, 1)), (3, date(2025, 4, 1))]


# --------------------------------------------------------------------------- round trips with thaicalendar


@settings(max_examples=150)
@given(DATES, st.booleans(), st.booleans())
def test_format_thai_date_round_trips(d, abbr, thai_digits):
    text = tc.format_thai_date(d, abbr=abbr, thai_digits=thai_digits)
    mention = one(text)
    assert (mention.kind, mention.start, mention.end, mention.span) == (DateKind.DAY, d, d, (0, len(text)))


@settings(max_examples=100)
@given(FISCAL_YEARS, st.booleans())
def test_format_fiscal_year_round_trips(fy, thai_digits):
    mention = one(tc.format_fiscal_year(fy, thai_digits=thai_digits))
    assert mention.kind is DateKind.FISCAL_YEAR
    assert mention.fiscal_year == fy
    assert (mention.start, mention.end) == tc.fiscal_year_bounds(fy)


@settings(max_examples=100)
@given(FISCAL_YEARS, st.integers(min_value=1, max_value=4), st.booleans())
def test_format_quarter_round_trips(fy, q, thai_digits):
    mention = one(tc.format_quarter(fy, q, thai_digits=thai_digits))
    assert (mention.kind, mention.fiscal_year, mention.quarter) == (DateKind.QUARTER, fy, q)
    assert (mention.start, mention.end) == tc.quarter_bounds(fy, q)


@settings(max_examples=100)
@given(st.lists(DATES, min_size=1, max_size=5), st.sampled_from([" ", " และ ", "\n", "; ", "\u00a0"]))
def test_find_dates_in_joined_dates(dates, separator):
    pieces = [tc.format_thai_date(d, abbr=i % 2 == 1, thai_digits=i % 3 == 0) for i, d in enumerate(dates)]
    text = "ประชุม " + separator.join(pieces) + " เป็นต้น"
    mentions = find_dates(text)
    assert [m.start for m in mentions] == dates
    assert [m.text for m in mentions] == pieces
