"""`tidtam bench dashboard`: the national dashboard timed as a user sees it, against the same figures computed with
raw GROUP BY SQL over the base tables, on the current database (make one with `tidtam synth` first).

What is timed (each that exists; wall-clock, Django's caches cleared before every call, warm-up calls left out):

* the page — GET `dashboards:national` ?framework=…&fy=… through `django.test.Client`, anonymous;
* the API — GET /api/v1/dashboard?framework=…&fy=…;
* the selector — `tidtam.evaluation.selectors.dashboard(...)` called directly;
* the baseline — one raw SQL statement (`RAW_SQL`) over projects, budget lines, contributions, progress reports,
  report disbursements, reporting rounds and plan nodes only (never the evaluation_* roll-up tables), computing for
  every node to depth 3 of the framework's current version and for the whole version, on the public basis: projects
  active in the fiscal year that contribute to the node's subtree (each once), their budget of the year, the money
  disbursed in their accepted reports of the year's rounds, and the average physical progress of each project's
  latest accepted report of the year.

The raw figures must equal the selector's for every node (money to the satang, average progress to 0.1): that check
keeps the baseline honest. Indicator status counts are not in the baseline: they are counted from one stored status
row per indicator (cheap), while the project, money and progress figures above are the expensive part.
"""

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client, override_settings
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.http import urlencode

from tidtam.core.errors import bilingual
from tidtam.core.management.commands.bench import (
    Timing,
    add_timing_arguments,
    at_least,
    database_label,
    load_average_label,
    measure,
)
from tidtam.evaluation.models import Basis, ProjectFact
from tidtam.evaluation.selectors import Dashboard, DashboardRow, Figures, dashboard
from tidtam.plans.models import Framework, FrameworkVersion, Node
from tidtam.plans.selectors import current_version
from tidtam.projects.models import Project
from tidtam.reporting.models import ProgressReport, ReportDisbursement
from tidtam.workflow.choices import WorkflowStatus

HELP = (
    "จับเวลาแดชบอร์ดระดับประเทศเทียบกับการคำนวณด้วย GROUP BY จากตารางฐาน / Time the national dashboard (page, API, "
    "selector) against the same figures computed with raw GROUP BY over the base tables"
)
API_PATH = "/api/v1/dashboard"
DEPTH = 3  # the dashboard's default depth
# The quality bars (PRODUCT.md §6), set for 1 M report rows on 2 cores.
P95_BAR_MS = {"postgresql": 300.0, "sqlite": 500.0}
RATIO_BAR = 10.0
BAR_REPORT_ROWS = 1_000_000
SATANG = Decimal("0.01")
TENTH = Decimal("0.1")
BASELINE_COVERS = (
    "baseline covers the project, budget, disbursement and progress figures (the expensive part); indicator status "
    "counts come from stored indicator status rows, one per indicator (cheap), and are not in the baseline"
)


def add_arguments(parser) -> None:
    parser.add_argument("--framework", default="ns", help="framework code (default ns)")
    parser.add_argument(
        "--fy",
        type=at_least(2500),
        default=None,
        help="fiscal year, BE (default: the year with the most project facts)",
    )
    add_timing_arguments(parser, repeats=30, warmup=3)
    parser.add_argument(
        "--raw-repeats", type=at_least(1), default=None, help="timed runs of the raw SQL baseline (default: --repeats)"
    )


# ------------------------------------------------------------------------------------------------- the baseline

RAW_SQL = """
WITH counted AS (
    SELECT p.id FROM projects_project p
    WHERE p.status = %s AND p.fiscal_year_start <= %s AND p.fiscal_year_end >= %s
),
subtree AS (
    SELECT a.id AS ancestor_id, d.id AS node_id
    FROM plans_node a
    JOIN plans_node d ON d.framework_version_id = a.framework_version_id
                 AND substr(d.tree_path, 1, length(a.tree_path)) = a.tree_path
    WHERE a.framework_version_id = %s AND a.depth <= %s
),
links AS (
    SELECT DISTINCT c.project_id, s.ancestor_id AS node_id
    FROM projects_contribution c
    JOIN counted ON counted.id = c.project_id
    JOIN subtree s ON s.node_id = c.node_id
),
budget AS (
    SELECT b.project_id, SUM(b.amount) AS amount
    FROM projects_budgetline b
    JOIN counted ON counted.id = b.project_id
    WHERE b.fiscal_year = %s
    GROUP BY b.project_id
),
reports AS (
    SELECT r.id, r.project_id, r.physical_progress,
           ROW_NUMBER() OVER (PARTITION BY r.project_id ORDER BY rr.period_end DESC, r.id DESC) AS recency
    FROM reporting_progressreport r
    JOIN reporting_reportinground rr ON rr.id = r.round_id
    JOIN counted ON counted.id = r.project_id
    WHERE r.status = %s AND rr.fiscal_year = %s
),
disbursed AS (
    SELECT reports.project_id, SUM(d.amount) AS amount
    FROM reporting_reportdisbursement d
    JOIN reports ON reports.id = d.report_id
    GROUP BY reports.project_id
),
figures AS (
    SELECT counted.id AS project_id, budget.amount AS budget, disbursed.amount AS disbursed,
           latest.physical_progress AS progress
    FROM counted
    LEFT JOIN budget ON budget.project_id = counted.id
    LEFT JOIN disbursed ON disbursed.project_id = counted.id
    LEFT JOIN reports latest ON latest.project_id = counted.id AND latest.recency = 1
)
SELECT links.node_id, COUNT(*), SUM(f.budget), SUM(f.disbursed), SUM(f.progress), COUNT(f.progress)
FROM links
JOIN figures f ON f.project_id = links.project_id
GROUP BY links.node_id
UNION ALL
SELECT NULL, COUNT(*), SUM(f.budget), SUM(f.disbursed), SUM(f.progress), COUNT(f.progress)
FROM figures f
WHERE f.project_id IN (
    SELECT c.project_id FROM projects_contribution c
    JOIN plans_node n ON n.id = c.node_id
    WHERE n.framework_version_id = %s
)
"""


def _decimal(value) -> Decimal:
    """A SUM as a Decimal: PostgreSQL gives numeric; SQLite gives an integer or a float (it stores decimals so)."""
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class RawFigures:
    projects: int
    budget: Decimal
    disbursed: Decimal
    progress_sum: Decimal
    progress_count: int

    @property
    def average_progress(self) -> Decimal | None:
        return None if not self.progress_count else self.progress_sum / self.progress_count


def raw_figures(*, version: FrameworkVersion, fiscal_year: int) -> dict[int | None, RawFigures]:
    """The baseline: public-basis figures per node id to depth 3 (None: the whole version), from the base tables."""
    accepted = WorkflowStatus.ACCEPTED.value
    params = [accepted, fiscal_year, fiscal_year, version.pk, DEPTH, fiscal_year, accepted, fiscal_year, version.pk]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The planner's row estimates through the CTEs are high enough to switch on JIT compilation, which
            # costs more than the query itself here: the baseline runs without it, to be fair to it.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(RAW_SQL, params)
        rows = cursor.fetchall()
    return {
        node_id: RawFigures(
            projects,
            _decimal(budget).quantize(SATANG),
            _decimal(disbursed).quantize(SATANG),
            _decimal(progress_sum),
            progress_count,
        )
        for node_id, projects, budget, disbursed, progress_sum, progress_count in rows
    }


# --------------------------------------------------------------------------------------------------- comparison


def dashboard_figures(board: Dashboard) -> dict[int | None, tuple[Node | None, Figures]]:
    """Every row of the dashboard tree (and its total, under None) by node id."""
    found: dict[int | None, tuple[Node | None, Figures]] = {None: (None, board.total)}

    def walk(rows: list[DashboardRow]) -> None:
        for row in rows:
            found[row.node.pk] = (row.node, row.figures)
            walk(row.children)

    walk(board.rows)
    return found


def compare(raw: dict[int | None, RawFigures], shown: dict[int | None, tuple[Node | None, Figures]]) -> list[str]:
    """Where the baseline and the dashboard disagree: projects, budget, disbursed (to the satang), how many projects
    have a progress figure, and the average progress (the dashboard's, rounded to 0.1, must be the raw one rounded)."""
    empty = RawFigures(0, Decimal(0), Decimal(0), Decimal(0), 0)
    differences = []
    for node_id in sorted(raw.keys() | shown.keys(), key=lambda n: (n is not None, n or 0)):
        node, figures = shown.get(node_id, (None, None))
        where = "framework total" if node_id is None else f"node {node.code if node else '?'} (id {node_id})"
        if figures is None:
            differences.append(f"{where}: in the raw figures, not on the dashboard")
            continue
        expected = raw.get(node_id, empty)
        raw_average = expected.average_progress
        pairs = {
            "projects": (expected.projects, figures.projects),
            "budget": (expected.budget, Decimal(figures.budget).quantize(SATANG)),
            "disbursed": (expected.disbursed, Decimal(figures.disbursed).quantize(SATANG)),
            "projects with progress": (expected.progress_count, figures.progress_count),
            "average progress": (
                None if raw_average is None else raw_average.quantize(TENTH, ROUND_HALF_EVEN),
                figures.average_progress,
            ),
        }
        for name, (want, got) in pairs.items():
            if want != got:
                differences.append(f"{where}: {name} raw {want} ≠ dashboard {got}")
    return differences


# ------------------------------------------------------------------------------------------------------- report


@dataclass
class Measured:
    key: str
    what: str
    timing: Timing


@dataclass
class Bar:
    name: str
    value: str
    passed: bool


@dataclass
class DashboardBenchReport:
    vendor: str
    database: str
    framework: str
    version: str
    fiscal_year: int
    repeats: int
    warmup: int
    debug: bool
    machine: str
    counts: dict[str, int]
    measured: list[Measured]
    raw: Timing
    compared: int
    differences: list[str]
    unavailable: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        return self.differences

    @property
    def judged(self) -> list[Measured]:
        """What the bars judge: the page and the API where they answer, else the selector."""
        http = [m for m in self.measured if m.key in ("page", "api")]
        return http or self.measured[-1:]

    def ratios(self, measured: Measured) -> tuple[float, float]:
        return self.raw.p50 / measured.timing.p50, self.raw.p95 / measured.timing.p95

    @property
    def bars(self) -> list[Bar]:
        limit = P95_BAR_MS.get(self.vendor, P95_BAR_MS["postgresql"])
        bars = []
        for measured in self.judged:
            r50, r95 = self.ratios(measured)
            p95 = measured.timing.p95
            bars.append(Bar(f"{measured.key} p95 ≤ {limit:.0f} ms ({self.vendor})", f"{p95:.1f} ms", p95 <= limit))
            bars.append(
                Bar(
                    f"raw/{measured.key} ≥ {RATIO_BAR:.0f}× (p50 and p95)",
                    f"{r50:.1f}× / {r95:.1f}×",
                    r50 >= RATIO_BAR and r95 >= RATIO_BAR,
                )
            )
        return bars

    def as_dict(self) -> dict:
        return {
            "benchmark": "dashboard",
            "vendor": self.vendor,
            "database": self.database,
            "debug": self.debug,
            "machine": self.machine,
            "framework": self.framework,
            "version": self.version,
            "fiscal_year": self.fiscal_year,
            "basis": Basis.PUBLIC.value,
            "depth": DEPTH,
            "repeats": self.repeats,
            "warmup": self.warmup,
            "rows": self.counts,
            "timings": [
                {"key": m.key, "what": m.what, **m.timing.as_dict(), **_ratio_dict(*self.ratios(m))}
                for m in self.measured
            ]
            + [{"key": "raw", "what": "raw GROUP BY over the base tables", **self.raw.as_dict()}],
            "unavailable": self.unavailable,
            "nodes_compared": self.compared,
            "figures_agree": not self.differences,
            "differences": self.differences,
            "baseline": BASELINE_COVERS,
            "bars": [{"bar": b.name, "value": b.value, "pass": b.passed} for b in self.bars],
            "bar_report_rows": BAR_REPORT_ROWS,
        }

    def as_text(self) -> str:
        lines = [
            f"tidtam bench dashboard — framework {self.framework} (version {self.version}), FY {self.fiscal_year}, "
            f"public basis, depth {DEPTH}",
            f"database: {self.database}; DEBUG {'on' if self.debug else 'off'}; caches cleared before every call; "
            f"{self.repeats} timed runs after {self.warmup} warm-up",
            f"machine: {self.machine}",
            "rows: " + " · ".join(f"{name} {count:,}" for name, count in self.counts.items()),
            "",
        ]
        header = f"{'what':<58} {'p50 ms':>9} {'p95 ms':>9} {'mean ms':>9} {'raw/p50':>9} {'raw/p95':>9}"
        lines += [header, "-" * len(header)]
        for m in self.measured:
            r50, r95 = self.ratios(m)
            lines.append(f"{m.what:<58} {_ms(m.timing)} {r50:>8.1f}× {r95:>8.1f}×")
        lines.append(f"{'raw GROUP BY over the base tables':<58} {_ms(self.raw)} {'':>9} {'':>9}")
        lines += [f"(not timed: {what})" for what in self.unavailable]
        lines.append("")
        if self.differences:
            lines.append(f"ตัวเลขไม่ตรงกัน / FIGURES DISAGREE ({len(self.differences)}) over {self.compared} rows:")
            lines += [f"  {d}" for d in self.differences[:50]]
        else:
            lines.append(
                f"figures agree / ตัวเลขตรงกัน: {self.compared} rows (every node to depth {DEPTH} and the framework "
                "total): projects, budget, disbursed, average progress to 0.1"
            )
        lines.append(BASELINE_COVERS)
        lines += ["", f"bars (PRODUCT.md §6, set for {BAR_REPORT_ROWS:,} report rows on 2 cores):"]
        if self.counts["reports"] < BAR_REPORT_ROWS:
            lines.append(f"  note: this database has {self.counts['reports']:,} report rows")
        for bar in self.bars:
            lines.append(f"  {bar.name:<44} {bar.value:>18}  {'PASS' if bar.passed else 'FAIL'}")
        return "\n".join(lines) + "\n"


def _ms(timing: Timing) -> str:
    return f"{timing.p50:>9.1f} {timing.p95:>9.1f} {timing.mean:>9.1f}"


def _ratio_dict(r50: float, r95: float) -> dict:
    return {"raw_ratio_p50": round(r50, 1), "raw_ratio_p95": round(r95, 1)}


# ----------------------------------------------------------------------------------------------------------- run


def _clear_caches() -> None:
    for cache in caches.all(initialized_only=False):
        cache.clear()


def _machine() -> str:
    return f"{os.cpu_count()} cores, load average {load_average_label()} (1 / 5 / 15 min) at the end"


def _nothing_to_measure(why_th: str, why_en: str) -> CommandError:
    return CommandError(bilingual(why_th, why_en))


def _framework_version(code: str) -> FrameworkVersion:
    framework = Framework.objects.filter(code=code).first()
    version = current_version(framework.versions.all()) if framework else None
    if version is None:
        raise _nothing_to_measure(
            f"ไม่พบกรอบแผน {code!r} ในฐานข้อมูลนี้ สร้างข้อมูลด้วย `tidtam synth` ก่อน",
            f"no framework {code!r} (or no version of it) in this database: run `tidtam synth` first",
        )
    return version


def _default_fiscal_year() -> int:
    busiest = (
        ProjectFact.objects.filter(basis=Basis.PUBLIC)
        .values("fiscal_year")
        .annotate(rows=Count("id"))
        .order_by("-rows", "-fiscal_year")
        .first()
    )
    if busiest is None:
        raise _nothing_to_measure(
            "ยังไม่มีตารางสรุป (project facts) สร้างด้วย `tidtam rollups rebuild` หรือ `tidtam synth` ก่อน",
            "no roll-ups (project facts) yet: run `tidtam rollups rebuild` (or `tidtam synth`) first",
        )
    return busiest["fiscal_year"]


def _http_target(key: str, url: str, client: Client) -> Callable[[], object]:
    def call():
        response = client.get(url, secure=True)
        if response.status_code != 200:
            raise CommandError(
                bilingual(f"{url} ตอบกลับด้วยรหัส {response.status_code}", f"{url} answered {response.status_code}")
            )
        return response.content

    return call


def _probe(client: Client, url: str) -> str | None:
    """Why `url` cannot be timed (it does not answer 200 yet), or None; the server error log is kept quiet."""
    logger = logging.getLogger("django.request")
    disabled, logger.disabled = logger.disabled, True
    try:
        response = client.get(url, secure=True)
    except Exception as error:  # a view under construction may fail in any way; it is reported, not timed
        return f"{type(error).__name__}: {error}"
    finally:
        logger.disabled = disabled
    return None if response.status_code == 200 else f"answered {response.status_code}"


def _targets(*, framework: str, version: FrameworkVersion, fiscal_year: int) -> tuple[list[tuple], list[str]]:
    """(key, what, call) for each way to see the dashboard that works now, the page first; and what does not."""
    query = urlencode({"framework": framework, "fy": fiscal_year})
    client = Client()
    urls, unavailable = [], []
    try:
        urls.append(("page", f"{reverse('dashboards:national')}?{query}"))
    except NoReverseMatch:
        unavailable.append("page dashboards:national: no such URL yet")
    try:
        api = resolve(API_PATH).url_name != "not-found"
    except Resolver404:
        api = False
    if api:
        urls.append(("api", f"{API_PATH}?{query}"))
    else:
        unavailable.append(f"API {API_PATH}: no such endpoint yet")
    targets = []
    for key, url in urls:
        problem = _probe(client, url)
        if problem is None:
            targets.append((key, f"{key if key == 'page' else 'API'} GET {url}", _http_target(key, url, client)))
        else:
            unavailable.append(f"{key} GET {url}: {problem}")
    user = AnonymousUser()
    targets.append(
        (
            "selector",
            "selector evaluation.selectors.dashboard()",
            lambda: dashboard(user=user, version=version, fiscal_year=fiscal_year, basis=Basis.PUBLIC, depth=DEPTH),
        )
    )
    return targets, unavailable


def run(
    *,
    progress: Callable[[str], object],
    framework: str = "ns",
    fy: int | None = None,
    repeats: int = 30,
    warmup: int = 3,
    raw_repeats: int | None = None,
    **options,
) -> DashboardBenchReport:
    """Measure the dashboard and the baseline on the current database; nothing is written."""
    if not Project.objects.exists():
        raise _nothing_to_measure(
            "ฐานข้อมูลนี้ยังไม่มีโครงการ สร้างข้อมูลด้วย `tidtam synth --projects 20000 --fiscal-years 2566-2568 --seed 7` ก่อน",
            "this database has no projects: run `tidtam synth --projects 20000 --fiscal-years 2566-2568 --seed 7` "
            "(or larger) first",
        )
    version = _framework_version(framework)
    fiscal_year = fy if fy is not None else _default_fiscal_year()
    counts = {
        "projects": Project.objects.count(),
        "reports": ProgressReport.objects.count(),
        "disbursements": ReportDisbursement.objects.count(),
        "project facts": ProjectFact.objects.count(),
    }
    measured = []
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        targets, unavailable = _targets(framework=framework, version=version, fiscal_year=fiscal_year)
        for key, what, call in targets:
            progress(f"timing {what} …")
            measured.append(Measured(key, what, measure(call, repeats=repeats, warmup=warmup, before=_clear_caches)))
    progress("timing the raw GROUP BY baseline …")
    raw = measure(
        lambda: raw_figures(version=version, fiscal_year=fiscal_year),
        repeats=raw_repeats or repeats,
        warmup=warmup,
        before=_clear_caches,
    )
    progress("comparing figures …")
    shown = dashboard_figures(
        dashboard(user=AnonymousUser(), version=version, fiscal_year=fiscal_year, basis=Basis.PUBLIC, depth=DEPTH)
    )
    differences = compare(raw_figures(version=version, fiscal_year=fiscal_year), shown)
    return DashboardBenchReport(
        vendor=connection.vendor,
        database=database_label(),
        framework=framework,
        version=version.label,
        fiscal_year=fiscal_year,
        repeats=repeats,
        warmup=warmup,
        debug=settings.DEBUG,
        machine=_machine(),
        counts=counts,
        measured=measured,
        raw=raw,
        compared=len(shown),
        differences=differences,
        unavailable=unavailable,
    )
