"""`/rounds`, `/projects/{id}/reports` and `/reports`: rounds, starting and filling reports, derived sums, locks."""

from datetime import date

import pytest
from django.test import Client

from tidtam.accounts.choices import Role
from tidtam.api.tests.helpers import API, assert_error, bearer_client, send
from tidtam.core.testing import (
    IndicatorFactory,
    OrganisationFactory,
    ReportFactory,
    RoundFactory,
    member,
    submittable_project,
)
from tidtam.projects.models import PlannedDisbursement
from tidtam.workflow.choices import WorkflowStatus as S

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(db):
    ministry = OrganisationFactory(code="mfa")
    division = OrganisationFactory(code="mfa-div", parent=ministry)
    project = submittable_project(
        owner=division, status=S.ACCEPTED, start_date=date(2024, 10, 1), end_date=date(2025, 9, 30)
    )
    kpi = project.kpis.create(name="จำนวนการประชุม", unit="ครั้ง", target_value=4)
    PlannedDisbursement.objects.create(project=project, month=date(2024, 10, 1), amount=100)
    PlannedDisbursement.objects.create(project=project, month=date(2025, 2, 1), amount=50)
    return {
        "ministry": ministry,
        "project": project,
        "kpi": kpi,
        "indicator": IndicatorFactory(node=project.contributions.get().node),
        "reporter": bearer_client(member(Role.REPORTER, division, username="reporter", email="r@example.org")),
        "approver": bearer_client(member(Role.APPROVER, ministry)),
        "reviewer": bearer_client(member(Role.REVIEWER, OrganisationFactory(code="nesdc"), username="reviewer")),
        "coordinator": bearer_client(member(Role.COORDINATOR, ministry)),
    }


def _open(reviewer: Client, **fields) -> dict:
    body = {"fiscal_year": 2568, "quarter": 1, "opens_on": "2024-12-15", "deadline": "2025-01-31", **fields}
    response = send(reviewer, "post", "/rounds", body)
    assert response.status_code == 201, response.content
    return response.json()


def test_open_quarterly_and_monthly_rounds(setting):
    reviewer = setting["reviewer"]
    q2 = _open(reviewer, fiscal_year="๒๕๖๘", quarter="๒", opens_on="2025-03-15", deadline="2025-04-30")
    assert (q2["period_start"], q2["period_end"], q2["label"]) == ("2025-01-01", "2025-03-31", "ไตรมาส 2/2568")
    october = _open(reviewer, quarter=None, month=1, opens_on="2024-11-01", deadline="2024-11-15")
    assert (october["period_start"], october["period_end"], october["quarter"]) == ("2024-10-01", "2024-10-31", None)
    assert [r["id"] for r in Client().get(f"{API}/rounds").json()["results"]] == [q2["id"], october["id"]]
    assert Client().get(f"{API}/rounds/{q2['id']}").json() == q2
    assert_error(send(reviewer, "post", "/rounds", {**_body(), "quarter": 2}), 409, "round_exists")
    assert_error(send(reviewer, "post", "/rounds", {**_body(), "quarter": 5}), 400, "validation_error")
    assert_error(send(reviewer, "post", "/rounds", {**_body(), "month": 3}), 400, "round_period")
    error = assert_error(send(reviewer, "post", "/rounds", {**_body(), "deadline": "2024-12-01"}), 400)
    assert error["code"] == "deadline_before_opening" and list(error["details"]) == ["deadline"]
    assert_error(Client().get(f"{API}/rounds/98765"), 404, "round_not_found")


def _body() -> dict:
    return {"fiscal_year": 2568, "quarter": 2, "opens_on": "2024-12-15", "deadline": "2025-01-31"}


def test_reschedule_close_and_reopen_a_round(setting):
    reviewer, reporter = setting["reviewer"], setting["reporter"]
    round_ = _open(reviewer)
    url = f"/rounds/{round_['id']}"
    moved = send(reviewer, "patch", url, {"version": 1, "deadline": "2025-02-15"}).json()
    assert (moved["deadline"], moved["version"]) == ("2025-02-15", 2)
    assert_error(send(reviewer, "patch", url, {"version": 1, "deadline": "2025-03-01"}), 409, "stale_version")
    report = send(reporter, "post", f"/projects/{setting['project'].pk}/reports", {"round": round_["id"]}).json()
    closed = send(reviewer, "post", f"{url}/close", {"version": 2}).json()
    assert closed["status"]["code"] == "closed" and closed["closed_at"] is not None
    assert_error(send(reviewer, "post", f"{url}/close", {"version": 3}), 409, "round_already_closed")
    # The closed round locks its reports; a reviewer may lift the lock from one, with a reason.
    error = assert_error(send(reporter, "patch", f"/reports/{report['id']}", {"version": 1, "results": "x"}), 409)
    assert error["code"] == "round_closed"
    assert reporter.get(f"{API}/reports/{report['id']}").json()["lock"] == "round_closed"
    assert_error(send(reviewer, "post", f"/reports/{report['id']}/unlock", {"version": 1}), 400, "reason_required")
    unlocked = send(reviewer, "post", f"/reports/{report['id']}/unlock", {"version": 1, "reason": "ขอแก้ไข"}).json()
    assert unlocked["lock"] is None and unlocked["return_reason"] == "ขอแก้ไข"
    assert send(reporter, "patch", f"/reports/{report['id']}", {"version": 2, "results": "แก้แล้ว"}).status_code == 200
    assert_error(send(reviewer, "post", f"{url}/reopen", {"version": 3}), 400, "reason_required")
    reopened = send(reviewer, "post", f"{url}/reopen", {"version": 3, "reason": "ขยายเวลา"}).json()
    assert reopened["status"]["code"] == "open" and reopened["version"] == 4


def test_start_and_fill_a_report(setting):
    reporter, project = setting["reporter"], setting["project"]
    round_ = _open(setting["reviewer"])
    created = send(reporter, "post", f"/projects/{project.pk}/reports", {"round": round_["id"]})
    assert created.status_code == 201, created.content
    report = created.json()
    assert (report["status"]["code"], report["physical_progress"], report["results"]) == ("draft", None, "")
    assert report["links"]["project"] == f"/api/v1/projects/{project.pk}"
    url = f"/reports/{report['id']}"
    body = send(
        reporter,
        "patch",
        url,
        {
            "version": 1,
            "physical_progress": "๓๓.๓๓",
            "results": "ผลการดำเนินงาน",
            "recommendations": "ข้อเสนอแนะ",
            "disbursements": [{"month": "2024-10-15", "amount": "๔๐"}, {"month": "2024-12-01", "amount": 10}],
            "kpi_actuals": [{"kpi": setting["kpi"].pk, "value": 1}],
            "indicator_values": [{"indicator": setting["indicator"].pk, "value": "12.5", "note": "ประมาณการ"}],
        },
    ).json()
    assert body["version"] == 2 and body["physical_progress"] == 33.33
    assert body["disbursements"] == [{"month": "2024-10-01", "amount": 40.0}, {"month": "2024-12-01", "amount": 10.0}]
    assert (body["disbursed_in_round"], body["cumulative_disbursement"], body["planned_to_date"]) == (50.0, 50.0, 100.0)
    assert body["kpi_actuals"][0]["kpi"]["name"] == "จำนวนการประชุม" and body["kpi_actuals"][0]["value"] == 1.0
    assert body["indicator_values"][0]["indicator"]["code"] == setting["indicator"].code
    # Field-path errors from the service, and schema errors, are both 400 naming the field.
    error = assert_error(
        send(reporter, "patch", url, {"version": 2, "disbursements": [{"month": "2025-02-01", "amount": 1}]}), 400
    )
    assert list(error["details"]) == ["disbursements[0].month"]
    error = assert_error(send(reporter, "patch", url, {"version": 2, "physical_progress": 101}), 400)
    assert list(error["details"]) == ["physical_progress"]
    error = assert_error(send(reporter, "patch", url, {"version": 2, "kpi_actuals": [{"kpi": "x", "value": 1}]}), 400)
    assert list(error["details"]) == ["kpi_actuals.0.kpi"]
    assert reporter.get(f"{API}{url}").json() == body | {"actions": ["submit"]}


def test_a_new_report_starts_from_the_previous_one_and_sums_accumulate(setting):
    reporter, reviewer, project = setting["reporter"], setting["reviewer"], setting["project"]
    q1 = _open(reviewer)
    q2 = _open(reviewer, quarter=2, opens_on="2025-03-15", deadline="2025-04-30")
    first = send(reporter, "post", f"/projects/{project.pk}/reports", {"round": q1["id"]}).json()
    first = send(
        reporter,
        "patch",
        f"/reports/{first['id']}",
        {
            "version": 1,
            "physical_progress": 20,
            "results": "ไตรมาสแรก",
            "disbursements": [{"month": "2024-11-01", "amount": 70}],
        },
    ).json()
    second = send(reporter, "post", f"/projects/{project.pk}/reports", {"round": q2["id"]}).json()
    assert (second["physical_progress"], second["results"]) == (20.0, "ไตรมาสแรก")  # pre-filled
    assert second["disbursements"] == []  # months belong to their own round
    second = send(
        reporter,
        "patch",
        f"/reports/{second['id']}",
        {"version": 1, "disbursements": [{"month": "2025-01-01", "amount": 5}]},
    ).json()
    assert (second["cumulative_disbursement"], second["planned_to_date"]) == (75.0, 150.0)
    listed = reporter.get(f"{API}/projects/{project.pk}/reports").json()["results"]
    assert [r["id"] for r in listed] == [second["id"], first["id"]]  # newest round first
    assert set(listed[0]) >= {"id", "project", "round", "physical_progress", "version", "status", "links", "approvals"}


def test_reports_that_cannot_be_started(setting):
    reporter, reviewer, project = setting["reporter"], setting["reviewer"], setting["project"]
    q1 = _open(reviewer)
    error = assert_error(send(reporter, "post", f"/projects/{project.pk}/reports", {"round": 98765}), 400)
    assert error["code"] == "validation_error" and list(error["details"]) == ["round"]
    draft = submittable_project(owner=project.owner)
    assert_error(
        send(reporter, "post", f"/projects/{draft.pk}/reports", {"round": q1["id"]}), 409, "project_not_approved"
    )
    later = submittable_project(owner=project.owner, status=S.APPROVED, fiscal_year_start=2570, fiscal_year_end=2570)
    assert_error(send(reporter, "post", f"/projects/{later.pk}/reports", {"round": q1["id"]}), 409, "not_owed")


def test_report_list_filters_and_pages(setting):
    reviewer, project = setting["reviewer"], setting["project"]
    other = submittable_project(owner=OrganisationFactory(code="mod"), status=S.ACCEPTED)
    reports = [ReportFactory(project=project, round=RoundFactory(quarter=q)) for q in (1, 2, 3)]
    elsewhere = ReportFactory(project=other, round=RoundFactory(quarter=1), status=S.SUBMITTED)

    def ids(query: str) -> list[int]:
        return [r["id"] for r in reviewer.get(f"{API}/reports?{query}").json()["results"]]

    assert ids("organisation=mfa") == [r.pk for r in reports]
    assert ids(f"project={project.code}") == ids(f"project={project.pk}") == [r.pk for r in reports]
    assert ids(f"round={reports[1].round_id}") == [reports[1].pk]
    assert ids("quarter=1&status=submitted") == [elsewhere.pk]
    page = reviewer.get(f"{API}/reports?limit=2").json()
    assert [r["id"] for r in page["results"]] == [r.pk for r in reports[:2]]
    rest = reviewer.get(f"{API}/reports?limit=2&cursor={page['next']}").json()
    assert [r["id"] for r in rest["results"]] == [reports[2].pk, elsewhere.pk] and rest["next"] is None
    assert_error(reviewer.get(f"{API}/reports?status=nope"), 400, "invalid_filter")
    assert_error(reviewer.get(f"{API}/reports?cursor=YWJj"), 400, "validation_error")  # "abc": not an id


def test_completeness_and_reminders(setting, mailoutbox):
    reviewer, coordinator, reporter = setting["reviewer"], setting["coordinator"], setting["reporter"]
    round_ = _open(reviewer)
    body = coordinator.get(f"{API}/rounds/{round_['id']}/completeness").json()
    assert [row["organisation"]["code"] for row in body["results"]] == ["mfa-div"]
    assert (body["total"]["owed"], body["total"]["submitted"], body["total"]["organisation"]) == (1, 0, None)
    sent = send(reviewer, "post", f"/rounds/{round_['id']}/reminders", {}).json()
    assert sent == {"sent": 1} and mailoutbox[0].to == ["r@example.org"]
    report = send(reporter, "post", f"/projects/{setting['project'].pk}/reports", {"round": round_["id"]}).json()
    send(reporter, "patch", f"/reports/{report['id']}", {"version": 1, "physical_progress": 5, "results": "เริ่มแล้ว"})
    send(reporter, "post", f"/reports/{report['id']}/submit", {"version": 2})
    row = reviewer.get(f"{API}/rounds/{round_['id']}/completeness?organisation=mfa").json()["total"]
    assert (row["owed"], row["submitted"], row["missing"] + row["pending"]) == (1, 1, 0)
    assert_error(reviewer.get(f"{API}/rounds/{round_['id']}/completeness?organisation=nowhere"), 400)
    assert send(reviewer, "post", f"/rounds/{round_['id']}/reminders", {}).json() == {"sent": 0}


def test_report_list_and_detail_query_budgets(setting, django_assert_max_num_queries):
    reviewer, project = setting["reviewer"], setting["project"]
    others = [submittable_project(owner=project.owner, status=S.ACCEPTED) for _ in range(5)]
    reports = [ReportFactory(project=p, round=RoundFactory(quarter=q)) for p in [project, *others] for q in (1, 2)]
    reviewer.get(f"{API}/reports")  # warm the token and membership lookups
    with django_assert_max_num_queries(5):
        assert len(reviewer.get(f"{API}/reports").json()["results"]) == 12
    with django_assert_max_num_queries(5):
        assert len(reviewer.get(f"{API}/projects/{project.pk}/reports").json()["results"]) == 2
    with django_assert_max_num_queries(14):
        assert reviewer.get(f"{API}/reports/{reports[0].pk}").json()["id"] == reports[0].pk
