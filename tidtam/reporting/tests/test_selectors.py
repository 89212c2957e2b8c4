"""Who owes a report, completeness and timeliness on a hand-built dataset, derived sums, lists and filters."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser

from tidtam.core.errors import Forbidden, NotFound, ValidationFailed
from tidtam.core.testing import submittable_project
from tidtam.projects.choices import Lifecycle
from tidtam.reporting import selectors
from tidtam.reporting.filters import ReportFilters
from tidtam.reporting.models import ProgressReport, ReportDisbursement
from tidtam.workflow.choices import WorkflowStatus

pytestmark = pytest.mark.django_db
S = WorkflowStatus
BANGKOK = ZoneInfo("Asia/Bangkok")


def _at(*args) -> datetime:
    return datetime(*args, tzinfo=BANGKOK)


def _approved(owner, **fields):
    return submittable_project(owner=owner, status=S.APPROVED, **fields)


# --------------------------------------------------------------------------- who owes


@pytest.mark.parametrize(
    ("fields", "owes_q1", "owes_q2"),
    [
        ({}, True, True),
        ({"fiscal_year_start": 2567, "fiscal_year_end": 2567}, False, False),
        ({"fiscal_year_start": 2567, "fiscal_year_end": 2568}, True, True),
        ({"fiscal_year_start": 2569, "fiscal_year_end": 2570}, False, False),
        ({"start_date": date(2024, 12, 31)}, True, True),
        ({"start_date": date(2025, 1, 1)}, False, True),
        ({"start_date": date(2024, 3, 1), "end_date": date(2024, 10, 1)}, True, False),
        ({"start_date": date(2024, 3, 1), "end_date": date(2024, 9, 30)}, False, False),
        ({"end_date": date(2025, 1, 15)}, True, True),
        ({"lifecycle": Lifecycle.CANCELLED}, False, False),
        ({"lifecycle": Lifecycle.COMPLETED}, True, True),
        ({"status": S.ACCEPTED}, True, True),
        ({"status": S.DRAFT}, False, False),
        ({"status": S.SUBMITTED}, False, False),
    ],
)
def test_reports_owed_follow_the_projects_active_in_the_period(org, q1, q2, fields, owes_q1, owes_q2):
    fields = {"status": S.APPROVED, **fields}
    project = submittable_project(owner=org["division"], **fields)
    assert selectors.owes_report(project=project, round=q1) is owes_q1
    assert selectors.owes_report(project=project, round=q2) is owes_q2


def test_reports_owed_by_organisation_subtree(org, q1):
    mine = _approved(org["division"])
    theirs = _approved(org["other_division"])
    assert set(selectors.reports_owed(round=q1)) == {mine, theirs}
    assert list(selectors.reports_owed(round=q1, organisation=org["ministry"])) == [mine]
    assert list(selectors.reports_owed(round=q1, organisation=org["other"])) == [theirs]


# --------------------------------------------------------------------------- completeness


@pytest.fixture
def dataset(org, q1):
    """FY 2568 Q1 (deadline 31 Jan 2025). The MFA division owes five reports, the MOD division two."""
    division, other = org["division"], org["other_division"]

    def report(project, status, submitted_at=None, **fields):
        return ProgressReport.objects.create(
            project=project, round=q1, status=status, submitted_at=submitted_at, **fields
        )

    report(_approved(division, code="A"), S.SUBMITTED, _at(2025, 1, 20, 10, 0))  # on time
    report(_approved(division, code="B"), S.APPROVED, _at(2025, 1, 31, 23, 30))  # on time, at the last minute
    report(_approved(division, code="C"), S.ACCEPTED, _at(2025, 2, 1, 0, 30))  # late by an hour (local time)
    report(_approved(division, code="D"), S.DRAFT, _at(2025, 1, 10), return_reason="แก้ไข")  # returned: not in
    _approved(division, code="E")  # nothing yet
    submittable_project(owner=division, code="F")  # a draft project owes nothing
    _approved(division, code="G", lifecycle=Lifecycle.CANCELLED)  # cancelled: owes nothing
    _approved(division, code="H", start_date=date(2023, 1, 1), end_date=date(2024, 9, 30))  # ended before
    _approved(other, code="I")
    report(_approved(other, code="J"), S.SUBMITTED, _at(2025, 2, 10, 9, 0))  # late


def _counts(row):
    names = ("owed", "submitted", "approved", "accepted", "on_time", "late", "missing", "pending")
    return {name: getattr(row, name) for name in names}


def test_completeness_after_the_deadline(people, org, q1, dataset):
    rows = selectors.completeness(user=people["reviewer"], round=q1, today=date(2025, 2, 15))
    assert [row.organisation.code for row in rows] == ["mfa-div", "mod-div"]
    assert _counts(rows[0]) == {
        "owed": 5,
        "submitted": 3,
        "approved": 2,
        "accepted": 1,
        "on_time": 2,
        "late": 1,
        "missing": 2,
        "pending": 0,
    }
    assert _counts(rows[1]) == {
        "owed": 2,
        "submitted": 1,
        "approved": 0,
        "accepted": 0,
        "on_time": 0,
        "late": 1,
        "missing": 1,
        "pending": 0,
    }
    total = selectors.completeness_total(rows)
    assert (total.owed, total.submitted, total.missing, total.percent_submitted) == (7, 4, 3, 57)


def test_before_and_on_the_deadline_nothing_is_missing_yet(people, q1, dataset):
    for today in (date(2025, 1, 15), date(2025, 1, 31)):
        rows = selectors.completeness(user=people["reviewer"], round=q1, today=today)
        assert [(row.missing, row.pending) for row in rows] == [(0, 2), (0, 1)]


def test_completeness_uses_todays_date_by_default(people, q1, dataset):
    rows = selectors.completeness(user=people["reviewer"], round=q1)  # the real today is long after January 2025
    assert [row.missing for row in rows] == [2, 1]


def test_completeness_is_for_coordinators_of_their_subtree_reviewers_and_oversight(people, org, q1, dataset):
    def codes(role, **kwargs):
        return [row.organisation.code for row in selectors.completeness(user=people[role], round=q1, **kwargs)]

    assert codes("coordinator") == ["mfa-div"]
    assert codes("other_coordinator") == ["mod-div"]
    assert codes("oversight") == ["mfa-div", "mod-div"]
    assert codes("reviewer", organisation=org["other"]) == ["mod-div"]
    assert codes("coordinator", organisation=org["department"]) == ["mfa-div"]
    with pytest.raises(Forbidden):
        selectors.completeness(user=people["coordinator"], round=q1, organisation=org["other"])
    for role in (None, "reporter", "approver"):
        with pytest.raises(Forbidden):
            selectors.completeness(user=people[role], round=q1)


# --------------------------------------------------------------------------- derived sums


def test_cumulative_and_planned_disbursement_are_derived(people, project, q1, q2):
    first = ProgressReport.objects.create(project=project, round=q1)
    second = ProgressReport.objects.create(project=project, round=q2)
    for report, month, amount in (
        (first, date(2024, 10, 1), 100),
        (first, date(2024, 12, 1), 50),
        (second, date(2025, 1, 1), 200),
    ):
        ReportDisbursement.objects.create(report=report, month=month, amount=Decimal(amount))
    reporter = people["reporter"]
    assert selectors.cumulative_disbursement(first, user=reporter) == Decimal("150")
    assert selectors.cumulative_disbursement(second, user=reporter) == Decimal("350")
    assert selectors.disbursement_plan_to_date(first) == Decimal("600")  # Oct–Dec: 100 + 200 + 300
    assert selectors.disbursement_plan_to_date(second) == Decimal("1000")  # and January's 400
    other = ProgressReport.objects.create(project=_approved(project.owner), round=q1)
    assert selectors.cumulative_disbursement(other, user=reporter) == Decimal("0")


def test_the_public_cumulative_counts_accepted_reports_only(people, project, q1, q2):
    draft = ProgressReport.objects.create(project=project, round=q1)  # e.g. unlocked and being corrected
    accepted = ProgressReport.objects.create(project=project, round=q2, status=WorkflowStatus.ACCEPTED)
    ReportDisbursement.objects.create(report=draft, month=date(2024, 10, 1), amount=Decimal(100))
    ReportDisbursement.objects.create(report=accepted, month=date(2025, 1, 1), amount=Decimal(200))
    assert selectors.cumulative_disbursement(accepted, user=AnonymousUser()) == Decimal("200")
    assert selectors.cumulative_disbursement(accepted, user=people["oversight"]) == Decimal("200")
    assert selectors.cumulative_disbursement(accepted, user=people["reporter"]) == Decimal("300")


def test_labels_and_months(q1):
    assert selectors.round_label(q1, lang="th") == "ไตรมาส 1/2568"
    assert selectors.round_label(q1, lang="en") == "Q1 FY 2568"
    assert selectors.period_months(q1) == [date(2024, 10, 1), date(2024, 11, 1), date(2024, 12, 1)]
    assert selectors.month_label(date(2025, 2, 1), lang="th") == "กุมภาพันธ์ 2568"


# --------------------------------------------------------------------------- lists and filters


@pytest.fixture
def reports(org, q1, q2):
    division, other = org["division"], org["other_division"]
    return {
        "draft": ProgressReport.objects.create(project=_approved(division, code="MFA-1"), round=q1),
        "approved": ProgressReport.objects.create(
            project=_approved(division, code="MFA-2"), round=q1, status=S.APPROVED
        ),
        "accepted": ProgressReport.objects.create(
            project=_approved(division, code="MFA-3"), round=q2, status=S.ACCEPTED
        ),
        "theirs": ProgressReport.objects.create(project=_approved(other, code="MOD-1"), round=q1),
    }


def test_report_list_shows_what_each_user_may_see(people, reports):
    def seen(role):
        return {r.project.code for r in selectors.report_list(user=people[role])}

    assert seen("reporter") == {"MFA-1", "MFA-2", "MFA-3"}
    assert seen("other_reporter") == {"MOD-1", "MFA-3"}  # their own, and accepted (public) ones
    assert seen("oversight") == {"MFA-2", "MFA-3"}
    assert seen(None) == {"MFA-3"}
    assert seen("reviewer") == {"MFA-1", "MFA-2", "MFA-3", "MOD-1"}
    assert selectors.report_get(user=people["reporter"], pk=reports["draft"].pk) == reports["draft"]
    with pytest.raises(NotFound):
        selectors.report_get(user=people["other_reporter"], pk=reports["draft"].pk)


def test_report_filters(people, org, q1, q2, reports):
    def codes(**query):
        filters = ReportFilters.from_query(query)
        return sorted(r.project.code for r in selectors.report_list(user=people["reviewer"], filters=filters))

    assert codes(round=str(q2.pk)) == ["MFA-3"]
    assert codes(fiscal_year="๒๕๖๘", quarter="๑") == ["MFA-1", "MFA-2", "MOD-1"]
    assert codes(organisation="mfa") == ["MFA-1", "MFA-2", "MFA-3"]
    assert codes(organisation="nope") == []
    assert codes(status="approved") == ["MFA-2"]
    assert codes(project="MOD-1") == ["MOD-1"]
    assert codes(project=str(reports["draft"].project_id)) == ["MFA-1"]
    assert codes(round="", status="") == ["MFA-1", "MFA-2", "MFA-3", "MOD-1"]
    for bad in ({"quarter": "5"}, {"round": "x"}, {"status": "lost"}, {"fiscal_year": "soon"}):
        with pytest.raises(ValidationFailed) as raised:
            ReportFilters.from_query(bad)
        assert list(raised.value.details) == list(bad)


def test_the_database_refuses_a_second_round_for_the_same_quarter_or_month(q1):
    from django.db import IntegrityError, transaction

    from tidtam.reporting.models import ReportingRound

    fields = {f: getattr(q1, f) for f in ("period_start", "period_end", "opens_on", "deadline")}
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportingRound.objects.create(fiscal_year=2568, quarter=1, **fields)
    ReportingRound.objects.create(fiscal_year=2568, month=1, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportingRound.objects.create(fiscal_year=2568, month=1, **fields)
    assert ReportingRound.objects.filter(fiscal_year=2568).count() == 2
