"""`tidtam bench api`: its statistics, its HTTP/1.1 response reader, its load generator against a trivial server, and
the bars it judges by."""

import asyncio
import os
import statistics
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tidtam.core.management.commands.bench import percentile
from tidtam.opendata import bench_api
from tidtam.opendata.bench_api import (
    ApiBenchReport,
    LoadResult,
    ModeResult,
    Process,
    Summary,
    _read_response,
    free_port,
    group_cpu_seconds,
    load,
    summarise,
)

latency = st.floats(min_value=0, max_value=60_000, allow_nan=False, allow_infinity=False)
latencies = st.lists(latency, min_size=1, max_size=300)


@given(st.lists(latency, min_size=2, max_size=300))
def test_percentiles_are_the_inclusive_quantiles(samples):
    """p50 / p95 / p99 interpolate between closest ranks exactly as `statistics.quantiles(method="inclusive")`."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    for q in (50, 95, 99):
        assert percentile(samples, q) == pytest.approx(cuts[q - 1], rel=1e-9, abs=1e-9)


@given(latencies, st.integers(0, 10_000), st.integers(0, 100), st.floats(0.5, 120))
def test_summary_is_ordered_and_bounded(samples, ok, errors, seconds):
    summary = summarise(samples, ok=ok, errors=errors, seconds=seconds)
    assert min(samples) <= summary.p50_ms <= summary.p95_ms <= summary.p99_ms <= summary.max_ms == max(samples)
    assert min(samples) <= summary.mean_ms * (1 + 1e-9) and summary.mean_ms <= max(samples) * (1 + 1e-9)
    assert summary.rps == pytest.approx(ok / seconds)
    # At least 95 % of the answers took no longer than p95.
    assert sum(value <= summary.p95_ms for value in samples) >= 0.95 * (len(samples) - 1)


@given(latencies, st.randoms(use_true_random=False))
def test_summary_ignores_the_order_of_answers(samples, random):
    shuffled = samples[:]
    random.shuffle(shuffled)
    assert summarise(shuffled, ok=1, errors=0, seconds=1) == summarise(samples, ok=1, errors=0, seconds=1)


@given(latency, st.integers(1, 50))
def test_equal_latencies_are_every_percentile(value, count):
    summary = summarise([value] * count, ok=count, errors=0, seconds=1)
    assert summary.p50_ms == summary.p95_ms == summary.p99_ms == summary.max_ms == value


def test_nothing_answered():
    summary = summarise([], ok=0, errors=3, seconds=10)
    assert (summary.rps, summary.p95_ms, summary.errors) == (0.0, 0.0, 3)


def _chunked(body: bytes, sizes: list[int]) -> bytes:
    out, start = b"", 0
    for size in sizes:
        piece = body[start : start + size]
        if piece:
            out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        start += size
    if start < len(body):
        out += f"{len(body) - start:x}\r\n".encode() + body[start:] + b"\r\n"
    return out + b"0\r\n\r\n"


def _read_all(data: bytes, responses: int) -> list[tuple[int, int, bool]]:
    async def read():
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        return [await _read_response(reader) for _ in range(responses)]

    return asyncio.run(read())


@given(
    st.binary(max_size=3000),
    st.lists(st.integers(1, 700), max_size=8),
    st.sampled_from([200, 304, 404, 429, 500]),
    st.booleans(),
)
def test_response_reader_finds_where_each_answer_ends(body, chunk_sizes, status, close):
    """Content-Length and chunked answers, pipelined on one connection: each is read to its last byte and no further."""
    fixed = (
        f"HTTP/1.1 {status} Whatever\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    last_header = "Connection: close" if close else "X-A: b"
    chunked = f"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n{last_header}\r\n\r\n".encode() + _chunked(
        body, chunk_sizes
    )
    assert _read_all(fixed + chunked + fixed, 3) == [
        (status, len(body), True),
        (200, len(body), not close),
        (status, len(body), True),
    ]


def test_response_without_length_ends_with_the_connection():
    assert _read_all(b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\nhello", 1) == [(200, 5, False)]


def test_load_generator_against_a_trivial_server():
    port = free_port()
    server = Process([sys.executable, "-c", bench_api.TRIVIAL_SERVER, str(port)])
    try:
        server.wait_until_answering(port, "/", timeout=20)
        result = load(
            "127.0.0.1",
            port,
            "/",
            clients=5,
            seconds=1,
            warmup=0.2,
            server_cpu=lambda: group_cpu_seconds(server.process.pid),
        )
    finally:
        server.stop()
    assert server.process.returncode is not None
    assert result.errors == 0 and not result.statuses and not result.failures
    assert result.summary.ok > 100  # even a busy machine answers more than that in a second
    assert result.mean_bytes == 2
    assert 0 < result.summary.p50_ms <= result.summary.p95_ms <= result.summary.max_ms
    assert result.client_cpu > 0
    if os.path.exists("/proc/self/stat"):
        assert result.server_cpu is not None and result.server_cpu > 0


def test_paced_load_keeps_to_the_rate():
    port = free_port()
    server = Process([sys.executable, "-c", bench_api.TRIVIAL_SERVER, str(port)])
    try:
        server.wait_until_answering(port, "/", timeout=20)
        result = load("127.0.0.1", port, "/", clients=10, seconds=2, warmup=0.2, rate=100)
    finally:
        server.stop()
    assert result.offered_rps == 100 and result.errors == 0
    assert 180 <= result.summary.ok <= 202  # 10 clients × one request every 0.1 s for 2 s (edges may fall either side)


def test_group_cpu_seconds_counts_this_process_group():
    if not os.path.exists("/proc/self/stat"):
        pytest.skip("no /proc on this system")
    before = group_cpu_seconds(os.getpgrp())
    sum(i * i for i in range(300_000))
    assert group_cpu_seconds(os.getpgrp()) >= before > 0


def _result(path: str, *, rps: float, p95: float, statuses: dict | None = None, rate=None) -> LoadResult:
    errors = sum((statuses or {}).values())
    summary = Summary(ok=int(rps * 10), errors=errors, seconds=10, p50_ms=p95 / 2, p95_ms=p95, p99_ms=p95,
                      max_ms=p95, mean_ms=p95 / 2)  # fmt: skip
    return LoadResult(path, 50, summary, statuses or {}, {}, 1000.0, 0.1, 1.8, offered_rps=rate)


def test_bars_and_failures():
    """The rate bar judges the run at full load, the p95 bar the run at the bar's rate when there is one."""
    report = ApiBenchReport(
        database="sqlite",
        counts={"projects": 1},
        machine="2 cores",
        workers=3,
        threads=4,
        clients=50,
        seconds=10,
        warmup=2,
        ceiling=None,
        modes=[
            ModeResult(
                "cached",
                [_result("/a", rps=600, p95=350), _result("/b", rps=600, p95=150), _result("/c", rps=450, p95=10)],
                {},
                {"/a": _result("/a", rps=500, p95=20, rate=500), "/b": _result("/b", rps=500, p95=250, rate=500)},
            ),
            ModeResult(
                "uncached",
                [_result("/a", rps=160, p95=199), _result("/b", rps=140, p95=20, statuses={500: 2})],
                {"/d": "answered 404"},
            ),
        ],
        notes=[],
    )
    verdicts = [result["pass"] for mode in report.as_dict()["modes"] for result in mode["results"]]
    assert verdicts == [True, False, False, True, False]
    text = report.as_text()
    assert text.count("→ PASS") == 2 and text.count("→ FAIL") == 3
    assert "500/s" in text
    assert "2× HTTP 500" in text
    assert report.failures == ["uncached /d: answered 404", "uncached /b: 2 errors 2× HTTP 500"]


def test_too_slow_for_the_bar_rate_fails_the_latency_bar():
    mode = ModeResult("uncached", [_result("/e", rps=100, p95=20)], {}, {}, {"/e"})
    verdict = ApiBenchReport.verdict(mode, mode.results[0])
    assert (verdict.rate_ok, verdict.p95_ok) == (False, False)
    fast = ModeResult("uncached", [_result("/e", rps=100, p95=20)], {})  # --no-paced: judged at full load
    assert ApiBenchReport.verdict(fast, fast.results[0]).p95_ok is True
