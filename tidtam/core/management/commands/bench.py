"""`tidtam bench <what>`: benchmarks that print figures against the product's quality bars (not tests).

Each benchmark is a module named in `BENCHES` that provides:

* `HELP` — one line for `tidtam bench --help`;
* `add_arguments(parser)` — its own options (`add_timing_arguments` gives the usual --repeats and --warmup);
* `run(*, progress, **options)` — measures on the current database and returns a `BenchReport` (`progress` takes
  lines for stderr); it raises `CommandError` with a Thai / English message when there is nothing to measure.

The command adds `--json` to every benchmark, prints the report as text or JSON, and exits non-zero when the report
lists failures (figures that disagree — not a missed bar: bars depend on the machine and the data size). Adding a
benchmark is one line in `BENCHES` and one module.
"""

import argparse
import importlib
import json
import os
import sqlite3
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from tidtam.core import thaicalendar
from tidtam.core.errors import bilingual

BENCHES: dict[str, str] = {
    "dashboard": "tidtam.dashboards.bench",
    "export": "tidtam.opendata.bench_exports",
    "api": "tidtam.opendata.bench_api",
    "align": "tidtam.textkit.bench_align",
    "search": "tidtam.search.bench",
    "similar": "tidtam.evaluation.bench_similar",
}


class BenchReport(Protocol):
    failures: list[str]

    def as_text(self) -> str: ...

    def as_dict(self) -> dict: ...


# ------------------------------------------------------------------------------------------------- timing helpers


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0–100) with linear interpolation between the closest ranks."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Timing:
    """Wall-clock times of repeated calls, in milliseconds (warm-up calls left out)."""

    samples_ms: tuple[float, ...]

    @property
    def p50(self) -> float:
        return percentile(list(self.samples_ms), 50)

    @property
    def p95(self) -> float:
        return percentile(list(self.samples_ms), 95)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples_ms)

    def as_dict(self) -> dict:
        return {
            "p50_ms": round(self.p50, 2),
            "p95_ms": round(self.p95, 2),
            "mean_ms": round(self.mean, 2),
            "samples": len(self.samples_ms),
        }


def measure(
    call: Callable[[], object], *, repeats: int, warmup: int, before: Callable[[], None] | None = None
) -> Timing:
    """Time `call` `repeats` times after `warmup` untimed calls; `before` runs untimed ahead of every call."""
    samples = []
    for index in range(warmup + repeats):
        if before is not None:
            before()
        started = time.perf_counter()
        call()
        elapsed = (time.perf_counter() - started) * 1000
        if index >= warmup:
            samples.append(elapsed)
    return Timing(tuple(samples))


def add_timing_arguments(parser, *, repeats: int = 30, warmup: int = 3) -> None:
    parser.add_argument("--repeats", type=at_least(1), default=repeats, help=f"timed calls (default {repeats})")
    parser.add_argument("--warmup", type=at_least(0), default=warmup, help=f"untimed calls first (default {warmup})")


def database_label() -> str:
    """ "postgresql 15.20 (name)" or "sqlite 3.40.1 (path)": which database the figures are of."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        major, minor = divmod(connection.pg_version, 10000)
        return f"postgresql {major}.{minor} ({name})"
    if connection.vendor == "sqlite":
        return f"sqlite {sqlite3.sqlite_version} ({name})"
    return f"{connection.vendor} ({name})"


def load_average_label() -> str:
    """The load average (1 / 5 / 15 min): the figures of a busy machine are not those of an idle one."""
    return " / ".join(f"{value:.1f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def at_least(minimum: int):
    """An argparse type: a whole number ≥ `minimum` (Thai digits accepted)."""

    def parse(text: str) -> int:
        try:
            number = int(thaicalendar.to_arabic_digits(text))
        except ValueError:
            number = None
        if number is None or number < minimum:
            raise argparse.ArgumentTypeError(
                bilingual(f"{text!r} ต้องเป็นจำนวนเต็มตั้งแต่ {minimum}", f"{text!r} must be a whole number ≥ {minimum}")
            )
        return number

    return parse


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# ---------------------------------------------------------------------------------------------------- the command


class Command(BaseCommand):
    help = "วัดประสิทธิภาพเทียบเกณฑ์คุณภาพ / Benchmarks that print figures against the quality bars."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="bench", required=True, metavar="{" + ",".join(BENCHES) + "}")
        for name, path in BENCHES.items():
            module = importlib.import_module(path)
            sub = commands.add_parser(name, help=module.HELP, description=module.HELP)
            module.add_arguments(sub)
            sub.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args, bench: str, **options):
        as_json = options.pop("json", False)
        module = importlib.import_module(BENCHES[bench])
        report: BenchReport = module.run(progress=self.stderr.write, **options)
        if as_json:
            self.stdout.write(_dumps(report.as_dict()))
        else:
            self.stdout.write(report.as_text())
        if report.failures:
            raise CommandError("ผลการวัดมีข้อผิดพลาด / The benchmark found problems: " + "; ".join(report.failures[:5]))


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_jsonable)
