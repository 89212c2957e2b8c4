"""Duplicate detection: pairs of projects of different organisations, in overlapping fiscal years, that look like the
same work — the published scoring rule, the fast candidate search, and the scan that fills the reviewers' queue.

The rule (docs/duplicates.md). A pair scores a weighted sum of five similarities, each from 0 to 1:

| part | weight | similarity |
|---|---|---|
| `name` | 0.35 | weighted Dice coefficient of the name terms (Thai and English names, the code left out) |
| `text` | 0.25 | weighted Dice coefficient of the text terms (rationale, objectives, targets, KPI, activity names) |
| `places` | 0.15 | Dice coefficient of the provinces and countries |
| `partners` | 0.10 | Dice coefficient of the partner organisations |
| `budget` | 0.15 | the smaller yearly budget over the larger (0 when either has none) |

Dice = 2·|A ∩ B| / (|A| + |B|), 0 when both are empty (nothing in common is no evidence). Terms are the search
index's (`SearchEntry.title_terms` / `terms`: Thai word segmentation with the sub-words of compounds), numbers and
one-letter terms left out; a term counts `log(1 + n / (1 + df))`, its rarity among a sample of `n` projects
(`TermWeights`), so a shared rare word says more than a shared template phrase. The score is symmetric, 0 for two
projects of the same organisation or with no fiscal year in common, and 1 only when every part matches; every part
that adds to it gives a Thai reason ("ชื่อคล้ายกัน 0.82 …", "จังหวัดเดียวกัน: เชียงใหม่", "งบประมาณใกล้กัน …").

Candidates, fast. Scoring every pair is quadratic (50k projects a year: over a billion pairs). For one project the
database's full-text index finds the candidates: its most distinctive terms (the name's, then the text's, rarest
first; at most `MAX_QUERY_TERMS`, and at most `MATCH_BUDGET` estimated matching entries, so the query's cost is
bounded whatever the size of the index) go to `search.backends.ranked(…, match_all=False)` — any term, BM25-ranked,
titles weigh more; the entries holding every distinctive term (a second, "every term" query: a copy of the project)
come first — over the project entries of *other* organisations whose fiscal years overlap and that the user
may see; the best `CANDIDATES` are scored in Python with their locations, partners and budgets loaded in four
queries. A lookup costs about a dozen queries, whatever the size of the database.

The reviewers' queue is precomputed. `tidtam duplicates scan [--fiscal-year]` runs the same candidate search for
every project (linear: two full-text queries per project, the features loaded per batch) and stores the pairs that
score at least `QUEUE_MIN_SCORE` in `DuplicateCandidate`, each pair once (lower id first), replacing the rows of the
projects it scanned. The page then reads one page of stored pairs, best first, filtered and restricted to what the
reviewer may see — an indexed ORDER BY, not a computation — with the verdicts reviewers gave. Computing the queue per
page instead would mean scanning every project for every page view (the best pairs can be anywhere); the price of
storing is staleness until the next scan, so run it after imports and nightly. A project's own "similar projects"
(`similar_projects`, the API) are always computed live.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from tidtam.projects.models import BudgetLine, Project
from tidtam.search import backends
from tidtam.search.choices import EntryKind
from tidtam.search.models import SearchEntry

WEIGHTS: dict[str, float] = {"name": 0.35, "text": 0.25, "places": 0.15, "partners": 0.10, "budget": 0.15}
# Entries the full-text index hands over for scoring. At 20k synthetic projects 100 found 60–76 % of the
# brute-force top ten, 150 70–93 %, 200 82–93 % but slower on PostgreSQL (its backend then often ranks the whole text
# vector, not only the titles). The scan finds each pair from both sides and takes fewer.
CANDIDATES = 150
SCAN_CANDIDATES = 100
MAX_QUERY_TERMS = 24
MIN_SCORE = 0.3  # similar_projects' default
QUEUE_MIN_SCORE = 0.5  # pairs the scan keeps for the reviewers' queue
BATCH_SIZE = 200
# Term rarity comes from a sample of the project entries (every k-th), kept per process for `WEIGHTS_TTL` seconds.
SAMPLE_SIZE = 2000
WEIGHTS_TTL = 300.0
# Terms in more than this share of projects are too common to search by (they would match most of the index).
COMMON_SHARE = 0.2
MATCH_BUDGET = 6000  # entries the terms of one full-text query may match, estimated from the sample
MEMO_SIZE = 20_000  # term sets whose weight totals are remembered
SHOWN_TERMS = 4  # shared terms quoted in a reason
# A budget reason only where the budgets are this close (the smaller over the larger).
CLOSE_BUDGET = 0.5

ENTRY_FIELDS = (
    "id",
    "object_id",
    "code",
    "title_terms",
    "terms",
    "organisation_id",
    "fiscal_year_start",
    "fiscal_year_end",
)


# ------------------------------------------------------------------------------------------------------- features


@dataclass(frozen=True)
class Profile:
    """What the rule compares of one project (built from its search entry and its location, partner and budget
    rows)."""

    id: int
    owner_id: int | None
    fiscal_year_start: int
    fiscal_year_end: int
    name_terms: frozenset[str]
    text_terms: frozenset[str]
    provinces: dict[str, str] = field(default_factory=dict)  # code → Thai name
    countries: dict[str, str] = field(default_factory=dict)  # alpha-2 → Thai name
    partners: dict[int, str] = field(default_factory=dict)  # organisation id → Thai name
    budget_per_year: float = 0.0


def _useful(term: str) -> bool:
    return len(term) > 1 and not term.isdigit()


def _code_terms(code: str) -> set[str]:
    """The terms the index made of a code (`mfa-asean-2568-0001` → mfa, asean, 2568, 0001)."""
    return {part for part in "".join(c if c.isalnum() else " " for c in code.lower()).split() if part}


def name_terms(entry: SearchEntry) -> frozenset[str]:
    codes = _code_terms(entry.code)
    return frozenset(t for t in entry.title_terms.split() if _useful(t) and t not in codes)


def text_terms(entry: SearchEntry) -> frozenset[str]:
    return frozenset(t for t in set(entry.terms.split()) if len(t) > 1 and not t.isdigit())


def query_terms(
    profile: Profile, weights: TermWeights | None = None, limit: int = MAX_QUERY_TERMS, budget: float = MATCH_BUDGET
) -> list[str]:
    """The project's most distinctive terms for the full-text query: its name's, then its text's, the rarest first
    (ties: the longest — in Thai a long term is usually a specific compound). Terms too common to tell projects apart
    are left out, and so is any term that would take the estimated matches past `MATCH_BUDGET` (the database ranks
    every entry holding any term: the cost grows with their number, not with the size of the index). An "every
    term" query has no such cost (`budget=math.inf`)."""
    weights = weights or UNIFORM

    def rarest(terms) -> list[str]:
        return sorted((t for t in terms if not weights.is_common(t)), key=lambda t: (-weights(t), -len(t), t))

    chosen: list[str] = []
    matches = 0.0
    for term in rarest(profile.name_terms) + rarest(profile.text_terms - profile.name_terms):
        estimate = weights.matches(term)
        if chosen and matches + estimate > budget:
            continue
        chosen.append(term)
        matches += estimate
        if len(chosen) == limit:
            break
    return chosen


def bare_profile(entry: SearchEntry) -> Profile:
    """The profile without locations, partners and budget: enough to search for candidates. No query."""
    start = entry.fiscal_year_start or 0
    return Profile(
        id=entry.object_id,
        owner_id=entry.organisation_id,
        fiscal_year_start=start,
        fiscal_year_end=entry.fiscal_year_end or start,
        name_terms=name_terms(entry),
        text_terms=text_terms(entry),
    )


def load_profiles(entries: Iterable[SearchEntry]) -> dict[int, Profile]:
    """Profiles of the projects of these entries, keyed by project id. Four queries for any number."""
    entries = list(entries)
    ids = [entry.object_id for entry in entries]
    provinces: dict[int, dict[str, str]] = defaultdict(dict)
    countries: dict[int, dict[str, str]] = defaultdict(dict)
    partners: dict[int, dict[int, str]] = defaultdict(dict)
    budgets: dict[int, Decimal] = {}
    if ids:
        for project_id, code, name in Project.provinces.through.objects.filter(project_id__in=ids).values_list(
            "project_id", "province_id", "province__name_th"
        ):
            provinces[project_id][code] = name
        for project_id, code, name in Project.countries.through.objects.filter(project_id__in=ids).values_list(
            "project_id", "country_id", "country__name_th"
        ):
            countries[project_id][code] = name
        for project_id, organisation_id, name in Project.partners.through.objects.filter(
            project_id__in=ids
        ).values_list("project_id", "organisation_id", "organisation__name_th"):
            partners[project_id][organisation_id] = name
        budgets = dict(
            BudgetLine.objects.filter(project_id__in=ids)
            .order_by()
            .values("project_id")
            .annotate(total=Sum("amount"))
            .values_list("project_id", "total")
        )
    profiles = {}
    for entry in entries:
        pk = entry.object_id
        start = entry.fiscal_year_start or 0
        end = entry.fiscal_year_end or start
        years = max(1, end - start + 1)
        profiles[pk] = Profile(
            id=pk,
            owner_id=entry.organisation_id,
            fiscal_year_start=start,
            fiscal_year_end=end,
            name_terms=name_terms(entry),
            text_terms=text_terms(entry),
            provinces=provinces.get(pk, {}),
            countries=countries.get(pk, {}),
            partners=partners.get(pk, {}),
            budget_per_year=float(budgets.get(pk) or 0) / years,
        )
    return profiles


# -------------------------------------------------------------------------------------------------- term weights


class TermWeights:
    """How telling a term is: `log(1 + n / (1 + df))`, with `df` the number of sampled projects holding it among `n`
    sampled (a term no sampled project holds weighs most). With no sample every term weighs 1."""

    def __init__(self, frequencies: dict[str, int] | None = None, sampled: int = 0, population: int = 0):
        self.frequencies = frequencies or {}
        self.sampled = sampled
        self.population = max(population, sampled)
        self.default = math.log(1 + sampled) if sampled else 1.0
        # Precomputed: scoring looks up tens of thousands of terms per lookup.
        self.weights = (
            {term: math.log(1 + sampled / (1 + df)) for term, df in self.frequencies.items()} if sampled else {}
        )
        self._totals: dict[frozenset[str], float] = {}
        self.common = {term for term, df in self.frequencies.items() if sampled >= 20 and df > COMMON_SHARE * sampled}

    def __call__(self, term: str) -> float:
        return self.weights.get(term, self.default)

    def total(self, terms: frozenset[str] | set[str]) -> float:
        get, default = self.weights.get, self.default
        return sum(get(term, default) for term in terms)

    def total_of(self, terms: frozenset[str]) -> float:
        """`total` of a profile's term set, remembered (a set is compared with a hundred candidates)."""
        total = self._totals.get(terms)
        if total is None:
            if len(self._totals) > MEMO_SIZE:
                self._totals.clear()
            total = self._totals[terms] = self.total(terms)
        return total

    def is_common(self, term: str) -> bool:
        return term in self.common

    def matches(self, term: str) -> float:
        """About how many project entries hold the term (a term not in the sample: half a sampled entry's share)."""
        if not self.sampled:
            return 0.0
        return max(self.frequencies.get(term, 0), 0.5) * self.population / self.sampled


UNIFORM = TermWeights()
_cache: dict[str, tuple[float, int, TermWeights]] = {}


def term_weights(*, refresh: bool = False) -> TermWeights:
    """The rarity of terms among the projects of the default database, from a sample of at most `SAMPLE_SIZE`
    project entries (every k-th by id). Kept for `WEIGHTS_TTL` seconds; a small index (under `SAMPLE_SIZE` entries,
    fully sampled) is re-read when its size changes. One query to check, two or more to rebuild."""
    now = time.monotonic()
    cached = _cache.get("default")
    if cached is not None and not refresh:
        built_at, count, weights = cached
        if now - built_at < WEIGHTS_TTL and (
            count >= SAMPLE_SIZE or SearchEntry.objects.filter(kind=EntryKind.PROJECT).count() == count
        ):
            return weights
    ids = list(SearchEntry.objects.filter(kind=EntryKind.PROJECT).order_by("id").values_list("id", flat=True))
    step = max(1, len(ids) // SAMPLE_SIZE)
    sample = ids[::step][:SAMPLE_SIZE]
    frequencies: dict[str, int] = defaultdict(int)
    for chunk in _chunks(sample, 1000):
        for title_terms, terms in SearchEntry.objects.filter(pk__in=chunk).values_list("title_terms", "terms"):
            for term in set(title_terms.split()) | set(terms.split()):
                frequencies[term] += 1
    weights = TermWeights(dict(frequencies), len(sample), len(ids))
    _cache["default"] = (now, len(ids), weights)
    return weights


# ------------------------------------------------------------------------------------------------------- the rule


def dice(a: Iterable, b: Iterable, weights: TermWeights | None = None) -> float:
    """2·|A ∩ B| / (|A| + |B|), each term counted with its weight (1 when no `weights`); 0 when both are empty."""
    a, b = a if isinstance(a, set | frozenset) else set(a), b if isinstance(b, set | frozenset) else set(b)
    if not a and not b:
        return 0.0
    if weights is None:
        return 2 * len(a & b) / (len(a) + len(b))
    if isinstance(a, frozenset) and isinstance(b, frozenset):
        total = weights.total_of(a) + weights.total_of(b)
    else:
        total = weights.total(a) + weights.total(b)
    return min(1.0, 2 * weights.total(a & b) / total) if total else 0.0


def budget_ratio(a: float, b: float) -> float:
    """The smaller budget over the larger; 0 when either is missing or zero."""
    if a <= 0 or b <= 0:
        return 0.0
    return min(a, b) / max(a, b)


@dataclass(frozen=True)
class Match:
    """A scored pair: the score (0–1), each part's similarity, and the reasons, strongest first."""

    score: float
    parts: dict[str, float]
    reasons: list[str]
    fiscal_years: tuple[int, int] | None  # the fiscal years both run (BE)


NO_MATCH = Match(0.0, {part: 0.0 for part in WEIGHTS}, [], None)


def _is_thai(term: str) -> bool:
    return any("\u0e00" <= char <= "\u0e7f" for char in term)


def _shared(terms: set[str], weights: TermWeights) -> str:
    """The most telling shared terms: Thai before Latin, the rarest first."""
    shown = sorted(terms, key=lambda t: (not _is_thai(t), -weights(t), -len(t), t))[:SHOWN_TERMS]
    return ", ".join(shown)


def _millions(amount: float) -> str:
    return f"{amount / 1_000_000:,.2f}"


def _years(start: int, end: int) -> str:
    return str(start) if start == end else f"{start}–{end}"


def pair_parts(a: Profile, b: Profile, weights: TermWeights) -> dict[str, float]:
    """Each part's similarity (0–1), without the checks of `score_pair`."""
    places_a = {f"p:{code}" for code in a.provinces} | {f"c:{code}" for code in a.countries}
    places_b = {f"p:{code}" for code in b.provinces} | {f"c:{code}" for code in b.countries}
    return {
        "name": dice(a.name_terms, b.name_terms, weights),
        "text": dice(a.text_terms, b.text_terms, weights),
        "places": dice(places_a, places_b),
        "partners": dice(a.partners.keys(), b.partners.keys()),
        "budget": budget_ratio(a.budget_per_year, b.budget_per_year),
    }


def quick_score(a: Profile, b: Profile, weights: TermWeights = UNIFORM) -> float:
    """`score_pair(a, b, weights).score` without the reasons (for ranking many pairs)."""
    if a.id == b.id or (a.owner_id is not None and a.owner_id == b.owner_id):
        return 0.0
    if max(a.fiscal_year_start, b.fiscal_year_start) > min(a.fiscal_year_end, b.fiscal_year_end):
        return 0.0
    parts = pair_parts(a, b, weights)
    return round(min(1.0, sum(WEIGHTS[part] * value for part, value in parts.items())), 4)


def score_pair(a: Profile, b: Profile, weights: TermWeights = UNIFORM) -> Match:
    """The published rule (see the module docstring), terms weighted by `weights`. Symmetric; 0 for the same project,
    the same organisation, or no fiscal year in common."""
    if a.id == b.id or (a.owner_id is not None and a.owner_id == b.owner_id):
        return NO_MATCH
    first, last = max(a.fiscal_year_start, b.fiscal_year_start), min(a.fiscal_year_end, b.fiscal_year_end)
    if first > last:
        return NO_MATCH
    parts = pair_parts(a, b, weights)
    score = sum(WEIGHTS[part] * value for part, value in parts.items())
    reasons: list[tuple[float, str]] = []
    if parts["name"]:
        reasons.append(
            (
                WEIGHTS["name"] * parts["name"],
                f"ชื่อคล้ายกัน {parts['name']:.2f} ({_shared(a.name_terms & b.name_terms, weights)})",
            )
        )
    if parts["text"]:
        shared = (a.text_terms & b.text_terms) - (a.name_terms & b.name_terms)
        detail = f" ({_shared(shared, weights)})" if shared else ""
        reasons.append((WEIGHTS["text"] * parts["text"], f"วัตถุประสงค์และหลักการคล้ายกัน {parts['text']:.2f}{detail}"))
    if parts["places"]:
        weight = WEIGHTS["places"] * parts["places"]
        provinces = sorted(a.provinces[code] for code in a.provinces.keys() & b.provinces.keys())
        countries = sorted(a.countries[code] for code in a.countries.keys() & b.countries.keys())
        if provinces:
            reasons.append((weight, f"จังหวัดเดียวกัน: {', '.join(provinces)}"))
        if countries:
            reasons.append((weight, f"ประเทศเดียวกัน: {', '.join(countries)}"))
    if parts["partners"]:
        names = sorted(a.partners[pk] for pk in a.partners.keys() & b.partners.keys())
        reasons.append((WEIGHTS["partners"] * parts["partners"], f"หน่วยงานร่วมเดียวกัน: {', '.join(names)}"))
    if parts["budget"] >= CLOSE_BUDGET:
        reasons.append(
            (
                WEIGHTS["budget"] * parts["budget"],
                f"งบประมาณใกล้กัน {parts['budget']:.2f} ({_millions(a.budget_per_year)} และ "
                f"{_millions(b.budget_per_year)} ล้านบาทต่อปี)",
            )
        )
    ordered = [text for _, text in sorted(reasons, key=lambda item: -item[0])]
    ordered.append(f"ปีงบประมาณที่ดำเนินการพร้อมกัน: {_years(first, last)}")
    return Match(round(min(1.0, score), 4), {k: round(v, 4) for k, v in parts.items()}, ordered, (first, last))


# ------------------------------------------------------------------------------------------------- candidates


def project_entry(project_id: int) -> SearchEntry | None:
    """The project's search entry (built in memory when the index does not hold it yet)."""
    entry = SearchEntry.objects.filter(kind=EntryKind.PROJECT, object_id=project_id).only(*ENTRY_FIELDS).first()
    if entry is None:
        from tidtam.search.indexing import project_entries

        built = project_entries([project_id])
        entry = built[0] if built else None
    return entry


def candidate_entries(base: QuerySet[SearchEntry], profile: Profile, *, fiscal_year: int | None = None):
    """The entries of `base` that could pair with the project: other organisations' projects sharing a fiscal
    year with it (and active in `fiscal_year` when given)."""
    entries = base.filter(
        kind=EntryKind.PROJECT,
        fiscal_year_start__lte=profile.fiscal_year_end,
        fiscal_year_end__gte=profile.fiscal_year_start,
    ).exclude(object_id=profile.id)
    if profile.owner_id is not None:
        entries = entries.exclude(organisation_id=profile.owner_id)
    if fiscal_year is not None:
        entries = entries.filter(fiscal_year_start__lte=fiscal_year, fiscal_year_end__gte=fiscal_year)
    return entries


def ranked_candidates(
    base: QuerySet[SearchEntry],
    profile: Profile,
    weights: TermWeights,
    *,
    limit: int = CANDIDATES,
    fiscal_year: int | None = None,
) -> list[int]:
    """Entry ids of the best `limit` candidates by the full-text index: those holding every distinctive term first (a
    copy of the project, which would otherwise tie with the many projects sharing some of its words), then those
    holding any. Two full-text lookups."""
    entries = candidate_entries(base, profile, fiscal_year=fiscal_year)
    all_terms = query_terms(profile, weights, budget=math.inf)
    every = backends.ranked(all_terms, entries, limit, match_all=True) if len(all_terms) > 1 else []
    some = backends.ranked(query_terms(profile, weights), entries, limit, match_all=False)
    return list(dict.fromkeys(pk for pk, _ in every + some))[:limit]


@dataclass(frozen=True)
class ScoredPair:
    project_id: int
    match: Match


def similar_to(
    *, base: QuerySet[SearchEntry], project_id: int, limit: int, min_score: float, candidates: int = CANDIDATES
) -> list[ScoredPair]:
    """The projects among `base` (entries the caller may see) most like this one, best first, at least `min_score`.
    A fixed number of queries: the project's entry, the two full-text queries, the candidates' entries, four for
    features."""
    entry = project_entry(project_id)
    if entry is None:
        return []
    weights = term_weights()
    ids = ranked_candidates(base, bare_profile(entry), weights, limit=candidates)
    if not ids:
        return []
    profiles = load_profiles([entry, *SearchEntry.objects.filter(pk__in=ids).only(*ENTRY_FIELDS)])
    subject = profiles.pop(project_id)
    quick = [(quick_score(subject, other, weights), pk) for pk, other in profiles.items()]
    best = sorted((-score, pk) for score, pk in quick if score >= min_score and score > 0)[:limit]
    return [ScoredPair(pk, score_pair(subject, profiles[pk], weights)) for _, pk in best]


def brute_force(*, base: QuerySet[SearchEntry], project_id: int, limit: int, min_score: float) -> list[ScoredPair]:
    """The baseline `similar_to` is measured against: every project of another organisation sharing a fiscal year,
    scored in Python (`tidtam bench similar`, and tests of recall)."""
    entry = project_entry(project_id)
    if entry is None:
        return []
    weights = term_weights()
    subject = load_profiles([entry])[project_id]
    entries = candidate_entries(base, subject).only(*ENTRY_FIELDS)
    quick: list[tuple[float, int]] = []
    profiles: dict[int, Profile] = {}
    for chunk in _chunks(list(entries), 2000):
        for pk, other in load_profiles(chunk).items():
            score = quick_score(subject, other, weights)
            if score >= min_score and score > 0:
                quick.append((-score, pk))
                profiles[pk] = other
    return [ScoredPair(pk, score_pair(subject, profiles[pk], weights)) for _, pk in sorted(quick)[:limit]]


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ------------------------------------------------------------------------------------------------------- the scan


@dataclass
class ScanSummary:
    projects: int = 0
    pairs: int = 0
    replaced: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        return (
            f"ตรวจ {self.projects:,} โครงการ พบคู่ที่อาจซ้ำซ้อน {self.pairs:,} คู่ (แทนที่ {self.replaced:,} แถวเดิม) "
            f"ใน {self.seconds:.1f} วินาที / Scanned {self.projects:,} projects, {self.pairs:,} candidate pairs "
            f"({self.replaced:,} old rows replaced) in {self.seconds:.1f} s"
        )


def scan(
    *,
    fiscal_year: int | None = None,
    min_score: float = QUEUE_MIN_SCORE,
    batch_size: int = BATCH_SIZE,
    stdout=None,
) -> ScanSummary:
    """Find the candidate pairs of every project (those active in `fiscal_year` when given) among all projects, in
    any workflow status (the queue restricts what each reviewer sees), and store those scoring at least `min_score`,
    replacing the stored rows of the scanned projects (for `fiscal_year`: their rows whose shared years include it).
    One transaction; linear in the number of projects."""
    from tidtam.evaluation.models import DuplicateCandidate

    started = time.perf_counter()
    summary = ScanSummary()
    base = SearchEntry.objects.all()
    subjects = SearchEntry.objects.filter(kind=EntryKind.PROJECT)
    if fiscal_year is not None:
        subjects = subjects.filter(fiscal_year_start__lte=fiscal_year, fiscal_year_end__gte=fiscal_year)
    weights = term_weights(refresh=True)
    ids = list(subjects.order_by("object_id").values_list("id", flat=True))
    found: dict[tuple[int, int], Match] = {}
    for batch in _chunks(ids, batch_size):
        entries = list(SearchEntry.objects.filter(pk__in=batch).only(*ENTRY_FIELDS))
        profiles = load_profiles(entries)
        wanted = {
            entry.object_id: ranked_candidates(
                base, profiles[entry.object_id], weights, limit=SCAN_CANDIDATES, fiscal_year=fiscal_year
            )
            for entry in entries
        }
        candidates = list(
            SearchEntry.objects.filter(pk__in={pk for pks in wanted.values() for pk in pks}).only(*ENTRY_FIELDS)
        )
        project_of = {entry.pk: entry.object_id for entry in candidates}
        others = load_profiles(candidates)
        for project_id, entry_ids in wanted.items():
            subject = profiles[project_id]
            for entry_id in entry_ids:
                other = others[project_of[entry_id]]
                pair = (min(project_id, other.id), max(project_id, other.id))
                if pair in found:
                    continue
                if quick_score(subject, other, weights) >= max(min_score, 1e-9):
                    found[pair] = score_pair(subject, other, weights)
        summary.projects += len(entries)
        if stdout is not None:
            stdout.write(f"{summary.projects:,}/{len(ids):,}\r")
    with transaction.atomic():
        if fiscal_year is None:
            summary.replaced, _ = DuplicateCandidate.objects.all().delete()
        else:
            stale = DuplicateCandidate.objects.filter(
                fiscal_year_start__lte=fiscal_year, fiscal_year_end__gte=fiscal_year
            )
            scanned = list(subjects.values_list("object_id", flat=True))
            for chunk in _chunks(scanned, 2000):
                deleted, _ = stale.filter(Q(project_a_id__in=chunk) | Q(project_b_id__in=chunk)).delete()
                summary.replaced += deleted
        now = timezone.now()
        rows = [
            DuplicateCandidate(
                project_a_id=a,
                project_b_id=b,
                score=match.score,
                parts=match.parts,
                reasons=match.reasons,
                fiscal_year_start=match.fiscal_years[0],
                fiscal_year_end=match.fiscal_years[1],
                scanned_at=now,
            )
            for (a, b), match in found.items()
        ]
        DuplicateCandidate.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=fiscal_year is not None)
    summary.pairs = len(rows)
    summary.seconds = time.perf_counter() - started
    return summary
