"""Reads of reporting rounds and progress reports: who owes what, lists, completeness and timeliness, derived sums.

Every selector that returns data to a person takes `user` and starts from what that user may see. Cumulative figures
are derived here from the monthly rows; they are never stored.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, FilteredRelation, Prefetch, Q, QuerySet, Sum
from django.utils import timezone, translation

from tidtam.core import thaicalendar
from tidtam.core.errors import NotFound, forbidden
from tidtam.core.permissions import Action, restrict, scopes_of
from tidtam.organisations.models import Organisation
from tidtam.plans.models import Indicator, Node
from tidtam.projects.choices import Lifecycle
from tidtam.projects.models import PlannedDisbursement, Project
from tidtam.reporting.choices import RoundStatus
from tidtam.reporting.filters import ReportFilters
from tidtam.reporting.models import ProgressReport, ReportDisbursement, ReportingRound
from tidtam.workflow.choices import WorkflowStatus

S = WorkflowStatus
# Projects in these states owe reports: a draft or submitted project is not yet part of the plan.
OWING_PROJECT_STATUSES = (S.APPROVED, S.ACCEPTED)
SUBMITTED_STATUSES = (S.SUBMITTED, S.APPROVED, S.ACCEPTED)
APPROVED_STATUSES = (S.APPROVED, S.ACCEPTED)
# Who sees completeness and timeliness: coordinators over their subtree, reviewers and oversight everywhere.
# --------------------------------------------------------------------------- labels


def round_label(round: ReportingRound, *, lang: str | None = None) -> str:
    """ "ไตรมาส 1/2568" or "เดือนตุลาคม 2567 (ปีงบประมาณ 2568)" in Thai; "Q1 FY 2568" / "October 2024 (FY 2568)"."""
    english = (lang or translation.get_language()) == "en"
    if round.quarter:
        if english:
            return f"Q{round.quarter} FY {round.fiscal_year}"
        return thaicalendar.format_quarter(round.fiscal_year, round.quarter)
    start = round.period_start
    if english:
        return f"{start:%B %Y} (FY {round.fiscal_year})"
    return f"เดือน{month_label(start, lang='th')} ({thaicalendar.format_fiscal_year(round.fiscal_year)})"


def month_label(month: date, *, lang: str | None = None) -> str:
    """ "ตุลาคม 2567" (Thai month, BE year) in Thai; "October 2024" in English."""
    if (lang or translation.get_language()) == "en":
        return f"{month:%B %Y}"
    return f"{thaicalendar.thai_month_name(month.month)} {thaicalendar.ce_to_be(month.year)}"


def period_months(round: ReportingRound) -> list[date]:
    """The first day of every month in the round's period, in order."""
    months, current = [], round.period_start.replace(day=1)
    while current <= round.period_end:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


# --------------------------------------------------------------------------- rounds


def round_list(*, user) -> QuerySet[ReportingRound]:
    """Rounds, newest period first (rounds are public)."""
    return restrict(user, Action.VIEW, ReportingRound.objects.all(), organisation_field=None).order_by(
        "-period_start", "-pk"
    )


def round_get(*, user, pk: int) -> ReportingRound:
    found = round_list(user=user).filter(pk=pk).first()
    if found is None:
        raise NotFound("round_not_found", f"ไม่พบรอบการรายงาน {pk} / No reporting round {pk}", {"id": pk})
    return found


def round_open_list() -> QuerySet[ReportingRound]:
    return ReportingRound.objects.filter(status=RoundStatus.OPEN).order_by("-period_start")


# --------------------------------------------------------------------------- who owes a report


def reports_owed(*, round: ReportingRound, organisation: Organisation | None = None) -> QuerySet[Project]:
    """Projects that owe a report in `round`: approved or accepted, not cancelled, and active in the round's period.

    Active means the project's dates overlap the period; a missing start (end) date falls back to the first (last)
    fiscal year, which overlaps when that year is not after (before) the round's fiscal year. `organisation` keeps its
    subtree of owners.
    """
    starts_in_time = Q(start_date__lte=round.period_end) | Q(
        start_date__isnull=True, fiscal_year_start__lte=round.fiscal_year
    )
    ends_in_time = Q(end_date__gte=round.period_start) | Q(
        end_date__isnull=True, fiscal_year_end__gte=round.fiscal_year
    )
    projects = (
        Project.objects.filter(status__in=OWING_PROJECT_STATUSES)
        .exclude(lifecycle=Lifecycle.CANCELLED)
        .filter(starts_in_time & ends_in_time)
    )
    if organisation is not None:
        projects = projects.filter(owner__path__startswith=organisation.path)
    return projects


def owes_report(*, project: Project, round: ReportingRound) -> bool:
    return reports_owed(round=round).filter(pk=project.pk).exists()


def reports_owed_by(*, user, round: ReportingRound) -> list[Project]:
    """The owed projects `user` reports for (those they may edit), each with `round_report` (the report or None)."""
    projects = restrict(user, Action.EDIT, reports_owed(round=round), organisation_field="owner")
    projects = projects.select_related("owner").prefetch_related(
        Prefetch("reports", queryset=ProgressReport.objects.filter(round=round), to_attr="round_reports")
    )
    result = list(projects.order_by("owner__path", "code"))
    for project in result:
        project.round_report = project.round_reports[0] if project.round_reports else None
    return result


def open_rounds_owed(*, project: Project) -> list[ReportingRound]:
    """The open rounds in which `project` owes a report and has none yet, newest first."""
    rounds = list(round_open_list().exclude(reports__project=project))
    return [r for r in rounds if owes_report(project=project, round=r)]


# --------------------------------------------------------------------------- reports


def report_list(*, user, filters: ReportFilters | None = None) -> QuerySet[ProgressReport]:
    """The reports `user` may see (by owner subtree and, for oversight and the public, by status), filtered."""
    reports = restrict(
        user,
        Action.VIEW,
        ProgressReport.objects.select_related("project__owner", "round"),
        organisation_field="project__owner",
        status_field="status",
    )
    return filters.apply(reports) if filters is not None else reports


def report_get(*, user, pk: int) -> ProgressReport:
    found = report_list(user=user).filter(pk=pk).first()
    if found is None:
        raise NotFound("report_not_found", f"ไม่พบรายงาน {pk} / No progress report {pk}", {"id": pk})
    return found


def previous_report(*, project: Project, round: ReportingRound) -> ProgressReport | None:
    """The project's latest report in a round whose period starts before `round`'s."""
    return (
        ProgressReport.objects.filter(project=project, round__period_start__lt=round.period_start)
        .order_by("-round__period_start")
        .first()
    )


def indicators_for_project(project: Project) -> QuerySet[Indicator]:
    """Indicators a report of `project` may give values for: on the nodes it contributes to and their ancestors."""
    condition = Q(pk__in=[])
    contributions = project.contributions.select_related("node")
    for contribution in contributions:
        node = contribution.node
        condition |= Q(framework_version_id=node.framework_version_id, code__in=node.path_codes)
    nodes = Node.objects.filter(condition)
    return (
        Indicator.objects.filter(node__in=nodes)
        .select_related("node")
        .order_by("node__tree_path", "sort_order", "code")
    )


def cumulative_disbursement(report: ProgressReport, *, user) -> Decimal:
    """Money the project reported as disbursed up to the end of this report's round, in the reports `user` may see
    (the public's total counts accepted reports only, never a draft's figures)."""
    visible = restrict(
        user, Action.VIEW, ProgressReport.objects.all(), organisation_field="project__owner", status_field="status"
    )
    total = ReportDisbursement.objects.filter(
        report__in=visible.filter(project_id=report.project_id), month__lte=report.round.period_end
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0")


def disbursement_plan_to_date(report: ProgressReport) -> Decimal:
    """Money the project planned to disburse up to the end of this report's round."""
    total = PlannedDisbursement.objects.filter(
        project_id=report.project_id, month__lte=report.round.period_end
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0")


# --------------------------------------------------------------------------- completeness and timeliness


@dataclass(frozen=True)
class CompletenessRow:
    """One organisation's reports in a round. `submitted` counts reports in the chain or beyond (submitted, approved
    or accepted), `approved` those approved or accepted; so owed ≥ submitted ≥ approved ≥ accepted. Timeliness:
    on_time + late = submitted (by the latest submission's local date against the deadline); missing are owed
    reports not submitted after the deadline, pending those not submitted while it has not passed."""

    organisation: Organisation | None
    owed: int
    submitted: int
    approved: int
    accepted: int
    on_time: int
    late: int
    missing: int
    pending: int

    @property
    def not_submitted(self) -> int:
        return self.owed - self.submitted

    @property
    def percent_submitted(self) -> int | None:
        return None if not self.owed else round(100 * self.submitted / self.owed)


def completeness_scopes(user) -> list[Organisation] | None:
    """The organisations whose completeness `user` may see: None means all of them, [] none."""
    return scopes_of(user, Action.VIEW, "completeness")


def may_see_completeness(user) -> bool:
    return completeness_scopes(user) != []


def _end_of_day(day: date) -> datetime:
    """The first instant after `day` in the site's time zone: a submission before it is on or before `day`."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def completeness(
    *, user, round: ReportingRound, organisation: Organisation | None = None, today: date | None = None
) -> list[CompletenessRow]:
    """Reports owed, submitted, approved, accepted, on time, late, missing and pending per owning organisation.

    Coordinators see their subtree, reviewers and oversight everything; `organisation` narrows to a subtree the user
    may see (Forbidden otherwise). `today` (default: the local date) decides whether unsubmitted reports are missing.
    """
    scopes = completeness_scopes(user)
    if scopes == [] or (
        organisation is not None and scopes is not None and not any(organisation.is_within(s) for s in scopes)
    ):
        raise forbidden("view_completeness", organisation)
    today = today or timezone.localdate()
    projects = reports_owed(round=round, organisation=organisation)
    if scopes is not None and organisation is None:
        within = Q(pk__in=[])
        for scope in scopes:
            within |= Q(owner__path__startswith=scope.path)
        projects = projects.filter(within)
    deadline_passed = today > round.deadline
    in_chain = Q(this_round__status__in=SUBMITTED_STATUSES)
    on_time = in_chain & Q(this_round__submitted_at__lt=_end_of_day(round.deadline))
    counts = (
        projects.annotate(this_round=FilteredRelation("reports", condition=Q(reports__round=round)))
        .values("owner_id")
        .annotate(
            owed=Count("pk", distinct=True),
            submitted=Count("pk", filter=in_chain, distinct=True),
            approved=Count("pk", filter=Q(this_round__status__in=APPROVED_STATUSES), distinct=True),
            accepted=Count("pk", filter=Q(this_round__status=S.ACCEPTED), distinct=True),
            on_time=Count("pk", filter=on_time, distinct=True),
        )
        .order_by()
    )
    counts = {row["owner_id"]: row for row in counts}
    organisations = Organisation.objects.filter(pk__in=counts).order_by("path")
    rows = []
    for org in organisations:
        row = counts[org.pk]
        not_submitted = row["owed"] - row["submitted"]
        rows.append(
            CompletenessRow(
                organisation=org,
                owed=row["owed"],
                submitted=row["submitted"],
                approved=row["approved"],
                accepted=row["accepted"],
                on_time=row["on_time"],
                late=row["submitted"] - row["on_time"],
                missing=not_submitted if deadline_passed else 0,
                pending=0 if deadline_passed else not_submitted,
            )
        )
    return rows


def completeness_total(rows: list[CompletenessRow]) -> CompletenessRow:
    """The sum of `rows` (organisation None)."""
    names = ("owed", "submitted", "approved", "accepted", "on_time", "late", "missing", "pending")
    return CompletenessRow(None, *(sum(getattr(row, name) for row in rows) for name in names))
