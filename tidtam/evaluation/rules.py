"""The published status rule (ระดับสถานะ) of an indicator for a period, with its why in Thai and English.

Rule `default/1` (PRODUCT.md §3):
- achievement ratio = actual / target when higher is better, target / actual when lower is better (an actual of 0
  with lower-is-better counts as achieved); for a target range [low, high], inside the range is achieved, below it
  the ratio is actual / low and above it high / actual — the same ratios as the nearer bound with its direction;
- ratio ≥ 1.00 → green, ≥ 0.75 → yellow, ≥ 0.50 → orange, < 0.50 → red; no actual → grey; no target → grey;
- ratios are used only when the target (bound) is > 0 and the actual ≥ 0; otherwise the actual is compared with the
  target directly: meeting it is green, missing it red, and the why says so.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

RULE_VERSION = "default/1"


class StatusLevel(models.TextChoices):
    """Status levels, worst last among the coloured ones. `colour` is for badges; the label always shows too."""

    GREEN = "green", _("บรรลุค่าเป้าหมาย / Target achieved")
    YELLOW = "yellow", _("ต่ำกว่าค่าเป้าหมายเล็กน้อย / Slightly below target")
    ORANGE = "orange", _("ต่ำกว่าค่าเป้าหมาย/เสี่ยง / Below target, at risk")
    RED = "red", _("วิกฤต / Critical")
    GREY = "grey", _("ไม่มีข้อมูล / No data")

    @property
    def colour(self) -> str:
        return self.value


@dataclass(frozen=True)
class Bands:
    """The lowest achievement ratio of green, yellow and orange; anything below orange is red. A rule version fixes
    them (rule `default/1`: 1.00, 0.75, 0.50); frameworks and indicators may use another version."""

    green: Decimal = Decimal("1.00")
    yellow: Decimal = Decimal("0.75")
    orange: Decimal = Decimal("0.50")
    version: str = RULE_VERSION

    def level(self, ratio: Decimal) -> "StatusLevel":
        for floor, level in ((self.green, StatusLevel.GREEN), (self.yellow, StatusLevel.YELLOW)):
            if ratio >= floor:
                return level
        return StatusLevel.ORANGE if ratio >= self.orange else StatusLevel.RED

    def text(self, level: "StatusLevel") -> str:
        """The band of `level` in percent, e.g. "≥75%, <100%"."""
        floors = {"green": self.green, "yellow": self.yellow, "orange": self.orange}
        ceilings = {"yellow": self.green, "orange": self.yellow, "red": self.orange}
        parts = []
        if level in floors:
            parts.append(f"≥{_percent(floors[level])}%")
        if level in ceilings:
            parts.append(f"<{_percent(ceilings[level])}%")
        return ", ".join(parts)


DEFAULT_BANDS = Bands()


@dataclass(frozen=True)
class Status:
    level: StatusLevel
    ratio: Decimal | None
    why_th: str
    why_en: str
    rule_version: str = RULE_VERSION

    def as_dict(self) -> dict:
        return {
            "level": self.level.value,
            "label": str(self.level.label),
            "ratio": None if self.ratio is None else float(self.ratio),
            "why": {"th": self.why_th, "en": self.why_en},
            "rule_version": self.rule_version,
        }


def _num(value: Decimal) -> str:
    """80.0000 → "80", 72.50 → "72.5"."""
    return format(value.normalize(), "f")


def _percent(ratio: Decimal) -> str:
    return _num((ratio * 100).quantize(Decimal("0.1")))


def _from_ratio(bands: Bands, ratio: Decimal, how_th: str, how_en: str) -> Status:
    level = bands.level(ratio)
    percent, band = _percent(ratio), bands.text(level)
    label_th, label_en = str(level.label).split(" / ")
    return Status(
        level,
        ratio,
        f"{how_th} = {percent}% → {label_th} ({band})",
        f"{how_en} = {percent}% → {label_en} ({band})",
        bands.version,
    )


def _direct(bands: Bands, meets: bool, actual: Decimal, target_th: str, target_en: str) -> Status:
    level = StatusLevel.GREEN if meets else StatusLevel.RED
    label_th, label_en = str(level.label).split(" / ")
    verdict_th, verdict_en = ("ถึง", "meets") if meets else ("ไม่ถึง", "misses")
    return Status(
        level,
        None,
        f"ค่าจริง {_num(actual)} {verdict_th}ค่าเป้าหมาย {target_th} (เทียบตรง ไม่ใช้อัตราส่วนเพราะค่าไม่เป็นบวก) → {label_th}",
        f"actual {_num(actual)} {verdict_en} the target {target_en} (compared directly: no ratio for non-positive "
        f"values) → {label_en}",
        bands.version,
    )


def evaluate(
    *,
    direction: str,
    target: Decimal | None,
    actual: Decimal | None,
    target_max: Decimal | None = None,
    bands: Bands = DEFAULT_BANDS,
) -> Status:
    """The status of one indicator for one period under the rule version `bands` belongs to, with its why."""
    if actual is None:
        return Status(
            StatusLevel.GREY,
            None,
            "ไม่มีค่าจริงในช่วงเวลานี้ → ไม่มีข้อมูล",
            "no actual value for the period → no data",
            bands.version,
        )
    if target is None:
        return Status(
            StatusLevel.GREY,
            None,
            "ไม่มีค่าเป้าหมายในช่วงเวลานี้ → ไม่มีข้อมูล",
            "no target for the period → no data",
            bands.version,
        )
    actual, target = Decimal(actual), Decimal(target)
    if direction == "range":
        low, high = target, Decimal(target_max if target_max is not None else target)
        span = f"{_num(low)}–{_num(high)}"
        if low <= actual <= high:
            return _from_ratio(
                bands,
                Decimal(1),
                f"ค่าจริง {_num(actual)} อยู่ในช่วงเป้าหมาย {span}",
                f"actual {_num(actual)} within the target range {span}",
            )
        if actual < low:
            if low > 0 and actual >= 0:
                return _from_ratio(
                    bands,
                    actual / low,
                    f"ค่าจริง {_num(actual)} ต่ำกว่าช่วง {span}: {_num(actual)}/{_num(low)}",
                    f"actual {_num(actual)} below the range {span}: {_num(actual)}/{_num(low)}",
                )
            return _direct(bands, False, actual, span, span)
        if high > 0:
            return _from_ratio(
                bands,
                high / actual,
                f"ค่าจริง {_num(actual)} สูงกว่าช่วง {span}: {_num(high)}/{_num(actual)}",
                f"actual {_num(actual)} above the range {span}: {_num(high)}/{_num(actual)}",
            )
        return _direct(bands, False, actual, span, span)
    if target <= 0 or actual < 0:
        meets = actual >= target if direction == "higher" else actual <= target
        return _direct(bands, meets, actual, _num(target), _num(target))
    if direction == "lower":
        if actual == 0:
            return _from_ratio(
                bands,
                Decimal(1),
                f"ค่าจริง 0 (ยิ่งต่ำยิ่งดี) จากค่าเป้าหมาย {_num(target)}",
                f"actual 0 (lower is better) against the target {_num(target)}",
            )
        return _from_ratio(
            bands,
            target / actual,
            f"ค่าเป้าหมาย {_num(target)} / ค่าจริง {_num(actual)} (ยิ่งต่ำยิ่งดี)",
            f"target {_num(target)} / actual {_num(actual)} (lower is better)",
        )
    return _from_ratio(
        bands,
        actual / target,
        f"ค่าจริง {_num(actual)} จากค่าเป้าหมาย {_num(target)}",
        f"actual {_num(actual)} of the target {_num(target)}",
    )
