"""Dashboard pages: the national dashboard of a framework, node, organisation and round dashboards, gaps, and spend
against progress. Server-rendered in Thai first; charts are server-side SVG (`dashboards.charts`); the filter forms
work without JavaScript and, with htmx, replace only the page body.

Views parse the query (`dashboards.filters`), read through the selectors with `user=request.user` and shape the result
for display. Figures are on the basis `dashboard_basis` allows: accepted data for everyone, figures including
approved items only for reviewers and oversight who ask for them (the page says which basis it shows).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tidtam.core.views import or_404
from tidtam.dashboards import selectors
from tidtam.dashboards.charts import (
    Bar,
    BarChart,
    LineChart,
    Point,
    ScatterChart,
    StatusChart,
    StatusRow,
    format_thb_compact,
)
from tidtam.dashboards.filters import DashboardFilters, dashboard_filters, fact_years, summary_years, year_options
from tidtam.evaluation.models import ProjectFact
from tidtam.evaluation.selectors import (
    PROJECT_SUMS,
    DashboardRow,
    Figures,
    dashboard,
    gap_analysis,
    indicators_without_data,
    node_figures,
    spend_vs_progress_organisations,
    spend_vs_progress_projects,
)
from tidtam.organisations.models import Organisation
from tidtam.plans.models import FrameworkVersion, Node
from tidtam.plans.selectors import node_ancestors, node_get
from tidtam.projects.selectors import project_list
from tidtam.reporting.selectors import completeness, completeness_total, may_see_completeness, round_get, round_label

NATIONAL_DEPTH = 3
LINE_CHARTS = 10  # indicator history charts on a node page; further indicators show their status only
SPEND_POINTS = 500  # projects on the spend-vs-progress chart (largest budgets first): the page stays light


# ---------------------------------------------------------------------------------------------------- helpers


def _english() -> bool:
    return get_language() == "en"


def _pick(th: str, en: str) -> str:
    return en if _english() and en else th


def _node_label(node: Node) -> str:
    return f"{node.code} {_pick(node.title_th, node.title_en)}"


def _reverse(name: str, *args) -> str:
    """The address of a named page, or "" while the app that serves it is not installed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _render(request: HttpRequest, body: str, context: dict) -> HttpResponse:
    """The whole page, or only its body for an htmx request from the page's own filter form."""
    context["body_template"] = body
    htmx = getattr(request, "htmx", None)
    partial = bool(htmx) and not htmx.history_restore_request
    response = render(request, body if partial else "dashboards/page.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _filters(request: HttpRequest, *, with_framework: bool = True) -> DashboardFilters:
    return or_404(dashboard_filters, user=request.user, params=request.GET, with_framework=with_framework)


def _picker_context(request: HttpRequest, filters: DashboardFilters, years: list[int]) -> dict:
    return {
        "filters": filters,
        "years": year_options(years, filters.fiscal_year),
        "no_data": filters.fiscal_year not in years,
        "organisations": selectors.organisation_options(user=request.user, selected=filters.organisation),
        "provinces": selectors.province_options(),
    }


@dataclass
class TreeLine:
    """One row of a dashboard tree table: the node, its figures and gaps, how deep it sits, its level name."""

    row: DashboardRow
    indent: int
    level_name: str
    url: str

    @property
    def node(self) -> Node:
        return self.row.node

    @property
    def figures(self) -> Figures:
        return self.row.figures


def _lines(rows: list[DashboardRow], version: FrameworkVersion, query: str, top: int = 0) -> list[TreeLine]:
    """The tree flattened in display order (a parent before its children)."""
    lang = "en" if _english() else "th"
    lines = []

    def walk(rows: list[DashboardRow]) -> None:
        for row in rows:
            url = reverse("dashboards:node", args=[row.node.pk]) + (f"?{query}" if query else "")
            lines.append(TreeLine(row, row.node.depth - top - 1, version.level_name(row.node.depth, lang), url))
            walk(row.children)

    walk(rows)
    return lines


def _status_chart(title: str, rows: list[DashboardRow]) -> StatusChart:
    return StatusChart(
        title,
        [StatusRow(_node_label(row.node), row.figures.levels) for row in rows],
        label_header=_("Plan node"),
    )


def _budget_chart(title: str, rows: list[DashboardRow]) -> BarChart:
    return BarChart(
        title,
        [Bar(_node_label(row.node), row.figures.budget) for row in rows],
        unit=_("THB"),
        formatter=format_thb_compact,
        label_header=_("Plan node"),
    )


def _level_name(version: FrameworkVersion, depth: int) -> str:
    return version.level_name(depth, "en" if _english() else "th") or _("Level %(depth)s") % {"depth": depth}


# ---------------------------------------------------------------------------------------------------- national


@require_GET
def national(request: HttpRequest) -> HttpResponse:
    """A framework's total for a fiscal year and its tree to master plans and sub-plans, with charts."""
    filters = _filters(request)
    version = filters.version
    years = summary_years(version=version, basis=filters.basis)
    fy = filters.settle_year(years)
    context = _picker_context(request, filters, years)
    context["page_title"] = _("National dashboard")
    if version is None:
        return _render(request, "dashboards/national_body.html", context)
    board = dashboard(
        user=request.user,
        version=version,
        fiscal_year=fy,
        basis=filters.basis,
        depth=NATIONAL_DEPTH,
        organisation=filters.organisation,
        province=filters.province,
    )
    node_query = filters.query(framework=False)
    second = [child for row in board.rows for child in row.children] if len(version.levels) > 1 else board.rows
    second_name = _level_name(version, 2 if len(version.levels) > 1 else 1)
    context.update(
        version=version,
        board=board,
        lines=_lines(board.rows, version, node_query),
        second_name=second_name,
        gaps=sum(row.gaps for row in board.rows),
        status_chart=_status_chart(_("Indicator status by %(level)s") % {"level": second_name}, second),
        budget_chart=_budget_chart(_("Budget by %(level)s") % {"level": second_name}, second),
        gaps_url=reverse("dashboards:gaps") + "?" + filters.query(organisation=None, province=None),
        spend_url=reverse("dashboards:spend") + "?" + filters.query(framework=False, province=None),
    )
    return _render(request, "dashboards/national_body.html", context)


# ---------------------------------------------------------------------------------------------------- node


def _history_chart(history: selectors.IndicatorHistory) -> LineChart | None:
    statuses = [s for s in history.history if s.actual is not None or s.target is not None]
    if not statuses:
        return None
    indicator = history.indicator
    return LineChart(
        f"{indicator.code} {_pick(indicator.name_th, indicator.name_en)}",
        x_labels=[str(s.fiscal_year) for s in statuses],
        actual=[s.actual for s in statuses],
        target=[s.target for s in statuses],
        unit=indicator.unit,
        actual_label=_("Actual value"),
        target_label=_("Target value"),
        x_header=_("Fiscal year (BE)"),
    )


@require_GET
def node(request: HttpRequest, pk: int) -> HttpResponse:
    """One plan node for a fiscal year: its figures, children, indicators with status and history, the projects
    counted under it and the gaps in its subtree."""
    node = or_404(node_get, user=request.user, pk=pk)
    version = node.framework_version
    filters = _filters(request, with_framework=False)
    filters.framework, filters.version = version.framework, version
    years = summary_years(version=version, basis=filters.basis)
    fy = filters.settle_year(years)
    board = dashboard(
        user=request.user,
        version=version,
        fiscal_year=fy,
        basis=filters.basis,
        node=node,
        depth=len(version.levels) or 1,  # the whole subtree, for its gaps; the page shows the children only
        organisation=filters.organisation,
        province=filters.province,
    )
    gap_rows = selectors.own_gaps(board.rows)
    query = filters.query(framework=False)
    children = _lines(board.rows, version, query, top=node.depth)
    children = [line for line in children if line.indent == 0]
    indicators = selectors.indicator_histories(user=request.user, node=node, fiscal_year=fy, basis=filters.basis)
    for i, history in enumerate(indicators):
        history.chart = _history_chart(history) if i < LINE_CHARTS else None
    projects = selectors.counted_projects(
        user=request.user,
        node=node,
        fiscal_year=fy,
        basis=filters.basis,
        organisation=filters.organisation,
        province=filters.province,
    )
    for fact in projects:
        fact.url = _reverse("projects:detail", fact.project_id)
        fact.disbursement_percent = (
            (fact.disbursed * 100 / fact.budget).quantize(Decimal("0.1")) if fact.budget else None
        )
    ancestors = node_ancestors(node=node)
    context = _picker_context(request, filters, years)
    context.update(
        page_title=_node_label(node),
        node=node,
        version=version,
        level_name=_level_name(version, node.depth),
        ancestors=[(a, reverse("dashboards:node", args=[a.pk]) + (f"?{query}" if query else "")) for a in ancestors],
        national_url=reverse("dashboards:national") + "?" + filters.query(),
        total=board.total,
        children=children,
        child_level=_level_name(version, node.depth + 1),
        status_chart=_status_chart(_("Indicator status of the parts below"), board.rows) if board.rows else None,
        indicators=indicators,
        projects=projects,
        top_projects=selectors.TOP_PROJECTS,
        gap_lines=[
            TreeLine(row, 0, _level_name(version, row.node.depth), reverse("dashboards:node", args=[row.node.pk]))
            for row in gap_rows
        ],
        no_data=indicators_without_data(version=node.framework_version, fiscal_year=fy, basis=filters.basis, node=node)[
            :200
        ],
        year_has_data=fy in years,
    )
    return _render(request, "dashboards/node_body.html", context)


# ---------------------------------------------------------------------------------------------------- organisation


def _scatter(title: str, points, point_label: str) -> ScatterChart:
    return ScatterChart(
        title,
        [
            Point(f"{p.code} {p.label}", p.disbursement_percent, p.progress, p.spent_little_progress)
            for p in points
            if p.disbursement_percent is not None and p.progress is not None
        ],
        x_label=_("Disbursement"),
        y_label=_("Progress"),
        point_label=point_label,
        flagged_label=_("To follow up"),
        label_header=_("Project"),
    )


@require_GET
def organisation(request: HttpRequest, code: str) -> HttpResponse:
    """An organisation's subtree: totals, figures by master plan (or the framework's second level), spend against
    progress of its projects, and — for those who may see it — its reporting completeness per round of the year."""
    org = Organisation.objects.filter(code=code).first()
    if org is None:
        raise Http404(f"ไม่พบหน่วยงาน '{code}' / No organisation '{code}'")
    filters = _filters(request)
    filters.organisation = org
    version = filters.version
    facts = ProjectFact.objects.filter(basis=filters.basis, owner_path__startswith=org.path)
    years = sorted(set(facts.values_list("fiscal_year", flat=True).distinct().order_by()))
    fy = filters.settle_year(years)
    sums = facts.filter(fiscal_year=fy).aggregate(**PROJECT_SUMS)
    total = Figures(
        sums["projects"] or 0,
        sums["budget"] or Decimal(0),
        sums["disbursed"] or Decimal(0),
        sums["progress_sum"] or Decimal(0),
        sums["progress_count"] or 0,
    )
    context = _picker_context(request, filters, years)
    context.update(page_title=_pick(org.name_th, org.name_en), organisation=org, total=total, version=version)
    query = filters.query(framework=False)
    if version is not None:
        depth = 2 if len(version.levels) > 1 else 1
        figures = node_figures(version=version, fiscal_year=fy, basis=filters.basis, organisation=org)
        nodes = Node.objects.filter(framework_version=version, depth=depth).order_by("tree_path")
        rows = [DashboardRow(n, figures[n.pk], 0) for n in nodes if n.pk in figures and figures[n.pk].projects]
        context.update(
            plan_total=figures.get(None, Figures()),
            plan_lines=_lines(rows, version, query, top=depth - 1),
            plan_level=_level_name(version, depth),
            budget_chart=_budget_chart(_("Budget by %(level)s") % {"level": _level_name(version, depth)}, rows)
            if rows
            else None,
        )
    points = spend_vs_progress_projects(
        user=request.user, fiscal_year=fy, basis=filters.basis, organisation=org, limit=SPEND_POINTS
    )
    context.update(
        scatter=_scatter(_("Spend against progress of the projects"), points, _("Project")),
        flagged=[p for p in points if p.spent_little_progress],
        completeness=selectors.year_completeness(user=request.user, fiscal_year=fy, organisation=org),
        spend_url=reverse("dashboards:spend") + "?" + filters.query(framework=False, province=None),
    )
    return _render(request, "dashboards/organisation_body.html", context)


# ---------------------------------------------------------------------------------------------------- round


@require_GET
def round_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """A reporting round: reports counted and money disbursed in it for everyone; reports by workflow status and
    completeness only for those who may see completeness (the public never learns of drafts)."""
    round_ = or_404(round_get, user=request.user, pk=pk)
    filters = _filters(request, with_framework=False)
    filters.fiscal_year = round_.fiscal_year
    rows = completeness(user=request.user, round=round_) if may_see_completeness(request.user) else None
    context = {
        "page_title": round_label(round_),
        "filters": filters,
        "round": round_,
        "round_label": round_label(round_),
        "figures": selectors.round_figures(user=request.user, round=round_, basis=filters.basis),
        "statuses": selectors.round_status_counts(user=request.user, round=round_),
        "rows": rows,
        "total": completeness_total(rows) if rows is not None else None,
        "round_url": _reverse("reporting:round_detail", round_.pk),
        "query": filters.query(framework=False),
    }
    return _render(request, "dashboards/round_body.html", context)


# ---------------------------------------------------------------------------------------------------- gaps


@require_GET
def gaps(request: HttpRequest) -> HttpResponse:
    """What is missing in a framework for a fiscal year: targets and factors without a project, indicators without
    data, counted projects without a valid primary link, and (for those who may see completeness) organisations
    with missing reports in the year's rounds."""
    filters = _filters(request)
    version = filters.version
    years = summary_years(version=version, basis=filters.basis)
    fy = filters.settle_year(years)
    context = _picker_context(request, filters, years)
    context["page_title"] = _("Gaps")
    if version is not None:
        found = gap_analysis(user=request.user, version=version, fiscal_year=fy, basis=filters.basis)
        visible = set(
            project_list(user=request.user)
            .filter(pk__in=[p.pk for p in found.projects_without_valid_link])
            .values_list("pk", flat=True)
        )
        query = filters.query(framework=False)
        context.update(
            version=version,
            empty_nodes=[
                (n, _level_name(version, n.depth), reverse("dashboards:node", args=[n.pk]) + f"?{query}")
                for n in found.nodes_without_projects
            ],
            no_data=found.indicators_without_data,
            unlinked=[p for p in found.projects_without_valid_link if p.pk in visible],
        )
    missing = selectors.year_completeness(user=request.user, fiscal_year=fy)
    if missing is not None:
        for entry in missing:
            entry.rows = [row for row in entry.rows if row.missing]
        missing = [entry for entry in missing if entry.rows]
    context["missing"] = missing
    return _render(request, "dashboards/gaps_body.html", context)


# ---------------------------------------------------------------------------------------------------- spend


@require_GET
def spend(request: HttpRequest) -> HttpResponse:
    """Disbursement against physical progress for the projects of a year (and an organisation's subtree): the chart,
    the projects that spent much and progressed little, and the same per organisation."""
    filters = _filters(request, with_framework=False)
    years = fact_years(basis=filters.basis)
    fy = filters.settle_year(years)
    points = spend_vs_progress_projects(
        user=request.user, fiscal_year=fy, basis=filters.basis, organisation=filters.organisation, limit=SPEND_POINTS
    )
    flagged = [p for p in points if p.spent_little_progress]
    ids = dict(project_list(user=request.user).filter(code__in=[p.code for p in flagged]).values_list("code", "pk"))
    flagged_rows = [(p, _reverse("projects:detail", ids[p.code]) if p.code in ids else "") for p in flagged]
    organisations = spend_vs_progress_organisations(
        user=request.user, fiscal_year=fy, basis=filters.basis, organisation=filters.organisation
    )
    context = _picker_context(request, filters, years)
    context.update(
        page_title=_("Spend against progress"),
        scatter=_scatter(_("Spend against progress of the projects"), points, _("Project")),
        points=points,
        shown_limit=SPEND_POINTS,
        flagged=flagged_rows,
        organisation_rows=organisations,
        query=filters.query(framework=False, organisation=None),
    )
    return _render(request, "dashboards/spend_body.html", context)
