"""Number display for the reporting pages: `{{ value|baht }}` (grouped, two decimals) and `{{ value|number }}`
(grouped, no trailing zeros). Empty for None."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def baht(value: Decimal | int | None) -> str:
    return "" if value is None else f"{Decimal(value):,.2f}"


@register.filter
def number(value: Decimal | int | None) -> str:
    return "" if value is None else f"{Decimal(value).normalize():,f}"
