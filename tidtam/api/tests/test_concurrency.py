"""Two clients at the same moment, on PostgreSQL (SQLite serialises writers, so the race cannot happen there).

Each thread has its own test client and its own database connection; a barrier releases them together.
"""

import threading
from datetime import date

import pytest
from django.db import connection

from tidtam.accounts.choices import Role
from tidtam.api.tests.helpers import bearer_client, send
from tidtam.core.models import AuditEntry
from tidtam.core.testing import OrganisationFactory, ReportFactory, RoundFactory, member, submittable_project
from tidtam.projects.models import Project
from tidtam.reporting.models import ProgressReport
from tidtam.workflow.choices import WorkflowStatus

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite lets only one writer in at a time, so two updates cannot race",
    ),
]


def _race(*requests):
    """Run the callables at once (one thread each) and return their results in order."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def run(index, request):
        try:
            barrier.wait(timeout=10)
            results[index] = request()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(result is not None for result in results), "a thread failed"
    return results


@pytest.fixture
def people(db):
    division = OrganisationFactory(code="mfa-div", parent=OrganisationFactory(code="mfa"))
    return [member(Role.REPORTER, division, username=f"reporter{n}") for n in (1, 2)]


def test_two_updates_of_the_same_report_exactly_one_wins(people):
    project = submittable_project(
        owner=people[0].memberships.get().organisation, status=WorkflowStatus.ACCEPTED, start_date=date(2024, 10, 1)
    )
    report = ReportFactory(project=project, round=RoundFactory(), physical_progress=10, results="เดิม")
    clients = [bearer_client(user) for user in people]  # tokens issued here, before the threads start
    bodies = [
        {
            "version": 1,
            "physical_progress": 40 + n,
            "results": f"ผลของผู้รายงาน {n}",
            "disbursements": [{"month": "2024-10-01", "amount": 1000 * n}, {"month": "2024-11-01", "amount": n}],
        }
        for n in (1, 2)
    ]
    responses = _race(
        *(lambda c=c, b=b: send(c, "patch", f"/reports/{report.pk}", b) for c, b in zip(clients, bodies, strict=True))
    )

    assert sorted(r.status_code for r in responses) == [200, 409]
    winner = next(n for n, r in enumerate(responses) if r.status_code == 200)
    loser = responses[1 - winner]
    assert loser.json()["code"] == "stale_version"
    report.refresh_from_db()
    assert report.version == 2
    assert (
        report.results == bodies[winner]["results"] and report.physical_progress == bodies[winner]["physical_progress"]
    )
    assert sorted(d.amount for d in report.disbursements.all()) == sorted(
        d["amount"] for d in bodies[winner]["disbursements"]
    )
    updates = AuditEntry.objects.filter(object_type="progressreport", object_id=str(report.pk), action="update")
    assert updates.count() == 1
    assert updates.get().actor == people[winner]
    assert responses[winner].json()["version"] == 2


def test_two_approvals_of_the_same_project_exactly_one_wins(people):
    project = submittable_project(owner=people[0].memberships.get().organisation, status=WorkflowStatus.SUBMITTED)
    approver = member(Role.APPROVER, project.owner.parent, username="approver")
    clients = [bearer_client(approver), bearer_client(approver)]  # e.g. the inbox open in two windows
    responses = _race(
        *(lambda c=c: send(c, "post", f"/projects/{project.pk}/approve", {"version": 1}) for c in clients)
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    project.refresh_from_db()
    assert project.version == 2 and project.status == WorkflowStatus.APPROVED
    assert AuditEntry.objects.filter(object_type="project", action="approve").count() == 1


def test_a_duplicate_post_with_the_same_idempotency_key_runs_once(people):
    client = bearer_client(people[0])
    body = {"owner": "mfa-div", "name": "โครงการที่ส่งซ้ำพร้อมกัน", "fiscal_year_start": 2568}
    headers = {"Idempotency-Key": "concurrent-create-1"}
    responses = _race(*(lambda: send(client, "post", "/projects", body, **headers) for _ in range(2)))
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert sorted(r.get("Idempotent-Replayed", "") for r in responses) == ["", "true"]
    assert Project.objects.count() == 1
    assert ProgressReport.objects.count() == 0
