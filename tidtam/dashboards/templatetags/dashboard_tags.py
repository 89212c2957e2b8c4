"""`{% load dashboard_tags %}`: amounts, percentages, fiscal years and status levels as the dashboard pages show them.

{{ amount|thb }}            1,234,567 (whole baht, thousands separators; "–" when empty)
{{ amount|thb_compact }}    "1.2 ล้าน" in Thai (the charts' compact helper), "1,234,567" in English
{{ value|pct }}             "72.5%" or "–"
{{ year|fy_label }}         "ปีงบประมาณ 2568" / "FY 2568"
{{ figures|level_counts }}  [{level, label, count}] in display order, for a status distribution
{% level_badge level %}     the level as text and colour (never colour alone); "–" when None
{{ status|why }}            a stored IndicatorStatus's why in the UI language
"""

from decimal import Decimal

from django import template
from django.utils import translation
from django.utils.html import format_html

from tidtam.core import thaicalendar
from tidtam.dashboards.charts import LEVELS, format_number, format_thb_compact
from tidtam.evaluation.rules import StatusLevel

register = template.Library()


def _english() -> bool:
    return translation.get_language() == "en"


def language_part(label) -> str:
    """The UI language's side of a "ไทย / English" label."""
    thai, _, english = str(label).partition(" / ")
    return english if _english() and english else thai


@register.filter
def thb(value) -> str:
    if value in (None, ""):
        return "–"
    return format_number(Decimal(value), decimals=0)


@register.filter
def thb_compact(value) -> str:
    if value in (None, ""):
        return "–"
    return format_number(Decimal(value), decimals=0) if _english() else format_thb_compact(Decimal(value))


@register.filter
def pct(value) -> str:
    if value in (None, ""):
        return "–"
    return f"{format_number(Decimal(value), decimals=1)}%"


@register.filter
def num(value) -> str:
    """A count or measurement with thousands separators and at most two decimals."""
    if value in (None, ""):
        return "–"
    return format_number(Decimal(value), decimals=2)


@register.filter
def fy_label(year) -> str:
    if year in (None, ""):
        return ""
    return f"FY {year}" if _english() else thaicalendar.format_fiscal_year(int(year))


@register.filter
def level_counts(figures) -> list[dict]:
    return [
        {"level": level.value, "label": language_part(level.label), "count": figures.levels.get(level.value, 0)}
        for level in LEVELS
    ]


@register.filter
def level_label(level) -> str:
    return "" if level in (None, "") else language_part(StatusLevel(level).label)


@register.simple_tag
def level_badge(level) -> str:
    if level in (None, ""):
        return "–"
    level = StatusLevel(level)
    return format_html(
        '<span class="level-badge level-{}" data-level="{}">{}</span>',
        level.value,
        level.value,
        language_part(level.label),
    )


@register.filter
def why(status) -> str:
    if status is None:
        return ""
    return status.why_en if _english() and status.why_en else status.why_th


@register.filter
def bilingual_part(label) -> str:
    return language_part(label)
