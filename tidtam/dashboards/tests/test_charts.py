"""Server-rendered SVG charts: valid XML, accessible text, escaping, geometry properties, determinism, template tag."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from tidtam.dashboards.charts import (
    LEVEL_COLOURS,
    LEVEL_TEXT_COLOURS,
    LEVELS,
    NO_DATA,
    Bar,
    BarChart,
    LineChart,
    Point,
    ScatterChart,
    StatusChart,
    StatusRow,
    chart_table,
    contrast_ratio,
    format_number,
    format_thb_compact,
    level_label_th,
    render_svg,
    truncate,
    worst_level,
)
from tidtam.evaluation.rules import StatusLevel

NS = "{http://www.w3.org/2000/svg}"
XML_OK = re.compile("[\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    """Every visible <text> string (tooltips excluded)."""
    return ["".join(t.itertext()) if t.find(f"{NS}title") is None else (t.text or "") for t in root.iter(f"{NS}text")]


def tooltips(root: ET.Element) -> list[str]:
    """Every <title> below the root's own."""
    return [t.text or "" for t in root.iter(f"{NS}title")][1:]


def cleaned(text: str) -> str:
    """What a label becomes in XML: characters XML forbids dropped, line breaks and tabs as spaces."""
    return "".join(XML_OK.findall(text)).replace("\r", " ").replace("\n", " ").replace("\t", " ")


def by_class(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{NS}{tag}") if cls in (e.get("class") or "").split()]


BUDGET = BarChart(
    "งบประมาณตามแผนแม่บท",
    [("01 ความมั่นคง", 1_234_000_000, "12 โครงการ"), ("02 การต่างประเทศ", 350_000_000), ("03 การเกษตร", 0)],
    unit="บาท",
    formatter=format_thb_compact,
)
STATUS = StatusChart(
    "สถานะตัวชี้วัด",
    [
        ("01 ความมั่นคง", {"green": 12, "yellow": 3, "red": 2}),
        ("02 การต่างประเทศ", {StatusLevel.GREEN: 5, StatusLevel.GREY: 4}),
        ("03 การเกษตร", {"grey": 6}),
    ],
)
SCATTER = ScatterChart(
    "การใช้จ่ายเทียบความก้าวหน้า",
    [Point("ก", 80, 20, True), Point("ข", 30, 70), Point("ค", 90, 95), Point("ง", 120, -5, True)],
)
HISTORY = LineChart(
    "อัตราการขยายตัวของ GDP", ["2565", "2566", "2567", "2568"], [2.6, None, 2.5, 3.1], [3, 3.5, 4, 4.5], unit="ร้อยละ"
)
ALL = [BUDGET, STATUS, SCATTER, HISTORY]


# ------------------------------------------------------------------------------------------------ common


@pytest.mark.parametrize("spec", ALL, ids=lambda s: type(s).__name__)
def test_svg_is_valid_accessible_and_scalable(spec):
    svg = render_svg(spec)
    assert hasattr(svg, "__html__")  # safe in templates as it is
    root = parse(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox"))
    assert root.get("role") == "img"
    assert "Sarabun" in root.get("font-family") and "Noto Sans Thai" in root.get("font-family")
    title_id, desc_id = root.get("aria-labelledby").split()
    title, desc = root[0], root[1]
    assert (title.tag, title.get("id"), title.text) == (f"{NS}title", title_id, spec.title)
    assert (desc.tag, desc.get("id")) == (f"{NS}desc", desc_id)
    assert len(desc.text) > 20
    assert spec.title in texts(root)


@pytest.mark.parametrize("spec", ALL, ids=lambda s: type(s).__name__)
def test_rendering_is_deterministic(spec):
    assert render_svg(spec) == render_svg(spec)
    # an equal spec built anew gives the same bytes
    rebuilt = type(spec)(**{f: getattr(spec, f) for f in spec.__dataclass_fields__})
    assert render_svg(rebuilt) == render_svg(spec)


def test_ids_differ_between_charts_so_they_can_share_a_page():
    ids = {parse(render_svg(spec)).get("aria-labelledby") for spec in ALL}
    assert len(ids) == len(ALL)


@pytest.mark.parametrize(
    "spec",
    [BarChart("ว่าง"), StatusChart("ว่าง"), ScatterChart("ว่าง"), LineChart("ว่าง"), LineChart("ว่าง", ["2566"], [None])],
    ids=["bar", "status", "scatter", "line", "line-all-missing"],
)
def test_empty_spec_says_no_data(spec):
    root = parse(render_svg(spec))
    assert NO_DATA in texts(root)
    assert root[1].text == NO_DATA
    assert chart_table(spec).rows == () or all("ไม่มีข้อมูล" in row[1] for row in chart_table(spec).rows)


@given(label=st.text(max_size=40))
@settings(max_examples=150)
def test_any_label_is_escaped_and_survives_the_round_trip(label):
    spec = BarChart('<ชื่อ & "แผนภูมิ">', [(label, 5, label), ("อื่น", 3)])
    root = parse(render_svg(spec))  # raises on anything unescaped
    assert tooltips(root)[0].startswith(cleaned(label) + ":")
    assert root[0].text == '<ชื่อ & "แผนภูมิ">'


def test_markup_in_labels_is_text_not_markup():
    svg = render_svg(BarChart("t", [("<b>ก & ข</b>", 1)]))
    assert "&lt;b&gt;ก &amp; ข&lt;/b&gt;" in svg
    assert "<b>" not in svg
    assert "<b>ก & ข</b>" in texts(parse(svg))


def test_level_text_colours_meet_wcag_aa():
    for level, fill in LEVEL_COLOURS.items():
        assert contrast_ratio(fill, LEVEL_TEXT_COLOURS[level]) >= 4.5, level


# ------------------------------------------------------------------------------------------------ numbers


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1234567, "1,234,567"),
        (72.5, "72.5"),
        (Decimal("80.0000"), "80"),
        (Decimal("0.05"), "0.1"),  # half up
        (-1234.56, "-1,234.6"),
        (-0.01, "0"),
        (None, "–"),
    ],
)
def test_format_number(value, text):
    assert format_number(value) == text


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (1_234_000_000, "1.2 พันล้าน"),
        (350_000_000, "350 ล้าน"),
        (12_500_000, "12.5 ล้าน"),
        (999_700_000, "1 พันล้าน"),
        (2_500_000_000_000, "2.5 ล้านล้าน"),
        (45_500, "45,500"),
        (Decimal("-20000000"), "-20 ล้าน"),
        (0, "0"),
    ],
)
def test_format_thb_compact(amount, text):
    assert format_thb_compact(amount) == text


UNIT_SIZE = {"ล้านล้าน": 10**12, "พันล้าน": 10**9, "ล้าน": 10**6}


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_compact_thb_is_within_rounding_of_the_amount(amount):
    number, _, unit = format_thb_compact(amount).partition(" ")
    scaled = float(number.replace(",", ""))
    # one decimal below 100 of a unit, none from 100: off by at most half the last digit shown, i.e. ≤ 5%
    step = 0.1 if abs(scaled) < 100 and unit else 1
    assert abs(scaled * UNIT_SIZE.get(unit, 1) - amount) <= step / 2 * UNIT_SIZE.get(unit, 1) * 1.0001
    assert abs(scaled) < 1000 or unit in ("ล้านล้าน", "")
    assert abs(scaled) >= 1 or not unit


# ------------------------------------------------------------------------------------------------ bar chart


def test_bar_chart_shows_labels_values_unit_and_notes():
    root = parse(render_svg(BUDGET))
    shown = texts(root)
    for label in ("01 ความมั่นคง", "02 การต่างประเทศ", "1.2 พันล้าน", "350 ล้าน", "0", "12 โครงการ", "หน่วย: บาท"):
        assert label in shown
    assert "01 ความมั่นคง: 1.2 พันล้าน บาท (12 โครงการ)" in tooltips(root)
    assert "มากที่สุด: 01 ความมั่นคง 1.2 พันล้าน" in root[1].text


def test_long_thai_label_is_cut_with_an_ellipsis_and_kept_whole_in_a_tooltip():
    long = "การพัฒนาการเกษตรกรรมยั่งยืนและเกษตรอัตลักษณ์พื้นถิ่นเพื่อความมั่นคงทางอาหารของประเทศไทย"
    root = parse(render_svg(BarChart("t", [(long, 1)])))
    label = next(t for t in root.iter(f"{NS}text") if t.find(f"{NS}title") is not None)
    assert label.find(f"{NS}title").text == long
    shown = label.find(f"{NS}title").tail
    assert shown.endswith("…") and long.startswith(shown[:-1]) and len(shown) < len(long)


@given(st.text(alphabet="กขคเแโใไ่้ั๊ิีึืุู์ำ ab", min_size=1, max_size=60), st.integers(20, 200))
def test_truncation_never_strands_thai_marks_or_leading_vowels(text, width):
    shown, cut = truncate(text, width, 13)
    if cut:
        kept = shown[:-1]
        assert text.startswith(kept)
        rest = text[len(kept) :]
        assert not rest or rest[0] not in "่้ั๊ิีึืุู์"  # the marks stayed with the letter before them
        assert not kept or kept[-1] not in "เแโใไ"


def bar_geometry(spec: BarChart) -> tuple[float, list[ET.Element]]:
    root = parse(render_svg(spec))
    zero = float(by_class(root, "path", "zero")[0].get("d")[1:].split()[0])
    return zero, [r for r in root.iter(f"{NS}rect")]


@given(st.lists(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), min_size=1, max_size=15))
def test_bar_length_is_monotonic_in_the_value(values):
    zero, rects = bar_geometry(BarChart("t", [(f"แถว {i}", v) for i, v in enumerate(values)]))
    assert len(rects) == len(values)
    ends = []
    for value, rect in zip(values, rects, strict=True):
        x, width = float(rect.get("x")), float(rect.get("width"))
        assert width >= 0
        if value >= 0:
            assert x == pytest.approx(zero, abs=0.11)  # grows right from the zero line
            ends.append(x + width)
        else:
            assert x + width == pytest.approx(zero, abs=0.11)  # grows left from the zero line
            ends.append(x)
    pairs = sorted(zip(values, ends, strict=True))
    assert all(a[1] <= b[1] + 0.11 for a, b in zip(pairs, pairs[1:], strict=False))


def test_missing_value_has_no_bar_and_says_so():
    root = parse(render_svg(BarChart("t", [("ก", 3), ("ข", None)])))
    assert len(list(root.iter(f"{NS}rect"))) == 1
    assert "ไม่มีข้อมูล" in texts(root)


def test_non_finite_values_are_refused_naming_the_row():
    with pytest.raises(ValueError, match="แถวเสีย"):
        BarChart("t", [("แถวเสีย", float("nan"))])


# ------------------------------------------------------------------------------------------------ status chart


counts_strategy = st.lists(st.integers(min_value=0, max_value=500), min_size=5, max_size=5)


@given(st.lists(counts_strategy, min_size=1, max_size=12))
def test_stacked_segments_fill_the_full_width(rows):
    spec = StatusChart("t", [(f"แถว {i}", c) for i, c in enumerate(rows)] + [("ว่าง", [0] * 5)])
    root = parse(render_svg(spec))
    full = Decimal(by_class(root, "rect", "empty")[-1].get("width"))
    start = Decimal(by_class(root, "rect", "empty")[-1].get("x"))
    for group, counts in zip(by_class(root, "g", "row"), rows, strict=False):
        segments = by_class(group, "rect", "seg")
        assert len(segments) == sum(1 for c in counts if c)
        if not segments:
            continue
        assert sum(Decimal(s.get("width")) for s in segments) == full
        x = start
        for s in segments:  # contiguous, in level order
            assert Decimal(s.get("x")) == x
            x += Decimal(s.get("width"))
        order = [s.get("class").split()[1].removeprefix("seg-") for s in segments]
        assert order == [lv.value for lv, c in zip(LEVELS, counts, strict=True) if c]


@given(counts_strategy)
def test_worst_level_text_names_the_worst_present_level(counts):
    green, yellow, orange, red, grey = counts
    expected = (
        StatusLevel.RED
        if red
        else StatusLevel.ORANGE
        if orange
        else StatusLevel.YELLOW
        if yellow
        else StatusLevel.GREEN
        if green
        else StatusLevel.GREY
    )
    assert worst_level(counts) == expected
    root = parse(render_svg(StatusChart("t", [("แถว", counts)])))
    assert [t.text for t in by_class(root, "text", "worst")] == [f"แย่สุด: {level_label_th(expected)}"]


def test_status_chart_never_relies_on_colour_alone():
    root = parse(render_svg(STATUS))
    shown = texts(root)
    for level in LEVELS:  # legend with the Thai labels
        assert level_label_th(level) in shown
    assert {"12", "3", "2", "5", "4", "6"} <= set(shown)  # counts written on the segments
    assert "แย่สุด: วิกฤต" in shown and "แย่สุด: บรรลุค่าเป้าหมาย" in shown and "แย่สุด: ไม่มีข้อมูล" in shown
    assert "01 ความมั่นคง: วิกฤต / Critical 2 (11.8%)" in tooltips(root)
    red = by_class(root, "rect", "seg-red")[0]
    orange_and_red_patterns = {p.get("id").rsplit("-", 1)[1] for p in root.iter(f"{NS}pattern")}
    assert {"orange", "red"} <= orange_and_red_patterns
    assert red.get("fill").startswith("url(#")  # hatched, not only red
    assert "วิกฤต" in root[1].text and "01 ความมั่นคง" in root[1].text


def test_status_row_refuses_bad_counts_naming_the_row():
    with pytest.raises(ValueError, match="แถวเสีย"):
        StatusRow("แถวเสีย", {"purple": 1})
    with pytest.raises(ValueError, match="แถวเสีย"):
        StatusRow("แถวเสีย", {"red": -1})


# ------------------------------------------------------------------------------------------------ scatter chart


def test_flagged_points_are_drawn_as_a_different_shape():
    root = parse(render_svg(SCATTER))
    plain = list(by_class(root, "g", "points")[0])
    flagged = list(by_class(root, "g", "flagged")[0])
    assert {e.tag for e in plain} == {f"{NS}circle"} and len(plain) == 2
    assert {e.tag for e in flagged} == {f"{NS}path"} and len(flagged) == 2
    assert [e.find(f"{NS}title").text.split(":")[0] for e in flagged] == ["ก", "ง"]


def test_scatter_has_axes_thresholds_and_thai_quadrant_captions():
    spec = ScatterChart("t", SCATTER.points, x_threshold=70, y_threshold=40)
    root = parse(render_svg(spec))
    shown = texts(root)
    assert {"0", "25", "50", "75", "100", "การเบิกจ่าย (%)", "ความก้าวหน้า (%)"} <= set(shown)
    assert "ใช้เงินมาก ความก้าวหน้าน้อย" in shown and "ใช้เงินน้อย ความก้าวหน้ามาก" in shown
    # ก (80, 20) and ง (120 → drawn at the edge, −5) are in the watch quadrant; ค (90, 95) is not
    assert "“ใช้เงินมาก ความก้าวหน้าน้อย” 2 รายการ" in root[1].text
    assert "ง: การเบิกจ่าย 120%, ความก้าวหน้า -5%" in tooltips(root)
    table = chart_table(spec)
    assert table.rows[0] == ("ก", "80", "20", "ใช้เงินมาก ความก้าวหน้าน้อย", "ใช่ / Yes")


def test_points_outside_0_100_are_drawn_inside_the_plot():
    root = parse(render_svg(SCATTER))
    xs = [float(c.get("cx")) for c in by_class(root, "g", "points")[0]]
    grid = [float(t.get("x")) for t in root.iter(f"{NS}text") if t.text in ("0", "100") and t.get("x")]
    assert min(grid) <= min(xs) and max(xs) <= max(grid)


# ------------------------------------------------------------------------------------------------ line chart


def test_line_chart_leaves_gaps_and_dashes_the_target():
    root = parse(render_svg(HISTORY))
    actual = by_class(root, "path", "actual")[0].get("d")
    assert actual.count("M") == 2 and actual.count("L") == 1  # 2565 | gap | 2567–2568
    target = by_class(root, "path", "target")[0]
    assert target.get("stroke-dasharray") and target.get("d").count("L") == 3
    assert len(list(by_class(root, "g", "actual-points")[0])) == 3
    assert {"2565", "2566", "2567", "2568", "ค่าจริง", "ค่าเป้าหมาย", "3.1"} <= set(texts(root))
    assert "2568: ค่าจริง 3.1 ร้อยละ" in tooltips(root)
    assert "2565 2.6 ร้อยละ ถึง 2568 3.1 ร้อยละ (ค่าเป้าหมาย 4.5 ร้อยละ)" in root[1].text


def test_line_chart_refuses_series_of_the_wrong_length():
    with pytest.raises(ValueError, match="target"):
        LineChart("t", ["2566", "2567"], [1, 2], [1])


# ------------------------------------------------------------------------------------------------ table and tag


def test_chart_table_matches_the_data():
    assert chart_table(BUDGET).headers == ("รายการ / Item", "ค่า / Value (บาท)", "หมายเหตุ / Note")
    assert chart_table(BUDGET).rows[1] == ("02 การต่างประเทศ", "350 ล้าน", "")
    status = chart_table(STATUS)
    assert status.headers[1:6] == tuple(str(lv.label) for lv in LEVELS)
    assert status.rows[0] == ("01 ความมั่นคง", "12", "3", "0", "2", "0", "17", "วิกฤต / Critical")
    assert chart_table(HISTORY).rows[1] == ("2566", "ไม่มีข้อมูล", "3.5")
    with pytest.raises(TypeError):
        chart_table(Bar("x", 1))


def test_template_tag_renders_svg_and_data_table():
    with translation.override("en"):
        html = Template("{% load charts %}{% chart spec %}").render(Context({"spec": STATUS}))
    svg = html[html.index("<svg") : html.index("</svg>") + 6]
    assert svg == render_svg(STATUS)  # not escaped a second time
    assert "<details" in html and "<summary>Chart data</summary>" in html
    assert "<caption>สถานะตัวชี้วัด</caption>" in html
    assert '<th scope="row">01 ความมั่นคง</th>' in html
    assert "<td>วิกฤต / Critical</td>" in html


def test_template_tag_escapes_table_cells():
    html = Template("{% load charts %}{% chart spec %}").render(Context({"spec": BarChart("t", [("<i>x</i>", 1)])}))
    assert '<th scope="row">&lt;i&gt;x&lt;/i&gt;</th>' in html
    assert "<i>" not in html
