"""One chart definition, rendered to SVG on the server: the same chart in the page, the PDF and the public pages.

A chart is a frozen dataclass (`BarChart`, `StatusChart`, `ScatterChart`, `LineChart`); `render_svg(spec)` turns it
into a self-contained SVG string (safe for templates) and `chart_table(spec)` into the rows of an accessible table
of the same data. No dependencies beyond the standard library and Django's SafeString; see docs/charts.md for the
reasons and the spec types.

Every SVG has a viewBox and width 100% (it scales to the container), role="img", a <title> and a <desc> that
summarises the data in words, Thai text in the Thai font stack, and is byte-for-byte deterministic: element ids
are derived from a hash of the content, so two different charts on one page never share an id.
"""

import hashlib
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import NamedTuple

from django.utils.safestring import SafeString, mark_safe

from tidtam.evaluation.rules import StatusLevel

Number = int | float | Decimal
Formatter = Callable[[Number], str]

FONT_STACK = "Sarabun, 'Noto Sans Thai', 'Leelawadee UI', Tahoma, sans-serif"
NO_DATA = "ไม่มีข้อมูล / No data"

TEXT = "#1f2328"
MUTED = "#57606a"  # 6.4:1 on white
GRID = "#d0d7de"
BLUE = "#0969da"
WHITE = "#ffffff"

# Status levels in display order, with accessible tones (orange is GitHub's #bc4c00: #d1591b reaches only 4.1:1
# with white text and 3.9:1 with dark text). The pattern is a second, colour-free cue: orange hatched, red
# cross-hatched, grey dotted; green and yellow are solid (and differ strongly in lightness).
LEVELS: tuple[StatusLevel, ...] = (
    StatusLevel.GREEN,
    StatusLevel.YELLOW,
    StatusLevel.ORANGE,
    StatusLevel.RED,
    StatusLevel.GREY,
)
LEVEL_COLOURS: dict[str, str] = {
    "green": "#1a7f37",
    "yellow": "#bf8700",
    "orange": "#bc4c00",
    "red": "#cf222e",
    "grey": "#6e7781",
}
LEVEL_PATTERNS: dict[str, str] = {"orange": "hatch", "red": "cross", "grey": "dots"}
# Worst first; grey (no data) is the worst level only when nothing else is known — it never hides a red.
SEVERITY: tuple[StatusLevel, ...] = (
    StatusLevel.RED,
    StatusLevel.ORANGE,
    StatusLevel.YELLOW,
    StatusLevel.GREEN,
    StatusLevel.GREY,
)


# ------------------------------------------------------------------------------------------------ colour contrast


def _luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of #rrggbb."""
    channels = []
    for i in (1, 3, 5):
        c = int(colour[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1–21; AA for normal text needs 4.5)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_colour_on(fill: str) -> str:
    """White or near-black, whichever contrasts more with `fill`."""
    return WHITE if contrast_ratio(fill, WHITE) >= contrast_ratio(fill, TEXT) else TEXT


LEVEL_TEXT_COLOURS: dict[str, str] = {level: text_colour_on(fill) for level, fill in LEVEL_COLOURS.items()}


def level_label_th(level: StatusLevel) -> str:
    """The Thai half of a "ไทย / English" level label."""
    return str(level.label).split(" / ")[0]


# ------------------------------------------------------------------------------------------------ numbers


def _strip_zeros(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_number(value: Number | None, *, decimals: int = 1) -> str:
    """1234567 → "1,234,567"; 72.50 → "72.5"; at most `decimals` decimals, half up for Decimals; None → "–"."""
    if value is None:
        return "–"
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        try:
            value = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        except InvalidOperation:  # more digits than the context holds: fall back to float formatting
            value = float(value)
        else:
            return _strip_zeros(f"{value:,f}")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return _strip_zeros(f"{value:,.{decimals}f}")


# Thai large-number words; below a million the number is written out in full.
_THB_UNITS = ((10**12, "ล้านล้าน"), (10**9, "พันล้าน"), (10**6, "ล้าน"))


def format_thb_compact(amount: Number | None) -> str:
    """A compact Thai amount: 1_234_000_000 → "1.2 พันล้าน", 350_000_000 → "350 ล้าน", 45_500 → "45,500".

    One decimal below 100 of a unit, none above; an amount that would round to 1,000 of a unit moves up a unit
    (999.7 ล้าน → "1 พันล้าน"). Add the currency ("บาท") in the chart's unit, not here.
    """
    if amount is None:
        return "–"
    value = float(amount)
    if not math.isfinite(value):
        return str(amount)
    for size, name in _THB_UNITS:
        if abs(value) >= size * 0.9995:
            scaled = value / size
            return f"{format_number(scaled, decimals=1 if abs(scaled) < 99.95 else 0)} {name}"
    return format_number(value, decimals=0)


def _pct(value: float) -> str:
    """A percentage with at most one decimal (fast path of format_number for floats)."""
    s = f"{value:,.1f}"
    if s.endswith(".0"):
        s = s[:-2]
    return "0" if s == "-0" else s


def _n(x: float) -> str:
    """A coordinate with one decimal, no trailing ".0"."""
    s = f"{x:.1f}"
    if s.endswith(".0"):
        s = s[:-2]
    return "0" if s == "-0" else s


def _tenths(v: int) -> str:
    """An integer count of tenths as a coordinate: 2545 → "254.5"."""
    whole, tenth = divmod(v, 10)
    return f"{whole}.{tenth}" if tenth else str(whole)


# ------------------------------------------------------------------------------------------------ text

# Characters XML 1.0 forbids; NUL doubles as the id placeholder, so user text can never contain it.
_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ID = "\x00"


def _e(text: object) -> str:
    """Text escaped for XML content and double-quoted attributes, with characters XML forbids removed."""
    # chained replace() is several times faster than str.translate() in CPython; line breaks and tabs become
    # spaces, as SVG text would show them anyway (and XML parsers would turn a bare \r into \n)
    text = _XML_INVALID.sub("", str(text)).replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


@lru_cache(maxsize=4096)
def _char_em(ch: str) -> float:
    """Approximate advance of one character in em for the Thai font stack (Sarabun-like metrics)."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0.0  # Thai vowels and tone marks above and below the consonant take no width
    if ch == " ":
        return 0.26
    if ch.isdigit() or ch in "%$฿":
        return 0.56
    if "\u0e00" <= ch <= "\u0e7f":
        return 0.58
    if ch.isascii():
        if ch.isupper():
            return 0.64
        if ch in "il.,:;'|!()[]":
            return 0.28
        return 0.52
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    return 0.6


def text_width(text: str, size: float) -> float:
    """Estimated rendered width of `text` at font size `size` (px); good enough to lay out and truncate."""
    return sum(_char_em(ch) for ch in text) * size


def truncate(text: str, max_width: float, size: float) -> tuple[str, bool]:
    """`text` cut with "…" to fit `max_width`, never between a Thai consonant and its marks; and whether it was cut."""
    if text_width(text, size) <= max_width:
        return text, False
    budget = max_width - text_width("…", size)
    used, cut = 0.0, 0
    for i, ch in enumerate(text):
        w = _char_em(ch) * size
        if w and used + w > budget:
            break
        used += w
        cut = i + 1
    kept = text[:cut].rstrip()
    while kept and "\u0e40" <= kept[-1] <= "\u0e44":  # a Thai leading vowel (เ แ โ ใ ไ) needs what follows it
        kept = kept[:-1]
    return kept + "…", True


def _label(x: float, y: float, text: str, max_width: float, *, size: float = 13, attrs: str = "") -> str:
    """A text element truncated to fit, carrying the full text as a tooltip when cut."""
    shown, cut = truncate(text, max_width, size)
    tip = f"<title>{_e(text)}</title>" if cut else ""
    size_attr = "" if size == 13 else f' font-size="{_n(size)}"'
    return f'<text x="{_n(x)}" y="{_n(y)}"{size_attr}{attrs}>{tip}{_e(shown)}</text>'


# ------------------------------------------------------------------------------------------------ specs


def _finite(value: Number | None, what: str) -> None:
    if value is not None and not math.isfinite(float(value)):
        raise ValueError(f"ค่าต้องเป็นตัวเลขจำกัด: {what} / value must be a finite number: {what}")


@dataclass(frozen=True)
class Bar:
    """One bar: a label, a value (None = no data) and an optional note shown under the label."""

    label: str
    value: Number | None
    note: str = ""


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, e.g. budget by master plan. `bars` takes Bar or (label, value[, note]) tuples."""

    title: str
    bars: Sequence[Bar | tuple] = ()
    unit: str = ""
    formatter: Formatter | None = field(default=None, compare=False)
    label_header: str = "รายการ / Item"

    def __post_init__(self) -> None:
        bars = tuple(b if isinstance(b, Bar) else Bar(*b) for b in self.bars)
        for b in bars:
            _finite(b.value, b.label)
        object.__setattr__(self, "bars", bars)

    def format(self, value: Number | None) -> str:
        if value is None:
            return "ไม่มีข้อมูล"
        return (self.formatter or format_number)(value)


def worst_level(counts: Sequence[int]) -> StatusLevel:
    """The worst level present in counts given in `LEVELS` order; grey only when no coloured level is present."""
    by_level = dict(zip(LEVELS, counts, strict=True))
    for level in SEVERITY:
        if by_level[level] > 0:
            return level
    return StatusLevel.GREY


@dataclass(frozen=True)
class StatusRow:
    """One row of status counts (a plan node). `counts` takes a mapping level → count or a sequence in LEVELS order."""

    label: str
    counts: Mapping[StatusLevel | str, int] | Sequence[int]

    def __post_init__(self) -> None:
        counts = self.counts
        if isinstance(counts, Mapping):
            unknown = {str(k) for k in counts} - {level.value for level in LEVELS}
            if unknown:
                raise ValueError(
                    f"ระดับสถานะไม่รู้จัก {sorted(unknown)} ในแถว {self.label} / "
                    f"unknown status levels {sorted(unknown)} in row {self.label}"
                )
            counts = tuple(int(counts.get(level, counts.get(level.value, 0))) for level in LEVELS)
        else:
            counts = tuple(int(c) for c in counts)
            if len(counts) != len(LEVELS):
                raise ValueError(
                    f"ต้องมีจำนวน {len(LEVELS)} ค่าในแถว {self.label} / {len(LEVELS)} counts needed in row {self.label}"
                )
        if any(c < 0 for c in counts):
            raise ValueError(f"จำนวนต้องไม่ติดลบในแถว {self.label} / counts must not be negative in row {self.label}")
        object.__setattr__(self, "counts", counts)

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def worst(self) -> StatusLevel:
        return worst_level(self.counts)


@dataclass(frozen=True)
class StatusChart:
    """100%-stacked bars of status level counts per row. `rows` takes StatusRow or (label, counts) tuples."""

    title: str
    rows: Sequence[StatusRow | tuple] = ()
    label_header: str = "รายการ / Item"

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple(r if isinstance(r, StatusRow) else StatusRow(*r) for r in self.rows))


@dataclass(frozen=True)
class Point:
    """One project (or organisation): x = disbursement %, y = physical progress %."""

    label: str
    x: Number
    y: Number
    flagged: bool = False


@dataclass(frozen=True)
class ScatterChart:
    """Spend vs progress on 0–100 axes with quadrant lines at the thresholds. `points` takes Point or tuples.

    A point is "high" on an axis when its value is ≥ the threshold; the quadrant x high, y low is the one to watch.
    Values outside 0–100 are drawn at the edge (the tooltip and table keep the real value).
    """

    title: str
    points: Sequence[Point | tuple] = ()
    x_threshold: float = 50
    y_threshold: float = 50
    x_label: str = "การเบิกจ่าย"
    y_label: str = "ความก้าวหน้า"
    point_label: str = "โครงการ"
    flagged_label: str = "ต้องติดตาม"
    label_header: str = "โครงการ / Project"

    def __post_init__(self) -> None:
        points = tuple(p if isinstance(p, Point) else Point(*p) for p in self.points)
        for p in points:
            _finite(p.x, p.label)
            _finite(p.y, p.label)
        _finite(self.x_threshold, "x_threshold")
        _finite(self.y_threshold, "y_threshold")
        object.__setattr__(self, "points", points)

    def quadrant(self, point: Point) -> str:
        """The Thai caption of the point's quadrant."""
        return QUADRANTS[float(point.x) >= self.x_threshold, float(point.y) >= self.y_threshold]


QUADRANTS: dict[tuple[bool, bool], str] = {  # (x high, y high) → caption
    (True, False): "ใช้เงินมาก ความก้าวหน้าน้อย",
    (True, True): "ใช้เงินมาก ความก้าวหน้ามาก",
    (False, True): "ใช้เงินน้อย ความก้าวหน้ามาก",
    (False, False): "ใช้เงินน้อย ความก้าวหน้าน้อย",
}
WATCH_QUADRANT = QUADRANTS[(True, False)]
WATCH_TINT = "#fff1ee"
WATCH_TEXT = "#a40e26"  # 6.6:1 on the tint


@dataclass(frozen=True)
class LineChart:
    """An indicator's history: one value per x label (BE years such as "2566"); None leaves a gap.

    `target` is optional (empty = none) and drawn dashed with hollow markers.
    """

    title: str
    x_labels: Sequence[str] = ()
    actual: Sequence[Number | None] = ()
    target: Sequence[Number | None] = ()
    unit: str = ""
    formatter: Formatter | None = field(default=None, compare=False)
    actual_label: str = "ค่าจริง"
    target_label: str = "ค่าเป้าหมาย"
    x_header: str = "ปี / Year"

    def __post_init__(self) -> None:
        x_labels = tuple(str(x) for x in self.x_labels)
        actual, target = tuple(self.actual), tuple(self.target)
        for name, series in (("actual", actual), ("target", target)):
            if series and len(series) != len(x_labels):
                raise ValueError(
                    f"จำนวนค่าของชุด {name} ({len(series)}) ไม่เท่ากับจำนวนปี ({len(x_labels)}) / "
                    f"series {name} has {len(series)} values for {len(x_labels)} x labels"
                )
            for x, v in zip(x_labels, series, strict=False):  # an empty series is allowed
                _finite(v, f"{name} {x}")
        object.__setattr__(self, "x_labels", x_labels)
        object.__setattr__(self, "actual", actual or (None,) * len(x_labels))
        object.__setattr__(self, "target", target)

    def format(self, value: Number | None) -> str:
        if value is None:
            return "ไม่มีข้อมูล"
        return (self.formatter or format_number)(value)


Chart = BarChart | StatusChart | ScatterChart | LineChart


# ------------------------------------------------------------------------------------------------ SVG frame

W = 640
PAD = 12
TITLE_SIZE = 15


def _frame(kind: str, width: float, height: float, title: str, desc: str, body: Iterable[str], defs: str = "") -> str:
    """The <svg> around `body`, with ids made unique by a hash of the content (so equal charts give equal bytes)."""
    shown, cut = truncate(title, width - 2 * PAD, TITLE_SIZE)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="100%" role="img" aria-labelledby="{_ID}-t {_ID}-d" font-family="{FONT_STACK}" font-size="13" '
        f'fill="{TEXT}">',
        f'<title id="{_ID}-t">{_e(title)}</title><desc id="{_ID}-d">{_e(desc)}</desc>',
        f"<defs>{defs}</defs>" if defs else "",
        f'<text x="{PAD}" y="22" font-size="{TITLE_SIZE}" font-weight="700">{_e(shown)}</text>',
        *body,
        "</svg>",
    ]
    svg = "".join(parts)
    uid = "chart-" + hashlib.sha1(svg.encode()).hexdigest()[:10]
    return svg.replace(_ID, uid)


def _empty(kind: str, title: str) -> str:
    body = [f'<text x="{W / 2:g}" y="60" text-anchor="middle" fill="{MUTED}">{_e(NO_DATA)}</text>']
    return _frame(kind, W, 84, title, NO_DATA, body)


def _subtitle(unit: str) -> str:
    return f'<text x="{PAD}" y="40" font-size="12" fill="{MUTED}">หน่วย: {_e(unit)}</text>' if unit else ""


# ------------------------------------------------------------------------------------------------ bar chart


def _bar_svg(spec: BarChart) -> str:
    if not spec.bars:
        return _empty("bar", spec.title)
    has_notes = any(b.note for b in spec.bars)
    row_h, bar_h = (40, 16) if has_notes else (26, 16)
    top = 52 if spec.unit else 36
    label_w = 200
    values = [float(b.value) for b in spec.bars if b.value is not None]
    texts = [spec.format(b.value) for b in spec.bars]
    value_w = min(max(text_width(t, 13) for t in texts) + 10, 170)
    bx, bw = PAD + label_w, W - 2 * PAD - label_w - value_w
    lo, hi = min([0.0, *values]), max([0.0, *values])
    span = hi - lo
    zx = bx + (-lo / span * bw if span else 0.0)  # fractions first: a tiny span must not overflow a scale
    height = top + row_h * len(spec.bars) + 8
    unit = f" {spec.unit}" if spec.unit else ""

    body = [_subtitle(spec.unit), f'<g class="bars" fill="{BLUE}">']
    labels = ['<g class="labels">']
    for i, (b, text) in enumerate(zip(spec.bars, texts, strict=True)):
        y = top + i * row_h
        labels.append(_label(PAD, y + 13, b.label, label_w - 10))
        if b.note:
            labels.append(_label(PAD, y + 29, b.note, label_w - 10, size=11, attrs=f' fill="{MUTED}"'))
        labels.append(f'<text x="{W - PAD}" y="{y + 13}" text-anchor="end">{_e(text)}</text>')
        if b.value is not None:
            length = abs(float(b.value)) / span * bw if span else 0.0
            x = zx if float(b.value) >= 0 else zx - length
            note = f" ({b.note})" if b.note else ""
            body.append(
                f'<rect x="{_n(x)}" y="{y + 13 - bar_h / 2:g}" width="{_n(length)}" height="{bar_h}">'
                f"<title>{_e(b.label)}: {_e(text)}{_e(unit)}{_e(note)}</title></rect>"
            )
    body.append("</g>")
    body.extend(labels)
    body.append("</g>")
    body.append(f'<path class="zero" d="M{_n(zx)} {top - 4}V{height - 8}" stroke="{MUTED}" stroke-width="1"/>')

    known = [b for b in spec.bars if b.value is not None]
    desc = f"แผนภูมิแท่ง {len(spec.bars)} รายการ" + (f" หน่วย {spec.unit}" if spec.unit else "")
    if known:
        top_bar = max(known, key=lambda b: float(b.value))
        low_bar = min(known, key=lambda b: float(b.value))
        desc += f"; มากที่สุด: {top_bar.label} {spec.format(top_bar.value)}"
        if len(known) > 1:
            desc += f"; น้อยที่สุด: {low_bar.label} {spec.format(low_bar.value)}"
    if len(known) < len(spec.bars):
        desc += f"; ไม่มีข้อมูล {len(spec.bars) - len(known)} รายการ"
    return _frame("bar", W, height, spec.title, desc, body)


# ------------------------------------------------------------------------------------------------ status chart


def _pattern_defs() -> str:
    """Fill patterns per level (solid colours need none): hatch, cross-hatch and dots in the text colour."""
    defs = []
    for level, kind in LEVEL_PATTERNS.items():
        fill, ink = LEVEL_COLOURS[level], LEVEL_TEXT_COLOURS[level]
        if kind == "dots":
            marks = f'<circle cx="3" cy="3" r="1.1" fill="{ink}" fill-opacity=".55"/>'
            transform = ""
        else:
            path = "M0 0V6" if kind == "hatch" else "M0 0V6M0 0H6"
            marks = f'<path d="{path}" stroke="{ink}" stroke-width="1.6" stroke-opacity=".5"/>'
            transform = ' patternTransform="rotate(45)"'
        defs.append(
            f'<pattern id="{_ID}-{level}" width="6" height="6" patternUnits="userSpaceOnUse"{transform}>'
            f'<rect width="6" height="6" fill="{fill}"/>{marks}</pattern>'
        )
    return "".join(defs)


def _level_fill(level: str) -> str:
    return f"url(#{_ID}-{level})" if level in LEVEL_PATTERNS else LEVEL_COLOURS[level]


def _legend(items: Sequence[tuple[str, str]], y: float, *, size: float = 12) -> tuple[list[str], float]:
    """Legend entries (swatch svg at (0,0)–(14,12), label) flowed left to right, wrapping; returns parts and bottom."""
    parts, x = [], PAD
    for swatch, label in items:
        w = 18 + text_width(label, size) + 14
        if x > PAD and x + w > W - PAD:
            x, y = PAD, y + 18
        parts.append(
            f'<g transform="translate({_n(x)} {_n(y)})">{swatch}'
            f'<text x="18" y="10" font-size="{_n(size)}">{_e(label)}</text></g>'
        )
        x += w
    return parts, y + 12


def _status_svg(spec: StatusChart) -> str:
    if not spec.rows:
        return _empty("status", spec.title)
    labels_th = {lv: level_label_th(lv) for lv in LEVELS}
    labels_full = {lv: _e(lv.label) for lv in LEVELS}  # translated once per chart, not once per segment
    swatches = [
        (f'<rect width="14" height="12" fill="{_level_fill(lv.value)}" stroke="{TEXT}" stroke-width=".5"/>', label)
        for lv, label in labels_th.items()
    ]
    body, legend_bottom = _legend(swatches, 34)
    top = legend_bottom + 12
    row_h, bar_h = 28, 20
    label_w = 170
    worst_texts = [f"แย่สุด: {labels_th[row.worst]}" for row in spec.rows]
    worst_w = min(max(text_width(t, 12) for t in worst_texts) + 10, 210)
    bx = PAD + label_w
    bw10 = int((W - 2 * PAD - label_w - worst_w) * 10)  # bar width in tenths of a pixel: segments sum exactly
    height = top + row_h * len(spec.rows) + 4

    for i, (row, worst_text) in enumerate(zip(spec.rows, worst_texts, strict=True)):
        y = top + i * row_h
        mid = y + bar_h / 2 + 4.5
        body.append(f'<g class="row">{_label(PAD, mid, row.label, label_w - 10)}')
        total = row.total
        if not total:
            body.append(
                f'<rect class="empty" x="{bx}" y="{y}" width="{_tenths(bw10)}" height="{bar_h}" fill="none" '
                f'stroke="{MUTED}" stroke-dasharray="4 3"/><text x="{_n(bx + bw10 / 20)}" y="{_n(mid)}" font-size="12" '
                f'text-anchor="middle" fill="{MUTED}">ไม่มีข้อมูล</text>'
            )
        cum = 0
        for level, count in zip(LEVELS, row.counts, strict=True):
            if not count:
                continue
            x0 = round(cum * bw10 / total)
            cum += count
            x1 = round(cum * bw10 / total)
            lv = level.value
            percent = _pct(100 * count / total)
            body.append(
                f'<rect class="seg seg-{lv}" x="{_tenths(bx * 10 + x0)}" y="{y}" width="{_tenths(x1 - x0)}" '
                f'height="{bar_h}" fill="{_level_fill(lv)}" stroke="{WHITE}" stroke-width="1">'
                f"<title>{_e(row.label)}: {labels_full[level]} {count:,} ({percent}%)</title></rect>"
            )
            text = f"{count:,}"
            if (x1 - x0) / 10 >= text_width(text, 12) + 6:
                ink = LEVEL_TEXT_COLOURS[lv]
                # a halo in the solid colour keeps the AA contrast of the text over the pattern
                halo = (
                    f' stroke="{LEVEL_COLOURS[lv]}" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
                    if lv in LEVEL_PATTERNS
                    else ""
                )
                body.append(
                    f'<text x="{_tenths(bx * 10 + (x0 + x1) // 2)}" y="{_n(mid)}" font-size="12" '
                    f'text-anchor="middle" fill="{ink}"{halo}>{text}</text>'
                )
        weight = ' font-weight="700"' if row.worst in (StatusLevel.RED, StatusLevel.ORANGE) else ""
        body.append(
            f'<text class="worst" x="{_n(bx + bw10 / 10 + 8)}" y="{_n(mid)}" font-size="12"{weight}>'
            f"{_e(worst_text)}</text></g>"
        )

    sums = [sum(row.counts[i] for row in spec.rows) for i in range(len(LEVELS))]
    desc = f"สถานะของ {len(spec.rows)} รายการ; รวม: " + ", ".join(
        f"{labels_th[lv]} {n:,}" for lv, n in zip(LEVELS, sums, strict=True)
    )
    red_rows = [row.label for row in spec.rows if row.worst == StatusLevel.RED]
    if red_rows:
        shown = ", ".join(red_rows[:5]) + (f" และอีก {len(red_rows) - 5} รายการ" if len(red_rows) > 5 else "")
        desc += f"; รายการที่มีระดับวิกฤต {len(red_rows)} รายการ: {shown}"
    return _frame("status", W, height, spec.title, desc, body, _pattern_defs())


# ------------------------------------------------------------------------------------------------ scatter chart

_TRIANGLE = "l4.8 8.3h-9.6z"  # relative path of the flagged marker, drawn from its apex


def _scatter_svg(spec: ScatterChart) -> str:
    if not spec.points:
        return _empty("scatter", spec.title)
    height = 500
    x0, x1, y0, y1 = 64.0, W - 20.0, 66.0, height - 58.0
    sx, sy = (x1 - x0) / 100, (y1 - y0) / 100

    def px(v: float) -> float:
        return x0 + min(max(v, 0.0), 100.0) * sx

    def py(v: float) -> float:
        return y1 - min(max(v, 0.0), 100.0) * sy

    tx, ty = px(float(spec.x_threshold)), py(float(spec.y_threshold))
    legend, _ = _legend(
        [
            (f'<circle cx="7" cy="6" r="4" fill="{BLUE}" fill-opacity=".6"/>', spec.point_label),
            (f'<path d="M7 0.5{_TRIANGLE}" fill="{LEVEL_COLOURS["red"]}"/>', spec.flagged_label),
        ],
        34,
    )
    body = [
        *legend,
        # the quadrant to watch (money spent, little progress) is tinted and its caption bold
        f'<rect x="{_n(tx)}" y="{_n(ty)}" width="{_n(x1 - tx)}" height="{_n(y1 - ty)}" fill="{WATCH_TINT}"/>',
        f'<g stroke="{GRID}" stroke-width="1">',
    ]
    ticks = (0, 25, 50, 75, 100)
    body.extend(f'<path d="M{_n(px(t))} {_n(y0)}V{_n(y1)}M{_n(x0)} {_n(py(t))}H{_n(x1)}"/>' for t in ticks)
    body.append(f'</g><g font-size="11" fill="{MUTED}" text-anchor="middle">')
    body.extend(f'<text x="{_n(px(t))}" y="{_n(y1 + 16)}">{t}</text>' for t in ticks)
    body.append(f'</g><g font-size="11" fill="{MUTED}" text-anchor="end">')
    body.extend(f'<text x="{_n(x0 - 6)}" y="{_n(py(t) + 4)}">{t}</text>' for t in ticks)
    body.append("</g>")
    body.append(
        f'<text x="{_n((x0 + x1) / 2)}" y="{_n(y1 + 38)}" text-anchor="middle" font-size="12">'
        f"{_e(spec.x_label)} (%)</text>"
        f'<text transform="translate({_n(x0 - 40)} {_n((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle" '
        f'font-size="12">{_e(spec.y_label)} (%)</text>'
        f'<path d="M{_n(tx)} {_n(y0)}V{_n(y1)}M{_n(x0)} {_n(ty)}H{_n(x1)}" stroke="{MUTED}" stroke-width="1.2" '
        f'stroke-dasharray="5 4"/>'
    )
    plain, flagged, watch_n = [], [], 0
    x_name, y_name = _e(spec.x_label), _e(spec.y_label)
    # the hot loop of a 2,000-point chart: clamping and formatting inlined, one decimal kept as is ("12.0")
    xt, yt = float(spec.x_threshold), float(spec.y_threshold)
    for p in spec.points:
        x, y = float(p.x), float(p.y)
        watch_n += x >= xt and y < yt
        cx = x0 + (0.0 if x < 0 else 100.0 if x > 100 else x) * sx
        cy = y1 - (0.0 if y < 0 else 100.0 if y > 100 else y) * sy
        tip = f"<title>{_e(p.label)}: {x_name} {_pct(x)}%, {y_name} {_pct(y)}%</title>"
        if p.flagged:
            flagged.append(f'<path d="M{cx:.1f} {cy - 5.5:.1f}{_TRIANGLE}">{tip}</path>')
        else:
            plain.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5">{tip}</circle>')
    body.append(f'<g class="points" fill="{BLUE}" fill-opacity=".55">{"".join(plain)}</g>')
    body.append(
        f'<g class="flagged" fill="{LEVEL_COLOURS["red"]}" stroke="{WHITE}" stroke-width=".8">{"".join(flagged)}</g>'
    )
    # quadrant captions in the outer corner of each quadrant that has room, over the points with a halo
    corners = {
        (False, True): (x0 + 6, y0 + 15, "start", tx - x0, ty - y0),
        (True, True): (x1 - 6, y0 + 15, "end", x1 - tx, ty - y0),
        (False, False): (x0 + 6, y1 - 8, "start", tx - x0, y1 - ty),
        (True, False): (x1 - 6, y1 - 8, "end", x1 - tx, y1 - ty),
    }
    body.append('<g font-size="11" stroke-width="4" stroke-linejoin="round" paint-order="stroke">')
    for key, (cx, cy, anchor, qw, qh) in corners.items():
        if qw > 0 and qh >= 20:
            style = (
                f'font-weight="700" fill="{WATCH_TEXT}" stroke="{WATCH_TINT}"'
                if key == (True, False)
                else (f'fill="{MUTED}" stroke="{WHITE}"')
            )
            body.append(
                f'<text class="quadrant" x="{_n(cx)}" y="{_n(cy)}" text-anchor="{anchor}" {style}>'
                f"{_e(QUADRANTS[key])}</text>"
            )
    body.append("</g>")

    desc = (
        f"{spec.point_label} {len(spec.points):,} รายการ; {spec.flagged_label} {len(flagged):,} รายการ; "
        f"อยู่ในกลุ่ม \u201c{WATCH_QUADRANT}\u201d {watch_n:,} รายการ "
        f"(เส้นแบ่งที่{spec.x_label} {_pct(float(spec.x_threshold))}% และ{spec.y_label} "
        f"{_pct(float(spec.y_threshold))}%)"
    )
    return _frame("scatter", W, height, spec.title, desc, body)


# ------------------------------------------------------------------------------------------------ line chart


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] with about `count` steps of 1, 2, 2.5 or 5 × 10^k."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start, stop = math.floor(lo / step), math.ceil(hi / step)
    return [round(i * step, 10) for i in range(start, stop + 1)]


def _line_svg(spec: LineChart) -> str:
    values = [float(v) for v in (*spec.actual, *spec.target) if v is not None]
    if not spec.x_labels or not values:
        return _empty("line", spec.title)
    height = 330
    top = 52 if spec.unit else 36
    legend_items = [
        (
            f'<path d="M0 6H14" stroke="{BLUE}" stroke-width="2.5"/><circle cx="7" cy="6" r="3.5" fill="{BLUE}"/>',
            spec.actual_label,
        )
    ]
    if spec.target:
        legend_items.append(
            (
                f'<path d="M0 6H14" stroke="{TEXT}" stroke-width="1.6" stroke-dasharray="4 2"/>'
                f'<path d="M7 2l4 4-4 4-4-4z" fill="{WHITE}" stroke="{TEXT}" stroke-width="1.4"/>',
                spec.target_label,
            )
        )
    legend, legend_bottom = _legend(legend_items, top - 2)
    margin = (max(values) - min(values)) * 0.05  # keep the extreme points and their labels off the plot's edges
    ticks = nice_ticks(min(values) - margin, max(values) + margin)
    tick_texts = [spec.format(t) for t in ticks]
    x0 = PAD + max(text_width(t, 11) for t in tick_texts) + 8
    x1, y0, y1 = W - 20.0, legend_bottom + 16, height - 34.0
    lo, hi = ticks[0], ticks[-1]
    n = len(spec.x_labels)
    inset = 16.0

    def px(i: int) -> float:
        return (x0 + x1) / 2 if n == 1 else x0 + inset + i * (x1 - x0 - 2 * inset) / (n - 1)

    def py(v: float) -> float:
        return y1 - (v - lo) * (y1 - y0) / (hi - lo)

    body = [_subtitle(spec.unit), *legend, f'<g stroke="{GRID}" stroke-width="1">']
    body.extend(f'<path d="M{_n(x0)} {_n(py(t))}H{_n(x1)}"/>' for t in ticks)
    body.append(f'</g><g font-size="11" fill="{MUTED}" text-anchor="end">')
    body.extend(
        f'<text x="{_n(x0 - 6)}" y="{_n(py(t) + 4)}">{_e(text)}</text>'
        for t, text in zip(ticks, tick_texts, strict=True)
    )
    body.append(f'</g><g font-size="11" fill="{MUTED}" text-anchor="middle">')
    widest = max(text_width(x, 11) for x in spec.x_labels) + 8
    every = max(1, math.ceil(widest * n / (x1 - x0)))
    body.extend(
        f'<text x="{_n(px(i))}" y="{_n(y1 + 18)}">{_e(x)}</text>'
        for i, x in enumerate(spec.x_labels)
        if (n - 1 - i) % every == 0  # counted from the latest, which is always labelled
    )
    body.append("</g>")

    def path(series: Sequence[Number | None]) -> str:
        d, pen = [], False
        for i, v in enumerate(series):
            if v is None:
                pen = False
                continue
            d.append(f"{'L' if pen else 'M'}{_n(px(i))} {_n(py(float(v)))}")
            pen = True
        return "".join(d)

    def tip(i: int, name: str, v: Number) -> str:
        unit = f" {spec.unit}" if spec.unit else ""
        return f"<title>{_e(spec.x_labels[i])}: {_e(name)} {_e(spec.format(v))}{_e(unit)}</title>"

    if spec.target:
        body.append(
            f'<path class="target" d="{path(spec.target)}" fill="none" stroke="{TEXT}" stroke-width="1.6" '
            f'stroke-dasharray="6 4"/><g class="target-points" fill="{WHITE}" stroke="{TEXT}" stroke-width="1.4">'
        )
        body.extend(
            f'<path d="M{_n(px(i))} {_n(py(float(v)) - 4)}l4 4-4 4-4-4z">{tip(i, spec.target_label, v)}</path>'
            for i, v in enumerate(spec.target)
            if v is not None
        )
        body.append("</g>")
    body.append(
        f'<path class="actual" d="{path(spec.actual)}" fill="none" stroke="{BLUE}" stroke-width="2.5" '
        f'stroke-linejoin="round"/><g class="actual-points" fill="{BLUE}" stroke="{WHITE}" stroke-width="1.2">'
    )
    body.extend(
        f'<circle cx="{_n(px(i))}" cy="{_n(py(float(v)))}" r="4">{tip(i, spec.actual_label, v)}</circle>'
        for i, v in enumerate(spec.actual)
        if v is not None
    )
    body.append("</g>")
    if n <= 12:  # value labels above the actual points while they fit
        body.append('<g font-size="11" text-anchor="middle">')
        body.extend(
            f'<text x="{_n(px(i))}" y="{_n(py(float(v)) - 9)}">{_e(spec.format(v))}</text>'
            for i, v in enumerate(spec.actual)
            if v is not None
        )
        body.append("</g>")

    known = [i for i, v in enumerate(spec.actual) if v is not None]
    unit = f" {spec.unit}" if spec.unit else ""
    span = spec.x_labels[0] if n == 1 else f"{spec.x_labels[0]}–{spec.x_labels[-1]}"
    desc = f"ช่วง {span}"
    if known:
        first, last = known[0], known[-1]
        desc += f"; {spec.actual_label} {spec.x_labels[first]} {spec.format(spec.actual[first])}{unit}"
        if last != first:
            desc += f" ถึง {spec.x_labels[last]} {spec.format(spec.actual[last])}{unit}"
        target_at = spec.target[last] if spec.target else None
        if target_at is not None:
            desc += f" ({spec.target_label} {spec.format(target_at)}{unit})"
    missing = n - len(known)
    if missing:
        desc += f"; ไม่มีข้อมูล{spec.actual_label} {missing} ช่วง"
    return _frame("line", W, height, spec.title, desc, body)


# ------------------------------------------------------------------------------------------------ public API

_RENDERERS: dict[type, Callable] = {
    BarChart: _bar_svg,
    StatusChart: _status_svg,
    ScatterChart: _scatter_svg,
    LineChart: _line_svg,
}


def render_svg(spec: Chart) -> SafeString:
    """The chart as a self-contained, deterministic SVG string, safe to put in a template as it is."""
    try:
        renderer = _RENDERERS[type(spec)]
    except KeyError:
        raise TypeError(f"not a chart spec: {type(spec).__name__}") from None
    return mark_safe(renderer(spec))  # noqa: S308 — every piece of text inside went through _e()


class ChartTable(NamedTuple):
    """The chart's data as an accessible table: cells are display strings; the first column names the row."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def chart_table(spec: Chart) -> ChartTable:
    """The same data as `render_svg(spec)` shows, as headers and rows for an HTML table."""
    if isinstance(spec, BarChart):
        value_header = "ค่า / Value" + (f" ({spec.unit})" if spec.unit else "")
        has_notes = any(b.note for b in spec.bars)
        headers = (spec.label_header, value_header, *(("หมายเหตุ / Note",) if has_notes else ()))
        rows = tuple((b.label, spec.format(b.value), *((b.note,) if has_notes else ())) for b in spec.bars)
    elif isinstance(spec, StatusChart):
        headers = (spec.label_header, *(str(lv.label) for lv in LEVELS), "รวม / Total", "แย่สุด / Worst")
        rows = tuple(
            (row.label, *(f"{c:,}" for c in row.counts), f"{row.total:,}", str(row.worst.label)) for row in spec.rows
        )
    elif isinstance(spec, ScatterChart):
        headers = (
            spec.label_header,
            f"{spec.x_label} (%)",
            f"{spec.y_label} (%)",
            "กลุ่ม / Quadrant",
            f"{spec.flagged_label} / Flagged",
        )
        rows = tuple(
            (p.label, _pct(float(p.x)), _pct(float(p.y)), spec.quadrant(p), "ใช่ / Yes" if p.flagged else "–")
            for p in spec.points
        )
    elif isinstance(spec, LineChart):
        unit = f" ({spec.unit})" if spec.unit else ""
        headers = (
            spec.x_header,
            f"{spec.actual_label}{unit}",
            *((f"{spec.target_label}{unit}",) if spec.target else ()),
        )
        rows = tuple(
            (x, spec.format(a), *((spec.format(t),) if spec.target else ()))
            for x, a, t in zip(spec.x_labels, spec.actual, spec.target or (None,) * len(spec.x_labels), strict=True)
        )
    else:
        raise TypeError(f"not a chart spec: {type(spec).__name__}")
    return ChartTable(spec.title, headers, rows)
