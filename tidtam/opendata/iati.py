"""IATI 2.03 activity XML: one `<iati-activity>` per published project, streamed in chunks.

The mapping from tidtam's model to IATI is documented in docs/open-data.md (IATI 2.03 activities, Mapping). In short:

- identifier `<IATI_PUBLISHER_REF>-<project code>`; reporting-org is the publisher of this tidtam instance (settings);
- title and descriptions with Thai (`xml:lang="th"`) and, where the data has it, English narratives;
- the owner is accountable (role 2) and implementing (role 4); partners implementing (role 4);
- lifecycle → activity-status; start/end dates (or the first/last fiscal year) → activity-date;
- TH and the project's countries → recipient-country; provinces → location (ISO 3166-2:TH);
- the primary plan node → sector, vocabulary 99 (reporting organisation); its top-level ancestor → vocabulary 98;
  the other linked nodes → tag, vocabulary 99;
- budget lines summed per Thai fiscal year → budget; planned monthly disbursement → planned-disbursement; every
  month of money disbursed in an accepted progress report → transaction type 3 (disbursement);
- project KPIs → result type 1 (output); the plan indicators of the linked nodes and those the project reported values
  for → result type 2 (outcome), one per plan node, with the plan's targets and official values and the values the
  project reported in accepted reports.

Only accepted projects are published unless a signed-in caller asks for another status they may see (`status=`);
figures from progress reports always come from accepted reports. Responsible persons (personal data) never appear.
Memory stays flat: projects are read by keyset in chunks with their parts prefetched per chunk (a fixed number of
queries per chunk), each activity is built as a small element tree and written out at once.
"""

import calendar
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from typing import NamedTuple

from django.conf import settings
from django.db.models import Max, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from tidtam.core.thaicalendar import be_to_ce, ce_to_be, fiscal_year_bounds, format_quarter, thai_month_name
from tidtam.organisations.choices import OrganisationKind
from tidtam.plans.choices import Direction
from tidtam.plans.models import Indicator, IndicatorTarget, IndicatorValue, Node
from tidtam.projects.choices import Lifecycle
from tidtam.projects.filters import ProjectFilters
from tidtam.projects.models import BudgetLine, Contribution, PlannedDisbursement, Project, ProjectKpi
from tidtam.projects.selectors import project_list
from tidtam.reporting.models import KpiActual, ProgressReport, ReportDisbursement, ReportIndicatorValue
from tidtam.workflow.choices import WorkflowStatus

IATI_VERSION = "2.03"
CHUNK_SIZE = 500
CURRENCY = "THB"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Codelists of IATI 2.03 (https://iatistandard.org/en/iati-standard/203/codelists/).
ACTIVITY_STATUS = {
    Lifecycle.PLANNED: "1",  # Pipeline/identification
    Lifecycle.ONGOING: "2",  # Implementation
    Lifecycle.COMPLETED: "3",  # Completion
    Lifecycle.CANCELLED: "5",  # Cancelled
}
ORGANISATION_TYPE = {
    OrganisationKind.STATE_ENTERPRISE: "15",  # Other Public Sector
    OrganisationKind.PUBLIC_ORGANISATION: "15",
    OrganisationKind.EXTERNAL_PARTNER: "90",  # Other: a partner's kind is not recorded
}
GOVERNMENT = "10"
ROLE_ACCOUNTABLE, ROLE_IMPLEMENTING = "2", "4"
DATE_PLANNED_START, DATE_ACTUAL_START, DATE_PLANNED_END, DATE_ACTUAL_END = "1", "2", "3", "4"
SCOPE_MULTINATIONAL, SCOPE_NATIONAL, SCOPE_SUBNATIONAL_MULTI, SCOPE_SUBNATIONAL_SINGLE = "3", "4", "5", "6"
VOCABULARY_REPORTING_ORG, VOCABULARY_REPORTING_ORG_2 = "99", "98"
BUDGET_ORIGINAL, BUDGET_COMMITTED = "1", "2"
TRANSACTION_DISBURSEMENT = "3"
RESULT_OUTPUT, RESULT_OUTCOME = "1", "2"
MEASURE_UNIT, MEASURE_PERCENTAGE = "1", "2"
DOCUMENT_ACTIVITY_WEB_PAGE = "A12"
CONTACT_GENERAL = "1"
PERCENT_UNITS = {"ร้อยละ", "%", "เปอร์เซ็นต์", "percent", "percentage"}

# Characters XML 1.0 cannot carry (lxml refuses them): C0 controls other than tab, newline, carriage return.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_NOT_IN_IDENTIFIER = re.compile(r"[\s/&|?]+")
PERSONAL_FIELDS = ("responsible_name", "responsible_position", "responsible_email", "responsible_phone")


def publisher_ref() -> str:
    return settings.IATI_PUBLISHER_REF


def activity_identifier(project: Project) -> str:
    """`<publisher ref>-<project code>`; characters IATI forbids in identifiers (spaces, / & | ?) become `-`."""
    return f"{publisher_ref()}-{_NOT_IN_IDENTIFIER.sub('-', project.code)}"


# --------------------------------------------------------------------------- selection


def iati_projects(*, user, filters: ProjectFilters | None = None) -> QuerySet[Project]:
    """The projects of the export: those `user` may see, filtered; accepted ones unless `filters.status` asks for
    another status (which still yields only what the user may see: nothing but accepted projects for the public)."""
    projects = project_list(user=user, filters=filters)
    if filters is None or not filters.status:
        projects = projects.filter(status=WorkflowStatus.ACCEPTED)
    return projects


class _Named(NamedTuple):
    code: str
    name_th: str
    name_en: str


class _Partner(NamedTuple):
    kind: str
    name_th: str
    name_en: str


class _Kpi(NamedTuple):
    id: int
    name: str
    unit: str
    target: Decimal


class _Round(NamedTuple):
    fiscal_year: int
    quarter: int | None
    period_start: date


class _Link(NamedTuple):
    """A plan node as the export needs it (a linked node, its top-level ancestor, or an indicator's node)."""

    id: int
    framework: str
    version_id: int
    code: str
    title_th: str
    title_en: str
    tree_path: str
    depth: int

    @property
    def reference(self) -> str:
        return f"{self.framework}:{self.code}"


class _Disbursed(NamedTuple):
    month: date
    amount: Decimal
    report_id: int


class _PlanIndicator(NamedTuple):
    id: int
    node: _Link
    code: str
    name_th: str
    name_en: str
    unit: str
    direction: str
    baseline_value: Decimal | None
    baseline_year: int | None
    sort_order: int


_NODE = ("id", "framework_version__framework__code", "framework_version_id", "code", "title_th", "title_en")
_NODE_TAIL = ("tree_path", "depth")
_ROUND = ("report__round__fiscal_year", "report__round__quarter", "report__round__period_start")


def _grouped(rows, size: int = 1) -> dict:
    """`(key, *rest)` rows → `{key: [rest, …]}` in the order given (`rest` alone when `size` is 1)."""
    grouped = defaultdict(list)
    for key, *rest in rows:
        grouped[key].append(rest[0] if size == 1 else tuple(rest))
    return grouped


@dataclass
class _Chunk:
    """Everything the activities of one chunk of projects need beyond the project rows, read with one query per
    table as plain values (no model instances: at national scale, building them cost more than the XML)."""

    provinces: dict[int, list[_Named]]
    countries: dict[int, list[_Named]]
    partners: dict[int, list[_Partner]]
    kpis: dict[int, list[_Kpi]]
    budgets: dict[int, list[tuple[int, Decimal]]]
    planned: dict[int, list[tuple[date, Decimal]]]
    links: dict[int, list[tuple[bool, _Link]]]
    disbursed: dict[int, list[_Disbursed]]
    kpi_actuals: dict[int, tuple[Decimal, _Round]]  # KPI id → the latest accepted value
    reported: dict[int, list[tuple[int, Decimal, _Round]]]  # project → (indicator, value, round), oldest first
    last_accepted: dict[int, datetime]
    indicators_by_node: dict[int, list[_PlanIndicator]]
    indicators: dict[int, _PlanIndicator]
    targets: dict[int, list[tuple[int, int, Decimal, Decimal | None]]]
    values: dict[int, list[tuple[int, int, Decimal]]]


def _load_chunk(ids: list[int]) -> _Chunk:
    accepted = {"report__project_id__in": ids, "report__status": WorkflowStatus.ACCEPTED}
    provinces = Project.provinces.through.objects.filter(project_id__in=ids).order_by("province_id")
    countries = Project.countries.through.objects.filter(project_id__in=ids).order_by("country_id")
    partners = Project.partners.through.objects.filter(project_id__in=ids).order_by("organisation__code")
    links = Contribution.objects.filter(project_id__in=ids).order_by("project_id", "-is_primary", "node__tree_path")
    link_rows = links.values_list("project_id", "is_primary", *(f"node__{f}" for f in _NODE + _NODE_TAIL))
    link_map = _grouped((row[0], (row[1], _Link(*row[2:]))) for row in link_rows)
    disbursed = (
        ReportDisbursement.objects.filter(**accepted)
        .order_by("report__project_id", "month", "report_id")
        .values_list("report__project_id", "month", "amount", "report_id")
    )
    kpi_actuals = {
        kpi: (value, _Round(*round_))
        for kpi, value, *round_ in KpiActual.objects.filter(**accepted)
        .order_by("report__round__period_start", "report_id")
        .values_list("kpi_id", "value", *_ROUND)
    }
    reported = _grouped(
        (project, (indicator, value, _Round(*round_)))
        for project, indicator, value, *round_ in ReportIndicatorValue.objects.filter(**accepted)
        .order_by("report__round__period_start", "report_id")
        .values_list("report__project_id", "indicator_id", "value", *_ROUND)
    )
    node_ids = {link.id for rows in link_map.values() for _, link in rows}
    indicator_ids = {indicator for rows in reported.values() for indicator, _, _ in rows}
    indicator_rows = Indicator.objects.filter(Q(node_id__in=node_ids) | Q(pk__in=indicator_ids)).values_list(
        "id",
        *(f"node__{f}" for f in _NODE + _NODE_TAIL),
        "code",
        "name_th",
        "name_en",
        "unit",
        "direction",
        "baseline_value",
        "baseline_year",
        "sort_order",
    )
    width = len(_NODE + _NODE_TAIL)
    indicators = {
        row[0]: _PlanIndicator(row[0], _Link(*row[1 : 1 + width]), *row[1 + width :]) for row in indicator_rows
    }
    by_node = defaultdict(list)
    for indicator in indicators.values():
        by_node[indicator.node.id].append(indicator)
    return _Chunk(
        provinces=_grouped(
            (p, _Named(*rest))
            for p, *rest in provinces.values_list("project_id", "province_id", "province__name_th", "province__name_en")
        ),
        countries=_grouped(
            (p, _Named(*rest))
            for p, *rest in countries.values_list("project_id", "country_id", "country__name_th", "country__name_en")
        ),
        partners=_grouped(
            (p, _Partner(*rest))
            for p, *rest in partners.values_list(
                "project_id", "organisation__kind", "organisation__name_th", "organisation__name_en"
            )
        ),
        kpis=_grouped(
            (p, _Kpi(*rest))
            for p, *rest in ProjectKpi.objects.filter(project_id__in=ids)
            .order_by("project_id", "sort_order", "id")
            .values_list("project_id", "id", "name", "unit", "target_value")
        ),
        budgets=_grouped(
            BudgetLine.objects.filter(project_id__in=ids)
            .values("project_id", "fiscal_year")
            .annotate(total=Sum("amount"))
            .order_by("project_id", "fiscal_year")
            .values_list("project_id", "fiscal_year", "total"),
            size=2,
        ),
        planned=_grouped(
            PlannedDisbursement.objects.filter(project_id__in=ids)
            .order_by("project_id", "month")
            .values_list("project_id", "month", "amount"),
            size=2,
        ),
        links=link_map,
        disbursed=_grouped((p, _Disbursed(month, amount, report)) for p, month, amount, report in disbursed),
        kpi_actuals=kpi_actuals,
        reported=reported,
        last_accepted=dict(
            ProgressReport.objects.filter(project_id__in=ids, status=WorkflowStatus.ACCEPTED)
            .values("project_id")
            .annotate(latest=Max("accepted_at"))
            .order_by()
            .values_list("project_id", "latest")
        ),
        indicators_by_node=by_node,
        indicators=indicators,
        targets=_grouped(
            IndicatorTarget.objects.filter(indicator_id__in=indicators).values_list(
                "indicator_id", "period_start", "period_end", "value", "value_max"
            ),
            size=4,
        ),
        values=_grouped(
            IndicatorValue.objects.filter(indicator_id__in=indicators).values_list(
                "indicator_id", "period_start", "period_end", "value"
            ),
            size=3,
        ),
    )


def _chunks(projects: QuerySet[Project], size: int) -> Iterator[tuple[list[Project], _Chunk]]:
    """The projects by code, `size` at a time, each chunk with its parts (keyset: no OFFSET, no cursor held open
    between chunks, so it also works behind PgBouncer)."""
    ordered = projects.order_by("code").defer(*PERSONAL_FIELDS)  # never read, so never at risk of being written
    last = None
    while True:
        page = ordered if last is None else ordered.filter(code__gt=last)
        chunk = list(page[:size])
        if not chunk:
            return
        yield chunk, _load_chunk([project.pk for project in chunk])
        if len(chunk) < size:
            return
        last = chunk[-1].code


# --------------------------------------------------------------------------- XML helpers


def _clean(text: str) -> str:
    if not text.isprintable():  # the fast path skips the regular expression for ordinary one-line text
        text = _NOT_XML.sub("", text)
    return text.strip()


def _number(value: Decimal) -> str:
    """A decimal as xsd:decimal text without exponent or needless trailing zeros (6.0000 → 6, 2.50 → 2.5)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


def _narratives(element: etree._Element, th: str = "", en: str = "") -> etree._Element:
    for lang, text in (("th", th), ("en", en)):
        text = _clean(text or "")
        if text:
            etree.SubElement(element, "narrative", {XML_LANG: lang}).text = text
    return element


def _text_element(parent: etree._Element, tag: str, th: str = "", en: str = "", **attrs) -> etree._Element | None:
    """`<tag attrs><narrative xml:lang="th">…</narrative><narrative xml:lang="en">…</narrative></tag>`, or nothing
    when both texts are empty (the schema wants at least one narrative)."""
    if not _clean(th or "") and not _clean(en or ""):
        return None
    return _narratives(etree.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attrs.items()}), th, en)


# The same few dates and months recur in every activity: their texts are worked out once per process.
_iso = lru_cache(maxsize=8192)(date.isoformat)


def _dated(parent: etree._Element, tag: str, day: date) -> etree._Element:
    return etree.SubElement(parent, tag, {"iso-date": _iso(day)})


def _value(parent: etree._Element, amount: Decimal, value_date: date) -> None:
    element = etree.SubElement(parent, "value", {"currency": CURRENCY, "value-date": _iso(value_date)})
    element.text = _money(amount)


@lru_cache(maxsize=4096)
def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


@lru_cache(maxsize=4096)
def _month_label(month: date) -> tuple[str, str]:
    return f"{thai_month_name(month.month)} {ce_to_be(month.year)}", f"{month:%B %Y}"


@lru_cache(maxsize=4096)
def _round_label(round_: "_Round") -> tuple[str, str]:
    if round_.quarter:
        return format_quarter(round_.fiscal_year, round_.quarter), f"Q{round_.quarter} FY {round_.fiscal_year}"
    th, en = _month_label(round_.period_start)
    return f"เดือน{th}", en


def _split_percentages(count: int) -> list[str]:
    """`count` equal shares of 100 with two decimals, the last one absorbing the rounding, so they sum to 100."""
    share = (Decimal(100) / count).quantize(Decimal("0.01"))
    return [_number(share)] * (count - 1) + [_number(Decimal(100) - share * (count - 1))]


def _measure(unit: str) -> str:
    return MEASURE_PERCENTAGE if unit.strip().lower() in PERCENT_UNITS else MEASURE_UNIT


# --------------------------------------------------------------------------- one activity


@dataclass
class ExportContext:
    """What every activity of one export shares: the publisher, the site's address, today's date and the top-level
    plan nodes met so far."""

    base_url: str = ""
    today: date = field(default_factory=timezone.localdate)
    publisher_ref: str = field(default_factory=publisher_ref)
    publisher_th: str = field(default_factory=lambda: settings.OPEN_DATA_PUBLISHER_TH)
    publisher_en: str = field(default_factory=lambda: settings.OPEN_DATA_PUBLISHER_EN)
    contact_email: str = field(default_factory=lambda: settings.OPEN_DATA_CONTACT_EMAIL)
    _project_url: str = ""
    _roots: dict[tuple[int, str], _Link | None] = field(default_factory=dict)

    def __post_init__(self):
        if self.base_url:
            # One reverse() for the whole file: the id is put in place of the 0.
            self._project_url = self.base_url.rstrip("/") + reverse("projects:detail", args=[0]).replace("/0/", "/{}/")

    def project_url(self, project: Project) -> str:
        return self._project_url.format(project.pk) if self._project_url else ""

    def top_node(self, node: _Link) -> _Link:
        """The top-level ancestor of `node` (itself at the top), as loaded by `load_top_nodes`."""
        if node.depth <= 1:
            return node
        return self._roots.get((node.version_id, _top_code(node))) or node

    def load_top_nodes(self, chunk: _Chunk) -> None:
        """Load, in one query, the top-level nodes above the primary links of a chunk not loaded before."""
        wanted: dict[int, set[str]] = defaultdict(set)
        for rows in chunk.links.values():
            for is_primary, node in rows:
                key = (node.version_id, _top_code(node))
                if is_primary and node.depth > 1 and key not in self._roots:
                    wanted[node.version_id].add(key[1])
        if not wanted:
            return
        condition = Q(pk__in=[])
        for version_id, codes in wanted.items():
            condition |= Q(framework_version_id=version_id, code__in=sorted(codes))
        for row in Node.objects.filter(condition).values_list(*_NODE, *_NODE_TAIL):
            node = _Link(*row)
            self._roots[(node.version_id, node.code)] = node
        for version_id, codes in wanted.items():
            for code in codes:
                self._roots.setdefault((version_id, code), None)


def _top_code(node: _Link) -> str:
    return node.tree_path.strip("/").split("/", 1)[0]


def _organisation(parent: etree._Element, kind: str, name_th: str, name_en: str, role: str) -> None:
    element = etree.SubElement(
        parent, "participating-org", {"role": role, "type": ORGANISATION_TYPE.get(kind, GOVERNMENT)}
    )
    _narratives(element, name_th, name_en)


def _span(project: Project) -> tuple[date, date]:
    """The project's dates, else the first day of its first fiscal year and the last day of its last."""
    return (
        project.start_date or fiscal_year_bounds(project.fiscal_year_start)[0],
        project.end_date or fiscal_year_bounds(project.fiscal_year_end)[1],
    )


def _activity_dates(activity: etree._Element, project: Project, today: date) -> None:
    """Planned start and end; actual start once the project is under way or done, actual end once completed
    (never a date in the future)."""
    start, end = _span(project)
    _activity_date(activity, DATE_PLANNED_START, start)
    if project.start_date and project.lifecycle in (Lifecycle.ONGOING, Lifecycle.COMPLETED) and start <= today:
        _activity_date(activity, DATE_ACTUAL_START, start)
    _activity_date(activity, DATE_PLANNED_END, end)
    if project.end_date and project.lifecycle == Lifecycle.COMPLETED and end <= today:
        _activity_date(activity, DATE_ACTUAL_END, end)


def _activity_date(activity: etree._Element, kind: str, day: date) -> None:
    etree.SubElement(activity, "activity-date", {"type": kind, "iso-date": day.isoformat()})


def _scope(countries: list[_Named], provinces: list[_Named]) -> str:
    if any(country.code != "TH" for country in countries):
        return SCOPE_MULTINATIONAL
    if len(provinces) > 1:
        return SCOPE_SUBNATIONAL_MULTI
    if len(provinces) == 1:
        return SCOPE_SUBNATIONAL_SINGLE
    return SCOPE_NATIONAL


def _recipient_countries(activity: etree._Element, countries: list[_Named]) -> None:
    names = {country.code: country for country in countries}
    names.setdefault("TH", _Named("TH", "ไทย", "Thailand"))
    codes = ["TH", *sorted(set(names) - {"TH"})]
    for code, percentage in zip(codes, _split_percentages(len(codes)), strict=True):
        element = etree.SubElement(activity, "recipient-country", {"code": code, "percentage": percentage})
        _narratives(element, names[code].name_th, names[code].name_en)


def _locations(activity: etree._Element, provinces: list[_Named]) -> None:
    """A province as an administrative area: its ISO 3166-2:TH code as `ref`, its names, within country TH."""
    for province in provinces:
        location = etree.SubElement(activity, "location", {"ref": f"TH-{province.code}"})
        etree.SubElement(location, "location-reach", {"code": "1"})  # where the activity happens
        _narratives(etree.SubElement(location, "name"), province.name_th, province.name_en)
        etree.SubElement(location, "administrative", {"vocabulary": "A4", "level": "0", "code": "TH"})
        etree.SubElement(location, "location-class", {"code": "1"})  # administrative region
        etree.SubElement(location, "feature-designation", {"code": "ADM1"})  # first-order administrative division


def _sectors_and_tags(activity: etree._Element, links: list[tuple[bool, _Link]], context: ExportContext) -> None:
    primary = next((node for is_primary, node in links if is_primary), None)
    if primary is not None:
        attrs = {"vocabulary": VOCABULARY_REPORTING_ORG, "code": primary.reference, "percentage": "100"}
        _narratives(etree.SubElement(activity, "sector", attrs), primary.title_th, primary.title_en)
        top = context.top_node(primary)
        if top.id != primary.id:
            attrs = {"vocabulary": VOCABULARY_REPORTING_ORG_2, "code": top.reference, "percentage": "100"}
            _narratives(etree.SubElement(activity, "sector", attrs), top.title_th, top.title_en)
    for is_primary, node in links:
        if not is_primary:
            tag = etree.SubElement(activity, "tag", {"vocabulary": VOCABULARY_REPORTING_ORG, "code": node.reference})
            _narratives(tag, node.title_th, node.title_en)


def _budgets(activity: etree._Element, budgets: list[tuple[int, Decimal]]) -> None:
    """One budget per Thai fiscal year (1 October – 30 September): the sum of the year's budget lines."""
    for year, total in budgets:
        start, end = fiscal_year_bounds(year)
        budget = etree.SubElement(activity, "budget", {"type": BUDGET_ORIGINAL, "status": BUDGET_COMMITTED})
        _dated(budget, "period-start", start)
        _dated(budget, "period-end", end)
        _value(budget, total, start)


def _planned_disbursements(activity: etree._Element, planned: list[tuple[date, Decimal]]) -> None:
    for month, amount in planned:
        element = etree.SubElement(activity, "planned-disbursement", {"type": BUDGET_ORIGINAL})
        _dated(element, "period-start", month)
        _dated(element, "period-end", _month_end(month))
        _value(element, amount, month)


def _transactions(activity: etree._Element, project: Project, disbursed: list[_Disbursed], today: date) -> None:
    """Each month of money disbursed in an accepted report: a disbursement dated the month's last day (or today,
    for the current month: IATI transactions are never in the future). `ref` names the month and the report."""
    for row in disbursed:
        day = min(_month_end(row.month), today)
        ref = f"{project.code}-{row.month:%Y-%m}-{row.report_id}"
        transaction = etree.SubElement(activity, "transaction", {"ref": ref})
        etree.SubElement(transaction, "transaction-type", {"code": TRANSACTION_DISBURSEMENT})
        _dated(transaction, "transaction-date", day)
        _value(transaction, row.amount, day)


def _document_links(activity: etree._Element, project: Project, context: ExportContext) -> None:
    url = context.project_url(project)
    if not url:
        return
    link = etree.SubElement(activity, "document-link", {"url": url, "format": "text/html"})
    _text_element(link, "title", f"หน้าโครงการ {project.name_th}", f"Project page: {project.name_en or project.code}")
    etree.SubElement(link, "category", {"code": DOCUMENT_ACTIVITY_WEB_PAGE})
    etree.SubElement(link, "language", {"code": "th"})


def _period(indicator: etree._Element, start: date, end: date) -> etree._Element:
    period = etree.SubElement(indicator, "period")
    _dated(period, "period-start", start)
    _dated(period, "period-end", end)
    return period


def _figure(period: etree._Element, tag: str, value: Decimal, th: str = "", en: str = "") -> None:
    element = etree.SubElement(period, tag, {"value": _number(value)})
    _text_element(element, "comment", th, en)


def _output_result(activity: etree._Element, project: Project, chunk: _Chunk) -> None:
    """Project KPIs as one output result: a period over the project's span, the KPI's target, and the value of the
    latest accepted report that gave one."""
    kpis = chunk.kpis.get(project.pk)
    if not kpis:
        return
    start, end = _span(project)
    result = etree.SubElement(activity, "result", {"type": RESULT_OUTPUT, "aggregation-status": "false"})
    _text_element(result, "title", "ผลผลิตของโครงการ", "Project outputs")
    _text_element(result, "description", project.output_target)
    for kpi in kpis:
        indicator = etree.SubElement(result, "indicator", {"measure": _measure(kpi.unit), "ascending": "true"})
        _text_element(indicator, "title", f"{kpi.name} ({kpi.unit})")
        period = _period(indicator, start, end)
        _figure(period, "target", kpi.target, f"หน่วย: {kpi.unit}", "")
        if kpi.id in chunk.kpi_actuals:
            value, round_ = chunk.kpi_actuals[kpi.id]
            th, en = _round_label(round_)
            _figure(period, "actual", value, f"ตามรายงาน{th}", f"As reported for {en}")


@dataclass
class _IndicatorPeriods:
    """One plan indicator's periods (BE year ranges) within the project's years: the plan's targets, the plan's
    official actual values, and the values the project reported (by fiscal year, the latest accepted report)."""

    indicator: _PlanIndicator
    targets: dict[tuple[int, int], tuple[Decimal, Decimal | None]] = field(default_factory=dict)
    official: dict[tuple[int, int], Decimal] = field(default_factory=dict)
    reported: dict[tuple[int, int], tuple[Decimal, _Round]] = field(default_factory=dict)

    @property
    def keys(self) -> list[tuple[int, int]]:
        return sorted(self.targets.keys() | self.official.keys() | self.reported.keys())


def _outcome_results(activity: etree._Element, project: Project, chunk: _Chunk) -> None:
    """Plan indicators as outcome results, one result per plan node: the indicators of the nodes the project is
    linked to and those it reported values for. A period is a fiscal year or phase of the plan that overlaps the
    project's fiscal years, with the plan's target, the plan's official actual value, and the value the project
    reported in accepted reports (the latest per fiscal year). Indicators without any of these are left out."""
    first, last = project.fiscal_year_start, project.fiscal_year_end
    by_indicator: dict[int, _IndicatorPeriods] = {}

    def entry(indicator: _PlanIndicator) -> _IndicatorPeriods:
        if indicator.id not in by_indicator:
            periods = _IndicatorPeriods(indicator)
            for start, end, value, value_max in chunk.targets.get(indicator.id, ()):
                if start <= last and end >= first:
                    periods.targets[(start, end)] = (value, value_max)
            for start, end, value in chunk.values.get(indicator.id, ()):
                if start <= last and end >= first:
                    periods.official[(start, end)] = value
            by_indicator[indicator.id] = periods
        return by_indicator[indicator.id]

    for _, node in chunk.links.get(project.pk, ()):
        for indicator in chunk.indicators_by_node.get(node.id, ()):
            entry(indicator)
    for indicator_id, value, round_ in chunk.reported.get(project.pk, ()):  # oldest first: later ones overwrite
        year = round_.fiscal_year
        entry(chunk.indicators[indicator_id]).reported[(year, year)] = (value, round_)

    per_node: dict[int, list[_IndicatorPeriods]] = defaultdict(list)
    nodes: dict[int, _Link] = {}
    for periods in by_indicator.values():
        if periods.keys:
            node = periods.indicator.node
            nodes[node.id] = node
            per_node[node.id].append(periods)
    for node in sorted(nodes.values(), key=lambda n: (n.framework, n.tree_path)):
        result = etree.SubElement(activity, "result", {"type": RESULT_OUTCOME, "aggregation-status": "false"})
        _text_element(result, "title", f"{node.code} {node.title_th}", f"{node.code} {node.title_en}".strip())
        etree.SubElement(result, "reference", {"vocabulary": VOCABULARY_REPORTING_ORG, "code": node.reference})
        for periods in sorted(per_node[node.id], key=lambda p: (p.indicator.sort_order, p.indicator.code)):
            _plan_indicator(result, periods)


def _plan_indicator(result: etree._Element, periods: _IndicatorPeriods) -> None:
    indicator = periods.indicator
    attrs = {"measure": _measure(indicator.unit)}
    if indicator.direction in (Direction.HIGHER, Direction.LOWER):
        attrs["ascending"] = "true" if indicator.direction == Direction.HIGHER else "false"
    element = etree.SubElement(result, "indicator", attrs)
    _text_element(element, "title", f"{indicator.name_th} ({indicator.unit})", indicator.name_en)
    reference = {"vocabulary": VOCABULARY_REPORTING_ORG, "code": f"{indicator.node.reference}:{indicator.code}"}
    etree.SubElement(element, "reference", reference)
    if indicator.baseline_value is not None and indicator.baseline_year:
        baseline = etree.SubElement(
            element,
            "baseline",
            {
                "year": str(be_to_ce(indicator.baseline_year)),
                "iso-date": fiscal_year_bounds(indicator.baseline_year)[1].isoformat(),
                "value": _number(indicator.baseline_value),
            },
        )
        year = indicator.baseline_year
        _text_element(baseline, "comment", f"ปีฐาน พ.ศ. {year}", f"Baseline year {year} BE")
    for key in periods.keys:
        start_year, end_year = key
        period = _period(element, fiscal_year_bounds(start_year)[0], fiscal_year_bounds(end_year)[1])
        if key in periods.targets:
            value, value_max = periods.targets[key]
            if value_max is not None:
                low, high = _number(value), _number(value_max)
                _figure(period, "target", value, f"ช่วงเป้าหมาย {low}–{high}", f"Target range {low}-{high}")
            else:
                _figure(period, "target", value, "เป้าหมายของแผน", "Plan target")
        if key in periods.official:
            _figure(period, "actual", periods.official[key], "ค่าจริงทางการของแผน", "Official value of the plan")
        if key in periods.reported:
            value, round_ = periods.reported[key]
            th, en = _round_label(round_)
            _figure(period, "actual", value, f"โครงการรายงานใน{th}", f"Reported by the project for {en}")


def activity_element(project: Project, chunk: _Chunk, context: ExportContext) -> etree._Element:
    """One `<iati-activity>` in the element order of the 2.03 schema (iati-activities-schema.xsd), from the project
    (with its owner) and its chunk's parts."""
    pk = project.pk
    accepted = chunk.last_accepted.get(pk)
    last_updated = max(project.updated_at, accepted) if accepted else project.updated_at
    activity = etree.Element(
        "iati-activity",
        {
            "last-updated-datetime": last_updated.astimezone(UTC).isoformat(timespec="seconds"),
            XML_LANG: "th",
            "default-currency": CURRENCY,
        },
    )
    etree.SubElement(activity, "iati-identifier").text = activity_identifier(project)
    reporting = etree.SubElement(activity, "reporting-org", {"ref": context.publisher_ref, "type": GOVERNMENT})
    _narratives(reporting, context.publisher_th, context.publisher_en)
    _text_element(activity, "title", project.name_th or project.code, project.name_en)
    general = _text_element(activity, "description", project.rationale, type="1")
    objectives = _text_element(activity, "description", project.objectives, type="2")
    if general is None and objectives is None:
        _text_element(activity, "description", project.name_th or project.code, project.name_en, type="1")
    owner = project.owner
    _organisation(activity, owner.kind, owner.name_th, owner.name_en, ROLE_ACCOUNTABLE)
    _organisation(activity, owner.kind, owner.name_th, owner.name_en, ROLE_IMPLEMENTING)
    for partner in chunk.partners.get(pk, ()):
        _organisation(activity, partner.kind, partner.name_th, partner.name_en, ROLE_IMPLEMENTING)
    etree.SubElement(activity, "other-identifier", {"ref": project.code, "type": "A1"})  # the owner's own code
    etree.SubElement(activity, "activity-status", {"code": ACTIVITY_STATUS.get(project.lifecycle, "2")})
    _activity_dates(activity, project, context.today)
    _contact(activity, project, context)
    countries, provinces = chunk.countries.get(pk, []), chunk.provinces.get(pk, [])
    etree.SubElement(activity, "activity-scope", {"code": _scope(countries, provinces)})
    _recipient_countries(activity, countries)
    _locations(activity, provinces)
    _sectors_and_tags(activity, chunk.links.get(pk, []), context)
    _budgets(activity, chunk.budgets.get(pk, ()))
    _planned_disbursements(activity, chunk.planned.get(pk, ()))
    _transactions(activity, project, chunk.disbursed.get(pk, ()), context.today)
    _document_links(activity, project, context)
    _output_result(activity, project, chunk)
    _outcome_results(activity, project, chunk)
    return activity


def _contact(activity: etree._Element, project: Project, context: ExportContext) -> None:
    """The owner organisation as general contact, with the open-data address and the owner's web site: never the
    responsible person (personal data)."""
    contact = etree.SubElement(activity, "contact-info", {"type": CONTACT_GENERAL})
    _text_element(contact, "organisation", project.owner.name_th, project.owner.name_en)
    if context.contact_email:
        etree.SubElement(contact, "email").text = context.contact_email
    if project.owner.website:
        etree.SubElement(contact, "website").text = project.owner.website


# --------------------------------------------------------------------------- the whole file


def _comment(text: str) -> str:
    return f" {_clean(text).replace('--', '—')} "


def iati_activities_xml(
    *,
    user,
    filters: ProjectFilters | None = None,
    base_url: str = "",
    chunk_size: int = CHUNK_SIZE,
    licence: str = "",
    generated: datetime | None = None,
) -> Iterator[bytes]:
    """The IATI 2.03 `<iati-activities>` document as UTF-8 chunks (one per `chunk_size` projects).

    `base_url` (e.g. `https://tidtam.example.org/`) makes the links to project pages absolute; without it they are
    left out. The filters and the licence are named in a comment at the top of the file; `generated` (default: now)
    is the file's `generated-datetime`.
    """
    context = ExportContext(base_url=base_url)
    projects = iati_projects(user=user, filters=filters)
    generated_at = (generated or timezone.now()).astimezone(UTC).isoformat(timespec="seconds")
    query = "&".join(f"{k}={v}" for k, v in (filters.as_query() if filters else {}).items()) or "-"
    buffer = BytesIO()
    with etree.xmlfile(buffer, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("iati-activities", {"version": IATI_VERSION, "generated-datetime": generated_at}):
            about = f"tidtam IATI {IATI_VERSION} export; generated {generated_at}; filters: {query}; {licence}"
            xf.write(etree.Comment(_comment(about)), "\n")
            for projects_in_chunk, chunk in _chunks(projects, chunk_size):
                context.load_top_nodes(chunk)
                for project in projects_in_chunk:
                    xf.write(activity_element(project, chunk, context), "\n")  # compact: one activity per line
                xf.flush()
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()
