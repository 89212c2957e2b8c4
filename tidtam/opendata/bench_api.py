"""`tidtam bench api`: the open-data API's list endpoints under load, through the production server, on the current
database (make one with `tidtam demo` or `tidtam synth` first; nothing is written).

1. The load generator's own ceiling: the same generator against a trivial HTTP server (a separate process that
   answers every request with two bytes) — the server under test is only measured fairly while it answers well below
   that rate. The CPU the generator and the server each used is reported for every run: they share the machine.
2. For each mode, `tidtam serve --prod` (gunicorn) is started on loopback on a free port, against the same database
   (DATABASE_URL and TIDTAM_VAR_DIR are inherited), with DEBUG=0 and the anonymous rate limit off (API_ANON_RATE=0):
   * "cached": the server-side API cache on (API_CACHE_SECONDS=60);
   * "uncached": the cache off (API_CACHE_SECONDS=0), so every request reaches the database.
3. Every endpoint gets `--clients` concurrent keep-alive connections (raw HTTP/1.1 over asyncio streams, anonymous,
   one request in flight per connection; they connect one after another over the first half of the warm-up, as
   visitors arrive — all in one instant, every connection would go to whichever gunicorn worker woke first and stay
   with it), `--warmup` seconds not counted, then `--seconds` counted, twice:
   * at full load — each client sends its next request as soon as its answer is in: the rate the server sustains
     (answers 200 completed in the window per second); the latency there is mostly queueing (clients ÷ rate);
   * at the bar's rate — the clients together send 500 (cached) or 150 (uncached) requests per second on a fixed
     schedule, and each latency counts from when its request was due, so a late answer also delays what the client
     would have sent next (no coordinated omission).
   Latency runs from the request's write (or due time) to the last byte of the answer: p50 / p95 / p99 / max. Errors:
   any status but 200, a broken connection, a timeout.
4. The bars (PRODUCT.md §6, 2 cores, 50 clients): ≥ 500 req/s cached, ≥ 150 req/s uncached (at full load), p95 < 200 ms
   (at the bar's rate). A missed bar does not change the exit code; errors do.
"""

import asyncio
import functools
import http.client
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connections

from tidtam.core.errors import bilingual
from tidtam.core.management.commands.bench import at_least, database_label, load_average_label, percentile
from tidtam.core.management.commands.serve import DEFAULT_THREADS, default_workers

HELP = (
    "วัดอัตราการตอบของ API ข้อมูลเปิดผ่านเซิร์ฟเวอร์ใช้งานจริง (มีและไม่มีแคช) / Load-test the open-data API's list "
    "endpoints through the production server, cached and uncached"
)
ENDPOINTS = (
    "/api/v1/projects?limit=50",
    "/api/v1/organisations",
    "/api/v1/frameworks/ns/nodes",
    "/api/v1/reports",
)
MODES = {"cached": "60", "uncached": "0"}  # API_CACHE_SECONDS of the server
RPS_BAR = {"cached": 500.0, "uncached": 150.0}
P95_BAR_MS = 200.0
BAR_CLIENTS = 50
HOST = "127.0.0.1"
START_TIMEOUT = 120.0  # seconds for the server to answer (it collects the static files first)
REQUEST_TIMEOUT = 30.0  # seconds an answer may take after the window closes before it counts as a timeout
CpuProbe = Callable[[], float | None]


def add_arguments(parser) -> None:
    parser.add_argument("--seconds", type=at_least(1), default=10, help="counted seconds per run (default 10)")
    parser.add_argument("--warmup", type=at_least(0), default=2, help="uncounted seconds first (default 2)")
    parser.add_argument("--clients", type=at_least(1), default=BAR_CLIENTS, help="concurrent connections (default 50)")
    parser.add_argument(
        "--mode",
        action="append",
        choices=list(MODES),
        dest="modes",
        help="measure only this mode (repeatable; default: cached, then uncached)",
    )
    parser.add_argument(
        "--path",
        action="append",
        dest="paths",
        help="an endpoint to load instead of the default four (repeatable), e.g. /api/v1/reports?limit=100",
    )
    parser.add_argument("--workers", type=at_least(1), default=None, help="gunicorn workers (default: as serve)")
    parser.add_argument("--threads", type=at_least(1), default=DEFAULT_THREADS, help="threads per worker")
    parser.add_argument(
        "--ceiling-seconds", type=at_least(0), default=3, help="seconds to measure the client's ceiling (0: skip)"
    )
    parser.add_argument(
        "--no-paced",
        action="store_true",
        help="skip the runs at the bar's rate (500 / 150 req/s); p95 is then judged at full load",
    )


# ---------------------------------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class Summary:
    """What one load run amounts to: `ok` answers 200 and `errors` in `seconds`; latencies of every answer, in ms."""

    ok: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0


def summarise(latencies_ms: list[float], *, ok: int, errors: int, seconds: float) -> Summary:
    """The percentiles (linear interpolation between closest ranks, as `statistics.quantiles(method="inclusive")`)
    and the mean of the latencies; zeros when nothing was answered."""
    if not latencies_ms:
        return Summary(ok, errors, seconds, 0.0, 0.0, 0.0, 0.0, 0.0)
    return Summary(
        ok=ok,
        errors=errors,
        seconds=seconds,
        p50_ms=percentile(latencies_ms, 50),
        p95_ms=percentile(latencies_ms, 95),
        p99_ms=percentile(latencies_ms, 99),
        max_ms=max(latencies_ms),
        mean_ms=statistics.fmean(latencies_ms),  # exactly rounded: the same whatever the order
    )


# ------------------------------------------------------------------------------------------------ load generator


@dataclass
class _Sink:
    """What the clients of one run collect (one event loop: no locks needed)."""

    start: float
    end: float
    paced: bool = False  # count answers by when they were due (paced), else by when they finished
    latencies_ms: list[float] = field(default_factory=list)
    ok: int = 0
    ok_finished: int = 0  # answers 200 that finished inside the window, whenever due: the rate achieved
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)
    body_bytes: int = 0

    def answered(self, started: float, finished: float, status: int, size: int) -> None:
        if status == 200 and self.start <= finished <= self.end:
            self.ok_finished += 1
        if self.start <= (started if self.paced else finished) <= self.end:
            self.latencies_ms.append((finished - started) * 1000)
            self.body_bytes += size
            if status == 200:
                self.ok += 1
            else:
                self.statuses[status] += 1

    def failed(self, when: float, what: str) -> None:
        if self.start <= when <= self.end + REQUEST_TIMEOUT:
            self.failures[what] += 1


@dataclass(frozen=True)
class LoadResult:
    path: str
    clients: int
    summary: Summary
    statuses: dict[int, int]  # answers other than 200, by status
    failures: dict[str, int]  # connections broken, timeouts
    mean_bytes: float
    client_cpu: float  # the generator's CPU seconds per second of the window (1.0 = one core)
    server_cpu: float | None = None  # the server's (all its processes), when it could be read
    offered_rps: float | None = None  # paced runs: the rate the clients kept to; None: as fast as answered

    @property
    def errors(self) -> int:
        return self.summary.errors


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    """Read one HTTP/1.1 response: (status, body bytes, whether the connection stays open)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, _, header_block = head.partition(b"\r\n")
    status = int(status_line.split(b" ", 2)[1])
    length, chunked, keep_alive = None, False, True
    for line in header_block.split(b"\r\n"):
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            keep_alive = b"close" not in value.lower()
    if chunked:
        size = 0
        while True:
            chunk = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            if chunk == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                    pass
                return status, size, keep_alive
            await reader.readexactly(chunk + 2)
            size += chunk
    if length is not None:
        await reader.readexactly(length)
        return status, length, keep_alive
    return status, len(await reader.read()), False  # the body ends when the server closes


async def _client(
    host: str, port: int, request: bytes, sink: _Sink, *, arrive: float, first: float, interval: float | None = None
) -> None:
    """One connection, one request in flight, until the window closes; reconnects when the server closes.

    Without `interval` it sends the next request as soon as the answer is in. With one, requests are due at `first`,
    `first + interval`, …; a request sent late (the previous answer came late) is timed from when it was due, so a
    slow server cannot hide its delay by slowing the client down (no coordinated omission). The client connects at
    `arrive`: clients arriving together in one instant would all be accepted by whichever server process wakes first,
    and stay with it (keep-alive)."""
    reader = writer = None
    due = first
    await asyncio.sleep(max(0.0, arrive - time.perf_counter()))
    try:
        async with asyncio.timeout(sink.end - time.perf_counter() + REQUEST_TIMEOUT):
            while (due if interval else time.perf_counter()) < sink.end:
                if interval:
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
                if writer is None:
                    try:
                        reader, writer = await asyncio.open_connection(host, port)
                    except OSError:
                        sink.failed(time.perf_counter(), "connect")
                        await asyncio.sleep(0.05)
                        due += interval or 0
                        continue
                started = due if interval else time.perf_counter()
                due += interval or 0
                try:
                    writer.write(request)
                    status, size, keep_alive = await _read_response(reader)
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError):
                    sink.failed(time.perf_counter(), "broken connection")
                    writer.close()
                    writer = None
                    continue
                sink.answered(started, time.perf_counter(), status, size)
                if not keep_alive:
                    writer.close()
                    writer = None
    except TimeoutError:
        sink.failed(sink.end, "timeout")
    finally:
        if writer is not None:
            writer.close()


async def _load(
    host: str,
    port: int,
    path: str,
    *,
    clients: int,
    seconds: float,
    warmup: float,
    rate: float | None,
    server_cpu: CpuProbe | None,
) -> LoadResult:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: tidtam-bench\r\nAccept: application/json\r\n\r\n"
    ).encode("ascii")
    now = time.perf_counter()
    sink = _Sink(start=now + warmup, end=now + warmup + seconds, paced=rate is not None)
    # Paced: every client sends every `clients / rate` seconds, the clients' phases spread evenly over the interval.
    interval = clients / rate if rate else None
    ramp = warmup / 2  # the clients arrive one after another over the first half of the warm-up
    cpu: list[tuple[float, float | None]] = []

    async def clock() -> None:  # the generator's own CPU time, and the server's, over the counted window
        for moment in (sink.start, sink.end):
            await asyncio.sleep(max(0.0, moment - time.perf_counter()))
            cpu.append((time.process_time(), server_cpu() if server_cpu else None))

    await asyncio.gather(
        clock(),
        *(
            _client(
                host,
                port,
                request,
                sink,
                arrive=now + index * ramp / clients,
                first=now + ramp + (index * interval / clients if interval else 0),
                interval=interval,
            )
            for index in range(clients)
        ),
    )
    summary = summarise(
        sink.latencies_ms,
        ok=sink.ok_finished,
        errors=sum(sink.statuses.values()) + sum(sink.failures.values()),
        seconds=seconds,
    )
    answered = len(sink.latencies_ms)
    return LoadResult(
        path=path,
        clients=clients,
        summary=summary,
        statuses=dict(sink.statuses),
        failures=dict(sink.failures),
        mean_bytes=sink.body_bytes / answered if answered else 0.0,
        client_cpu=(cpu[1][0] - cpu[0][0]) / seconds,
        server_cpu=None if cpu[0][1] is None or cpu[1][1] is None else (cpu[1][1] - cpu[0][1]) / seconds,
        offered_rps=rate,
    )


def load(
    host: str,
    port: int,
    path: str,
    *,
    clients: int,
    seconds: float,
    warmup: float,
    rate: float | None = None,
    server_cpu: CpuProbe | None = None,
) -> LoadResult:
    """`clients` keep-alive connections GET `path` as fast as the server answers, or together at `rate` requests per
    second (paced); see the module docstring. `server_cpu`, when given, tells the server's CPU seconds so far (read
    at the start and end of the counted window)."""
    return asyncio.run(
        _load(host, port, path, clients=clients, seconds=seconds, warmup=warmup, rate=rate, server_cpu=server_cpu)
    )


def group_cpu_seconds(group: int) -> float | None:
    """CPU seconds (user + system) used so far by the processes of process group `group`, including the children they
    have reaped (Linux /proc; None elsewhere). Gunicorn's master and workers share the group of the server process this
    benchmark started, so workers recycled during a run still count (in the master's children's time)."""
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        return None
    ticks = 0
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        if int(fields[2]) == group:  # after the command: state, ppid, pgrp, …, utime (11), stime, cutime, cstime
            ticks += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------------------------------------------ servers

TRIVIAL_SERVER = r"""
import asyncio, sys
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
class Trivial(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""
    def data_received(self, data):
        self.buffer += data
        count = self.buffer.count(b"\r\n\r\n")
        if count:
            self.buffer = self.buffer[self.buffer.rfind(b"\r\n\r\n") + 4:]
            self.transport.write(ANSWER * count)
async def main():
    server = await asyncio.get_running_loop().create_server(Trivial, "127.0.0.1", int(sys.argv[1]))
    async with server:
        await server.serve_forever()
asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def get(port: int, path: str, *, timeout: float = 10.0) -> tuple[int, bytes]:
    """One GET on loopback: (status, body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Process:
    """A server process this benchmark started, in a session of its own (so it and its workers stop together),
    with its output in a log file."""

    def __init__(self, argv: list[str], *, env: dict[str, str] | None = None):
        self.log = tempfile.NamedTemporaryFile(prefix="tidtam-bench-api-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            argv, env=env, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )

    def wait_until_answering(self, port: int, path: str, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CommandError(
                    bilingual("เซิร์ฟเวอร์หยุดทำงานก่อนพร้อม", "the server stopped before it answered") + self.tail()
                )
            try:
                get(port, path, timeout=2)
                return
            except (OSError, http.client.HTTPException):
                time.sleep(0.2)
        self.stop()
        raise CommandError(
            bilingual(f"เซิร์ฟเวอร์ไม่ตอบภายใน {timeout:.0f} วินาที", f"the server did not answer within {timeout:.0f} s")
            + self.tail()
        )

    def tail(self, lines: int = 15) -> str:
        text = Path(self.log.name).read_text(errors="replace").splitlines()[-lines:]
        return "\n" + "\n".join(text) if text else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the session this process leads: gunicorn and its workers
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def server_env(*, cache_seconds: str) -> dict[str, str]:
    """The production server's environment: this process's (same database), production mode on loopback over HTTP,
    the anonymous rate limit off and the API cache as the mode wants it."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tidtam.settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "SECURE_SSL_REDIRECT": "0",
        "API_ANON_RATE": "0",
        "API_CACHE_SECONDS": cache_seconds,
        "LOG_LEVEL": "WARNING",
    }


def serve_argv(*, port: int, workers: int, threads: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tidtam.cli",
        "serve",
        "--prod",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]


# ------------------------------------------------------------------------------------------------------- report


@dataclass
class ModeResult:
    mode: str
    results: list[LoadResult]  # as fast as the server answers, one per endpoint
    not_measured: dict[str, str]  # path → why
    paced: dict[str, LoadResult] = field(default_factory=dict)  # path → the run at the bar's rate
    too_slow: set[str] = field(default_factory=set)  # paths not run at the bar's rate: slower than it at full load

    def runs(self) -> list[LoadResult]:
        return [*self.results, *self.paced.values()]


@dataclass(frozen=True)
class Verdict:
    rate_ok: bool
    p95_ms: float  # the p95 judged: at the bar's rate when that was measured, else at full load
    p95_ok: bool

    @property
    def passed(self) -> bool:
        return self.rate_ok and self.p95_ok


@dataclass
class ApiBenchReport:
    database: str
    counts: dict[str, int]
    machine: str
    workers: int
    threads: int
    clients: int
    seconds: int
    warmup: int
    ceiling: LoadResult | None
    modes: list[ModeResult]
    notes: list[str]

    @property
    def failures(self) -> list[str]:
        found = []
        for mode in self.modes:
            found += [f"{mode.mode} {path}: {why}" for path, why in mode.not_measured.items()]
            for result in mode.runs():
                if result.errors:
                    found.append(f"{mode.mode} {_label(result)}: {result.errors} errors {_errors(result)}")
        return found

    @staticmethod
    def verdict(mode: ModeResult, result: LoadResult) -> Verdict:
        """The rate bar judges the run at full load; the p95 bar the paced run at the bar's rate (when measured)."""
        judged = mode.paced.get(result.path, result)
        return Verdict(
            rate_ok=result.summary.rps >= RPS_BAR[mode.mode],
            p95_ms=judged.summary.p95_ms,
            # Slower than the bar's rate at full load: at that rate the queue only grows.
            p95_ok=judged.summary.p95_ms < P95_BAR_MS and judged.summary.ok > 0 and result.path not in mode.too_slow,
        )

    def as_dict(self) -> dict:
        return {
            "benchmark": "api",
            "database": self.database,
            "rows": self.counts,
            "machine": self.machine,
            "server": {"program": "gunicorn gthread", "workers": self.workers, "threads": self.threads},
            "clients": self.clients,
            "seconds": self.seconds,
            "warmup": self.warmup,
            "client_ceiling": _result_dict(self.ceiling) if self.ceiling else None,
            "modes": [
                {
                    "mode": mode.mode,
                    "api_cache_seconds": int(MODES[mode.mode]),
                    "results": [
                        {
                            **_result_dict(result),
                            "at_bar_rate": _result_dict(mode.paced[result.path]) if result.path in mode.paced else None,
                            "too_slow_for_bar_rate": result.path in mode.too_slow,
                            "bar_rps": RPS_BAR[mode.mode],
                            "bar_p95_ms": P95_BAR_MS,
                            "pass": self.verdict(mode, result).passed,
                        }
                        for result in mode.results
                    ],
                    "not_measured": mode.not_measured,
                }
                for mode in self.modes
            ],
            "notes": self.notes,
        }

    def as_text(self) -> str:
        lines = [
            f"tidtam bench api — {self.clients} concurrent keep-alive clients, {self.seconds} s per run after "
            f"{self.warmup} s warm-up; gunicorn gthread {self.workers} workers × {self.threads} threads on loopback",
            f"database: {self.database}",
            "rows: " + " · ".join(f"{name} {count:,}" for name, count in self.counts.items()),
            f"machine: {self.machine}",
        ]
        if self.ceiling:
            lines.append(
                f"load generator ceiling: {self.ceiling.summary.rps:,.0f} req/s against a trivial server "
                f"(p95 {self.ceiling.summary.p95_ms:.1f} ms; both share the machine)"
            )
        lines.append("")
        header = (
            f"{'mode':<9} {'endpoint':<30} {'load':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
            f"{'max ms':>8} {'errors':>6} {'KB':>5} {'server':>6} {'client':>6}"
        )
        lines += [header, "-" * len(header)]
        for mode in self.modes:
            for result in mode.results:
                lines.append(_row(mode.mode, result.path, result))
                if result.path in mode.paced:
                    lines.append(_row("", "", mode.paced[result.path]))
                verdict = self.verdict(mode, result)
                if result.path in mode.paced:
                    at = "at the bar's rate"
                elif result.path in mode.too_slow:
                    at = "at full load (too slow to run at the bar's rate)"
                else:
                    at = "at full load"
                lines.append(
                    f"{'':<9} {'':<30} → {'PASS' if verdict.passed else 'FAIL'}: {result.summary.rps:,.0f} req/s "
                    f"{'≥' if verdict.rate_ok else '<'} {RPS_BAR[mode.mode]:.0f} {'✓' if verdict.rate_ok else '✗'}; "
                    f"p95 {at} {verdict.p95_ms:.1f} ms {'<' if verdict.p95_ok else '≥'} {P95_BAR_MS:.0f} "
                    f"{'✓' if verdict.p95_ok else '✗'}"
                )
            for path, why in mode.not_measured.items():
                lines.append(f"{mode.mode:<9} {path:<30} not measured: {why}")
        errors = [f"  {m.mode} {_label(r)}: {_errors(r)}" for m in self.modes for r in m.runs() if r.errors]
        if errors:
            lines += ["", "errors:", *errors]
        lines += [
            "",
            f"bars (PRODUCT.md §6, 2 cores, {BAR_CLIENTS} clients): ≥ {RPS_BAR['cached']:.0f} req/s cached, "
            f"≥ {RPS_BAR['uncached']:.0f} req/s uncached, p95 < {P95_BAR_MS:.0f} ms",
            "load: max = every client sends its next request as soon as its answer is in (the rate the server "
            "sustains; p95 there is mostly queueing: clients ÷ rate); N/s = the clients together send N requests per "
            "second on a schedule, latency counted from when each was due (the p95 judged)",
            "server / client: CPU cores each used during the counted run (the server's processes and this load "
            "generator); KB: mean answer body",
        ]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines) + "\n"


def _label(result: LoadResult) -> str:
    return result.path + (f" at {result.offered_rps:.0f} req/s" if result.offered_rps else "")


def _row(mode: str, path: str, result: LoadResult) -> str:
    s = result.summary
    load = f"{result.offered_rps:.0f}/s" if result.offered_rps else "max"
    return (
        f"{mode:<9} {path:<30} {load:>6} {s.rps:>7,.0f} {s.p50_ms:>8.1f} {s.p95_ms:>8.1f} {s.p99_ms:>8.1f} "
        f"{s.max_ms:>8.1f} {s.errors:>6} {result.mean_bytes / 1024:>5.1f} {_cores(result.server_cpu):>6} "
        f"{_cores(result.client_cpu):>6}"
    )


def _cores(used: float | None) -> str:
    return "?" if used is None else f"{used:.2f}"


def _errors(result: LoadResult) -> str:
    parts = [f"{count}× HTTP {status}" for status, count in sorted(result.statuses.items())]
    parts += [f"{count}× {what}" for what, count in sorted(result.failures.items())]
    return ", ".join(parts)


def _result_dict(result: LoadResult) -> dict:
    s = result.summary
    return {
        "path": result.path,
        "clients": result.clients,
        "rps": round(s.rps, 1),
        "ok": s.ok,
        "errors": s.errors,
        "statuses": {str(k): v for k, v in result.statuses.items()},
        "failures": result.failures,
        "p50_ms": round(s.p50_ms, 2),
        "p95_ms": round(s.p95_ms, 2),
        "p99_ms": round(s.p99_ms, 2),
        "max_ms": round(s.max_ms, 2),
        "mean_ms": round(s.mean_ms, 2),
        "mean_bytes": round(result.mean_bytes),
        "offered_rps": result.offered_rps,
        "client_cpu_cores": round(result.client_cpu, 3),
        "server_cpu_cores": None if result.server_cpu is None else round(result.server_cpu, 3),
    }


# ---------------------------------------------------------------------------------------------------------- run


def _machine() -> str:
    return f"{os.cpu_count()} cores, load average {load_average_label()} (1 / 5 / 15 min) before the runs"


def _counts() -> dict[str, int]:
    from tidtam.organisations.models import Organisation
    from tidtam.plans.models import Node
    from tidtam.projects.models import Project
    from tidtam.reporting.models import ProgressReport
    from tidtam.workflow.choices import WorkflowStatus

    accepted = WorkflowStatus.ACCEPTED
    return {
        "projects": Project.objects.count(),
        "accepted projects": Project.objects.filter(status=accepted).count(),
        "reports": ProgressReport.objects.count(),
        "accepted reports": ProgressReport.objects.filter(status=accepted).count(),
        "organisations": Organisation.objects.count(),
        "plan nodes": Node.objects.count(),
    }


def _notes() -> list[str]:
    notes = []
    if not hasattr(settings, "API_CACHE_SECONDS"):
        notes.append(
            "this build has no server-side API cache (no API_CACHE_SECONDS setting): the cached mode measures the "
            "same code as the uncached one"
        )
    if not hasattr(settings, "API_ANON_RATE"):
        notes.append("this build has no anonymous rate limit (no API_ANON_RATE setting)")
    if (os.cpu_count() or 0) != 2:
        notes.append(f"the bars are set for 2 cores; this machine has {os.cpu_count()}")
    return notes


def run(
    *,
    progress,
    seconds: int,
    warmup: int,
    clients: int,
    modes,
    paths,
    workers,
    threads,
    ceiling_seconds: int,
    no_paced: bool,
    **_,
):
    counts = _counts()
    if not counts["accepted projects"]:
        raise CommandError(
            bilingual(
                "ฐานข้อมูลนี้ไม่มีโครงการที่ตรวจรับแล้ว (ข้อมูลสาธารณะ) สร้างด้วย `tidtam demo` หรือ `tidtam synth` ก่อน",
                "this database has no accepted (public) projects: run `tidtam demo` or `tidtam synth` first",
            )
        )
    database = database_label()
    machine = _machine()
    connections.close_all()  # this process does not hold the database while the server works
    workers = workers or default_workers()
    paths = paths or list(ENDPOINTS)

    ceiling = None
    if ceiling_seconds:
        progress(f"load generator ceiling: {clients} clients against a trivial server for {ceiling_seconds} s")
        port = free_port()
        trivial = Process([sys.executable, "-c", TRIVIAL_SERVER, str(port)])
        try:
            trivial.wait_until_answering(port, "/", timeout=20)
            ceiling = load(HOST, port, "/", clients=clients, seconds=ceiling_seconds, warmup=1)
        finally:
            trivial.stop()

    measured = []
    for mode in modes or list(MODES):
        port = free_port()
        progress(f"{mode}: starting `tidtam serve --prod` on {HOST}:{port} ({workers} workers × {threads} threads)")
        server = Process(
            serve_argv(port=port, workers=workers, threads=threads), env=server_env(cache_seconds=MODES[mode])
        )
        results, not_measured, paced, too_slow = [], {}, {}, set()
        try:
            server.wait_until_answering(port, "/api/v1/", timeout=START_TIMEOUT)
            for path in paths:
                status, _body = get(port, path, timeout=60)
                if status != 200:
                    not_measured[path] = bilingual(f"ตอบกลับด้วยรหัส {status}", f"answered {status}")
                    continue
                probe = functools.partial(group_cpu_seconds, server.process.pid)
                progress(f"{mode}: {path} — as fast as it answers: {warmup} s warm-up, {seconds} s counted")
                results.append(
                    load(HOST, port, path, clients=clients, seconds=seconds, warmup=warmup, server_cpu=probe)
                )
                rate = RPS_BAR[mode]
                if not no_paced and results[-1].summary.rps < rate:
                    too_slow.add(path)  # the queue would only grow: nothing to learn but timeouts
                elif not no_paced:
                    progress(f"{mode}: {path} — at {rate:.0f} req/s: {warmup} s warm-up, {seconds} s counted")
                    paced[path] = load(
                        HOST, port, path, clients=clients, seconds=seconds, warmup=warmup, rate=rate, server_cpu=probe
                    )
        finally:
            server.stop()
        measured.append(ModeResult(mode, results, not_measured, paced, too_slow))

    return ApiBenchReport(
        database=database,
        counts=counts,
        machine=machine,
        workers=workers,
        threads=threads,
        clients=clients,
        seconds=seconds,
        warmup=warmup,
        ceiling=ceiling,
        modes=measured,
        notes=_notes(),
    )
