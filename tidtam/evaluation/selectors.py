"""What the dashboards show: roll-up figures per plan node, gaps, and spend against progress, for a user.

Whole-framework figures come from the summary tables (a handful of rows per request, whatever the number of
projects). Slices by organisation subtree or province add up the per-project facts of that slice instead; the status
distribution stays the plan's (indicators belong to plan nodes, not to organisations).

Duplicate detection reads here too: `similar_projects` (live, for one project) and `duplicate_queue` (the stored
pairs of the reviewers' queue); see `evaluation.duplicates`.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Sum

from tidtam.core.models import Province
from tidtam.core.permissions import Action, can, restrict
from tidtam.evaluation import duplicates
from tidtam.evaluation.models import (
    LEVELS,
    WORST_FIRST,
    Basis,
    DuplicateCandidate,
    DuplicateReview,
    IndicatorStatus,
    NodeSummary,
    ProjectFact,
    ProjectNode,
    Verdict,
)
from tidtam.evaluation.rules import StatusLevel
from tidtam.organisations.models import Organisation
from tidtam.plans.models import FrameworkVersion, Node
from tidtam.projects.models import Project
from tidtam.projects.selectors import project_get, project_list
from tidtam.search.selectors import visible_entries

HUNDRED = Decimal(100)
# Spend vs progress: a project that has disbursed at least this share of its budget while its physical progress is
# below this level falls in the quadrant "money spent, little progress" (ใช้เงินมาก ความก้าวหน้าน้อย).
SPENT_FROM_PERCENT = Decimal(50)
LITTLE_PROGRESS_BELOW = Decimal(50)


class ReviewFigures:
    """The permission kind of figures that include approved items not yet accepted."""

    PERMISSION_KIND = "review_figures"


def dashboard_basis(user, requested: str | None = None) -> Basis:
    """Accepted data for everyone; reviewers and oversight may ask for figures including approved items."""
    if requested == Basis.REVIEW and can(user, Action.VIEW, ReviewFigures):
        return Basis.REVIEW
    return Basis.PUBLIC


@dataclass
class Figures:
    projects: int = 0
    budget: Decimal = Decimal(0)
    disbursed: Decimal = Decimal(0)
    progress_sum: Decimal = Decimal(0)
    progress_count: int = 0
    levels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))

    @classmethod
    def of(cls, row: dict) -> "Figures":
        return cls(
            row["projects"],
            row["budget"],
            row["disbursed"],
            row["progress_sum"],
            row["progress_count"],
            {level: row.get(level, 0) for level in LEVELS},
        )

    @property
    def disbursement_percent(self) -> Decimal | None:
        return None if not self.budget else (self.disbursed * HUNDRED / self.budget).quantize(Decimal("0.1"))

    @property
    def average_progress(self) -> Decimal | None:
        return None if not self.progress_count else (self.progress_sum / self.progress_count).quantize(Decimal("0.1"))

    @property
    def indicators(self) -> int:
        return sum(self.levels.values())

    @property
    def worst_level(self) -> StatusLevel | None:
        """The worst coloured level present (never hidden by an average); grey when only grey; None without any."""
        return next((StatusLevel(level) for level in WORST_FIRST if self.levels[level]), None)

    def as_dict(self) -> dict:
        worst = self.worst_level
        return {
            "projects": self.projects,
            "budget": self.budget,
            "disbursed": self.disbursed,
            "disbursement_percent": self.disbursement_percent,
            "average_progress": self.average_progress,
            "indicators": self.indicators,
            "status_distribution": dict(self.levels),
            "worst_level": worst.value if worst else None,
        }


SUMMARY_VALUES = ("projects", "budget", "disbursed", "progress_sum", "progress_count", *LEVELS)


def _summary_figures(version: FrameworkVersion, fiscal_year: int, basis: Basis) -> dict[int | None, Figures]:
    rows = NodeSummary.objects.filter(framework_version=version, fiscal_year=fiscal_year, basis=basis).values(
        "node_id", *SUMMARY_VALUES
    )
    return {row["node_id"]: Figures.of(row) for row in rows}


def _slice_facts(
    fiscal_year: int, basis: Basis, organisation: Organisation | None, province: Province | None
) -> QuerySet[ProjectFact]:
    facts = ProjectFact.objects.filter(fiscal_year=fiscal_year, basis=basis)
    if organisation is not None:
        facts = facts.filter(owner_path__startswith=organisation.path)
    if province is not None:
        facts = facts.filter(project__provinces=province)
    return facts


PROJECT_SUMS = {
    "projects": Count("project_id", distinct=True),
    "budget": Sum("budget"),
    "disbursed": Sum("disbursed"),
    "progress_sum": Sum("progress"),
    "progress_count": Count("progress"),
}


def _with_project_figures(figures: Figures, row: dict) -> Figures:
    return Figures(
        row["projects"] or 0,
        row["budget"] or Decimal(0),
        row["disbursed"] or Decimal(0),
        row["progress_sum"] or Decimal(0),
        row["progress_count"] or 0,
        figures.levels,
    )


def node_figures(
    *,
    version: FrameworkVersion,
    fiscal_year: int,
    basis: Basis,
    organisation: Organisation | None = None,
    province: Province | None = None,
) -> dict[int | None, Figures]:
    """Figures per node id of `version` (None: the whole framework version) for one fiscal year and basis."""
    figures = _summary_figures(version, fiscal_year, basis)
    if organisation is None and province is None:
        return figures
    facts = _slice_facts(fiscal_year, basis, organisation, province)
    per_node = (
        facts.filter(project__rollup_nodes__node__framework_version=version)
        .values(node_id=F("project__rollup_nodes__node_id"))
        .annotate(**PROJECT_SUMS)
        .order_by()
    )
    sliced = {node_id: Figures(levels=f.levels) for node_id, f in figures.items()}
    for row in per_node:
        sliced[row["node_id"]] = _with_project_figures(figures.get(row["node_id"], Figures()), row)
    in_version = ProjectNode.objects.filter(node__framework_version=version).values("project_id")
    total = facts.filter(project_id__in=in_version).aggregate(**PROJECT_SUMS)
    sliced[None] = _with_project_figures(figures.get(None, Figures()), total)
    return sliced


# ------------------------------------------------------------------------------------------------------ dashboard


@dataclass
class DashboardRow:
    node: Node
    figures: Figures
    gaps: int  # targets and factors in the subtree without a project this fiscal year
    children: list["DashboardRow"] = field(default_factory=list)


@dataclass
class Dashboard:
    version: FrameworkVersion
    fiscal_year: int
    basis: Basis
    total: Figures
    rows: list[DashboardRow]
    node: Node | None = None
    organisation: Organisation | None = None
    province: Province | None = None


def dashboard(
    *,
    user,
    version: FrameworkVersion,
    fiscal_year: int,
    basis: Basis,
    node: Node | None = None,
    depth: int = 3,
    organisation: Organisation | None = None,
    province: Province | None = None,
) -> Dashboard:
    """The tree of `version` (below `node` when given) to `depth` levels, each node with its figures and gaps.

    Plans are public; the figures are sums the basis allows `user` to see (`dashboard_basis`)."""
    nodes = _version_nodes(version, "depth", "sort_order", "code")
    figures = node_figures(
        version=version, fiscal_year=fiscal_year, basis=basis, organisation=organisation, province=province
    )
    rows: dict[int, DashboardRow] = {}
    roots: list[DashboardRow] = []
    top = node.depth if node is not None else 0
    for n in nodes:  # parents come before children (ordered by depth)
        parent = rows.get(n.parent_id)
        inside = parent is not None or (n.parent_id == (node.pk if node else None))
        if not inside:
            continue
        row = DashboardRow(n, figures.get(n.pk, Figures()), 0)
        rows[n.pk] = row
        (parent.children if parent else roots).append(row)
    _count_gaps(roots, figures)
    _prune(roots, top + depth)
    total = figures.get(node.pk if node else None, Figures())
    return Dashboard(version, fiscal_year, basis, total, roots, node, organisation, province)


def _version_nodes(version: FrameworkVersion, *order: str) -> list[Node]:
    """The nodes of `version` in `order`, each holding `version` so that level questions cost no query."""
    nodes = list(Node.objects.filter(framework_version=version).order_by(*order))
    for node in nodes:
        node.framework_version = version
    return nodes


def _count_gaps(rows: list[DashboardRow], figures: dict) -> int:
    gaps = 0
    for row in rows:
        own = 1 if row.node.is_target_or_factor() and not figures.get(row.node.pk, Figures()).projects else 0
        row.gaps = own + _count_gaps(row.children, figures)
        gaps += row.gaps
    return gaps


def _prune(rows: list[DashboardRow], depth: int) -> None:
    for row in rows:
        if row.node.depth >= depth:
            row.children = []
        _prune(row.children, depth)


# ----------------------------------------------------------------------------------------------------------- gaps


@dataclass
class Gaps:
    nodes_without_projects: list[Node]
    indicators_without_data: list[IndicatorStatus]
    projects_without_valid_link: list[Project]


def indicators_without_data(
    *, version: FrameworkVersion, fiscal_year: int, basis: Basis, node: Node | None = None
) -> QuerySet[IndicatorStatus]:
    """The statuses "no data" of the year in `version` (below `node` when given), with their indicators."""
    statuses = IndicatorStatus.objects.filter(
        indicator__node__framework_version=version, fiscal_year=fiscal_year, basis=basis, level=StatusLevel.GREY
    )
    if node is not None:
        statuses = statuses.filter(indicator__node__tree_path__startswith=node.tree_path)
    return statuses.select_related("indicator__node").order_by("indicator__node__tree_path", "indicator__code")


def unlinked_facts(
    *, fiscal_year: int, basis: Basis, organisation: Organisation | None = None, province: Province | None = None
) -> QuerySet[ProjectFact]:
    """Facts of counted projects of the year whose primary link is missing or not in a current plan version."""
    return _slice_facts(fiscal_year, basis, organisation, province).filter(is_linked=False)


def gap_analysis(*, user, version: FrameworkVersion, fiscal_year: int, basis: Basis, limit: int = 200) -> Gaps:
    """Targets and factors with no project in the fiscal year, indicators with no data for it, and counted projects
    of the year whose primary link is missing or not in a current plan version."""
    counted = set(
        NodeSummary.objects.filter(
            framework_version=version, fiscal_year=fiscal_year, basis=basis, projects__gt=0, node__isnull=False
        ).values_list("node_id", flat=True)
    )
    empty = [n for n in _version_nodes(version, "tree_path") if n.is_target_or_factor() and n.pk not in counted]
    no_data = indicators_without_data(version=version, fiscal_year=fiscal_year, basis=basis)[:limit]
    unlinked = unlinked_facts(fiscal_year=fiscal_year, basis=basis).select_related("project__owner")
    return Gaps(empty[:limit], list(no_data), [f.project for f in unlinked.order_by("project__code")[:limit]])


def gap_counts(board: Dashboard) -> dict[str, int]:
    """How many gaps the dashboard's scope has (the gaps page lists them):

    - targets and factors without a project: the rows' gap counts, plus the start node itself when it is one;
    - indicators with no data for the year (below the start node when given);
    - counted projects of the year in the slice whose primary link is missing or not in a current plan version —
      such a project belongs to no node, so the start node does not narrow this count.
    """
    nodes = sum(row.gaps for row in board.rows)
    if board.node is not None and board.node.is_target_or_factor() and not board.total.projects:
        nodes += 1
    statuses = indicators_without_data(
        version=board.version, fiscal_year=board.fiscal_year, basis=board.basis, node=board.node
    )
    unlinked = unlinked_facts(
        fiscal_year=board.fiscal_year, basis=board.basis, organisation=board.organisation, province=board.province
    )
    return {
        "nodes_without_projects": nodes,
        "indicators_without_data": statuses.count(),
        "projects_without_valid_link": unlinked.count(),
    }


def indicator_statuses(*, indicator, basis: Basis) -> QuerySet[IndicatorStatus]:
    """An indicator's stored statuses on `basis`, oldest year first."""
    return IndicatorStatus.objects.filter(indicator=indicator, basis=basis).order_by("fiscal_year")


# -------------------------------------------------------------------------------------------- spend vs progress


@dataclass(frozen=True)
class SpendPoint:
    label: str
    code: str
    budget: Decimal
    disbursed: Decimal
    disbursement_percent: Decimal | None
    progress: Decimal | None

    @property
    def spent_little_progress(self) -> bool:
        """Money spent, little progress: the quadrant to look at first."""
        return (
            self.disbursement_percent is not None
            and self.progress is not None
            and self.disbursement_percent >= SPENT_FROM_PERCENT
            and self.progress < LITTLE_PROGRESS_BELOW
        )


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part * HUNDRED / whole).quantize(Decimal("0.1")) if whole else None


def spend_vs_progress_projects(
    *, user, fiscal_year: int, basis: Basis, organisation: Organisation | None = None, limit: int = 2000
) -> list[SpendPoint]:
    """Disbursement % against physical progress % for each counted project of the year (largest budgets first)."""
    facts = (
        _slice_facts(fiscal_year, basis, organisation, None)
        .select_related("project")
        .order_by("-budget", "project__code")[:limit]
    )
    return [
        SpendPoint(
            f.project.name_th,
            f.project.code,
            f.budget,
            f.disbursed,
            _percent(f.disbursed, f.budget),
            f.progress,
        )
        for f in facts
    ]


def spend_vs_progress_organisations(
    *, user, fiscal_year: int, basis: Basis, organisation: Organisation | None = None
) -> list[SpendPoint]:
    """The same per owning organisation: money summed, progress averaged over its projects."""
    rows = (
        _slice_facts(fiscal_year, basis, organisation, None)
        .values("owner_id")
        .annotate(**PROJECT_SUMS)
        .order_by("-budget")
    )
    rows = list(rows)
    owners = Organisation.objects.in_bulk([r["owner_id"] for r in rows])
    return [
        SpendPoint(
            owners[r["owner_id"]].name_th,
            owners[r["owner_id"]].code,
            r["budget"],
            r["disbursed"],
            _percent(r["disbursed"], r["budget"]),
            (r["progress_sum"] / r["progress_count"]).quantize(Decimal("0.1")) if r["progress_count"] else None,
        )
        for r in rows
    ]


# ------------------------------------------------------------------------------------------------------ duplicates


@dataclass(frozen=True)
class SimilarProject:
    """A project like another one (`similar_projects`): the score of the published rule (0–1), each part's
    similarity, the reasons strongest first, and the reviewers' verdict on the pair (None when not reviewed)."""

    project: Project
    score: float
    parts: dict[str, float]
    reasons: list[str]
    verdict: str | None


def pair_verdicts(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], DuplicateReview]:
    """The stored verdicts of these pairs (either order), keyed by (lower id, higher id). One query."""
    keys = {(min(a, b), max(a, b)) for a, b in pairs}
    if not keys:
        return {}
    condition = Q(pk__in=[])
    for low, high in keys:
        condition |= Q(project_a_id=low, project_b_id=high)
    return {(r.project_a_id, r.project_b_id): r for r in DuplicateReview.objects.filter(condition)}


def similar_projects(
    *, user, project: Project | int, limit: int = 10, min_score: float = duplicates.MIN_SCORE
) -> list[SimilarProject]:
    """Projects of other organisations, sharing a fiscal year, that look like the same work as `project`, best first
    (docs/duplicates.md). `NotFound` when the user may not see `project`; the candidates are the projects the user
    may see (`project_list`'s rule: the public finds accepted projects only). About ten queries, whatever the size of
    the database."""
    subject = project_get(user=user, pk=project.pk if isinstance(project, Project) else project)
    base = visible_entries(user=user)
    scored = duplicates.similar_to(base=base, project_id=subject.pk, limit=limit, min_score=min_score)
    # Read through project_list, not the index's copy of the status: a project hidden since it was indexed stays hidden.
    projects = {p.pk: p for p in project_list(user=user).filter(pk__in=[pair.project_id for pair in scored])}
    verdicts = pair_verdicts([(subject.pk, pair.project_id) for pair in scored])
    results = []
    for pair in scored:
        if pair.project_id not in projects:
            continue  # deleted or hidden since it was indexed
        review = verdicts.get((min(subject.pk, pair.project_id), max(subject.pk, pair.project_id)))
        results.append(
            SimilarProject(
                project=projects[pair.project_id],
                score=pair.match.score,
                parts=pair.match.parts,
                reasons=pair.match.reasons,
                verdict=review.verdict if review else None,
            )
        )
    return results


def may_review_duplicates(user) -> bool:
    return can(user, Action.VIEW, DuplicateReview)


def duplicate_queue(
    *,
    user,
    fiscal_year: int | None = None,
    organisation: Organisation | None = None,
    min_score: float | None = None,
) -> QuerySet[DuplicateCandidate]:
    """The stored candidate pairs (`tidtam duplicates scan`) the user may see — both projects visible to them — best
    first, without the pairs reviewers marked distinct, each with `verdict`, `review_version` and both projects and
    owners loaded. The scan decided the lowest score kept (`--min-score`); `min_score` keeps fewer. `fiscal_year`
    keeps pairs sharing that year; `organisation` pairs with a project in its subtree.
    Empty for users who may not review duplicates."""
    if not may_review_duplicates(user):
        return DuplicateCandidate.objects.none()
    reviews = DuplicateReview.objects.filter(project_a=OuterRef("project_a"), project_b=OuterRef("project_b"))
    pairs = (
        DuplicateCandidate.objects.all()
        .exclude(Exists(reviews.filter(verdict=Verdict.DISTINCT)))
        .annotate(
            verdict=Subquery(reviews.values("verdict")[:1]),
            review_version=Subquery(reviews.values("version")[:1]),
        )
        .select_related("project_a__owner", "project_b__owner")
    )
    for side in ("project_a", "project_b"):
        pairs = restrict(user, Action.VIEW, pairs, organisation_field=f"{side}__owner", status_field=f"{side}__status")
    if min_score is not None:
        pairs = pairs.filter(score__gte=min_score)
    if fiscal_year is not None:
        pairs = pairs.filter(fiscal_year_start__lte=fiscal_year, fiscal_year_end__gte=fiscal_year)
    if organisation is not None:
        pairs = pairs.filter(
            Q(project_a__owner__path__startswith=organisation.path)
            | Q(project_b__owner__path__startswith=organisation.path)
        )
    return pairs.order_by("-score", "id")


def last_duplicate_scan():
    """When the queue was last filled (None before the first scan)."""
    return DuplicateCandidate.objects.aggregate(last=Max("scanned_at"))["last"]
