"""Reads behind the public portal: plan node statuses for the trees and node pages, an organisation's accepted projects
and its public reporting record, and a project's reports with the evidence the viewer may download.

Node statuses and the reporting record are public figures: they are computed from what an anonymous visitor may see
(accepted data only), whoever asks, so every visitor reads the same record. The query count of each selector is fixed;
it does not grow with the number of nodes, projects, reports or rounds.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.db.models import DecimalField, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tidtam.dashboards.filters import current_fiscal_year, default_year, summary_years
from tidtam.evaluation.models import Basis, NodeSummary
from tidtam.evaluation.selectors import SUMMARY_VALUES, Figures
from tidtam.organisations.models import Organisation
from tidtam.plans.models import FrameworkVersion, Node
from tidtam.projects.choices import Lifecycle
from tidtam.projects.filters import ProjectFilters
from tidtam.projects.models import Attachment, Project
from tidtam.projects.selectors import may_see_private_files, project_list
from tidtam.reporting.models import ProgressReport, ReportingRound
from tidtam.reporting.selectors import report_list, round_label
from tidtam.workflow.choices import WorkflowStatus

# What the public sees: the same selectors, asked for by a visitor who is not signed in.
PUBLIC_VIEWER = AnonymousUser()
ORGANISATION_PROJECTS = 20  # accepted projects listed on an organisation page (then a link to the filtered list)
RECORD_ROUNDS = 8  # reporting rounds in an organisation's public record, newest first


# ------------------------------------------------------------------------------------------- plan node statuses


@dataclass(frozen=True)
class NodeStatuses:
    """Public figures of some nodes of one framework version in one fiscal year; a node without a summary row has
    empty figures (no project, no indicator)."""

    fiscal_year: int
    figures: dict[int, Figures]

    def of(self, node_id: int) -> Figures:
        return self.figures.get(node_id) or Figures()


def status_year(*, version: FrameworkVersion) -> int:
    """The fiscal year whose public figures the trees and node pages show: the dashboards' default year (the current
    fiscal year if the version has public figures in it, else the latest year that has)."""
    return default_year(summary_years(version=version, basis=Basis.PUBLIC))


# A fiscal year "has data" when the version's total counts a project or a coloured status: summary_years' condition.
_HAS_DATA = Q(projects__gt=0) | Q(green__gt=0) | Q(yellow__gt=0) | Q(orange__gt=0) | Q(red__gt=0)


def _status_year_expression(version: FrameworkVersion | int, current: int) -> Coalesce:
    """`status_year` as SQL, so the year and the figures come in one query."""
    with_data = NodeSummary.objects.filter(framework_version=version, node__isnull=True, basis=Basis.PUBLIC).filter(
        _HAS_DATA
    )
    return Coalesce(
        Subquery(with_data.filter(fiscal_year=current).values("fiscal_year")[:1]),
        Subquery(with_data.order_by("-fiscal_year").values("fiscal_year")[:1]),
        Value(current),
        output_field=IntegerField(),
    )


def node_statuses(*, version: FrameworkVersion | int, node_ids=None, fiscal_year: int | None = None) -> NodeStatuses:
    """Public figures (projects, money, status distribution and worst level) of `node_ids` (None: every node of the
    version) in `fiscal_year` (default: `status_year`). One query whatever the number of nodes.

    The version's total row comes along with the nodes' rows: it exists in the chosen year whenever any year has
    data, so when no row comes back no year has data and the year is the current one."""
    current = current_fiscal_year()
    year = fiscal_year if fiscal_year is not None else _status_year_expression(version, current)
    rows = NodeSummary.objects.filter(framework_version=version, fiscal_year=year, basis=Basis.PUBLIC)
    if node_ids is not None:
        rows = rows.filter(Q(node_id__in=list(node_ids)) | Q(node__isnull=True))
    figures, found_year = {}, None
    for row in rows.values("node_id", "fiscal_year", *SUMMARY_VALUES):
        found_year = row["fiscal_year"]
        if row["node_id"] is not None:
            figures[row["node_id"]] = Figures.of(row)
    if fiscal_year is not None:
        return NodeStatuses(fiscal_year, figures)
    return NodeStatuses(found_year if found_year is not None else current, figures)


def node_status(*, node: Node) -> tuple[int, Figures]:
    """(fiscal year, public figures) of one node, in one query (`node_statuses`)."""
    statuses = node_statuses(version=node.framework_version_id, node_ids=[node.pk])
    return statuses.fiscal_year, statuses.of(node.pk)


# ------------------------------------------------------------------------------------------- organisation page


def organisation_accepted_projects(
    *, user, organisation: Organisation, limit: int = ORGANISATION_PROJECTS
) -> tuple[list[Project], bool]:
    """The accepted projects of `organisation` and its units, through what `user` may see (accepted projects are
    public, so every visitor gets the same list), newest fiscal years first: at most `limit`, and whether there are
    more. One query, no COUNT."""
    filters = ProjectFilters(organisation=organisation.code, _organisation_path=organisation.path)
    projects = project_list(user=user, filters=filters).filter(status=WorkflowStatus.ACCEPTED)
    rows = list(projects.order_by("-fiscal_year_start", "code")[: limit + 1])
    return rows[:limit], len(rows) > limit


@dataclass(frozen=True)
class RecordRow:
    """One reporting round of an organisation's public record, from accepted data only: accepted projects that owed a
    report in the round (active in its period, not cancelled), how many of those have an accepted report, and how many
    of the accepted reports were submitted by the deadline (their latest submission's local date)."""

    round: ReportingRound
    owed: int
    accepted: int
    on_time: int

    @property
    def label(self) -> str:
        return round_label(self.round)

    @property
    def late(self) -> int:
        return self.accepted - self.on_time

    @property
    def percent_accepted(self) -> int | None:
        return None if not self.owed else round(100 * self.accepted / self.owed)

    @property
    def percent_on_time(self) -> int | None:
        return None if not self.accepted else round(100 * self.on_time / self.accepted)


def _active_in_round(prefix: str = "") -> Q:
    """Projects active in the outer round's period (the rule of `reporting.selectors.reports_owed`)."""
    p = prefix

    def q(**lookups) -> Q:
        return Q(**{f"{p}{name}": value for name, value in lookups.items()})

    starts = q(start_date__lte=OuterRef("period_end")) | q(
        start_date__isnull=True, fiscal_year_start__lte=OuterRef("fiscal_year")
    )
    ends = q(end_date__gte=OuterRef("period_start")) | q(
        end_date__isnull=True, fiscal_year_end__gte=OuterRef("fiscal_year")
    )
    return starts & ends & ~q(lifecycle=Lifecycle.CANCELLED)


def _count(queryset: QuerySet) -> Coalesce:
    """COUNT(*) of `queryset` as a correlated subquery (no GROUP BY: one row per outer row)."""
    counted = queryset.order_by().values(n=Func(F("pk"), function="COUNT"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def public_reporting_record(
    *, organisation: Organisation, limit: int = RECORD_ROUNDS, today: date | None = None
) -> list[RecordRow]:
    """The public completeness and timeliness record of `organisation` (with its units) in the latest `limit` rounds
    that have opened and in which it owed reports: one query, computed only from what the public may see."""
    today = today or timezone.localdate()
    projects = project_list(user=PUBLIC_VIEWER).filter(owner__path__startswith=organisation.path)
    owing = projects.filter(_active_in_round())
    reports = (
        report_list(user=PUBLIC_VIEWER)
        .filter(round=OuterRef("pk"), project__in=projects.values("pk"))
        .filter(_active_in_round("project__"))
    )
    rounds = (
        ReportingRound.objects.filter(opens_on__lte=today)
        .annotate(
            owed=_count(owing),
            accepted_reports=_count(reports),
            on_time=_count(reports.filter(submitted_at__date__lte=OuterRef("deadline"))),
        )
        .filter(owed__gt=0)
        .order_by("-period_start", "-pk")[:limit]
    )
    return [RecordRow(r, r.owed, r.accepted_reports, r.on_time) for r in rounds]


# ------------------------------------------------------------------------------------------- project page


def project_reports(*, user, project: Project) -> list[ProgressReport]:
    """The reports of `project` that `user` may see (the public: accepted ones), newest round first, each with
    `round_text` (the round's label in the active language), `disbursed_in_round` (money disbursed in the round's
    months) and `files` (the evidence the user may download: public files only, unless they may see the project's
    working files). Two queries."""
    reports = list(
        report_list(user=user)
        .filter(project=project)
        .annotate(
            disbursed_in_round=Sum("disbursements__amount", output_field=DecimalField(max_digits=20, decimal_places=2))
        )
        .order_by("-round__period_start", "-pk")
    )
    if not reports:
        return []
    files = Attachment.objects.filter(report__in=reports).order_by("created_at", "pk")
    # Whether the user may see files not marked public depends on the project's owner only (the reports listed are
    # already those the user may see), so one answer holds for every report.
    if not may_see_private_files(user=user, item=reports[0]):
        files = files.filter(is_public=True)
    by_report: dict[int, list[Attachment]] = {}
    for attachment in files:
        by_report.setdefault(attachment.report_id, []).append(attachment)
    for report in reports:
        report.files = by_report.get(report.pk, [])
        report.round_text = round_label(report.round)
    return reports
