"""Round and report services: periods from the Thai calendar, pre-fill, who owes, parts, locks, conflicts, audit."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from tidtam.core.errors import Conflict, Forbidden, ValidationFailed
from tidtam.core.models import AuditEntry
from tidtam.core.testing import ProjectFactory, submittable_project
from tidtam.projects.choices import Lifecycle
from tidtam.projects.models import ProjectKpi
from tidtam.reporting import services
from tidtam.reporting.choices import RoundStatus
from tidtam.reporting.models import KpiActual, ProgressReport, ReportDisbursement, ReportIndicatorValue
from tidtam.workflow.choices import WorkflowAction, WorkflowErrorCode, WorkflowStatus
from tidtam.workflow.services import workflow_transition

pytestmark = pytest.mark.django_db
S = WorkflowStatus


def _entries(obj, action=None):
    entries = AuditEntry.objects.filter(object_type=obj._meta.model_name, object_id=str(obj.pk))
    return entries.filter(action=action) if action else entries


# --------------------------------------------------------------------------- rounds


def test_round_open_derives_the_period_from_the_thai_calendar(people):
    reviewer = people["reviewer"]
    q1 = services.round_open(
        actor=reviewer, fiscal_year="๒๕๖๘", quarter=1, opens_on=date(2024, 12, 15), deadline=date(2025, 1, 31)
    )
    assert (q1.fiscal_year, q1.period_start, q1.period_end) == (2568, date(2024, 10, 1), date(2024, 12, 31))
    assert q1.status == RoundStatus.OPEN and str(q1) == "ไตรมาส 1/2568"
    q4 = services.round_open(actor=reviewer, fiscal_year=2568, quarter=4, opens_on="2025-09-15", deadline="2025-10-31")
    assert (q4.period_start, q4.period_end) == (date(2025, 7, 1), date(2025, 9, 30))
    february = services.round_open(
        actor=reviewer, fiscal_year=2568, month=5, opens_on=date(2025, 3, 1), deadline=date(2025, 3, 15)
    )
    assert (february.period_start, february.period_end) == (date(2025, 2, 1), date(2025, 2, 28))
    assert _entries(q1, "create").get().actor == reviewer


def test_round_open_is_for_reviewers_with_valid_dates_and_once(people):
    dates = {"opens_on": date(2024, 12, 15), "deadline": date(2025, 1, 31)}
    for role in ("reporter", "approver", "coordinator", "oversight"):
        with pytest.raises(Forbidden):
            services.round_open(actor=people[role], fiscal_year=2568, quarter=1, **dates)
    with pytest.raises(ValidationFailed) as raised:
        services.round_open(
            actor=people["reviewer"], fiscal_year=2568, quarter=1, opens_on=date(2025, 2, 1), deadline=date(2025, 1, 1)
        )
    assert raised.value.code == "deadline_before_opening" and "deadline" in raised.value.details
    for bad in ({"quarter": 5}, {"month": 13}, {}, {"quarter": 1, "month": 1}):
        with pytest.raises(ValidationFailed):
            services.round_open(actor=people["reviewer"], fiscal_year=2568, **bad, **dates)
    services.round_open(actor=people["reviewer"], fiscal_year=2568, quarter=1, **dates)
    with pytest.raises(Conflict) as raised:
        services.round_open(actor=people["reviewer"], fiscal_year=2568, quarter=1, **dates)
    assert raised.value.code == "round_exists"


def test_round_update_close_and_reopen(people, q1):
    reviewer = people["reviewer"]
    with pytest.raises(Forbidden):
        services.round_update(actor=people["coordinator"], round=q1, version=q1.version, deadline=date(2025, 2, 7))
    with pytest.raises(ValidationFailed):
        services.round_update(actor=reviewer, round=q1, version=q1.version, deadline=date(2024, 12, 1))
    with pytest.raises(ValidationFailed):
        services.round_update(actor=reviewer, round=q1, version=q1.version, period_end=date(2025, 1, 1))
    services.round_update(actor=reviewer, round=q1, version=1, deadline="2025-02-07")
    assert q1.deadline == date(2025, 2, 7) and q1.version == 2
    with pytest.raises(Conflict) as raised:
        services.round_update(actor=reviewer, round=q1, version=1, deadline=date(2025, 2, 14))
    assert raised.value.code == "stale_version"
    services.round_close(actor=reviewer, round=q1, version=2)
    assert q1.is_closed and q1.closed_at is not None
    with pytest.raises(Conflict):
        services.round_close(actor=reviewer, round=q1, version=3)
    with pytest.raises(ValidationFailed) as raised:
        services.round_reopen(actor=reviewer, round=q1, version=3, reason=" ")
    assert raised.value.code == WorkflowErrorCode.REASON_REQUIRED
    services.round_reopen(actor=reviewer, round=q1, version=3, reason="ขยายเวลาให้หน่วยงาน")
    assert not q1.is_closed and q1.closed_at is None
    assert list(_entries(q1).order_by("id").values_list("action", flat=True)) == ["update", "close", "reopen"]
    assert _entries(q1, "reopen").get().reason == "ขยายเวลาให้หน่วยงาน"


# --------------------------------------------------------------------------- creating reports


def _fill_q1(people, project, q1) -> ProgressReport:
    report = services.report_create(actor=people["reporter"], project=project, round=q1)
    return services.report_update(
        actor=people["reporter"],
        report=report,
        version=report.version,
        physical_progress="40",
        results="จัดประชุมแล้ว 2 ครั้ง",
        problems="ล่าช้าเล็กน้อย",
        recommendations="เพิ่มงบประมาณ",
        disbursements=[{"month": date(2024, 10, 1), "amount": "100"}, {"month": "2024-12", "amount": 250}],
        kpi_actuals=[{"kpi": project.kpi_a.pk, "value": 2}],
        indicator_values=[{"indicator": project.target_indicator.pk, "value": "55.5", "note": "ประมาณการ"}],
    )


def test_a_new_report_is_prefilled_from_the_previous_one_but_not_its_money(people, project, q1, q2):
    first = _fill_q1(people, project, q1)
    second = services.report_create(actor=people["reporter"], project=project, round=q2)
    assert second.status == S.DRAFT and second.version == 1
    assert second.physical_progress == Decimal("40")
    assert (second.results, second.problems, second.recommendations) == (
        "จัดประชุมแล้ว 2 ครั้ง",
        "ล่าช้าเล็กน้อย",
        "เพิ่มงบประมาณ",
    )
    assert [(a.kpi_id, a.value) for a in second.kpi_actuals.all()] == [(project.kpi_a.pk, Decimal("2"))]
    assert [(v.indicator_id, v.value, v.note) for v in second.indicator_values.all()] == [
        (project.target_indicator.pk, Decimal("55.5"), "ประมาณการ")
    ]
    assert not second.disbursements.exists() and first.disbursements.count() == 2
    entry = _entries(second, "create").get()
    assert entry.after["prefilled_from"] == first.pk
    assert entry.after["parts"]["counts"] == {"disbursements": 0, "kpi_actuals": 1, "indicator_values": 1}


def test_prefill_leaves_out_indicators_the_project_no_longer_serves(people, project, q1, q2):
    _fill_q1(people, project, q1)
    project.contributions.all().delete()
    second = services.report_create(actor=people["reporter"], project=project, round=q2)
    assert not second.indicator_values.exists() and second.kpi_actuals.count() == 1


def test_first_report_starts_empty(people, project, q1):
    report = services.report_create(actor=people["reporter"], project=project, round=q1)
    assert report.physical_progress is None and report.results == ""
    assert _entries(report, "create").get().after["prefilled_from"] is None


def test_only_projects_that_owe_a_report_get_one(people, org, q1):
    reporter = people["reporter"]
    cases = {
        "project_not_approved": submittable_project(owner=org["division"]),
        "not_owed": submittable_project(
            owner=org["division"], status=S.APPROVED, fiscal_year_start=2569, fiscal_year_end=2569
        ),
    }
    cases["ended"] = submittable_project(
        owner=org["division"], status=S.ACCEPTED, start_date=date(2024, 1, 1), end_date=date(2024, 9, 30)
    )
    cases["cancelled"] = submittable_project(owner=org["division"], status=S.APPROVED, lifecycle=Lifecycle.CANCELLED)
    expected = {"project_not_approved": "project_not_approved", "not_owed": "not_owed", "ended": "not_owed"}
    expected["cancelled"] = "not_owed"
    for name, project in cases.items():
        with pytest.raises(Conflict) as raised:
            services.report_create(actor=reporter, project=project, round=q1)
        assert raised.value.code == expected[name], name
    assert not ProgressReport.objects.exists() and not AuditEntry.objects.exists()


def test_a_second_report_in_the_same_round_is_a_conflict(people, project, q1):
    first = services.report_create(actor=people["reporter"], project=project, round=q1)
    with pytest.raises(Conflict) as raised:
        services.report_create(actor=people["reporter"], project=project, round=q1)
    assert raised.value.status == 409 and raised.value.code == "report_exists"
    assert raised.value.details == {"report": first.pk}
    assert ProgressReport.objects.count() == 1


def test_report_create_needs_a_reporter_over_the_owner_and_an_open_round(people, project, q1):
    for role in ("other_reporter", "approver", "coordinator", "reviewer", "oversight"):
        with pytest.raises(Forbidden):
            services.report_create(actor=people[role], project=project, round=q1)
    q1.status = RoundStatus.CLOSED
    q1.save()
    with pytest.raises(Conflict) as raised:
        services.report_create(actor=people["reporter"], project=project, round=q1)
    assert raised.value.code == WorkflowErrorCode.ROUND_CLOSED


# --------------------------------------------------------------------------- updating reports


@pytest.fixture
def report(people, project, q1):
    return services.report_create(actor=people["reporter"], project=project, round=q1)


def test_update_writes_fields_and_parts_with_thai_digits_and_one_audit_entry(people, project, report):
    services.report_update(
        actor=people["reporter"],
        report=report,
        version=1,
        physical_progress="๔๕.๕",
        results="  ผลการดำเนินงาน  ",
        disbursements=[{"month": "2024-11-20", "amount": "๑,๒๓๔.๕"}],
        kpi_actuals=[{"kpi": project.kpi_b.pk, "value": "๗๘"}],
        indicator_values=[{"indicator": project.strategy_indicator.pk, "value": 1}],
    )
    report.refresh_from_db()
    assert report.physical_progress == Decimal("45.50") and report.results == "ผลการดำเนินงาน"
    assert report.version == 2
    assert [(d.month, d.amount) for d in report.disbursements.all()] == [(date(2024, 11, 1), Decimal("1234.50"))]
    assert [(a.kpi_id, a.value) for a in report.kpi_actuals.all()] == [(project.kpi_b.pk, Decimal("78"))]
    assert [v.indicator_id for v in report.indicator_values.all()] == [project.strategy_indicator.pk]
    entry = _entries(report, "update").get()
    assert entry.actor == people["reporter"]
    assert entry.before["parts"]["counts"] == {"disbursements": 0, "kpi_actuals": 0, "indicator_values": 0}
    assert entry.after["parts"]["disbursements"] == [{"month": "2024-11-01", "amount": "1234.5"}]
    assert entry.after["physical_progress"] == "45.5" and entry.after["version"] == 2
    assert {"parts", "physical_progress", "results", "version"} <= set(entry.changed_fields)


def test_parts_not_given_are_kept_and_an_unchanged_write_is_no_write(people, project, report):
    services.report_update(
        actor=people["reporter"], report=report, version=1, disbursements=[{"month": "2024-10", "amount": 5}]
    )
    services.report_update(actor=people["reporter"], report=report, version=2, physical_progress=10)
    assert report.disbursements.count() == 1 and report.version == 3
    services.report_update(
        actor=people["reporter"],
        report=report,
        version=3,
        physical_progress="10.00",
        disbursements=[{"month": date(2024, 10, 1), "amount": "5.00"}],
    )
    assert report.version == 3 and _entries(report, "update").count() == 2


def test_a_month_outside_the_round_is_refused_naming_the_row(people, report):
    with pytest.raises(ValidationFailed) as raised:
        services.report_update(
            actor=people["reporter"],
            report=report,
            version=1,
            physical_progress=30,
            disbursements=[{"month": "2024-10", "amount": 1}, {"month": "2025-01", "amount": 2}],
        )
    details = raised.value.details
    assert list(details) == ["disbursements[1].month"]
    assert "แถวที่ 2" in details["disbursements[1].month"][0] and "row 2" in details["disbursements[1].month"][0]
    assert "disbursements[1].month" in raised.value.message
    report.refresh_from_db()
    assert report.version == 1 and report.physical_progress is None and not ReportDisbursement.objects.exists()


def test_bad_rows_are_all_named(people, project, report):
    with pytest.raises(ValidationFailed) as raised:
        services.report_update(
            actor=people["reporter"],
            report=report,
            version=1,
            physical_progress="101",
            disbursements=[{"month": "2024-10", "amount": "-1"}, {"month": "2024-10", "amount": "abc"}],
            kpi_actuals=[{"kpi": project.kpi_a.pk, "value": "1e5"}],
        )
    assert set(raised.value.details) == {
        "physical_progress",
        "disbursements[0].amount",
        "disbursements[1].amount",
        "kpi_actuals[0].value",
    }
    with pytest.raises(ValidationFailed) as raised:
        services.report_update(actor=people["reporter"], report=report, version=1, owner="x")
    assert raised.value.code == "unknown_field"


def test_kpis_of_another_project_and_unrelated_indicators_are_refused(people, org, project, report):
    foreign = ProjectKpi.objects.create(
        project=ProjectFactory(owner=org["division"]), name="อื่น", unit="ครั้ง", target_value=1
    )
    with pytest.raises(ValidationFailed) as raised:
        services.report_update(
            actor=people["reporter"],
            report=report,
            version=1,
            kpi_actuals=[{"kpi": project.kpi_a.pk, "value": 1}, {"kpi": foreign.pk, "value": 1}],
            indicator_values=[{"indicator": project.foreign_indicator.pk, "value": 1}],
        )
    assert set(raised.value.details) == {"kpi_actuals[1].kpi", "indicator_values[0].indicator"}
    assert not KpiActual.objects.exists() and not ReportIndicatorValue.objects.exists()


def test_a_stale_version_is_a_conflict_and_changes_nothing(people, report):
    services.report_update(actor=people["reporter"], report=report, version=1, physical_progress=10)
    stale = ProgressReport.objects.get(pk=report.pk)
    services.report_update(actor=people["reporter"], report=report, version=2, results="ใหม่")
    with pytest.raises(Conflict) as raised:
        services.report_update(
            actor=people["reporter"],
            report=stale,
            version=2,
            physical_progress=99,
            disbursements=[{"month": "2024-10", "amount": 1}],
        )
    assert raised.value.code == "stale_version" and raised.value.details["current_version"] == 3
    report.refresh_from_db()
    assert (report.version, report.physical_progress, report.results) == (3, Decimal("10"), "ใหม่")
    assert not ReportDisbursement.objects.exists()
    assert _entries(report, "update").count() == 2
    with pytest.raises(Conflict):
        services.report_update(actor=people["reporter"], report=report, version=1, physical_progress=99)


def test_an_accepted_report_is_locked_until_a_reviewer_unlocks_it(people, report):
    reporter, reviewer = people["reporter"], people["reviewer"]
    ProgressReport.objects.filter(pk=report.pk).update(status=S.ACCEPTED)
    report.refresh_from_db()
    with pytest.raises(Conflict) as raised:
        services.report_update(actor=reporter, report=report, version=report.version, results="x")
    assert raised.value.code == WorkflowErrorCode.LOCKED
    with pytest.raises(Forbidden):
        workflow_transition(
            actor=people["approver"], item=report, action=WorkflowAction.UNLOCK, version=report.version, reason="แก้"
        )
    workflow_transition(actor=reviewer, item=report, action=WorkflowAction.UNLOCK, version=report.version, reason="แก้")
    services.report_update(actor=reporter, report=report, version=report.version, results="แก้แล้ว")
    report.refresh_from_db()
    assert report.status == S.DRAFT and report.results == "แก้แล้ว"


def test_a_closed_round_locks_its_reports_until_a_reviewer_unlocks_one(people, report, q1):
    reporter, reviewer = people["reporter"], people["reviewer"]
    services.round_close(actor=reviewer, round=q1, version=q1.version)
    report = ProgressReport.objects.select_related("round").get(pk=report.pk)
    with pytest.raises(Conflict) as raised:
        services.report_update(actor=reporter, report=report, version=report.version, results="y")
    assert raised.value.code == WorkflowErrorCode.ROUND_CLOSED
    workflow_transition(
        actor=reviewer, item=report, action=WorkflowAction.UNLOCK, version=report.version, reason="ขอแก้ไขตัวเลข"
    )
    services.report_update(actor=reporter, report=report, version=report.version, results="หลังปลดล็อก")
    report.refresh_from_db()
    assert report.results == "หลังปลดล็อก" and report.round_lock_lifted


def test_submitted_reports_and_other_organisations_cannot_edit(people, report):
    for role in ("other_reporter", "approver", "coordinator", "reviewer", "oversight"):
        with pytest.raises(Forbidden):
            services.report_update(actor=people[role], report=report, version=1, results="x")
    ProgressReport.objects.filter(pk=report.pk).update(status=S.SUBMITTED)
    report.refresh_from_db()
    with pytest.raises(Conflict) as raised:
        services.report_update(actor=people["reporter"], report=report, version=1, results="x")
    assert raised.value.code == WorkflowErrorCode.NOT_EDITABLE


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_one_wins_and_nothing_is_mixed(people, project, q1):
    """Both writers load version 1 before either writes; the conditional UPDATE lets exactly one through."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    report = services.report_create(actor=people["reporter"], project=project, round=q1)
    barrier = threading.Barrier(2)
    outcomes = {}

    def write(name: str, amount: int) -> None:
        try:
            mine = ProgressReport.objects.select_related("round", "project").get(pk=report.pk)
            barrier.wait(timeout=10)
            services.report_update(
                actor=people["reporter"],
                report=mine,
                version=1,
                results=name,
                disbursements=[{"month": "2024-10", "amount": amount}, {"month": "2024-11", "amount": amount}],
            )
            outcomes[name] = "ok"
        except Conflict as error:
            outcomes[name] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=args) for args in (("first", 1), ("second", 2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["ok", "stale_version"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "ok")
    report.refresh_from_db()
    assert report.version == 2 and report.results == winner
    amounts = {d.amount for d in report.disbursements.all()}
    assert report.disbursements.count() == 2 and amounts == {Decimal(1 if winner == "first" else 2)}
    assert _entries(report, "update").count() == 1
