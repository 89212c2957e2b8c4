"""`tidtam bench search`: the search (`tidtam.search`) measured on the current database against the gold set
`tidtam/search/data/gold_queries.yaml` — Thai and English queries written for tidtam, each with the demo objects a
good search returns among its first `k` results.

It prints:

1. **Recall**: for each gold query (with its `kind` and `organisation` filters, as the given user), how many of the
   expected objects are among the first `k` results; the share over all expected objects, and the queries that miss
   one. Expected objects missing from the database are listed as problems (load the demo: `tidtam demo`).
2. **Latency** of `GET /api/v1/search` through Django's test client for every gold query and the common words of
   `COMMON_WORDS` (no filter: the most matches), `--repeats` times each; Django's caches are cleared before every
   call (outside the timed part), so the API's answer cache does not help. Bar: p95 ≤ 50 ms over 100k projects.
3. **Against a baseline** measured in the same run: the same common words found by the selector `search()` and by a
   substring scan of the stored titles and texts (`LIKE '%word%'`, what a database without a full-text index does),
   ranked by how often each holds the word, with the same visibility rule. The ratio is scan ÷ search at p50.

Nothing is written. Run it on a database made with `tidtam synth` then `tidtam search reindex` (bench/README.md).
"""

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import yaml
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.core.management.base import CommandError
from django.db.models import Q
from django.test import Client

from tidtam.core.errors import bilingual
from tidtam.core.management.commands.bench import (
    Timing,
    add_timing_arguments,
    database_label,
    load_average_label,
    measure,
)
from tidtam.projects.models import Project
from tidtam.search.choices import EntryKind
from tidtam.search.models import SearchEntry
from tidtam.search.selectors import search, visible_entries

HELP = (
    "วัดการค้นหาด้วยชุดคำค้นมาตรฐาน: ความครบถ้วนและเวลาตอบ / Measure search on the gold set: recall, latency "
    "(bar: p95 ≤ 50 ms over 100k projects) and the ratio against a substring scan"
)
SET_FORMAT = "tidtam-search-gold/1"
P95_BAR_MS = 50.0
BAR_PROJECTS = 100_000
DEFAULT_K = 10
# Common words of Thai plans and projects: each matches thousands of entries in a national database.
COMMON_WORDS = ("ความมั่นคง", "การค้า", "ไซเบอร์", "เกษตร", "ท่องเที่ยว", "การศึกษา", "น้ำ", "สาธารณสุข")


class GoldQuery(NamedTuple):
    q: str
    expect: tuple[str, ...]  # node:<framework>/<code>, organisation:<code>, project:<code>
    kind: str | None = None
    organisation: str | None = None
    k: int = DEFAULT_K

    @property
    def filters(self) -> dict:
        return {key: value for key, value in (("kind", self.kind), ("organisation", self.organisation)) if value}


def load_gold_set(path: str | Path | None = None) -> list[GoldQuery]:
    """The gold set (default: the one shipped in `tidtam/search/data/`). Raises ValueError when malformed."""
    if path is None:
        raw = resources.files("tidtam.search").joinpath("data/gold_queries.yaml").read_text(encoding="utf-8")
    else:
        raw = Path(path).read_text(encoding="utf-8")
    data = yaml.safe_load(raw)
    if not isinstance(data, dict) or data.get("format") != SET_FORMAT or not isinstance(data.get("items"), list):
        raise ValueError(f"not a gold set in the format {SET_FORMAT}")
    items = []
    for number, item in enumerate(data["items"], start=1):
        expect = item.get("expect") if isinstance(item, dict) else None
        if not (isinstance(item.get("q"), str) and item["q"].strip() and isinstance(expect, list) and expect):
            raise ValueError(f"item {number}: needs a query q and a non-empty list expect")
        if item.get("kind") not in (None, *EntryKind.values):
            raise ValueError(f"item {number}: kind must be one of {', '.join(EntryKind.values)}")
        items.append(
            GoldQuery(
                q=item["q"],
                expect=tuple(expect),
                kind=item.get("kind"),
                organisation=item.get("organisation"),
                k=int(item.get("k", DEFAULT_K)),
            )
        )
    return items


def entry_keys(entry: SearchEntry) -> set[str]:
    """The names a gold set gives an entry: node:<framework>/<code> for a node, <kind>:<code> otherwise."""
    if entry.kind == EntryKind.NODE:
        return {f"node:{framework}/{entry.code}" for framework in entry.frameworks.split()}
    return {f"{entry.kind}:{entry.code}"}


def _existing_keys(items: list[GoldQuery]) -> set[str]:
    codes = {key.split("/")[-1].split(":", 1)[-1] for item in items for key in item.expect}
    keys: set[str] = set()
    for entry in SearchEntry.objects.filter(code__in=codes).only("kind", "code", "frameworks"):
        keys |= entry_keys(entry)
    return keys


def add_arguments(parser) -> None:
    parser.add_argument("--set", dest="set_path", default=None, help="gold set file (default: the shipped one)")
    parser.add_argument("--user", default=None, help="search as this user (default: anonymous)")
    add_timing_arguments(parser, repeats=3, warmup=1)
    parser.add_argument("--baseline-repeats", type=int, default=2, help="timed substring scans per word (default 2)")


@dataclass(frozen=True)
class Miss:
    q: str
    missing: list[str]
    got: list[str]


@dataclass
class SearchBenchReport:
    database: str
    load_average: str
    user: str
    projects: int
    entries: int
    queries: int
    expected: int
    found: int
    misses: list[Miss]
    api: Timing
    selector: Timing
    baseline: Timing
    failures: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 0.0

    @property
    def meets_bar(self) -> bool:
        return self.api.p95 <= P95_BAR_MS

    def as_dict(self) -> dict:
        return {
            "database": self.database,
            "load_average": self.load_average,
            "user": self.user,
            "projects": self.projects,
            "entries": self.entries,
            "recall": {
                "queries": self.queries,
                "expected": self.expected,
                "found": self.found,
                "recall": round(self.recall, 4),
                "misses": [miss.__dict__ for miss in self.misses],
            },
            "api": self.api.as_dict(),
            "p95_bar_ms": P95_BAR_MS,
            "meets_bar": self.meets_bar,
            "common_words": {
                "search": self.selector.as_dict(),
                "substring_scan": self.baseline.as_dict(),
                "ratio_p50": round(self.baseline.p50 / self.selector.p50, 1),
            },
            "failures": self.failures,
        }

    def as_text(self) -> str:
        scale = "" if self.projects >= BAR_PROJECTS else f" (the bar is set for {BAR_PROJECTS:,} projects)"
        lines = [
            f"ฐานข้อมูล / database: {self.database}; load {self.load_average}; ผู้ใช้ / user: {self.user}",
            f"โครงการ / projects: {self.projects:,}; รายการในดัชนี / index entries: {self.entries:,}{scale}",
            "",
            f"ความครบถ้วน / recall: {self.found}/{self.expected} expected objects found = {self.recall:.1%} "
            f"({self.queries} gold queries, {len(self.misses)} missing something)",
            *(
                f"  {miss.q!r}: missing {', '.join(miss.missing)}; got {', '.join(miss.got[:5]) or 'nothing'}"
                for miss in self.misses
            ),
            "",
            f"GET /api/v1/search: p50 {self.api.p50:.1f} ms, p95 {self.api.p95:.1f} ms, mean {self.api.mean:.1f} ms "
            f"({len(self.api.samples_ms)} requests; bar p95 ≤ {P95_BAR_MS:.0f} ms: "
            f"{'ผ่าน / met' if self.meets_bar else 'ไม่ผ่าน / missed'})",
            f"common words ({', '.join(COMMON_WORDS)}):",
            f"  search():          p50 {self.selector.p50:.1f} ms, p95 {self.selector.p95:.1f} ms",
            f"  substring scan:    p50 {self.baseline.p50:.1f} ms, p95 {self.baseline.p95:.1f} ms",
            f"  ratio scan ÷ search at p50: {self.baseline.p50 / self.selector.p50:.1f}×",
        ]
        if self.failures:
            lines += ["", "ข้อผิดพลาด / problems:", *(f"  - {problem}" for problem in self.failures)]
        return "\n".join(lines)


def _user(username: str | None):
    if not username:
        return AnonymousUser()
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(bilingual(f"ไม่พบผู้ใช้ {username}", f"No user {username}"))
    return user


def _clear_caches() -> None:
    for cache in caches.all():
        cache.clear()


def run(*, progress, set_path, user, repeats, warmup, baseline_repeats, **_options) -> SearchBenchReport:
    try:
        items = load_gold_set(set_path)
    except (OSError, ValueError) as error:
        raise CommandError(bilingual(f"อ่านชุดคำค้นไม่ได้: {error}", f"Cannot read the gold set: {error}")) from error
    searcher = _user(user)
    if not SearchEntry.objects.exists():
        raise CommandError(
            bilingual(
                "ดัชนีค้นหาว่าง: รัน tidtam search reindex ก่อน", "The search index is empty: run tidtam search reindex"
            )
        )

    existing = _existing_keys(items)
    failures = [
        f"{key} (query {item.q!r}) is not in the search index: load the demo (tidtam demo) and reindex"
        for item in items
        for key in item.expect
        if key not in existing
    ]
    progress(f"recall over {len(items)} gold queries …")
    found, misses = 0, []
    for item in items:
        hits = search(user=searcher, q=item.q, limit=item.k, **item.filters)
        got = [key for hit in hits for key in sorted(entry_keys(hit.entry))]
        missing = [key for key in item.expect if key not in got]
        found += len(item.expect) - len(missing)
        if missing:
            misses.append(Miss(q=item.q, missing=missing, got=got))

    progress("latency of GET /api/v1/search …")
    client = Client()
    if searcher.is_authenticated:
        client.force_login(searcher)
    requests = [{"q": item.q, **item.filters} for item in items] + [{"q": word} for word in COMMON_WORDS]
    samples: list[float] = []
    for params in requests:
        timing = measure(
            lambda params=params: _ok(client.get("/api/v1/search", params)),
            repeats=repeats,
            warmup=warmup,
            before=_clear_caches,
        )
        samples += timing.samples_ms

    progress("common words: search() against a substring scan …")
    selector: list[float] = []
    baseline: list[float] = []
    for word in COMMON_WORDS:
        selector += measure(lambda w=word: search(user=searcher, q=w), repeats=repeats, warmup=warmup).samples_ms
        baseline += measure(lambda w=word: _substring_scan(searcher, w), repeats=baseline_repeats, warmup=0).samples_ms

    return SearchBenchReport(
        database=database_label(),
        load_average=load_average_label(),
        user=user or "anonymous",
        projects=Project.objects.count(),
        entries=SearchEntry.objects.count(),
        queries=len(items),
        expected=sum(len(item.expect) for item in items),
        found=found,
        misses=misses,
        api=Timing(tuple(samples)),
        selector=Timing(tuple(selector)),
        baseline=Timing(tuple(baseline)),
        failures=failures,
    )


def _substring_scan(user, word: str) -> list[int]:
    """The best 20 entries holding `word`, found and ranked without a full-text index: every visible title and text
    searched for the substring, ranked by how often the title, then the text, holds it."""
    occurrences = "(LENGTH({column}) - LENGTH(REPLACE({column}, %s, ''))) / LENGTH(%s)"
    return list(
        visible_entries(user=user)
        .filter(Q(title_th__contains=word) | Q(text__contains=word))
        .extra(
            select={
                "in_title": occurrences.format(column="title_th"),
                "in_text": occurrences.format(column="text"),
            },
            select_params=[word, word, word, word],
            order_by=["-in_title", "-in_text", "id"],
        )
        .values_list("id", flat=True)[:20]
    )


def _ok(response) -> None:
    if response.status_code != 200:
        raise CommandError(f"GET {response.request['QUERY_STRING']}: HTTP {response.status_code}")
