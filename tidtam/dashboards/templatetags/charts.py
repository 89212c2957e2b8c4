"""`{% load charts %}` then `{% chart spec %}`: the chart as SVG plus a collapsed table of the same data."""

from django import template

from tidtam.dashboards.charts import Chart, chart_table, render_svg

register = template.Library()


@register.inclusion_tag("dashboards/partials/chart.html")
def chart(spec: Chart) -> dict:
    return {"svg": render_svg(spec), "table": chart_table(spec)}
