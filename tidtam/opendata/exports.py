"""Bulk downloads of open data: row sources (selectors that take the user) and writers (CSV, JSON Lines, XLSX).

A row source (`project_export`, `report_export`, `indicator_value_export`) returns a `Dataset`: its documented columns
and a lazy iterator of rows, one tuple of Python values per record in column order. It starts from the same selectors
as the API lists (`project_list`, `report_list`), so the public gets accepted data only and a signed-in user what
they may see; the filters are the list filters of the model (`ProjectFilters`, `ReportFilters`, and
`IndicatorValueFilters` here). Rows are read with `.iterator(chunk_size)` and everything else a row needs (provinces,
partners, plan links, budgets, disbursements, progress) is fetched once per chunk, so neither memory nor the number of
queries grows with the rows of a chunk.

Columns never hold personal data (the responsible person's name, position, e-mail and telephone), return reasons
(internal review comments) or files. Money is a plain number in baht, dates are ISO `YYYY-MM-DD`, timestamps ISO 8601
in UTC, fiscal years Buddhist Era.

Writers turn a dataset into bytes: `csv_chunks` (UTF-8 with a BOM so Excel reads Thai correctly; text that a
spreadsheet would run as a formula gets a leading `'`), `jsonl_chunks` (one JSON object per line, nothing else) and
`xlsx_chunks` (`opendata.xlsx`: a data sheet and an "about" sheet with the licence, the time, the filter, the number
of rows and the column dictionary).
"""

import json
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import accumulate, islice
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import CharField, F, Lookup, QuerySet, Sum
from django.db.models.functions import Cast, Lower
from django.urls import reverse
from django.utils import timezone, translation

from tidtam.core.errors import bilingual
from tidtam.core.permissions import Action, can, restrict
from tidtam.evaluation.models import Basis, IndicatorStatus
from tidtam.evaluation.rules import StatusLevel
from tidtam.opendata.xlsx import workbook_chunks
from tidtam.organisations.models import Organisation
from tidtam.plans.models import Indicator, IndicatorValue
from tidtam.projects.filters import ProjectFilters, invalid_filter, read_shared_filters
from tidtam.projects.models import BudgetLine, Contribution, PlannedDisbursement, Project
from tidtam.projects.selectors import project_list
from tidtam.reporting.filters import ReportFilters
from tidtam.reporting.models import ProgressReport, ReportDisbursement, ReportIndicatorValue, ReportingRound
from tidtam.reporting.selectors import report_list, round_label
from tidtam.workflow.choices import WorkflowStatus

CHUNK_SIZE = 5000  # rows read (and enriched with one query per related table) at a time
FLUSH_ROWS = 500  # rows per chunk of a streamed body
SATANG = Decimal("0.01")

# --------------------------------------------------------------------------------------------------- columns

TEXT, INT, MONEY, NUMBER, DATE, DATETIME, BOOL, LIST, MAPPING = (
    "text",
    "integer",
    "money",
    "number",
    "date",
    "datetime",
    "boolean",
    "list",
    "mapping",
)
KIND_LABELS = {
    TEXT: "ข้อความ / text",
    INT: "จำนวนเต็ม / integer",
    MONEY: "จำนวนเงิน (บาท) / money (THB)",
    NUMBER: "ตัวเลข / number",
    DATE: "วันที่ ค.ศ. YYYY-MM-DD / date (ISO, CE)",
    DATETIME: "เวลา ISO 8601 UTC / timestamp (ISO 8601, UTC)",
    BOOL: "true / false",
    LIST: "รายการ คั่นด้วย {sep} / list, separated by {sep}",
    MAPPING: "คู่ค่า key: value คั่นด้วย {sep} / key: value pairs, separated by {sep}",
}


@dataclass(frozen=True)
class Column:
    """One column of a download: a stable key (the header of CSV and XLSX, the field of JSON Lines), its Thai and
    English names, and its kind, which decides how each format writes it. `sep` joins a list in CSV and XLSX."""

    key: str
    th: str
    en: str
    kind: str = TEXT
    sep: str = "; "  # joins the items of a list (always texts) in CSV and XLSX
    of: str = NUMBER  # the kind of a mapping's values


def _columns(*specs: tuple) -> tuple[Column, ...]:
    return tuple(Column(*spec) for spec in specs)


PROJECT_COLUMNS = _columns(
    ("id", "เลขอ้างอิงในระบบ", "Record id", INT),
    ("code", "รหัสโครงการ", "Project code"),
    ("name_th", "ชื่อโครงการ (ไทย)", "Project name (Thai)"),
    ("name_en", "ชื่อโครงการ (อังกฤษ)", "Project name (English)"),
    ("kind", "ประเภท: project โครงการ, routine งานประจำ", "Type: project, routine"),
    ("status", "สถานะการอนุมัติ", "Workflow status: draft, submitted, approved, accepted"),
    ("lifecycle", "สถานะการดำเนินงาน", "Lifecycle: planned, ongoing, completed, cancelled"),
    ("owner_code", "รหัสหน่วยงานเจ้าของ", "Owner organisation code"),
    ("owner_name_th", "หน่วยงานเจ้าของ (ไทย)", "Owner organisation (Thai)"),
    ("owner_name_en", "หน่วยงานเจ้าของ (อังกฤษ)", "Owner organisation (English)"),
    ("fiscal_year_start", "ปีงบประมาณแรก (พ.ศ.)", "First fiscal year (BE)", INT),
    ("fiscal_year_end", "ปีงบประมาณสุดท้าย (พ.ศ.)", "Last fiscal year (BE)", INT),
    ("start_date", "วันเริ่มต้น", "Start date", DATE),
    ("end_date", "วันสิ้นสุด", "End date", DATE),
    ("primary_framework", "รหัสกรอบแผนของเป้าหมายหลัก", "Framework of the primary link (code)"),
    ("primary_framework_version", "ฉบับของกรอบแผน", "Framework version of the primary link"),
    ("primary_node_code", "รหัสเป้าหมาย/ปัจจัยหลัก", "Primary target or factor (node code)"),
    ("primary_node_path", "รหัสจากรากถึงเป้าหมายหลัก", "Codes from the root to the primary node", LIST, "/"),
    ("primary_node_title_th", "ชื่อเป้าหมาย/ปัจจัยหลัก (ไทย)", "Primary node title (Thai)"),
    ("primary_node_title_en", "ชื่อเป้าหมาย/ปัจจัยหลัก (อังกฤษ)", "Primary node title (English)"),
    ("other_nodes", "โหนดอื่นที่เชื่อมโยง (กรอบแผน:รหัส)", "Other linked nodes (framework:code)", LIST),
    ("province_codes", "รหัสจังหวัด", "Province codes", LIST),
    ("province_names_th", "จังหวัด", "Provinces (Thai names)", LIST),
    ("country_codes", "รหัสประเทศ ISO", "Country codes (ISO 3166-1 alpha-2)", LIST),
    ("partner_codes", "รหัสหน่วยงานภาคี", "Partner organisation codes", LIST),
    ("partner_names_th", "หน่วยงานภาคี", "Partner organisations (Thai names)", LIST),
    ("budget_total", "งบประมาณรวมทุกปีทุกแหล่ง (บาท)", "Budget, all years and sources (THB)", MONEY),
    ("budget_by_year", "งบประมาณรายปีงบประมาณ (พ.ศ.: บาท)", "Budget per fiscal year (BE: THB)", MAPPING, "; ", MONEY),
    (
        "disbursed_to_date",
        "เบิกจ่ายสะสมจากรายงานที่ตรวจรับแล้ว (บาท)",
        "Disbursed to date, from accepted reports (THB)",
        MONEY,
    ),
    (
        "physical_progress",
        "ความก้าวหน้าเชิงกายภาพล่าสุด (%) จากรายงานที่ตรวจรับแล้ว",
        "Latest physical progress (%), from accepted reports",
        NUMBER,
    ),
    ("progress_as_of", "ความก้าวหน้า ณ วันสิ้นรอบรายงาน", "Progress as of (end of that report's round)", DATE),
    ("reports_accepted", "จำนวนรายงานที่ตรวจรับแล้ว", "Accepted progress reports", INT),
    ("rationale", "หลักการและเหตุผล", "Rationale"),
    ("objectives", "วัตถุประสงค์", "Objectives"),
    ("output_target", "เป้าหมายเชิงผลผลิต", "Output target"),
    ("outcome_target", "เป้าหมายเชิงผลลัพธ์", "Outcome target"),
    ("is_illustrative", "ข้อมูลตัวอย่าง ไม่ใช่ข้อมูลทางการ", "Illustrative, not official data", BOOL),
    ("accepted_at", "ตรวจรับเมื่อ", "Accepted at", DATETIME),
    ("updated_at", "แก้ไขล่าสุดเมื่อ", "Last changed at", DATETIME),
    ("api_url", "ที่อยู่ใน API", "API address"),
)

REPORT_COLUMNS = _columns(
    ("id", "เลขอ้างอิงรายงาน", "Report id", INT),
    ("project_id", "เลขอ้างอิงโครงการ", "Project id", INT),
    ("project_code", "รหัสโครงการ", "Project code"),
    ("project_name_th", "ชื่อโครงการ (ไทย)", "Project name (Thai)"),
    ("project_name_en", "ชื่อโครงการ (อังกฤษ)", "Project name (English)"),
    ("owner_code", "รหัสหน่วยงานเจ้าของโครงการ", "Owner organisation code"),
    ("owner_name_th", "หน่วยงานเจ้าของโครงการ (ไทย)", "Owner organisation (Thai)"),
    ("round_id", "เลขอ้างอิงรอบการรายงาน", "Reporting round id", INT),
    ("fiscal_year", "ปีงบประมาณ (พ.ศ.)", "Fiscal year (BE)", INT),
    ("quarter", "ไตรมาส", "Quarter (1-4; empty for a monthly round)", INT),
    ("month", "เดือนของปีงบประมาณ (1 = ตุลาคม)", "Month of the fiscal year (1 = October; monthly rounds)", INT),
    ("round_label_th", "รอบการรายงาน (ไทย)", "Reporting round (Thai)"),
    ("round_label_en", "รอบการรายงาน (อังกฤษ)", "Reporting round (English)"),
    ("period_start", "วันเริ่มช่วงรายงาน", "Period start", DATE),
    ("period_end", "วันสิ้นสุดช่วงรายงาน", "Period end", DATE),
    ("status", "สถานะการอนุมัติ", "Workflow status: draft, submitted, approved, accepted"),
    ("physical_progress", "ความก้าวหน้าเชิงกายภาพ (%)", "Physical progress (%)", NUMBER),
    ("disbursed_in_round", "เบิกจ่ายในรอบนี้ (บาท)", "Disbursed in this round (THB)", MONEY),
    (
        "cumulative_disbursement",
        "เบิกจ่ายสะสมถึงสิ้นรอบนี้ (บาท)",
        "Disbursed to the end of this round, in the reports visible to the caller (THB)",
        MONEY,
    ),
    ("planned_to_date", "แผนการเบิกจ่ายสะสมถึงสิ้นรอบนี้ (บาท)", "Planned disbursement to the end of this round (THB)", MONEY),
    ("indicator_values", "ค่าตัวชี้วัดแผนที่รายงาน (รหัส: ค่า)", "Plan indicator values reported (code: value)", MAPPING),
    ("results", "ผลการดำเนินงาน", "Results"),
    ("problems", "ปัญหาอุปสรรค", "Problems and obstacles"),
    ("recommendations", "ข้อเสนอแนะ", "Recommendations"),
    ("submitted_at", "ส่งเมื่อ", "Submitted at", DATETIME),
    ("accepted_at", "ตรวจรับเมื่อ", "Accepted at", DATETIME),
    ("updated_at", "แก้ไขล่าสุดเมื่อ", "Last changed at", DATETIME),
    ("api_url", "ที่อยู่ใน API", "API address"),
)

INDICATOR_VALUE_COLUMNS = _columns(
    ("framework", "รหัสกรอบแผน", "Framework code"),
    ("framework_version", "ฉบับของกรอบแผน", "Framework version"),
    ("node_id", "เลขอ้างอิงโหนด", "Node id", INT),
    ("node_code", "รหัสโหนด", "Node code"),
    ("node_path", "รหัสจากรากถึงโหนด", "Codes from the root to the node", LIST, "/"),
    ("node_title_th", "ชื่อโหนด (ไทย)", "Node title (Thai)"),
    ("node_title_en", "ชื่อโหนด (อังกฤษ)", "Node title (English)"),
    ("indicator_id", "เลขอ้างอิงตัวชี้วัด", "Indicator id", INT),
    ("indicator_code", "รหัสตัวชี้วัด", "Indicator code"),
    ("indicator_name_th", "ชื่อตัวชี้วัด (ไทย)", "Indicator name (Thai)"),
    ("indicator_name_en", "ชื่อตัวชี้วัด (อังกฤษ)", "Indicator name (English)"),
    ("unit", "หน่วยนับ", "Unit"),
    ("direction", "ทิศทาง: higher สูงดี, lower ต่ำดี, range ช่วง", "Direction: higher, lower, range"),
    ("baseline_value", "ค่าฐาน", "Baseline value", NUMBER),
    ("baseline_year", "ปีฐาน (พ.ศ.)", "Baseline year (BE)", INT),
    ("responsible_organisation_code", "รหัสหน่วยงานรับผิดชอบตัวชี้วัด", "Responsible organisation code"),
    ("data_source", "แหล่งข้อมูล", "Data source"),
    ("fiscal_year", "ปีงบประมาณ (พ.ศ.)", "Fiscal year (BE)", INT),
    ("target", "ค่าเป้าหมาย (ค่าล่างของช่วง)", "Target (lower bound of a range)", NUMBER),
    ("target_max", "ค่าบนของช่วงเป้าหมาย", "Upper bound of a target range", NUMBER),
    ("actual", "ค่าจริง", "Actual value", NUMBER),
    (
        "actual_source",
        "ที่มาของค่าจริง: official ค่าทางการ, reported จากรายงานที่ตรวจรับแล้ว",
        "Source of the actual: official value, or reported (accepted reports)",
    ),
    ("level", "ระดับสถานะ: green yellow orange red grey", "Status level: green, yellow, orange, red, grey"),
    ("level_th", "ระดับสถานะ (ไทย)", "Status level (Thai)"),
    ("level_en", "ระดับสถานะ (อังกฤษ)", "Status level (English)"),
    ("ratio", "อัตราส่วนความสำเร็จ", "Achievement ratio", NUMBER),
    ("why_th", "เหตุผลของสถานะ (ไทย)", "Why this status (Thai)"),
    ("why_en", "เหตุผลของสถานะ (อังกฤษ)", "Why this status (English)"),
    ("rule_version", "ฉบับของเกณฑ์สถานะ", "Status rule version"),
    ("api_url", "ที่อยู่ใน API", "API address"),
)


@dataclass
class Dataset:
    """A download before it is written: its name (the file stem and sheet name), titles, columns, the filter used (as
    canonical query parameters) and a lazy iterator of rows (tuples in column order)."""

    name: str
    title_th: str
    title_en: str
    columns: tuple[Column, ...]
    rows: Iterator[tuple]
    query: dict[str, str] = field(default_factory=dict)

    @property
    def query_string(self) -> str:
        return urlencode(sorted(self.query.items()))


# --------------------------------------------------------------------------------------------------- helpers


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _api_root(site: str) -> str:
    """`https://host/api/v1/` (or `/api/v1/` without a site): the prefix of the `api_url` column."""
    return site.rstrip("/") + reverse("api:api-root")


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(SATANG)


def _path(tree_path: str) -> list[str]:
    return tree_path.strip("/").split("/") if tree_path else []


def _grouped(rows: Iterable[tuple]) -> dict[Any, list[tuple]]:
    """`(key, *rest)` rows → `{key: [rest, …]}`, in the order given."""
    grouped: dict[Any, list[tuple]] = defaultdict(list)
    for key, *rest in rows:
        grouped[key].append(tuple(rest))
    return grouped


class _Prefix:
    """Monthly amounts of one project with running totals: `upto(day)` is the sum of the months on or before it."""

    def __init__(self, months: list[tuple[date, Decimal]]):
        months = sorted(months)
        self.months = [month for month, _ in months]
        self.totals = list(accumulate((amount for _, amount in months), initial=Decimal(0)))

    def upto(self, day: date) -> Decimal:
        return self.totals[bisect_right(self.months, day)]


# ---------------------------------------------------------------------------------------------------- rounds


@dataclass(frozen=True)
class _Round:
    fiscal_year: int
    quarter: int | None
    month: int | None
    label_th: str
    label_en: str
    period_start: date
    period_end: date


def _rounds() -> dict[int, _Round]:
    """Every reporting round (a few per year), read once per download."""
    return {
        r.pk: _Round(
            r.fiscal_year,
            r.quarter,
            r.month,
            round_label(r, lang="th"),
            round_label(r, lang="en"),
            r.period_start,
            r.period_end,
        )
        for r in ReportingRound.objects.all()
    }


# --------------------------------------------------------------------------------------------------- projects

# The project's own columns, read with the main query; the rest come per chunk (_ProjectChunk).
_PROJECT_FIELDS = (
    "id",
    "code",
    "name_th",
    "name_en",
    "kind",
    "status",
    "lifecycle",
    "owner__code",
    "owner__name_th",
    "owner__name_en",
    "fiscal_year_start",
    "fiscal_year_end",
    "start_date",
    "end_date",
    "rationale",
    "objectives",
    "output_target",
    "outcome_target",
    "is_illustrative",
    "accepted_at",
    "updated_at",
)
_NO_LINK = (None, None, None, [], None, None)  # framework, version, node code, path, titles: no primary link
_NO_PROGRESS = (None, None)
ZERO = Decimal(0)
ZERO_MONEY = Decimal("0.00")


class _IdsIn(Lookup):
    """`column IN (ids)` for a list of whole numbers read from the database, as an expression for `filter()`:
    `_IdsIn(F("project_id"), ids)`. Unlike `project_id__in=ids` it does not prepare every value through the field
    (a few microseconds each, seconds over a national download)."""

    lookup_name = "ids_in"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        ids = [int(pk) for pk in self.rhs]
        if not ids:
            return "1 = 0", []
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", [*params, *ids]

    def as_postgresql(self, compiler, connection):
        """One array parameter: PostgreSQL parses and plans it faster than thousands of them."""
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*params, [int(pk) for pk in self.rhs]]


def _not_indexed(lookup: str) -> Lower:
    """`lookup` wrapped in a function, so a condition on it is checked row by row instead of through its index: SQLite
    otherwise scans every accepted report through the status index rather than a chunk's reports through the project
    index (PostgreSQL plans either well)."""
    return Lower(lookup)


@dataclass
class _ProjectChunk:
    """What the rows of one chunk of projects need beyond the project table, read with one query per related table
    (contributions, provinces, countries, partners, budget lines, accepted reports, their disbursements) and arranged
    by project id."""

    primary: dict[int, tuple] = field(default_factory=dict)
    others: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    province_codes: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    province_names: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    countries: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    partner_codes: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    partner_names: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    budget_total: dict[int, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    budget_by_year: dict[int, dict[int, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    disbursed: dict[int, Decimal] = field(default_factory=dict)
    reports: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    progress: dict[int, tuple[Decimal | None, date]] = field(default_factory=dict)

    @classmethod
    def load(cls, ids: list[int], rounds: dict[int, "_Round"]) -> "_ProjectChunk":
        accepted = WorkflowStatus.ACCEPTED
        chunk = cls()
        links = Contribution.objects.filter(_IdsIn(F("project_id"), ids)).values_list(
            "project_id",
            "is_primary",
            "node__framework_version__framework__code",
            "node__framework_version__label",
            "node__code",
            "node__tree_path",
            "node__title_th",
            "node__title_en",
        )
        order = ("project_id", "node__framework_version__framework__code", "node__tree_path")
        for pk, is_primary, framework, version, code, tree_path, title_th, title_en in links.order_by(*order):
            if is_primary:
                chunk.primary[pk] = (framework, version, code, _path(tree_path), title_th, title_en)
            else:
                chunk.others[pk].append(f"{framework}:{code}")
        provinces = Project.provinces.through.objects.filter(_IdsIn(F("project_id"), ids)).values_list(
            "project_id", "province_id", "province__name_th"
        )
        for pk, code, name in provinces.order_by("project_id", "province_id"):
            chunk.province_codes[pk].append(code)
            chunk.province_names[pk].append(name)
        countries = Project.countries.through.objects.filter(_IdsIn(F("project_id"), ids)).values_list(
            "project_id", "country_id"
        )
        for pk, code in countries.order_by("project_id", "country_id"):
            chunk.countries[pk].append(code)
        partners = Project.partners.through.objects.filter(_IdsIn(F("project_id"), ids)).values_list(
            "project_id", "organisation__code", "organisation__name_th"
        )
        for pk, code, name in partners.order_by("project_id", "organisation__code"):
            chunk.partner_codes[pk].append(code)
            chunk.partner_names[pk].append(name)
        budgets = (
            BudgetLine.objects.filter(_IdsIn(F("project_id"), ids))
            .values("project_id", "fiscal_year")
            .annotate(total=Sum("amount"))
            .values_list("project_id", "fiscal_year", "total")
        )
        for pk, year, total in budgets.order_by("project_id", "fiscal_year"):
            chunk.budget_by_year[pk][year] = total
            chunk.budget_total[pk] += total
        disbursed = (
            ReportDisbursement.objects.filter(_IdsIn(F("report__project_id"), ids))
            .alias(report_status=_not_indexed("report__status"))
            .filter(report_status=accepted)
            .values("report__project_id")
            .annotate(total=Sum("amount"))
            .values_list("report__project_id", "total")
        )
        chunk.disbursed = {pk: _money(total) for pk, total in disbursed.order_by()}
        # The chunk's accepted reports, without per-row conversions (progress read as text); the newest one per
        # project is picked here, by its round's period end (then id).
        latest: dict[int, tuple] = {}
        reports = (
            ProgressReport.objects.filter(_IdsIn(F("project_id"), ids))
            .alias(report_status=_not_indexed("status"))
            .filter(report_status=accepted)
            .values_list("project_id", "round_id", "id", Cast("physical_progress", CharField()))
        )
        ends = {pk: round_.period_end for pk, round_ in rounds.items()}
        for pk, round_id, report_id, progress_text in reports.order_by():
            chunk.reports[pk] += 1
            period_end = ends[round_id]
            newest = latest.get(pk)
            if newest is None or period_end > newest[0] or (period_end == newest[0] and report_id > newest[1]):
                latest[pk] = (period_end, report_id, progress_text)
        chunk.progress = {
            pk: (None if text is None else Decimal(text), period_end) for pk, (period_end, _, text) in latest.items()
        }
        return chunk

    def row(self, values: tuple, api_root: str) -> tuple:
        """The project's own columns (`values`, in `_PROJECT_FIELDS` order) with the related ones, in column order."""
        pk = values[0]
        progress, as_of = self.progress.get(pk, _NO_PROGRESS)
        related = (
            self.others.get(pk, []),
            self.province_codes.get(pk, []),
            self.province_names.get(pk, []),
            self.countries.get(pk, []),
            self.partner_codes.get(pk, []),
            self.partner_names.get(pk, []),
            _money(self.budget_total.get(pk, ZERO)),
            self.budget_by_year.get(pk, {}),
            self.disbursed.get(pk, ZERO_MONEY),
            progress,
            as_of,
            self.reports.get(pk, 0),
        )
        return values[:14] + self.primary.get(pk, _NO_LINK) + related + values[14:] + (f"{api_root}projects/{pk}",)


def project_export(
    *, user, filters: ProjectFilters | None = None, site: str = "", chunk_size: int = CHUNK_SIZE
) -> Dataset:
    """The projects `user` may see (the API list's rows and order: by code), with `filters`, as a dataset. `site`
    (`https://host`) makes the `api_url` column absolute."""
    filters = filters or ProjectFilters()
    queryset = project_list(user=user, filters=filters).order_by("code").values_list(*_PROJECT_FIELDS)
    api_root = _api_root(site)

    def rows() -> Iterator[tuple]:
        rounds = _rounds()
        for chunk in _chunks(queryset.iterator(chunk_size=chunk_size), chunk_size):
            related = _ProjectChunk.load([values[0] for values in chunk], rounds)
            for values in chunk:
                yield related.row(values, api_root)

    return Dataset("projects", "โครงการ", "Projects", PROJECT_COLUMNS, rows(), filters.as_query())


# --------------------------------------------------------------------------------------------------- reports

_REPORT_FIELDS = (
    "id",
    "project_id",
    "project__code",
    "project__name_th",
    "project__name_en",
    "project__owner__code",
    "project__owner__name_th",
    "round_id",
    "status",
    "physical_progress",
    "results",
    "problems",
    "recommendations",
    "submitted_at",
    "accepted_at",
    "updated_at",
    "project__owner__path",  # not a column: decides which of the project's reports the caller may see
)
REPORT_ORDER = ("project__code", "round__period_start", "id")


def report_filter_query(filters: ReportFilters) -> dict[str, str]:
    """The non-empty report filters as query parameters (ReportFilters has no `as_query` of its own)."""
    data = asdict(filters)
    return {f.name: str(data[f.name]) for f in fields(filters) if data[f.name] not in (None, "")}


def _visible_report_statuses(user) -> Callable[[str], frozenset[str]]:
    """The statuses of a project's reports that `user` may see, by the owner's path (answered by `can`, so exactly
    what the report selectors allow: a report's visibility depends only on its status and its project's owner)."""
    known: dict[str, frozenset[str]] = {}

    def statuses(owner_path: str) -> frozenset[str]:
        if owner_path not in known:
            project = Project(owner=Organisation(path=owner_path))
            known[owner_path] = frozenset(
                status
                for status in WorkflowStatus.values
                if can(user, Action.VIEW, ProgressReport(project=project, status=status))
            )
        return known[owner_path]

    return statuses


@dataclass
class _ReportChunk:
    """Money and values of one chunk of reports: each report's own months, its project's money in the reports the
    caller may see and planned, as running totals by month, and the plan indicator values it gives."""

    in_round: dict[int, Decimal]
    spent: dict[int, _Prefix]
    planned: dict[int, _Prefix]
    indicator_values: dict[int, dict[str, Decimal]]

    @classmethod
    def load(cls, chunk: list[tuple], visible: Callable[[str], frozenset[str]]) -> "_ReportChunk":
        ids = [values[0] for values in chunk]
        owners = {values[1]: values[-1] for values in chunk}
        in_round: dict[int, Decimal] = defaultdict(Decimal)
        spent: dict[int, list] = defaultdict(list)
        # Every month of every report of the chunk's projects: each report's own sum, and the project's months in
        # the reports the caller may see (as the API's cumulative figure counts them).
        months = ReportDisbursement.objects.filter(_IdsIn(F("report__project_id"), list(owners))).values_list(
            "report_id", "report__project_id", "report__status", "month", "amount"
        )
        for report_id, project_id, status, month, amount in months.order_by():
            in_round[report_id] += amount
            if status in visible(owners[project_id]):
                spent[project_id].append((month, amount))
        planned: dict[int, list] = defaultdict(list)
        plan = PlannedDisbursement.objects.filter(_IdsIn(F("project_id"), list(owners)))
        for project_id, month, amount in plan.values_list("project_id", "month", "amount").order_by():
            planned[project_id].append((month, amount))
        values: dict[int, dict[str, Decimal]] = defaultdict(dict)
        given = ReportIndicatorValue.objects.filter(_IdsIn(F("report_id"), ids)).values_list(
            "report_id", "indicator__code", "value"
        )
        for report_id, code, value in given.order_by("report_id", "indicator__code"):
            values[report_id][code] = value
        return cls(
            in_round=in_round,
            spent={pk: _Prefix(months) for pk, months in spent.items()},
            planned={pk: _Prefix(months) for pk, months in planned.items()},
            indicator_values=values,
        )

    def row(self, values: tuple, round_: "_Round", api_root: str) -> tuple:
        pk, project = values[0], values[1]
        spent, plan = self.spent.get(project), self.planned.get(project)
        return (
            *values[:8],
            round_.fiscal_year,
            round_.quarter,
            round_.month,
            round_.label_th,
            round_.label_en,
            round_.period_start,
            round_.period_end,
            values[8],
            values[9],
            _money(self.in_round.get(pk, ZERO)),
            _money(spent.upto(round_.period_end) if spent else ZERO),
            _money(plan.upto(round_.period_end) if plan else ZERO),
            self.indicator_values.get(pk, {}),
            *values[10:16],
            f"{api_root}reports/{pk}",
        )


def report_export(
    *, user, filters: ReportFilters | None = None, site: str = "", chunk_size: int = CHUNK_SIZE
) -> Dataset:
    """The progress reports `user` may see (the API list's rows), with `filters`, as a dataset: ordered by project code
    and round, so a chunk holds few projects and their money is read once.

    `cumulative_disbursement` counts, like the API, the reports the caller may see (the public: accepted ones).
    """
    filters = filters or ReportFilters()
    queryset = report_list(user=user, filters=filters).order_by(*REPORT_ORDER).values_list(*_REPORT_FIELDS)
    visible = _visible_report_statuses(user)
    api_root = _api_root(site)

    def rows() -> Iterator[tuple]:
        rounds = _rounds()
        for chunk in _chunks(queryset.iterator(chunk_size=chunk_size), chunk_size):
            related = _ReportChunk.load(chunk, visible)
            for values in chunk:
                yield related.row(values, rounds[values[7]], api_root)

    return Dataset(
        "reports", "รายงานความก้าวหน้า", "Progress reports", REPORT_COLUMNS, rows(), report_filter_query(filters)
    )


# --------------------------------------------------------------------------------------------- indicator values


@dataclass(frozen=True)
class IndicatorValueFilters:
    """Filters of indicator values and statuses: `framework` (code), `node` (id; the node and its subtree),
    `organisation` (the indicator's responsible organisation, with its subtree), `fiscal_year` (BE) and `level`."""

    framework: str = ""
    node: int | None = None
    organisation: str = ""
    fiscal_year: int | None = None
    level: str = ""
    _node_scope: tuple[int, str] | None = field(default=None, compare=False, repr=False)
    _organisation_path: str | None = field(default=None, compare=False, repr=False)

    PARAMETERS = ("framework", "node", "organisation", "fiscal_year", "level")

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> "IndicatorValueFilters":
        """Read and check the parameters of a QueryDict or dict (Thai digits accepted; blank = no filter); raise
        ValidationFailed naming every bad one."""
        raw = {name: str(query.get(name) or "").strip() for name in cls.PARAMETERS}
        errors: dict[str, list[str]] = {}
        values: dict[str, Any] = {}
        read_shared_filters(raw, values, lambda name, message: errors.setdefault(name, []).append(message))
        if raw["level"]:
            if raw["level"] in StatusLevel.values:
                values["level"] = raw["level"]
            else:
                allowed = ", ".join(StatusLevel.values)
                errors["level"] = [bilingual(f"ค่าไม่ถูกต้อง เลือกได้: {allowed}", f"invalid value; one of: {allowed}")]
        if errors:
            raise invalid_filter(errors)
        return cls(**values)

    def apply(self, queryset: QuerySet[IndicatorStatus]) -> QuerySet[IndicatorStatus]:
        if self.framework:
            queryset = queryset.filter(indicator__node__framework_version__framework__code=self.framework)
        if self._node_scope is not None:
            version_id, tree_path = self._node_scope
            queryset = queryset.filter(
                indicator__node__framework_version_id=version_id, indicator__node__tree_path__startswith=tree_path
            )
        if self._organisation_path is not None:
            queryset = queryset.filter(indicator__responsible_organisation__path__startswith=self._organisation_path)
        if self.fiscal_year is not None:
            queryset = queryset.filter(fiscal_year=self.fiscal_year)
        if self.level:
            queryset = queryset.filter(level=self.level)
        return queryset

    def as_query(self) -> dict[str, str]:
        return {name: str(getattr(self, name)) for name in self.PARAMETERS if getattr(self, name) not in ("", None)}


_STATUS_FIELDS = (
    "indicator__node__framework_version__framework__code",
    "indicator__node__framework_version__label",
    "indicator__node_id",
    "indicator__node__code",
    "indicator__node__tree_path",
    "indicator__node__title_th",
    "indicator__node__title_en",
    "indicator_id",
    "indicator__code",
    "indicator__name_th",
    "indicator__name_en",
    "indicator__unit",
    "indicator__direction",
    "indicator__baseline_value",
    "indicator__baseline_year",
    "indicator__responsible_organisation__code",
    "indicator__data_source",
    "fiscal_year",
    "target",
    "target_max",
    "actual",
    "level",
    "ratio",
    "why_th",
    "why_en",
    "rule_version",
)


def _level_names() -> dict[str, tuple[str, str]]:
    """Each status level's Thai and English name, from its "ไทย / English" label (untranslated)."""
    with translation.override(None):
        return {level.value: tuple(str(level.label).split(" / ", 1)) for level in StatusLevel}


def indicator_value_export(
    *, user, filters: IndicatorValueFilters | None = None, site: str = "", chunk_size: int = CHUNK_SIZE
) -> Dataset:
    """Indicator values and their stored statuses per fiscal year, on the public basis (accepted data only, for
    everyone), with `filters`: one row per indicator and year, in plan order."""
    filters = filters or IndicatorValueFilters()
    indicators = restrict(user, Action.VIEW, Indicator.objects.all(), organisation_field=None)
    statuses = IndicatorStatus.objects.filter(basis=Basis.PUBLIC, indicator__in=indicators.values("pk"))
    queryset = (
        filters.apply(statuses)
        .order_by(
            "indicator__node__framework_version__framework__code",
            "indicator__node__framework_version__label",
            "indicator__node__tree_path",
            "indicator__sort_order",
            "indicator__code",
            "indicator_id",
            "fiscal_year",
        )
        .values_list(*_STATUS_FIELDS)
    )
    api_root = _api_root(site)
    levels = _level_names()

    def rows() -> Iterator[tuple]:
        for chunk in _chunks(queryset.iterator(chunk_size=chunk_size), chunk_size):
            official = _grouped(
                IndicatorValue.objects.filter(_IdsIn(F("indicator_id"), {row[7] for row in chunk}))
                .values_list("indicator_id", "period_start", "period_end")
                .order_by()
            )
            for row in chunk:
                (framework, version, node_id, node_code, tree_path, node_th, node_en, indicator_id) = row[:8]
                year, actual, level = row[17], row[20], row[21]
                if any(start <= year <= end for start, end in official.get(indicator_id, [])):
                    source = "official"
                else:
                    source = "" if actual is None else "reported"
                level_th, level_en = levels.get(level, (level, level))
                yield (
                    framework,
                    version,
                    node_id,
                    node_code,
                    _path(tree_path),
                    node_th,
                    node_en,
                    *row[7:21],
                    source,
                    level,
                    level_th,
                    level_en,
                    *row[22:],
                    f"{api_root}indicators/{indicator_id}",
                )

    return Dataset(
        "indicator-values",
        "ค่าและสถานะตัวชี้วัดรายปี",
        "Indicator values and statuses per fiscal year",
        INDICATOR_VALUE_COLUMNS,
        rows(),
        filters.as_query(),
    )


# ------------------------------------------------------------------------------------------ download metadata


@dataclass(frozen=True)
class ExportInfo:
    """What every download says about itself: licence, when it was made, the filter, where it came from, and whose
    view of the data it is."""

    generated_at: datetime
    source_url: str
    public: bool
    licence_name: str = ""
    licence_url: str = ""

    @classmethod
    def now(cls, *, source_url: str, public: bool) -> "ExportInfo":
        return cls(
            generated_at=timezone.now().replace(microsecond=0),
            source_url=source_url,
            public=public,
            licence_name=settings.OPEN_DATA_LICENCE_NAME,
            licence_url=settings.OPEN_DATA_LICENCE_URL,
        )

    @property
    def generated_iso(self) -> str:
        return _iso(self.generated_at)

    @property
    def stamp(self) -> str:
        """`20250115T033000Z`: the time in a file name."""
        return self.generated_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    @property
    def scope(self) -> str:
        if self.public:
            return bilingual("สาธารณะ: เฉพาะข้อมูลที่ตรวจรับแล้ว", "Public: accepted data only")
        return bilingual(
            "ผู้ใช้ที่เข้าสู่ระบบ: ข้อมูลที่บัญชีนี้มีสิทธิ์เห็น อาจมีข้อมูลที่ยังไม่เผยแพร่ ห้ามเผยแพร่ต่อ",
            "Signed-in user: what this account may see, which may include unpublished data; do not republish",
        )

    def filename(self, dataset: Dataset, extension: str) -> str:
        return f"tidtam-{dataset.name}-{self.stamp}.{extension}"


NOTES = (
    bilingual("จำนวนเงินเป็นบาท ไม่มีตัวคั่นหลักพัน", "Money is in baht, plain numbers"),
    bilingual("ปีงบประมาณเป็น พ.ศ. วันที่เป็น ค.ศ. แบบ ISO (YYYY-MM-DD)", "Fiscal years are BE; dates ISO (CE)"),
    bilingual("เวลาเป็น ISO 8601 เขตเวลา UTC", "Timestamps are ISO 8601 in UTC"),
    bilingual("ไม่มีข้อมูลส่วนบุคคลของผู้รับผิดชอบโครงการ", "No personal data of responsible officers"),
    bilingual(
        "ในไฟล์ CSV ข้อความที่ขึ้นต้นด้วย = + - @ มีเครื่องหมาย ' นำหน้า กันสูตรในโปรแกรมตารางคำนวณ",
        "In CSV, text starting with = + - @ is prefixed with ' so spreadsheets do not run it as a formula",
    ),
)


def about_rows(dataset: Dataset, info: ExportInfo, *, rows: int | None = None) -> list[tuple]:
    """The "about" sheet: what the file is, its licence, time, filter and scope, then the column dictionary."""
    lines: list[tuple] = [
        (bilingual("ชุดข้อมูล", "Dataset"), bilingual(dataset.title_th, dataset.title_en)),
        (bilingual("สัญญาอนุญาต", "Licence"), info.licence_name, info.licence_url),
        (bilingual("สร้างเมื่อ", "Generated at"), info.generated_iso),
        (
            bilingual("ตัวกรอง", "Filter"),
            dataset.query_string or bilingual("ไม่มี (ทุกแถวที่เห็นได้)", "none (every visible row)"),
        ),
        (bilingual("ขอบเขตข้อมูล", "Scope"), info.scope),
        (bilingual("แหล่งที่มา", "Source"), info.source_url),
    ]
    if rows is not None:
        lines.append((bilingual("จำนวนแถว", "Rows"), rows))
    lines += [(bilingual("หมายเหตุ", "Note"), note) for note in NOTES]
    lines += [
        (),
        (
            bilingual("คอลัมน์", "Column"),
            bilingual("ชื่อภาษาไทย", "Thai name"),
            bilingual("ชื่อภาษาอังกฤษ", "English name"),
            bilingual("ชนิด", "Type"),
        ),
    ]
    lines += [
        (column.key, column.th, column.en, KIND_LABELS[column.kind].format(sep=column.sep.strip()))
        for column in dataset.columns
    ]
    return lines


# ---------------------------------------------------------------------------------------------------- writers


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _plain(value: Decimal | float | int) -> str:
    """A number without exponent or thousands separators: `Decimal("1E+2")` → `100`, `65.2500` → `65.25`."""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "") else text
    return str(value)


def _money_text(value: Decimal) -> str:
    return f"{value:.2f}"


# Text a spreadsheet would run as a formula gets a leading `'` in CSV (OWASP's CSV-injection advice).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text_cell(column: Column) -> Callable[[Any], str]:
    """How CSV and XLSX show a value of `column` as text (lists and mappings joined; numbers plain)."""
    kind = column.kind
    if kind == MONEY:
        return _money_text
    if kind == NUMBER:
        return _plain
    if kind == DATE:
        return date.isoformat
    if kind == DATETIME:
        return _iso
    if kind == BOOL:
        return lambda value: "true" if value else "false"
    if kind == LIST:
        return column.sep.join
    if kind == MAPPING:
        number = _money_text if column.of == MONEY else _plain

        def mapping(value):
            return column.sep.join(f"{key}: {number(item)}" for key, item in value.items())

        return mapping
    return str


def _csv_text(text: str | None) -> str:
    """Text as a CSV field (empty for None): guarded against formulas, and quoted (with doubled quotes) when it holds
    a comma, a quote or a line break, as RFC 4180 and Python's csv module do."""
    if not text:
        return ""
    if text[0] in "=+-@\t\r":
        text = "'" + text
    if '"' in text or "," in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_cell(column: Column) -> Callable[[Any], str]:
    """How CSV writes a value of `column` (empty for None). Numbers, dates and flags never need quoting."""
    kind = column.kind
    if kind == TEXT:
        return _csv_text
    if kind == INT:
        return lambda value: "" if value is None else str(value)
    show = _text_cell(column)
    if kind in (LIST, MAPPING):
        return lambda value: "" if value is None else _csv_text(show(value))
    return lambda value: "" if value is None else show(value)


def csv_chunks(dataset: Dataset, *, flush_rows: int = FLUSH_ROWS) -> Iterator[bytes]:
    """The dataset as CSV: UTF-8 with a BOM, a header row of column keys, CRLF line ends (RFC 4180); yielded a few
    hundred rows at a time so the whole file is never in memory."""
    cells = [_csv_cell(column) for column in dataset.columns]
    yield ("\ufeff" + ",".join(column.key for column in dataset.columns) + "\r\n").encode()
    for chunk in _chunks(dataset.rows, flush_rows):
        lines = [",".join([cell(value) for cell, value in zip(cells, row, strict=True)]) for row in chunk]
        yield ("\r\n".join(lines) + "\r\n").encode()


def _json_cell(column: Column) -> Callable[[Any], Any] | None:
    """How JSON Lines writes a value of `column` (None: as it is): numbers for money and measures, ISO text for dates
    and times, arrays for lists, objects for mappings."""
    kind = column.kind
    if kind in (MONEY, NUMBER):
        return float
    if kind == DATE:
        return date.isoformat
    if kind == DATETIME:
        return _iso
    if kind == LIST:
        return list
    if kind == MAPPING:
        return lambda value: {str(key): float(item) for key, item in value.items()}
    return None


def jsonl_chunks(dataset: Dataset, *, flush_rows: int = FLUSH_ROWS) -> Iterator[bytes]:
    """The dataset as JSON Lines: one JSON object per record and line (keys = column keys), UTF-8, no header line;
    null for nothing."""
    keys = [column.key for column in dataset.columns]
    converted = [
        (index, column.key, convert)
        for index, column in enumerate(dataset.columns)
        if (convert := _json_cell(column)) is not None
    ]
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for chunk in _chunks(dataset.rows, flush_rows):
        lines = []
        for row in chunk:
            record = dict(zip(keys, row, strict=True))
            for index, key, convert in converted:
                if row[index] is not None:
                    record[key] = convert(row[index])
            lines.append(dumps(record))
        yield ("\n".join(lines) + "\n").encode()


def _xlsx_row(columns: tuple[Column, ...]) -> Callable[[tuple], list]:
    formats = [_text_cell(column) for column in columns]
    kinds = [column.kind for column in columns]

    def cells(row: tuple) -> list:
        out = []
        for value, show, kind in zip(row, formats, kinds, strict=True):
            if value is None or kind in (MONEY, NUMBER, INT, BOOL, DATE, TEXT):
                out.append(value)
            else:
                out.append(show(value))
        return out

    return cells


def xlsx_chunks(dataset: Dataset, info: ExportInfo, *, flush_rows: int = FLUSH_ROWS) -> Iterator[bytes]:
    """The dataset as XLSX, streamed: the data sheet (a bold, frozen header row of column keys), then the "about"
    sheet, which states the number of rows."""
    count = 0

    def data_rows() -> Iterator[list]:
        nonlocal count
        yield [column.key for column in dataset.columns]
        cells = _xlsx_row(dataset.columns)
        for row in dataset.rows:
            count += 1
            yield cells(row)

    def sheets():
        yield dataset.name[:31], data_rows()
        yield "about", about_rows(dataset, info, rows=count)

    return workbook_chunks(sheets(), flush_rows=flush_rows)
