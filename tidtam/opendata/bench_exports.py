"""`tidtam bench export`: the bulk downloads timed end to end on the current database (make one with `tidtam synth`).

Each download (`projects.csv`, `projects.jsonl`, `projects.xlsx`, `reports.csv` by default) is requested through
`django.test.Client` — every middleware, the API's auth and the real view — and its whole body is consumed as a client
would. For each it prints the rows, the bytes, the seconds, rows per second and the growth of the process's resident
memory (RSS) during the download: a thread samples `/proc/self/statm` every few milliseconds (where there is no
/proc, the growth of `ru_maxrss`, which only shows a new high). Rows are counted from the body as it streams (CSV
records, with quoted line breaks taken into account; JSON lines) or, for XLSX, from the row count its "about"
sheet states (the body is spooled to a temporary file, that sheet read back after the timing), and must equal the
rows the export selectors see (else the benchmark fails).

The bar (PRODUCT.md §6 via issue 5): 100k projects export in under 30 s. Every project download is judged by its time
scaled to 100,000 rows at the measured rate (the public sees accepted projects only, fewer than all of them);
`--user` downloads as a signed-in user instead (a reviewer sees every project). Nothing is written to the database:
the session lives in a signed cookie and the sign-in does not touch `last_login`.
"""

import gc
import os
import resource
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode

import openpyxl
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, update_last_login
from django.contrib.auth.signals import user_logged_in
from django.core.management.base import CommandError
from django.http import QueryDict
from django.test import Client, override_settings

from tidtam.core.errors import bilingual
from tidtam.core.management.commands.bench import at_least, database_label
from tidtam.opendata.exports import IndicatorValueFilters
from tidtam.projects.filters import ProjectFilters
from tidtam.projects.selectors import project_list
from tidtam.reporting.filters import ReportFilters
from tidtam.reporting.selectors import report_list

HELP = (
    "จับเวลาการดาวน์โหลดข้อมูลเปิดทั้งชุด (CSV, JSON Lines, XLSX) / Time the bulk downloads end to end (rows, seconds, "
    "rows/s, memory growth) against the bar: 100k projects in under 30 s"
)
EXPORTS = ("projects.csv", "projects.jsonl", "projects.xlsx", "reports.csv", "indicator-values.csv")
DEFAULT_EXPORTS = ("projects.csv", "projects.jsonl", "projects.xlsx", "reports.csv")
BAR_ROWS = 100_000
BAR_SECONDS = 30.0
MIN_ROWS_TO_SCALE = 10_000
SAMPLE_SECONDS = 0.005
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def add_arguments(parser) -> None:
    parser.add_argument(
        "--exports",
        nargs="+",
        choices=EXPORTS,
        default=list(DEFAULT_EXPORTS),
        metavar="FILE",
        help=f"downloads to time (default: {' '.join(DEFAULT_EXPORTS)}; also: indicator-values.csv)",
    )
    parser.add_argument(
        "--filter",
        dest="filter_query",
        default="",
        help="query string of list filters applied to every download, e.g. fiscal_year=2568 (default: none)",
    )
    parser.add_argument(
        "--user", default="", help="download as this signed-in user (default: anonymous, the public's view)"
    )
    parser.add_argument("--repeats", type=at_least(1), default=1, help="timed downloads of each file (default 1)")
    parser.add_argument(
        "--warmup", type=at_least(0), default=0, help="untimed downloads of each file first (default 0: a cold process)"
    )


# ------------------------------------------------------------------------------------------------------- memory


def _rss_bytes() -> int | None:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return None


def _maxrss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


class PeakRss:
    """The highest resident memory seen while the block runs, less the memory at its start (a sampling thread)."""

    def __init__(self):
        self.start = self.peak = _rss_bytes()
        self.method = "/proc/self/statm sampled every 5 ms" if self.start is not None else "ru_maxrss"
        self._maxrss = _maxrss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            current = _rss_bytes()
            if current is not None and current > self.peak:
                self.peak = current
            time.sleep(SAMPLE_SECONDS)

    def __enter__(self) -> "PeakRss":
        if self.start is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.start is not None:
            self._stop.set()
            self._thread.join()
            current = _rss_bytes()
            self.peak = max(self.peak, current or 0)
        else:
            self.start, self.peak = self._maxrss, _maxrss_bytes()

    @property
    def growth(self) -> int:
        return max(0, self.peak - self.start)


# ----------------------------------------------------------------------------------------------- counting rows


class CsvRecords:
    """Counts CSV records in a stream of bytes: a line break ends a record only outside quotes (an even number of
    `"` before it in the record, as every writer doubles the quotes inside a quoted field)."""

    def __init__(self):
        self.records = 0
        self._in_quotes = False

    def feed(self, chunk: bytes) -> None:
        *lines, rest = chunk.split(b"\n")
        for line in lines:
            if line.count(b'"') % 2:
                self._in_quotes = not self._in_quotes
            if not self._in_quotes:
                self.records += 1
        if rest.count(b'"') % 2:
            self._in_quotes = not self._in_quotes


class JsonLines:
    def __init__(self):
        self.records = 0

    def feed(self, chunk: bytes) -> None:
        self.records += chunk.count(b"\n")


class XlsxRows:
    """Spools the body to a temporary file; `records` is the row count its "about" sheet states (read when asked)."""

    def __init__(self):
        self.file = tempfile.TemporaryFile(prefix="tidtam-bench-", suffix=".xlsx")

    def feed(self, chunk: bytes) -> None:
        self.file.write(chunk)

    @property
    def records(self) -> int:
        with self.file:
            about = openpyxl.load_workbook(self.file, read_only=True)["about"]
            return next(int(line[1]) for line in about.values if line and line[0] == bilingual("จำนวนแถว", "Rows"))


# ------------------------------------------------------------------------------------------------------ report


@dataclass
class Measured:
    export: str
    rows: int
    expected: int
    bytes: int
    seconds: float
    rss_growth: int
    first_byte_seconds: float
    cpu_seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def is_projects(self) -> bool:
        return self.export.startswith("projects.")

    @property
    def seconds_for_bar(self) -> float | None:
        """The time of 100,000 project rows: measured when there were that many, else scaled from the measured rate
        (from at least 10,000 rows: below that, fixed costs would dominate the scaling)."""
        if not self.is_projects or self.rows < MIN_ROWS_TO_SCALE:
            return None
        return self.seconds if self.rows >= BAR_ROWS else self.seconds * BAR_ROWS / self.rows

    def as_dict(self) -> dict:
        return {
            "export": self.export,
            "rows": self.rows,
            "expected_rows": self.expected,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "first_byte_seconds": round(self.first_byte_seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
            "rss_growth_mb": round(self.rss_growth / 2**20, 1),
            "seconds_for_100k_rows": None if self.seconds_for_bar is None else round(self.seconds_for_bar, 2),
            "bar_100k_under_30s": None if self.seconds_for_bar is None else self.seconds_for_bar < BAR_SECONDS,
        }


@dataclass
class ExportBenchReport:
    database: str
    audience: str
    filter: str
    memory_method: str
    counts: dict[str, int]
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    results: list[Measured] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "database": self.database,
            "audience": self.audience,
            "filter": self.filter,
            "memory": self.memory_method,
            "counts": self.counts,
            "load_average_before": self.load_before,
            "load_average_after": self.load_after,
            "bar": f"{BAR_ROWS:,} projects export in under {BAR_SECONDS:.0f} s",
            "results": [result.as_dict() for result in self.results],
            "failures": self.failures,
        }

    def as_text(self) -> str:
        lines = [
            f"ฐานข้อมูล / database: {self.database}",
            f"ผู้ดาวน์โหลด / audience: {self.audience}; ตัวกรอง / filter: {self.filter or '-'}",
            "แถวที่มองเห็น / visible rows: " + ", ".join(f"{name} {count:,}" for name, count in self.counts.items()),
            f"หน่วยความจำ / memory: RSS growth, {self.memory_method}",
            f"load average (1, 5, 15 min) before / after: {_load(self.load_before)} / {_load(self.load_after)}; "
            f"{os.cpu_count()} CPUs",
            "",
            f"{'export':<22} {'rows':>10} {'MB':>9} {'s':>8} {'CPU s':>8} {'1st byte s':>10} {'rows/s':>10} "
            f"{'RSS +MB':>8} {'s/100k':>8}  bar",
        ]
        for r in self.results:
            bar = r.seconds_for_bar
            verdict = "-" if bar is None else ("PASS" if bar < BAR_SECONDS else "FAIL")
            lines.append(
                f"{r.export:<22} {r.rows:>10,} {r.bytes / 2**20:>9.1f} {r.seconds:>8.2f} {r.cpu_seconds:>8.2f} "
                f"{r.first_byte_seconds:>10.3f} {r.rows_per_second:>10,.0f} {r.rss_growth / 2**20:>8.1f} "
                f"{'-' if bar is None else f'{bar:.2f}':>8}  {verdict}"
            )
        lines += [
            "",
            f"เกณฑ์ / bar: {BAR_ROWS:,} projects export in under {BAR_SECONDS:.0f} s (s/100k: measured at ≥ 100k rows, "
            f"else scaled from the rate at ≥ {MIN_ROWS_TO_SCALE:,} rows; '-': not judged)",
        ]
        if self.failures:
            lines += ["", "ข้อผิดพลาด / problems:", *(f"  - {problem}" for problem in self.failures)]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------------- running


def _load(values: tuple[float, float, float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


def _load_average() -> tuple[float, float, float]:
    try:
        return os.getloadavg()
    except OSError:
        return (0.0, 0.0, 0.0)


@contextmanager
def _client(username: str):
    """A test client: anonymous, or signed in as `username` with a signed-cookie session and without the
    `last_login` update, so nothing is written to the database."""
    if not username:
        yield Client(), AnonymousUser()
        return
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(bilingual(f"ไม่พบผู้ใช้ '{username}'", f"No user '{username}'"))
    with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies"):
        client = Client()
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        try:
            client.force_login(user)
        finally:
            user_logged_in.connect(update_last_login, dispatch_uid="update_last_login")
        yield client, user


def _expected_counts(user, query: QueryDict, exports: list[str]) -> dict[str, int]:
    from tidtam.evaluation.models import Basis, IndicatorStatus

    counts = {}
    if any(name.startswith("projects.") for name in exports):
        counts["projects"] = project_list(user=user, filters=ProjectFilters.from_query(query)).count()
    if "reports.csv" in exports:
        counts["reports"] = report_list(user=user, filters=ReportFilters.from_query(query)).count()
    if "indicator-values.csv" in exports:
        statuses = IndicatorStatus.objects.filter(basis=Basis.PUBLIC)
        counts["indicator-values"] = IndicatorValueFilters.from_query(query).apply(statuses).count()
    return counts


def _download(client: Client, export: str, query: str) -> tuple[int, int, float, int, float, float]:
    """GET one download and consume its body: (rows, bytes, seconds, RSS growth, seconds to the first byte, CPU
    seconds of the process: the server's work and the client's reading, which share the process)."""
    url = f"/api/v1/exports/{export}" + (f"?{query}" if query else "")
    gc.collect()
    counter = JsonLines() if export.endswith(".jsonl") else CsvRecords() if export.endswith(".csv") else XlsxRows()
    size = 0
    first_byte = None
    with PeakRss() as memory:
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"{url}: HTTP {response.status_code} {response.content[:300]!r}")
        for chunk in response.streaming_content:  # the test client closes the response once it is read
            if first_byte is None:
                first_byte = time.perf_counter() - started
            size += len(chunk)
            counter.feed(chunk)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    rows = counter.records - (1 if isinstance(counter, CsvRecords) else 0)  # the CSV header row
    return rows, size, seconds, memory.growth, first_byte or seconds, cpu


def run(*, progress, exports, filter_query, user, repeats, warmup, **_options) -> ExportBenchReport:
    query = QueryDict(filter_query)
    with _client(user) as (client, who):
        counts = _expected_counts(who, query, exports)
        if not any(counts.values()):
            raise CommandError(
                bilingual(
                    "ไม่มีข้อมูลให้ดาวน์โหลด สร้างด้วย tidtam synth ก่อน", "Nothing to download: make data with tidtam synth"
                )
            )
        report = ExportBenchReport(
            database=database_label(),
            audience=f"signed in as {user}" if user else "anonymous (accepted data only)",
            filter=urlencode(sorted(query.items())),
            memory_method=PeakRss().method,
            counts=counts,
            load_before=_load_average(),
        )
        for export in exports:
            expected = counts[export.split(".")[0]]
            for attempt in range(warmup):
                progress(f"{export} warm-up ({attempt + 1}/{warmup}) …")
                _download(client, export, report.filter)
            for attempt in range(repeats):
                progress(f"{export} ({attempt + 1}/{repeats}) …")
                rows, size, seconds, growth, first, cpu = _download(client, export, report.filter)
                measured = Measured(export, rows, expected, size, seconds, growth, first, cpu)
                report.results.append(measured)
                progress(f"  {rows:,} rows, {seconds:.2f} s, {measured.rows_per_second:,.0f} rows/s")
                if rows != expected:
                    report.failures.append(f"{export}: {rows} rows in the file, {expected} visible to the selectors")
        report.load_after = _load_average()
    return report
