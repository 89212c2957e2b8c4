"""Reads of the approval chain: what a user may do to an item, and the lists of work waiting for each user.

The lists are bounded in queries whatever their length: one query per kind of item, plus one per distinct owner
organisation for the approval chains (never one per item). Permission checks on loaded items use the memberships
cached on the user, so they cost no query.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from tidtam.core.permissions import GRANTS, Action, Reach, can, restrict, roles_of
from tidtam.organisations.choices import OrganisationKind
from tidtam.organisations.models import Organisation
from tidtam.projects.models import Project
from tidtam.reporting.choices import RoundStatus
from tidtam.reporting.models import ProgressReport, ReportingRound
from tidtam.reporting.selectors import reports_owed, round_open_list
from tidtam.workflow.choices import WorkflowAction, WorkflowStatus
from tidtam.workflow.models import WorkflowItem
from tidtam.workflow.services import approval_chain, transition_problem

S = WorkflowStatus
KINDS = ("project", "report")


# The order buttons show in: the forward move first, the way back after it.
ACTION_ORDER = (
    WorkflowAction.SUBMIT,
    WorkflowAction.APPROVE,
    WorkflowAction.ACCEPT,
    WorkflowAction.RETURN,
    WorkflowAction.UNLOCK,
)


def available_actions(user, item: WorkflowItem) -> list[WorkflowAction]:
    """The workflow actions `user` may take on `item` now, forward moves first.

    Asks the engine's own guard (`transition_problem`) with a placeholder reason, so pages never offer a transition
    the engine would refuse; a submission that is incomplete still shows (the click explains what is missing).
    """
    return [
        action
        for action in ACTION_ORDER
        if transition_problem(user, item, action, reason="x", check_completeness=False) is None
    ]


@dataclass(frozen=True)
class DueReport:
    """A report a project owes in an open round: not created yet (`report` is None) or still a draft."""

    round: ReportingRound
    project: Project
    report: ProgressReport | None = None


def _projects(user, action: Action, *, status: str | None = None, organisation: Organisation | None = None):
    queryset = Project.objects.select_related("owner")
    if status is not None:
        queryset = queryset.filter(status=status)
    if organisation is not None:
        queryset = queryset.filter(owner__path__startswith=organisation.path)
    return restrict(user, action, queryset, organisation_field="owner", status_field="status")


def _reports(
    user,
    action: Action,
    *,
    status: str | None = None,
    organisation: Organisation | None = None,
    round: ReportingRound | None = None,
):
    queryset = ProgressReport.objects.select_related("project__owner", "round")
    if status is not None:
        queryset = queryset.filter(status=status)
    if organisation is not None:
        queryset = queryset.filter(project__owner__path__startswith=organisation.path)
    if round is not None:
        queryset = queryset.filter(round=round)
    return restrict(user, action, queryset, organisation_field="project__owner", status_field="status")


def _items(user, action: Action, *, status: str, kind=None, organisation=None, round=None) -> list[WorkflowItem]:
    """Projects (unless a round or kind "report" is asked for) and reports in `status` that `user` may `action`."""
    items: list[WorkflowItem] = []
    if kind in (None, "", "project") and round is None:
        items += _projects(user, action, status=status, organisation=organisation)
    if kind in (None, "", "report"):
        items += _reports(user, action, status=status, organisation=organisation, round=round)
    return items


def _oldest_first(items: list[WorkflowItem], field: str) -> list[WorkflowItem]:
    def key(item):
        moment = getattr(item, field)
        return (moment is None, moment.timestamp() if moment else 0, item.PERMISSION_KIND, item.pk)

    return sorted(items, key=key)


def approval_inbox(
    *,
    user,
    kind: str | None = None,
    organisation: Organisation | None = None,
    round: ReportingRound | None = None,
) -> list[WorkflowItem]:
    """Submitted projects and reports that `user` may approve at the item's current approval level, oldest first.

    Each returned item carries `approval_level` (the organisation whose approval is due) and `approval_step`
    (1 for the first level). `kind` is "project" or "report"; a `round` limits the list to that round's reports.
    """
    candidates = _items(user, Action.APPROVE, status=S.SUBMITTED, kind=kind, organisation=organisation, round=round)
    chains: dict[int, list[Organisation]] = {}
    inbox = []
    for item in candidates:
        owner = item.owning_organisation()
        if owner.pk not in chains:
            chains[owner.pk] = approval_chain(owner)
        chain = chains[owner.pk]
        level = chain[min(item.approvals_done, len(chain) - 1)]  # as approval_level_organisation, without a query
        if can(user, Action.APPROVE, item, scope=level):
            item.approval_level = level
            item.approval_step = item.approvals_done + 1
            inbox.append(item)
    return _oldest_first(inbox, "submitted_at")


def reviewer_queue(
    *,
    user,
    kind: str | None = None,
    organisation: Organisation | None = None,
    round: ReportingRound | None = None,
) -> list[WorkflowItem]:
    """Approved projects and reports waiting for `user` to accept (or return) them, oldest approval first."""
    items = _items(user, Action.ACCEPT, status=S.APPROVED, kind=kind, organisation=organisation, round=round)
    return _oldest_first(items, "approved_at")


def returned_to(*, user) -> list[WorkflowItem]:
    """Drafts that an approver or reviewer returned (or a reviewer unlocked) with a reason, which `user` may edit
    now."""
    items = [
        *_projects(user, Action.EDIT, status=S.DRAFT).exclude(return_reason=""),
        # A report locked by its closed round cannot be corrected, so it is no task (unless a reviewer lifted the lock).
        *_reports(user, Action.EDIT, status=S.DRAFT)
        .exclude(return_reason="")
        .exclude(round__status=RoundStatus.CLOSED, round_lock_lifted=False),
    ]
    return sorted(items, key=lambda item: item.returned_at or item.updated_at, reverse=True)


def reports_due(*, user) -> list[DueReport]:
    """Reports owed in open rounds by projects `user` may edit, not created yet or still a draft (not returned
    ones: those are listed as returned). Earliest deadline first."""
    rounds = list(round_open_list().order_by("deadline", "period_start"))
    owed: list[tuple[ReportingRound, Project]] = []
    for round_ in rounds:
        projects = restrict(user, Action.EDIT, reports_owed(round=round_), organisation_field="owner")
        owed += [(round_, project) for project in projects.select_related("owner").order_by("code")]
    if not owed:
        return []
    existing = {
        (report.round_id, report.project_id): report
        for report in ProgressReport.objects.filter(
            round__in=rounds, project__in={project.pk for _, project in owed}
        ).select_related("round", "project__owner")
    }
    due = []
    for round_, project in owed:
        report = existing.get((round_.pk, project.pk))
        if report is None or (report.status == S.DRAFT and not report.return_reason):
            due.append(DueReport(round_, project, report))
    return due


def my_tasks(*, user) -> dict[str, list]:
    """The workspace: `reports_due` (DueReport), `returned_to_me` and `awaiting_my_approval` (items)."""
    if not getattr(user, "is_authenticated", False):
        return {"reports_due": [], "returned_to_me": [], "awaiting_my_approval": []}
    return {
        "reports_due": reports_due(user=user),
        "returned_to_me": returned_to(user=user),
        "awaiting_my_approval": approval_inbox(user=user),
    }


def holds_action(user, action: Action) -> bool:
    """Whether any of the user's roles grants `action` on projects or reports anywhere (who sees which menu)."""
    return any(GRANTS[role].allows(kind, action) for role in roles_of(user) for kind in KINDS)


def filter_organisations(*, user, action: Action) -> QuerySet[Organisation]:
    """The organisations to offer as a filter on a list of items the user may `action`: everything that can own
    projects for a role reaching everywhere, else the subtrees of the user's memberships whose role grants it."""
    organisations = Organisation.objects.filter(is_active=True).exclude(
        kind__in=[OrganisationKind.EXTERNAL_PARTNER, OrganisationKind.LEGISLATURE]
    )
    roles = [role for role in roles_of(user) if any(GRANTS[role].allows(kind, action) for kind in KINDS)]
    if any(GRANTS[role].reach is Reach.ALL for role in roles):
        return organisations.order_by("path")
    memberships = user.memberships.filter(role__in=[role.value for role in roles])
    condition = Q(pk__in=[])
    for path in memberships.values_list("organisation__path", flat=True):
        condition |= Q(path__startswith=path)
    return organisations.filter(condition).order_by("path")
