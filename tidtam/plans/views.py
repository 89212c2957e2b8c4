"""Server-rendered plan pages: the home page, framework trees (expanded with htmx or all at once) and node pages.

Views only read through the selectors with `user=request.user` and shape the result for display.
"""

from decimal import Decimal

from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from tidtam.core.selectors import audit_timeline, may_see_actors
from tidtam.core.views import or_404
from tidtam.opendata.selectors import node_status, node_statuses
from tidtam.plans import selectors
from tidtam.plans.models import FrameworkVersion

TIMELINE_LIMIT = 50


def _lang() -> str:
    return "en" if get_language() == "en" else "th"


def _number(value: Decimal | None) -> str:
    """`1,234.5` for Decimal("1234.5000"): grouped, without trailing zeros."""
    if value is None:
        return ""
    return f"{value.normalize():,f}"


def _label_levels(nodes, version: FrameworkVersion) -> None:
    """Give each node its level name in the active language."""
    lang = _lang()
    names = {depth: version.level_name(depth, lang) for depth in range(1, len(version.levels) + 1)}
    for node in nodes:
        node.level_label = names.get(node.depth, "")


def _mark_statuses(nodes, version: FrameworkVersion, *, whole_version: bool = False) -> int:
    """Give each node its public worst status level (or None) in the dashboards' default fiscal year; returns that
    year. One query whatever the number of nodes."""
    ids = None if whole_version else [node.pk for node in nodes]
    statuses = node_statuses(version=version, node_ids=ids)
    for node in nodes:
        node.status_level = statuses.of(node.pk).worst_level
    return statuses.fiscal_year


def _frameworks_with_counts(user) -> list:
    frameworks = list(selectors.framework_list(user=user).order_by("code"))
    versions = (
        FrameworkVersion.objects.filter(framework__in=frameworks).annotate(node_count=Count("nodes")).order_by("label")
    )
    by_framework: dict[int, list[FrameworkVersion]] = {}
    for version in versions:
        by_framework.setdefault(version.framework_id, []).append(version)
    for framework in frameworks:
        framework.shown_version = selectors.current_version(by_framework.get(framework.pk, []))
    return frameworks


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What tidtam is, the frameworks with their node counts, and the ways in."""
    return render(request, "plans/home.html", {"frameworks": _frameworks_with_counts(request.user)})


@require_GET
def framework_list(request: HttpRequest) -> HttpResponse:
    return render(request, "plans/framework_list.html", {"frameworks": _frameworks_with_counts(request.user)})


@require_GET
def framework_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The framework's tree: top-level nodes (children load with htmx), or the whole tree with `?expand=all`."""
    framework = or_404(selectors.framework_get, user=request.user, code=code)
    label = request.GET.get("version") or None
    version = or_404(selectors.framework_version_get, user=request.user, framework=framework, label=label)
    expand_all = request.GET.get("expand") == "all"
    if expand_all:
        # One query for the whole tree; nesting happens in Python.
        nodes = list(selectors.node_list(user=request.user, framework_version=version))
        _label_levels(nodes, version)
        status_year = _mark_statuses(nodes, version, whole_version=True)
        roots = selectors.nest_nodes(nodes)
    else:
        roots = list(selectors.node_children(user=request.user, framework_version=version, parent=None))
        _label_levels(roots, version)
        status_year = _mark_statuses(roots, version)
    lang = _lang()
    context = {
        "framework": framework,
        "version": version,
        "versions": list(framework.versions.all()),
        "version_param": version.label if label else "",
        "levels": [level.get(lang) or level.get("th", "") for level in version.levels],
        "nodes": roots,
        "expand_all": expand_all,
        "status_year": status_year,
    }
    return render(request, "plans/framework_detail.html", context)


@require_GET
def node_children(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The htmx partial: a `<ul>` of a node's direct children."""
    framework = or_404(selectors.framework_get, user=request.user, code=code)
    node = or_404(selectors.node_get, user=request.user, pk=pk)
    version = node.framework_version
    if version.framework_id != framework.pk:
        raise Http404("node not in framework")
    children = list(selectors.node_children(user=request.user, framework_version=version, parent=node))
    _label_levels(children, version)
    _mark_statuses(children, version)
    context = {"framework": framework, "version": version, "nodes": children, "expand_all": False}
    return render(request, "plans/_node_list.html", context)


def _period(start: int, end: int) -> dict:
    return {"start": start, "end": end, "single": start == end}


def _indicator_rows(indicators) -> list[dict]:
    rows = []
    for indicator in indicators:
        targets = [
            {**_period(t.period_start, t.period_end), "value": _number(t.value), "value_max": _number(t.value_max)}
            for t in indicator.targets.all()
        ]
        actuals = [
            {
                **_period(v.period_start, v.period_end),
                "value": _number(v.value),
                "evidence": v.evidence,
                "source_url": v.source_url,
            }
            for v in sorted(indicator.values.all(), key=lambda v: (v.period_start, v.period_end))
        ]
        rows.append(
            {
                "indicator": indicator,
                "baseline": _number(indicator.baseline_value),
                "targets": targets,
                "actuals": actuals,
            }
        )
    return rows


@require_GET
def node_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A node: where it sits, its children, indicators, cross-links and audit timeline."""
    node = or_404(selectors.node_get, user=request.user, pk=pk)
    version = node.framework_version
    ancestors = selectors.node_ancestors(node=node)
    children = list(selectors.node_children(user=request.user, framework_version=version, parent=node))
    _label_levels([node, *children], version)
    links = []
    for link in selectors.node_cross_links(user=request.user, node=node):
        outgoing = link.source_id == node.pk
        links.append({"link": link, "outgoing": outgoing, "other": link.target if outgoing else link.source})
    status_year, figures = node_status(node=node)
    context = {
        "node": node,
        "version": version,
        "framework": version.framework,
        "ancestors": ancestors,
        "children": children,
        "indicators": _indicator_rows(selectors.node_indicators(user=request.user, node=node)),
        "links": links,
        "status_year": status_year,
        "figures": figures,
        "timeline": list(audit_timeline(user=request.user, obj=node)[:TIMELINE_LIMIT]),
        "show_actors": may_see_actors(request.user),
    }
    return render(request, "plans/node_detail.html", context)
