"""Roll-ups from projects and indicators to every plan node and framework: computed, rebuilt, kept current, checked.

Three derived tables (evaluation.models): `ProjectFact` (a counted project's budget, disbursement and progress per
fiscal year and basis) with `ProjectNode` (the nodes it rolls up to), `IndicatorStatus`, and `NodeSummary` (their sums
per node subtree and per framework version). One set of functions computes them from the base tables — for a few
projects or indicators, or for all. A full rebuild writes what they compute; the incremental path computes the rows
of the changed items before and after, and adds the difference to the summaries in the same transaction as the
change, so an accepted report shows in every roll-up at once. `rollups_check` proves incremental = rebuilt.
"""

import threading
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TextIO

from django.db import transaction
from django.db.models import F, Q, Sum

from tidtam.core.datachange import data_changed_on_commit
from tidtam.evaluation.models import LEVELS, Basis, IndicatorStatus, NodeSummary, ProjectFact, ProjectNode, StatusRule
from tidtam.evaluation.rules import DEFAULT_BANDS, Bands, evaluate
from tidtam.plans.models import Indicator, IndicatorTarget, IndicatorValue, Node
from tidtam.projects.models import BudgetLine, Contribution, Project
from tidtam.reporting.models import ProgressReport, ReportDisbursement, ReportIndicatorValue

ZERO = Decimal("0.00")
COUNTED = Basis.REVIEW.statuses  # every basis counts a subset of these
SUMMARY_FIELDS = ("projects", "budget", "disbursed", "progress_sum", "progress_count", *LEVELS)
BATCH = 5000


class NodeIndex:
    """Every plan node's parent and framework version, to walk from a node up to its root."""

    def __init__(self):
        self.parent: dict[int, int | None] = {}
        self.version: dict[int, int] = {}
        for pk, parent, version in Node.objects.values_list("pk", "parent_id", "framework_version_id"):
            self.parent[pk], self.version[pk] = parent, version

    def lineage(self, node_id: int) -> list[int]:
        """The node and its ancestors."""
        chain = []
        while node_id is not None:
            chain.append(node_id)
            node_id = self.parent.get(node_id)
        return chain

    def keys(self, node_ids) -> list[tuple[int, int | None]]:
        """The summary keys (framework version, node) of `node_ids` and of their framework versions' totals."""
        keys = {(self.version[n], n) for n in node_ids}
        return sorted(keys | {(version, None) for version, _ in keys}, key=str)


# ----------------------------------------------------------------------------------------------------------- facts


@dataclass
class Fact:
    project_id: int
    fiscal_year: int
    basis: str
    owner_id: int
    owner_path: str
    budget: Decimal = ZERO
    disbursed: Decimal = ZERO
    progress: Decimal | None = None
    reports: int = 0
    is_linked: bool = False

    def key(self) -> tuple:
        return (self.project_id, self.fiscal_year, self.basis)

    def values(self) -> tuple:
        return (
            self.owner_id,
            self.owner_path,
            self.budget,
            self.disbursed,
            self.progress,
            self.reports,
            self.is_linked,
        )


def _scoped(queryset, lookup: str, ids):
    return queryset if ids is None else queryset.filter(**{f"{lookup}__in": ids})


def compute_facts(project_ids=None) -> tuple[dict[tuple, Fact], dict[int, set[int]]]:
    """The facts and roll-up nodes of the given projects (all when None), from the base tables."""
    projects = _scoped(Project.objects.filter(status__in=COUNTED), "pk", project_ids).values_list(
        "pk", "status", "owner_id", "owner__path", "fiscal_year_start", "fiscal_year_end"
    )
    facts: dict[tuple, Fact] = {}
    for pk, status, owner_id, owner_path, first, last in projects.iterator(chunk_size=BATCH):
        for basis in Basis:
            if status in basis.statuses:
                for year in range(first, last + 1):
                    fact = Fact(pk, year, basis.value, owner_id, owner_path)
                    facts[fact.key()] = fact
    if not facts:
        return {}, {}
    counted = Project.objects.filter(status__in=COUNTED)
    primary = Contribution.objects.filter(
        project__in=counted, is_primary=True, node__framework_version__is_current=True
    )
    linked = set(_scoped(primary, "project_id", project_ids).values_list("project_id", flat=True))
    for fact in facts.values():
        fact.is_linked = fact.project_id in linked
    budgets = _scoped(BudgetLine.objects.filter(project__in=counted), "project_id", project_ids)
    for pk, year, amount in budgets.values_list("project_id", "fiscal_year").annotate(total=Sum("amount")).order_by():
        for basis in Basis:
            if (fact := facts.get((pk, year, basis.value))) is not None:
                fact.budget = amount
    reports = _scoped(
        ProgressReport.objects.filter(status__in=COUNTED, project__status__in=COUNTED), "project_id", project_ids
    )
    disbursed = dict(
        _scoped(ReportDisbursement.objects.filter(report__in=reports), "report__project_id", project_ids)
        .values_list("report_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    latest: dict[tuple, tuple] = {}
    rows = reports.values_list(
        "pk", "project_id", "status", "round__fiscal_year", "round__period_end", "physical_progress"
    )
    for pk, project_id, status, year, period_end, progress in rows.iterator(chunk_size=BATCH):
        for basis in Basis:
            fact = facts.get((project_id, year, basis.value))
            if fact is None or status not in basis.statuses:
                continue
            fact.reports += 1
            fact.disbursed += disbursed.get(pk, ZERO)
            if (period_end, pk) > latest.get(fact.key(), (date.min, 0)):
                latest[fact.key()] = (period_end, pk)
                fact.progress = progress
    for fact in facts.values():
        fact.disbursed = Decimal(fact.disbursed).quantize(Decimal("0.01"))
    return facts, _rollup_nodes({f.project_id for f in facts.values()})


def _rollup_nodes(project_ids: set[int]) -> dict[int, set[int]]:
    index = NodeIndex()
    nodes: dict[int, set[int]] = defaultdict(set)
    links = Contribution.objects.filter(project__status__in=COUNTED).values_list("project_id", "node_id")
    if len(project_ids) < BATCH:
        links = links.filter(project_id__in=project_ids)
    for project_id, node_id in links.iterator(chunk_size=BATCH):
        if project_id in project_ids:
            nodes[project_id].update(index.lineage(node_id))
    return dict(nodes)


def stored_facts(project_ids=None) -> tuple[dict[tuple, Fact], dict[int, set[int]]]:
    facts = {}
    rows = _scoped(ProjectFact.objects, "project_id", project_ids).values_list(
        "project_id",
        "fiscal_year",
        "basis",
        "owner_id",
        "owner_path",
        "budget",
        "disbursed",
        "progress",
        "reports",
        "is_linked",
    )
    for row in rows.iterator(chunk_size=BATCH):
        fact = Fact(*row)
        facts[fact.key()] = fact
    nodes: dict[int, set[int]] = defaultdict(set)
    for project_id, node_id in _scoped(ProjectNode.objects, "project_id", project_ids).values_list(
        "project_id", "node_id"
    ):
        nodes[project_id].add(node_id)
    return facts, dict(nodes)


# ------------------------------------------------------------------------------------------------------- statuses


@dataclass(frozen=True)
class StatusRow:
    indicator_id: int
    fiscal_year: int
    basis: str
    level: str
    ratio: Decimal | None
    target: Decimal | None
    target_max: Decimal | None
    actual: Decimal | None
    why_th: str
    why_en: str
    rule_version: str

    def key(self) -> tuple:
        return (self.indicator_id, self.fiscal_year, self.basis)


def _narrowest(periods: list[tuple], year: int):
    """The value of the shortest period containing `year` (a fiscal year before a phase), the latest on ties."""
    matching = [p for p in periods if p[0] <= year <= p[1]]
    return min(matching, key=lambda p: (p[1] - p[0], -p[0]))[2:] if matching else None


def _rule_bands() -> dict[int | None, Bands]:
    bands: dict[int | None, Bands] = {rule.pk: rule.bands for rule in StatusRule.objects.all()}
    bands[None] = DEFAULT_BANDS
    return bands


def compute_statuses(indicator_ids=None) -> tuple[dict[tuple, StatusRow], dict[int, int]]:
    """The statuses of the given indicators (all when None) per fiscal year and basis, and each indicator's node.

    Per fiscal year: the target of the shortest period containing the year; the actual of the shortest official
    value period containing it, or else the latest counted report value of that year.
    """
    indicators = _scoped(Indicator.objects, "pk", indicator_ids).values_list(
        "pk", "node_id", "direction", "status_rule_id", "node__framework_version__framework__status_rule_id"
    )
    targets, values, reported = defaultdict(list), defaultdict(list), defaultdict(list)
    for pk, start, end, value, value_max in _scoped(IndicatorTarget.objects, "indicator_id", indicator_ids).values_list(
        "indicator_id", "period_start", "period_end", "value", "value_max"
    ):
        targets[pk].append((start, end, value, value_max))
    for pk, start, end, value in _scoped(IndicatorValue.objects, "indicator_id", indicator_ids).values_list(
        "indicator_id", "period_start", "period_end", "value"
    ):
        values[pk].append((start, end, value))
    report_values = _scoped(
        ReportIndicatorValue.objects.filter(report__status__in=COUNTED, report__project__status__in=COUNTED),
        "indicator_id",
        indicator_ids,
    ).values_list(
        "indicator_id", "report__round__fiscal_year", "report__status", "report__round__period_end", "pk", "value"
    )
    for pk, year, status, period_end, value_pk, value in report_values:
        reported[pk].append((year, status, (period_end, value_pk), value))
    bands = _rule_bands()
    statuses, node_of = {}, {}
    for pk, node_id, direction, own_rule, framework_rule in indicators:
        node_of[pk] = node_id
        rule = bands[own_rule if own_rule is not None else framework_rule]
        years = {y for start, end, *_ in targets[pk] + values[pk] for y in range(start, end + 1)}
        years |= {year for year, *_ in reported[pk]}
        for year in sorted(years):
            target = _narrowest(targets[pk], year)
            official = _narrowest(values[pk], year)
            for basis in Basis:
                actual = official[0] if official else None
                if actual is None:
                    candidates = [r for r in reported[pk] if r[0] == year and r[1] in basis.statuses]
                    actual = max(candidates, key=lambda r: r[2])[3] if candidates else None
                status = evaluate(
                    direction=direction,
                    target=target[0] if target else None,
                    target_max=target[1] if target else None,
                    actual=actual,
                    bands=rule,
                )
                row = StatusRow(
                    pk,
                    year,
                    basis.value,
                    status.level.value,
                    None if status.ratio is None else status.ratio.quantize(Decimal("0.000001")),
                    target[0] if target else None,
                    target[1] if target else None,
                    actual,
                    status.why_th,
                    status.why_en,
                    status.rule_version,
                )
                statuses[row.key()] = row
    return statuses, node_of


STATUS_FIELDS = ("level", "ratio", "target", "target_max", "actual", "why_th", "why_en", "rule_version")


def stored_statuses(indicator_ids=None) -> dict[tuple, StatusRow]:
    rows = _scoped(IndicatorStatus.objects, "indicator_id", indicator_ids).values_list(
        "indicator_id", "fiscal_year", "basis", *STATUS_FIELDS
    )
    return {(row := StatusRow(*values)).key(): row for values in rows.iterator(chunk_size=BATCH)}


# ------------------------------------------------------------------------------------------------------ summaries


def _summaries(
    index: NodeIndex,
    facts: dict[tuple, Fact],
    nodes: dict[int, set[int]],
    statuses: dict[tuple, StatusRow],
    node_of: dict[int, int],
    sign: int = 1,
) -> dict[tuple, dict]:
    """Summary figures keyed by (framework version, node or None, fiscal year, basis)."""
    sums: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(SUMMARY_FIELDS, 0))
    keys_of: dict[int, list] = {}
    for fact in facts.values():
        if fact.project_id not in keys_of:
            keys_of[fact.project_id] = index.keys(nodes.get(fact.project_id, ()))
        for version, node in keys_of[fact.project_id]:
            row = sums[(version, node, fact.fiscal_year, fact.basis)]
            row["projects"] += sign
            row["budget"] += sign * fact.budget
            row["disbursed"] += sign * fact.disbursed
            if fact.progress is not None:
                row["progress_sum"] += sign * fact.progress
                row["progress_count"] += sign
    lineages: dict[int, list] = {}
    for status in statuses.values():
        node = node_of.get(status.indicator_id)
        if node not in index.version:
            continue
        if node not in lineages:
            lineages[node] = index.keys(index.lineage(node))
        for version, key_node in lineages[node]:
            sums[(version, key_node, status.fiscal_year, status.basis)][status.level] += sign
    return sums


def _difference(before: dict[tuple, dict], after: dict[tuple, dict]) -> dict[tuple, dict]:
    changes = {}
    for key in sorted(before.keys() | after.keys(), key=str):
        old, new = before.get(key, {}), after.get(key, {})
        delta = {f: new.get(f, 0) - old.get(f, 0) for f in SUMMARY_FIELDS}
        delta = {f: d for f, d in delta.items() if d}
        if delta:
            changes[key] = delta
    return changes


def _summary_filter(version: int, node: int | None, year: int, basis: str) -> Q:
    where = Q(framework_version_id=version, fiscal_year=year, basis=basis)
    return where & (Q(node__isnull=True) if node is None else Q(node_id=node))


def _apply(changes: dict[tuple, dict]) -> None:
    """Add `changes` to the stored summaries, creating rows first; sorted keys keep concurrent writers in order."""
    if not changes:
        return
    NodeSummary.objects.bulk_create(
        [NodeSummary(framework_version_id=v, node_id=n, fiscal_year=y, basis=b) for v, n, y, b in changes],
        ignore_conflicts=True,
    )
    for key, delta in changes.items():
        NodeSummary.objects.filter(_summary_filter(*key)).update(**{f: F(f) + d for f, d in delta.items()})


# ------------------------------------------------------------------------------------------------- incremental


_deferred = threading.local()


@contextmanager
def deferred_refresh():
    """Inside the block, collect the projects and indicators to refresh and refresh each once at its end (for imports
    and bulk loads); nothing is refreshed when the block raises."""
    if getattr(_deferred, "pending", None) is not None:
        yield
        return
    _deferred.pending = pending = {projects_refresh: set(), indicators_refresh: set()}
    try:
        yield
    finally:
        _deferred.pending = None
    for refresh, ids in pending.items():
        if ids:
            refresh(ids)


def _defer(refresh, ids) -> bool:
    pending = getattr(_deferred, "pending", None)
    if pending is None:
        return False
    pending[refresh].update(ids)
    return True


@transaction.atomic
def projects_refresh(project_ids) -> None:
    """Bring the facts and summaries of these projects up to date with their base rows."""
    if _defer(projects_refresh, project_ids):
        return
    project_ids = sorted(set(project_ids))
    list(Project.objects.select_for_update().filter(pk__in=project_ids).values_list("pk"))
    index = NodeIndex()
    old_facts, old_nodes = stored_facts(project_ids)
    new_facts, new_nodes = compute_facts(project_ids)
    if old_facts == new_facts and old_nodes == new_nodes:
        return
    _apply(
        _difference(_summaries(index, old_facts, old_nodes, {}, {}), _summaries(index, new_facts, new_nodes, {}, {}))
    )
    ProjectFact.objects.filter(project_id__in=project_ids).delete()
    ProjectNode.objects.filter(project_id__in=project_ids).delete()
    _write_facts(new_facts, new_nodes)


@transaction.atomic
def indicators_refresh(indicator_ids) -> None:
    """Recompute the statuses of these indicators and move their counts in the summaries."""
    if _defer(indicators_refresh, indicator_ids):
        return
    indicator_ids = sorted(set(indicator_ids))
    list(Indicator.objects.select_for_update().filter(pk__in=indicator_ids).values_list("pk"))
    old = stored_statuses(indicator_ids)
    new, node_of = compute_statuses(indicator_ids)
    if old == new:
        return
    index = NodeIndex()
    _apply(_difference(_summaries(index, {}, {}, old, node_of), _summaries(index, {}, {}, new, node_of)))
    IndicatorStatus.objects.filter(indicator_id__in=indicator_ids).delete()
    _write_statuses(new)


def after_transition(item) -> None:
    """Keep the roll-ups current after a project or report changed workflow status."""
    if isinstance(item, Project):
        projects_refresh([item.pk])
        indicators = ReportIndicatorValue.objects.filter(report__project=item)
    else:
        projects_refresh([item.project_id])
        indicators = ReportIndicatorValue.objects.filter(report=item)
    indicator_ids = set(indicators.values_list("indicator_id", flat=True))
    if indicator_ids:
        indicators_refresh(indicator_ids)


# ------------------------------------------------------------------------------------------------ rebuild, check


def _write_facts(facts: dict[tuple, Fact], nodes: dict[int, set[int]]) -> None:
    ProjectFact.objects.bulk_create(
        (
            ProjectFact(
                project_id=f.project_id,
                fiscal_year=f.fiscal_year,
                basis=f.basis,
                owner_id=f.owner_id,
                owner_path=f.owner_path,
                budget=f.budget,
                disbursed=f.disbursed,
                progress=f.progress,
                reports=f.reports,
                is_linked=f.is_linked,
            )
            for f in facts.values()
        ),
        batch_size=BATCH,
    )
    ProjectNode.objects.bulk_create(
        (ProjectNode(project_id=p, node_id=n) for p, ids in nodes.items() for n in sorted(ids)), batch_size=BATCH
    )


def _write_statuses(statuses: dict[tuple, StatusRow]) -> None:
    IndicatorStatus.objects.bulk_create(
        (
            IndicatorStatus(
                indicator_id=s.indicator_id,
                fiscal_year=s.fiscal_year,
                basis=s.basis,
                **{f: getattr(s, f) for f in STATUS_FIELDS},
            )
            for s in statuses.values()
        ),
        batch_size=BATCH,
    )


def _nonzero(sums: dict[tuple, dict]) -> dict[tuple, dict]:
    return {k: {f: v[f] for f in SUMMARY_FIELDS} for k, v in sums.items() if any(v[f] for f in SUMMARY_FIELDS)}


def computed_summaries() -> tuple[dict, dict, dict, dict, dict]:
    facts, nodes = compute_facts()
    statuses, node_of = compute_statuses()
    return facts, nodes, statuses, _nonzero(_summaries(NodeIndex(), facts, nodes, statuses, node_of)), node_of


def stored_summaries() -> dict[tuple, dict]:
    rows = NodeSummary.objects.values_list("framework_version_id", "node_id", "fiscal_year", "basis", *SUMMARY_FIELDS)
    return _nonzero({tuple(r[:4]): dict(zip(SUMMARY_FIELDS, r[4:], strict=True)) for r in rows.iterator(BATCH)})


@dataclass
class RollupCounts:
    facts: int = 0
    statuses: int = 0
    summaries: int = 0
    differences: list[str] = field(default_factory=list)


@transaction.atomic
def rollups_rebuild(*, stdout: TextIO | None = None) -> RollupCounts:
    """Recompute every derived table from the base tables, replacing what is stored."""
    facts, nodes, statuses, summaries, _ = computed_summaries()
    NodeSummary.objects.all().delete()
    ProjectNode.objects.all().delete()
    ProjectFact.objects.all().delete()
    IndicatorStatus.objects.all().delete()
    _write_facts(facts, nodes)
    _write_statuses(statuses)
    NodeSummary.objects.bulk_create(
        (
            NodeSummary(framework_version_id=v, node_id=n, fiscal_year=y, basis=b, **figures)
            for (v, n, y, b), figures in summaries.items()
        ),
        batch_size=BATCH,
    )
    counts = RollupCounts(len(facts), len(statuses), len(summaries))
    data_changed_on_commit()  # cached public answers (shared cache) follow the rebuilt figures
    if stdout is not None:
        stdout.write(
            f"สร้างตารางสรุปใหม่ / Roll-ups rebuilt: {counts.facts} project facts, {counts.statuses} indicator "
            f"statuses, {counts.summaries} node summaries\n"
        )
    return counts


def _compare(name: str, stored: dict, computed: dict, limit: int = 20) -> list[str]:
    differences = []
    for key in sorted(stored.keys() | computed.keys(), key=str):
        if stored.get(key) != computed.get(key):
            differences.append(f"{name} {key}: stored {stored.get(key)} ≠ rebuilt {computed.get(key)}")
            if len(differences) >= limit:
                break
    return differences


def rollups_check() -> RollupCounts:
    """Compare the stored derived tables with a rebuild computed in memory; `differences` lists what disagrees."""
    facts, nodes, statuses, summaries, _ = computed_summaries()
    stored_f, stored_n = stored_facts()
    counts = RollupCounts(len(facts), len(statuses), len(summaries))
    counts.differences = (
        _compare("fact", {k: v.values() for k, v in stored_f.items()}, {k: v.values() for k, v in facts.items()})
        + _compare("nodes", stored_n, nodes)
        + _compare("status", stored_statuses(), statuses)
        + _compare("summary", stored_summaries(), summaries)
    )
    return counts
