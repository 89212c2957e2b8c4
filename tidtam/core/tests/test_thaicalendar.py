"""Tests for tidtam.core.thaicalendar (pure Python, no database)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tidtam.core import thaicalendar as tc

# Every date whose fiscal year is fully representable by datetime.date.
SAFE_DATES = st.dates(min_value=date(1, 10, 1), max_value=date(9999, 9, 30))
SAFE_FYS = st.integers(min_value=tc.fiscal_year(date(1, 10, 1)), max_value=tc.fiscal_year(date(9999, 9, 30)))


# --------------------------------------------------------------------------- known facts


def test_be_ce_examples():
    assert tc.ce_to_be(2025) == 2568
    assert tc.be_to_ce(2568) == 2025


def test_fy_2568_bounds():
    assert tc.fiscal_year_bounds(2568) == (date(2024, 10, 1), date(2025, 9, 30))


@pytest.mark.parametrize(
    ("d", "fy", "q"),
    [
        (date(2024, 10, 1), 2568, 1),
        (date(2024, 12, 31), 2568, 1),
        (date(2025, 1, 1), 2568, 2),
        (date(2025, 3, 31), 2568, 2),
        (date(2025, 4, 1), 2568, 3),
        (date(2025, 6, 30), 2568, 3),
        (date(2025, 7, 1), 2568, 4),
        (date(2025, 9, 30), 2568, 4),
        (date(2025, 10, 1), 2569, 1),
    ],
)
def test_fiscal_year_and_quarter_examples(d, fy, q):
    assert tc.fiscal_year(d) == fy
    assert tc.fiscal_quarter(d) == q


def test_fiscal_year_accepts_datetime():
    assert tc.fiscal_year(datetime(2024, 10, 1, 0, 0)) == 2568


def test_quarter_bounds_examples():
    assert tc.quarter_bounds(2568, 1) == (date(2024, 10, 1), date(2024, 12, 31))
    assert tc.quarter_bounds(2568, 2) == (date(2025, 1, 1), date(2025, 3, 31))
    assert tc.quarter_bounds(2568, 3) == (date(2025, 4, 1), date(2025, 6, 30))
    assert tc.quarter_bounds(2568, 4) == (date(2025, 7, 1), date(2025, 9, 30))


@pytest.mark.parametrize("q", [0, 5, -1, True, 1.0, "1", None])
def test_quarter_bounds_rejects_bad_quarter(q):
    with pytest.raises(ValueError):
        tc.quarter_bounds(2568, q)


def test_fiscal_year_bounds_out_of_range():
    with pytest.raises(ValueError):
        tc.fiscal_year_bounds(544)  # would start in CE year 0
    with pytest.raises(ValueError):
        tc.fiscal_year_bounds(10543)  # would end in CE year 10000
    with pytest.raises(ValueError):
        tc.quarter_bounds(544, 2)
    with pytest.raises(ValueError):
        tc.fiscal_months(10543)


def test_fiscal_months_examples():
    months = tc.fiscal_months(2568)
    assert len(months) == 12
    assert months[0] == (2024, 10)
    assert months[2] == (2024, 12)
    assert months[3] == (2025, 1)
    assert months[-1] == (2025, 9)
    assert tc.fiscal_month_index(date(2024, 10, 15)) == 1
    assert tc.fiscal_month_index(date(2024, 12, 1)) == 3
    assert tc.fiscal_month_index(date(2025, 1, 1)) == 4
    assert tc.fiscal_month_index(date(2025, 9, 30)) == 12


@pytest.mark.parametrize(
    ("year", "phase"),
    [
        (2561, (2561, 2565)),
        (2565, (2561, 2565)),
        (2566, (2566, 2570)),
        (2568, (2566, 2570)),
        (2570, (2566, 2570)),
        (2571, (2571, 2575)),
        (2580, (2576, 2580)),
        (2560, (2556, 2560)),
        (2581, (2581, 2585)),
    ],
)
def test_phase_of_examples(year, phase):
    assert tc.phase_of(year) == phase


def test_month_names():
    assert len(tc.THAI_MONTHS) == len(tc.THAI_MONTHS_ABBR) == 12
    assert tc.thai_month_name(1) == "มกราคม"
    assert tc.thai_month_name(10) == "ตุลาคม"
    assert tc.thai_month_name(10, abbr=True) == "ต.ค."
    assert tc.thai_month_name(12, abbr=True) == "ธ.ค."


@pytest.mark.parametrize("m", [0, 13, -1, True, "1"])
def test_thai_month_name_rejects_bad_month(m):
    with pytest.raises(ValueError):
        tc.thai_month_name(m)


def test_format_examples():
    d = date(2024, 10, 1)
    assert tc.format_thai_date(d) == "1 ตุลาคม 2567"
    assert tc.format_thai_date(d, abbr=True) == "1 ต.ค. 2567"
    assert tc.format_thai_date(d, thai_digits=True) == "๑ ตุลาคม ๒๕๖๗"
    assert tc.format_thai_date(date(2025, 2, 28), abbr=True, thai_digits=True) == "๒๘ ก.พ. ๒๕๖๘"
    dt = datetime(2024, 10, 1, 9, 5)
    assert tc.format_thai_datetime(dt) == "1 ตุลาคม 2567 09:05 น."
    assert tc.format_thai_datetime(dt, abbr=True, thai_digits=True) == "๑ ต.ค. ๒๕๖๗ ๐๙:๐๕ น."
    assert tc.format_fiscal_year(2568) == "ปีงบประมาณ 2568"
    assert tc.format_quarter(2568, 1) == "ไตรมาส 1/2568"
    assert tc.format_quarter(2568, 4, thai_digits=True) == "ไตรมาส ๔/๒๕๖๘"
    with pytest.raises(ValueError):
        tc.format_quarter(2568, 5)


def test_digit_conversion_examples():
    assert tc.to_thai_digits("ปี 2568, Q1 abc") == "ปี ๒๕๖๘, Q๑ abc"
    assert tc.to_arabic_digits("ปี ๒๕๖๘") == "ปี 2568"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", Decimal("0")),
        ("1234", Decimal("1234")),
        ("1,234", Decimal("1234")),
        ("1,234,567.89", Decimal("1234567.89")),
        ("  -12.5 ", Decimal("-12.5")),
        ("+7", Decimal("7")),
        ("๑,๒๓๔.๕", Decimal("1234.5")),
        ("๑๒3", Decimal("123")),
        (".5", Decimal("0.5")),
        ("-.25", Decimal("-0.25")),
        ("0012", Decimal("12")),
    ],
)
def test_parse_number_accepts(text, expected):
    result = tc.parse_number(text)
    assert isinstance(result, Decimal)
    assert result == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "1,2,3.4.5",
        "12,34",
        "1,2345",
        ",123",
        "123,",
        "1,234,56",
        "1.2.3",
        "5.",
        ".",
        "-",
        "+-1",
        "--1",
        "1 234",
        "NaN",
        "nan",
        "Infinity",
        "-inf",
        "1e5",
        "1E5",
        "0x10",
        "1_000",
        "١٢٣",  # Arabic-Indic digits are not accepted
        "12a",
    ],
)
def test_parse_number_rejects(text):
    with pytest.raises(ValueError) as excinfo:
        tc.parse_number(text)
    message = str(excinfo.value)
    assert "ไม่ใช่ตัวเลข" in message
    assert "not a number" in message
    assert repr(text) in message


def test_parse_number_rejects_non_str():
    with pytest.raises(TypeError):
        tc.parse_number(12)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    ["2568", "๒๕๖๘", "พ.ศ. 2568", "พ.ศ.2568", "พ.ศ. ๒๕๖๘", "  2568  ", "2025", "ค.ศ. 2025", "ค.ศ.2025", "๒๐๒๕"],
)
def test_parse_be_year_examples(text):
    assert tc.parse_be_year(text) == 2568


def test_parse_be_year_int():
    assert tc.parse_be_year(2568) == 2568
    assert tc.parse_be_year(2025) == 2568


@pytest.mark.parametrize(
    "value", ["", "abc", "พ.ศ.", "2568a", "25 68", "2568-2569", "-2568", "0", "ค.ศ. 0", "2568.0", True, None, 2.5]
)
def test_parse_be_year_rejects(value):
    with pytest.raises(ValueError) as excinfo:
        tc.parse_be_year(value)  # type: ignore[arg-type]
    assert "invalid year" in str(excinfo.value)
    assert "ปี" in str(excinfo.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2568", (2568, 2568)),
        ("2566-2570", (2566, 2570)),
        ("2566–2570", (2566, 2570)),
        ("2566 - 2570", (2566, 2570)),
        ("๒๕๖๖-๒๕๗๐", (2566, 2570)),
        ("2568-2568", (2568, 2568)),
    ],
)
def test_parse_period_examples(text, expected):
    assert tc.parse_period(text) == expected


@pytest.mark.parametrize("text", ["", "2570-2566", "2566-", "-2570", "2566-2570-2575", "abc", "2566/2570", "2024"])
def test_parse_period_rejects(text):
    with pytest.raises(ValueError):
        tc.parse_period(text)


# --------------------------------------------------------------------------- properties


@given(st.integers(min_value=-(10**6), max_value=10**6))
def test_ce_be_round_trip(year):
    assert tc.be_to_ce(tc.ce_to_be(year)) == year
    assert tc.ce_to_be(tc.be_to_ce(year)) == year
    assert tc.ce_to_be(year) - year == 543


@given(SAFE_DATES)
def test_date_lies_in_its_fiscal_year_and_quarter(d):
    fy = tc.fiscal_year(d)
    q = tc.fiscal_quarter(d)
    assert 1 <= q <= 4
    start, end = tc.fiscal_year_bounds(fy)
    assert start <= d <= end
    q_start, q_end = tc.quarter_bounds(fy, q)
    assert q_start <= d <= q_end
    ce_year, month = tc.fiscal_months(fy)[tc.fiscal_month_index(d) - 1]
    assert (ce_year, month) == (d.year, d.month)


@given(SAFE_FYS)
def test_quarters_tile_fiscal_year(fy):
    start, end = tc.fiscal_year_bounds(fy)
    assert (start.month, start.day) == (10, 1)
    assert (end.month, end.day) == (9, 30)
    assert tc.be_to_ce(fy) == end.year
    quarters = [tc.quarter_bounds(fy, q) for q in range(1, 5)]
    assert len(quarters) == 4
    assert quarters[0][0] == start
    assert quarters[-1][1] == end
    for (_, prev_end), (next_start, _) in zip(quarters, quarters[1:], strict=False):
        assert prev_end + timedelta(days=1) == next_start
    for q, (q_start, q_end) in enumerate(quarters, start=1):
        assert q_start <= q_end
        for d in (q_start, q_end):
            assert tc.fiscal_year(d) == fy
            assert tc.fiscal_quarter(d) == q
    # the day before and after the year belong to the neighbouring fiscal years
    if start > date(1, 10, 1):
        assert tc.fiscal_year(start - timedelta(days=1)) == fy - 1
    if end < date(9999, 9, 30):
        assert tc.fiscal_year(end + timedelta(days=1)) == fy + 1


@given(SAFE_FYS)
def test_fiscal_months_consistent(fy):
    months = tc.fiscal_months(fy)
    assert len(months) == 12
    assert len(set(months)) == 12
    for index, (ce_year, month) in enumerate(months, start=1):
        first = date(ce_year, month, 1)
        assert tc.fiscal_year(first) == fy
        assert tc.fiscal_month_index(first) == index


@given(st.integers(min_value=-5000, max_value=20000))
def test_phase_of_properties(year):
    first, last = tc.phase_of(year)
    assert first <= year <= last
    assert last - first == 4
    assert (first - 2561) % 5 == 0


@given(st.text())
def test_digit_conversion_round_trip(s):
    thai = tc.to_thai_digits(s)
    arabic = tc.to_arabic_digits(s)
    assert len(thai) == len(s) == len(arabic)
    assert not any(c in "0123456789" for c in thai)
    assert not any(c in tc.THAI_DIGITS for c in arabic)
    assert tc.to_arabic_digits(thai) == arabic
    assert tc.to_thai_digits(arabic) == thai
    for original, converted in zip(s, thai, strict=True):
        if original not in "0123456789":
            assert converted == original
    if not any(c in tc.THAI_DIGITS for c in s):
        assert tc.to_arabic_digits(thai) == s


def _number_spellings(n):
    ascii_forms = [str(n), f"{n:,}"]
    return ascii_forms + [tc.to_thai_digits(form) for form in ascii_forms]


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_parse_number_integers(n):
    for text in _number_spellings(n):
        assert tc.parse_number(text) == n
        assert tc.parse_number(f"  {text}\t") == n


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**15), max_value=10**15))
def test_parse_number_decimals(n):
    for text in _number_spellings(n):
        assert tc.parse_number(text) == n


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6))
def test_parse_number_decimals_fixed_point(n):
    text = format(n, "f")
    assert tc.parse_number(text) == n
    assert tc.parse_number(tc.to_thai_digits(text)) == n


_LETTERS = st.characters(categories=["Lu", "Ll", "Lt", "Lm", "Lo"])


@given(
    st.one_of(st.integers().map(str), st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str)),
    _LETTERS,
    st.data(),
)
def test_parse_number_rejects_letters(number_text, letter, data):
    position = data.draw(st.integers(min_value=0, max_value=len(number_text)))
    text = number_text[:position] + letter + number_text[position:]
    with pytest.raises(ValueError):
        tc.parse_number(text)


@given(st.text(alphabet=st.characters(categories=["L"]), min_size=1))
def test_parse_number_rejects_pure_letters(text):
    with pytest.raises(ValueError):
        tc.parse_number(text)


@given(st.integers(min_value=2400, max_value=tc.ce_to_be(9999)))
def test_parse_be_year_round_trip_be(be):
    assert tc.parse_be_year(str(be)) == be
    assert tc.parse_be_year(tc.to_thai_digits(str(be))) == be
    assert tc.parse_be_year(f"พ.ศ. {be}") == be
    assert tc.parse_be_year(f"พ.ศ.{tc.to_thai_digits(str(be))}") == be
    assert tc.parse_be_year(be) == be


@given(st.integers(min_value=1, max_value=9999))
def test_parse_be_year_round_trip_ce(ce):
    be = tc.ce_to_be(ce)
    assert tc.parse_be_year(f"ค.ศ. {ce}") == be
    assert tc.parse_be_year(f"ค.ศ.{tc.to_thai_digits(str(ce))}") == be
    assert tc.parse_be_year(f"พ.ศ. {be}") == be
    if ce < 2400:
        assert tc.parse_be_year(str(ce)) == be
        assert tc.parse_be_year(ce) == be
    assert tc.be_to_ce(tc.parse_be_year(f"ค.ศ. {ce}")) == ce


@given(st.integers(min_value=2400, max_value=9999), st.integers(min_value=2400, max_value=9999))
def test_parse_period_rejects_reversed(a, b):
    assume(a != b)
    start, end = min(a, b), max(a, b)
    assert tc.parse_period(f"{start}-{end}") == (start, end)
    assert tc.parse_period(tc.to_thai_digits(f"{start}–{end}")) == (start, end)
    with pytest.raises(ValueError):
        tc.parse_period(f"{end}-{start}")
    with pytest.raises(ValueError):
        tc.parse_period(tc.to_thai_digits(f"{end} – {start}"))


@given(st.integers(min_value=2400, max_value=9999))
def test_parse_period_single_year(y):
    assert tc.parse_period(str(y)) == (y, y)
    assert tc.parse_period(tc.to_thai_digits(str(y))) == (y, y)
