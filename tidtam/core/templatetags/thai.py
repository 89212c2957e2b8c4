"""Template filters for Thai display: Buddhist-Era dates and Thai digits. Loaded as a builtin in every template."""

from datetime import date, datetime

from django import template
from django.utils import timezone, translation

from tidtam.core import thaicalendar

register = template.Library()


@register.filter
def be_date(value: date | datetime | None, style: str = "") -> str:
    """`1 ต.ค. 2567` in Thai (BE), `1 Oct 2024` in English. Pass "full" for full month names, "time" for time too."""
    if value is None:
        return ""
    thai = translation.get_language() != "en"
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        if style == "time":
            return thaicalendar.format_thai_datetime(value, abbr=True) if thai else f"{value:%d %b %Y %H:%M}"
        value = value.date()
    if thai:
        return thaicalendar.format_thai_date(value, abbr=style != "full")
    return f"{value:%d %B %Y}" if style == "full" else f"{value:%d %b %Y}"


@register.filter
def be_year(value: int | None) -> str:
    return "" if value is None else str(value)


@register.simple_tag
def pick(th: str, en: str) -> str:
    """The English text in the English UI when there is one, the Thai text otherwise."""
    return en if translation.get_language() == "en" and en else th
