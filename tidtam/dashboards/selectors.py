"""Reads behind the dashboard pages that the evaluation selectors do not already give: projects counted under a node,
indicator histories, a round's figures, and completeness per round for those who may see it.

Every selector takes the user. Money and counts come from items on the figures' basis only (accepted for everyone;
approved too on the review basis, which `dashboard_basis` grants to reviewers and oversight only); counts of drafts,
submitted or returned items go only to users who may see completeness, within the organisations they may see.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from tidtam.core.models import Province
from tidtam.core.permissions import GRANTS, Action, roles_of
from tidtam.evaluation.models import Basis, IndicatorStatus, ProjectFact
from tidtam.evaluation.selectors import DashboardRow
from tidtam.organisations.models import Organisation
from tidtam.plans.models import Indicator, Node
from tidtam.plans.selectors import node_indicators
from tidtam.reporting.models import ProgressReport, ReportDisbursement, ReportingRound
from tidtam.reporting.selectors import (
    CompletenessRow,
    completeness,
    completeness_scopes,
    completeness_total,
    report_list,
    round_label,
)
from tidtam.workflow.choices import WorkflowStatus

TOP_PROJECTS = 50
ORGANISATION_OPTION_DEPTH = 2  # the organisation picker lists ministries and departments (and the one selected)


# ------------------------------------------------------------------------------------------------ pickers


def organisation_options(*, user, selected: Organisation | None = None) -> list[Organisation]:
    """Organisations for the slice picker: the top two levels of the directory (public), plus the selected one."""
    organisations = Organisation.objects.filter(depth__lte=ORGANISATION_OPTION_DEPTH)
    if selected is not None:
        organisations = organisations | Organisation.objects.filter(pk=selected.pk)
    return list(organisations.order_by("path"))


def province_options() -> list[Province]:
    return list(Province.objects.order_by("name_th"))


# ------------------------------------------------------------------------------------------------ node pages


def counted_projects(
    *,
    user,
    node: Node,
    fiscal_year: int,
    basis: Basis,
    organisation: Organisation | None = None,
    province: Province | None = None,
    limit: int = TOP_PROJECTS,
) -> list[ProjectFact]:
    """The projects counted under `node` in the year on `basis` (so only accepted ones for the public), largest
    budget first, each fact with its project and owner."""
    facts = ProjectFact.objects.filter(fiscal_year=fiscal_year, basis=basis, project__rollup_nodes__node=node)
    if organisation is not None:
        facts = facts.filter(owner_path__startswith=organisation.path)
    if province is not None:
        facts = facts.filter(project__provinces=province).distinct()
    return list(facts.select_related("project", "owner").order_by("-budget", "project__code")[:limit])


def own_gaps(rows: list[DashboardRow]) -> list[DashboardRow]:
    """The rows, anywhere below `rows`, that are themselves targets or factors without a project (a row's own gap is
    its gap count less its children's; call before the tree is pruned)."""
    found = []
    for row in rows:
        if row.gaps - sum(child.gaps for child in row.children) > 0:
            found.append(row)
        found.extend(own_gaps(row.children))
    return found


@dataclass
class IndicatorHistory:
    """An indicator with its stored status in the selected year and its statuses over every year (oldest first)."""

    indicator: Indicator
    status: IndicatorStatus | None
    history: list[IndicatorStatus] = field(default_factory=list)


def indicator_histories(*, user, node: Node, fiscal_year: int, basis: Basis) -> list[IndicatorHistory]:
    """The node's own indicators with their status for `fiscal_year` and their history on `basis` (two queries)."""
    indicators = list(node_indicators(user=user, node=node).order_by("sort_order", "code"))
    statuses = IndicatorStatus.objects.filter(indicator__in=indicators, basis=basis).order_by("fiscal_year")
    by_indicator: dict[int, list[IndicatorStatus]] = {}
    for status in statuses:
        by_indicator.setdefault(status.indicator_id, []).append(status)
    result = []
    for indicator in indicators:
        history = by_indicator.get(indicator.pk, [])
        current = next((s for s in history if s.fiscal_year == fiscal_year), None)
        result.append(IndicatorHistory(indicator, current, history))
    return result


# ------------------------------------------------------------------------------------------------ rounds


@dataclass(frozen=True)
class RoundFigures:
    """What anyone may know of a round: reports on the basis (accepted ones for the public) and money they disbursed
    in the round's months."""

    reports: int
    disbursed: Decimal


def round_figures(*, user, round: ReportingRound, basis: Basis) -> RoundFigures:
    """Reports of the round counted on `basis` (the report and its project both in the basis's statuses)."""
    counted = ProgressReport.objects.filter(round=round, status__in=basis.statuses, project__status__in=basis.statuses)
    reports = counted.count()
    disbursed = ReportDisbursement.objects.filter(report__in=counted).aggregate(total=Sum("amount"))["total"]
    return RoundFigures(reports, disbursed or Decimal(0))


@dataclass(frozen=True)
class StatusCount:
    status: WorkflowStatus
    count: int
    returned: int = 0  # drafts that were returned for changes


def _visible_report_statuses(user) -> list[WorkflowStatus]:
    """The report statuses a role that grants completeness lets `user` see (oversight: approved and accepted)."""
    visible: set[str] = set()
    for role in roles_of(user):
        grant = GRANTS[role]
        if grant.allows("completeness", Action.VIEW):
            visible |= set(grant.statuses.get("report", WorkflowStatus.values))
    return [status for status in WorkflowStatus if status in visible]


def round_status_counts(*, user, round: ReportingRound) -> list[StatusCount] | None:
    """Reports of the round per workflow status, within the organisations whose completeness `user` may see and
    only the statuses their role may see (None for users who may see no completeness: the public and reporters never
    learn of drafts)."""
    scopes = completeness_scopes(user)
    if scopes == []:
        return None
    reports = report_list(user=user).filter(round=round)
    if scopes is not None:
        within = Q(pk__in=[])
        for scope in scopes:
            within |= Q(project__owner__path__startswith=scope.path)
        reports = reports.filter(within)
    rows = reports.values("status").annotate(
        count=Count("pk"), returned=Count("pk", filter=Q(status=WorkflowStatus.DRAFT) & ~Q(return_reason=""))
    )
    counts = {row["status"]: row for row in rows.order_by()}
    return [
        StatusCount(status, counts.get(status, {}).get("count", 0), counts.get(status, {}).get("returned", 0))
        for status in _visible_report_statuses(user)
    ]


def may_see_completeness_of(user, organisation: Organisation | None) -> bool:
    """Whether `user` may see completeness of `organisation`'s subtree (of everything they may see when None)."""
    scopes = completeness_scopes(user)
    if scopes == []:
        return False
    return organisation is None or scopes is None or any(organisation.is_within(s) for s in scopes)


@dataclass
class RoundCompleteness:
    round: ReportingRound
    label: str
    total: CompletenessRow
    rows: list[CompletenessRow]


def year_completeness(
    *, user, fiscal_year: int, organisation: Organisation | None = None
) -> list[RoundCompleteness] | None:
    """Completeness of every round of the fiscal year (for `organisation`'s subtree when given), or None when the
    user may not see it. A few queries per round; a year has at most twelve."""
    if not may_see_completeness_of(user, organisation):
        return None
    rounds = ReportingRound.objects.filter(fiscal_year=fiscal_year).order_by("period_start")
    result = []
    for round_ in rounds:
        rows = completeness(user=user, round=round_, organisation=organisation)
        result.append(RoundCompleteness(round_, round_label(round_), completeness_total(rows), rows))
    return result
