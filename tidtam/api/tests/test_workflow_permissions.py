"""The permission matrix of issue 3's endpoints: every workflow action and write, and every new GET endpoint, for
each caller — anonymous, a reporter of the owner, a reporter of another ministry, the owner's approver, coordinator,
a reviewer, oversight and an admin.

Reading an item the caller may not see answers 404 (its existence does not leak); a write by a signed-in caller who
may not see or may not change the item, 403; signed-out writes, 401.
"""

import hashlib
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tidtam.accounts.choices import Role
from tidtam.api.tests.helpers import API, ISSUE3_GET_PATHS, ISSUE3_OPERATIONS, WORKFLOW_ACTIONS, bearer_client, send
from tidtam.core.testing import (
    OrganisationFactory,
    ReportFactory,
    RoundFactory,
    client_for,
    member,
    submittable_project,
)
from tidtam.organisations.choices import OrganisationKind
from tidtam.projects.models import Attachment
from tidtam.workflow.choices import WorkflowStatus as S

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "reporter", "wrong_reporter", "approver", "coordinator", "reviewer", "oversight", "admin")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _row(*statuses: int) -> dict[str, int]:
    return dict(zip(ROLES, statuses, strict=True))


#                                    anon reporter wrong approver coord reviewer oversight admin
# The state each action is tried from is the one it is meant for, so the answer is about who may act.
ACTION_MATRIX = {
    "submit": (S.DRAFT, _row(401, 200, 403, 403, 403, 403, 403, 403)),
    "approve": (S.SUBMITTED, _row(401, 403, 403, 200, 403, 403, 403, 403)),
    "return": (S.SUBMITTED, _row(401, 403, 403, 200, 403, 200, 403, 403)),
    "accept": (S.APPROVED, _row(401, 403, 403, 403, 403, 200, 403, 403)),
    "unlock": (S.ACCEPTED, _row(401, 403, 403, 403, 403, 200, 403, 403)),
}
EDIT_DRAFT = _row(401, 200, 403, 403, 403, 403, 403, 403)
ATTACH_DRAFT = _row(401, 201, 403, 403, 403, 403, 403, 403)
REPORT_CREATE = _row(401, 201, 403, 403, 403, 403, 403, 403)  # for an approved project
PROJECT_CREATE = _row(401, 201, 403, 403, 403, 403, 403, 403)
ROUND_MANAGE = _row(401, 403, 403, 403, 403, 200, 403, 403)
REMIND = _row(401, 403, 403, 403, 200, 200, 403, 403)  # over the owner's ministry
# Reading one item of each status.
SEE = {
    S.DRAFT: _row(404, 200, 404, 200, 200, 200, 404, 404),
    S.SUBMITTED: _row(404, 200, 404, 200, 200, 200, 404, 404),
    S.APPROVED: _row(404, 200, 404, 200, 200, 200, 200, 404),
    S.ACCEPTED: _row(200, 200, 200, 200, 200, 200, 200, 200),
}
COMPLETENESS = _row(401, 403, 403, 403, 200, 200, 200, 403)
# Files not marked public: the item's chain, reviewers, and oversight once it sees the item.
PRIVATE_FILE_OF_ACCEPTED = _row(404, 200, 404, 200, 200, 200, 200, 404)


@pytest.fixture
def world(db):
    ministry = OrganisationFactory(code="mfa")
    department = OrganisationFactory(code="mfa-dept", parent=ministry, kind=OrganisationKind.DEPARTMENT)
    division = OrganisationFactory(code="mfa-div", parent=department, kind=OrganisationKind.DIVISION)
    other = OrganisationFactory(code="mod-div", parent=OrganisationFactory(code="mod"))
    users = {
        "reporter": member(Role.REPORTER, division, username="reporter", email="r@example.org"),
        "wrong_reporter": member(Role.REPORTER, other, username="wrong"),
        "approver": member(Role.APPROVER, ministry, username="approver"),
        "coordinator": member(Role.COORDINATOR, ministry, username="coordinator"),
        "reviewer": member(Role.REVIEWER, OrganisationFactory(code="nesdc"), username="reviewer"),
        "oversight": member(Role.OVERSIGHT, OrganisationFactory(code="senate"), username="oversight"),
        "admin": member(Role.ADMIN, OrganisationFactory(code="ops"), username="admin"),
    }
    clients = {"anonymous": Client(), **{role: bearer_client(user) for role, user in users.items()}}
    return {"division": division, "users": users, "clients": clients}


def _project(world, status=S.DRAFT):
    return submittable_project(
        owner=world["division"],
        status=status,
        start_date=date(2024, 10, 1),
        end_date=date(2025, 9, 30),
        responsible_email="owner@example.org",
    )


def _report(world, status=S.DRAFT, project=None, quarter=1):
    project = project or _project(world, S.ACCEPTED)
    return ReportFactory(project=project, round=RoundFactory(quarter=quarter), status=status)


def _item(world, kind: str, status):
    return _project(world, status) if kind == "projects" else _report(world, status)


def _check(role: str, response, expected: int):
    assert response.status_code == expected, (role, response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("kind", ["projects", "reports"])
@pytest.mark.parametrize("action", WORKFLOW_ACTIONS)
def test_workflow_action_matrix(world, kind, action):
    status, expected = ACTION_MATRIX[action]
    for role in ROLES:
        item = _item(world, kind, status)
        body = {"version": item.version, "reason": "เหตุผลทดสอบ"}
        response = send(world["clients"][role], "post", f"/{kind}/{item.pk}/{action}", body)
        _check(role, response, expected[role])
        item.refresh_from_db()
        if expected[role] == 200:
            assert item.version == 2 and response.json()["version"] == 2
        else:
            assert (item.version, item.status) == (1, status), role  # a refusal changes nothing


@pytest.mark.parametrize("kind", ["projects", "reports"])
def test_bulk_approve_matrix(world, kind):
    """Bulk approval answers 200 with one result per item; each result carries the status a single request gets."""
    expected = ACTION_MATRIX["approve"][1]
    for role in ROLES:
        item = _item(world, kind, S.SUBMITTED)
        response = send(
            world["clients"][role], "post", f"/{kind}/bulk-approve", {"items": [{"id": item.pk, "version": 1}]}
        )
        if role == "anonymous":
            _check(role, response, 401)
            continue
        _check(role, response, 200)
        [result] = response.json()["results"]
        assert result["http_status"] == expected[role], role
        assert result["ok"] is (expected[role] == 200)


@pytest.mark.parametrize("kind", ["projects", "reports"])
def test_edit_matrix(world, kind):
    for role in ROLES:
        item = _item(world, kind, S.DRAFT)
        field = {"projects": {"objectives": "ใหม่"}, "reports": {"problems": "ใหม่"}}[kind]
        response = send(world["clients"][role], "patch", f"/{kind}/{item.pk}", {"version": 1, **field})
        _check(role, response, EDIT_DRAFT[role])
        item.refresh_from_db()
        assert item.version == (2 if EDIT_DRAFT[role] == 200 else 1), role


@pytest.mark.parametrize("kind", ["projects", "reports"])
def test_attach_matrix(world, kind):
    for role in ROLES:
        item = _item(world, kind, S.DRAFT)
        upload = SimpleUploadedFile("หลักฐาน.pdf", PDF, "application/pdf")
        response = world["clients"][role].post(f"{API}/{kind}/{item.pk}/attachments", {"file": upload})
        _check(role, response, ATTACH_DRAFT[role])
        assert Attachment.objects.count() == (1 if ATTACH_DRAFT[role] == 201 else 0)
        Attachment.objects.all().delete()


def test_remove_attachment_matrix(world):
    for role in ROLES:
        project = _project(world)
        attached = Attachment.objects.create(
            project=project, file="attachments/x.pdf", original_name="x.pdf", content_type="application/pdf", size=1
        )
        response = world["clients"][role].delete(f"{API}/attachments/{attached.pk}?version=1")
        expected = {**EDIT_DRAFT, "reporter": 204}[role]
        assert response.status_code == expected, (role, response.content)
        assert Attachment.objects.filter(pk=attached.pk).exists() is (expected != 204)


def test_create_matrix(world):
    for role in ROLES:
        body = {"owner": "mfa-div", "name": "โครงการใหม่", "fiscal_year_start": 2568}
        _check(role, send(world["clients"][role], "post", "/projects", body), PROJECT_CREATE[role])
    round_ = RoundFactory()
    for role in ROLES:
        project = _project(world, S.APPROVED)
        response = send(world["clients"][role], "post", f"/projects/{project.pk}/reports", {"round": round_.pk})
        _check(role, response, REPORT_CREATE[role])


def test_round_matrix(world):
    for index, role in enumerate(ROLES):
        body = {"fiscal_year": 2560 + index, "quarter": 1, "opens_on": "2020-01-01", "deadline": "2020-01-31"}
        expected = {**ROUND_MANAGE, "reviewer": 201}[role]
        _check(role, send(world["clients"][role], "post", "/rounds", body), expected)
    for role in ROLES:
        round_ = RoundFactory(fiscal_year=2590 + ROLES.index(role))
        url = f"/rounds/{round_.pk}"
        _check(
            role,
            send(world["clients"][role], "patch", url, {"version": 1, "deadline": "2025-02-28"}),
            ROUND_MANAGE[role],
        )
        round_.refresh_from_db()
        version = round_.version
        _check(role, send(world["clients"][role], "post", f"{url}/close", {"version": version}), ROUND_MANAGE[role])
        round_.refresh_from_db()
        if round_.status != "closed":
            round_.status, round_.version = "closed", round_.version + 1
            round_.save()
        body = {"version": round_.version, "reason": "เปิดใหม่"}
        _check(role, send(world["clients"][role], "post", f"{url}/reopen", body), ROUND_MANAGE[role])


def test_remind_matrix(world, mailoutbox):
    round_ = RoundFactory()
    _project(world, S.APPROVED)
    for role in ROLES:
        response = send(world["clients"][role], "post", f"/rounds/{round_.pk}/reminders", {"organisation": "mfa"})
        _check(role, response, REMIND[role])
        if REMIND[role] == 200:
            assert response.json() == {"sent": 1}
    assert len(mailoutbox) == 2 and mailoutbox[0].to == ["r@example.org"]


@pytest.mark.parametrize("status", list(SEE))
def test_reading_one_item_matrix(world, status):
    project = _project(world, status)
    report = _report(world, status)
    for role in ROLES:
        client = world["clients"][role]
        expected = SEE[status][role]
        _check(role, client.get(f"{API}/projects/{project.pk}"), expected)
        _check(role, client.get(f"{API}/projects/{project.pk}/reports"), expected)
        _check(role, client.get(f"{API}/reports/{report.pk}"), expected)
        _check(role, client.get(f"{API}/audit?object=project:{project.pk}"), expected)
        _check(role, client.get(f"{API}/audit?object=report:{report.pk}"), expected)


def test_lists_show_what_each_caller_may_see(world):
    projects = {status: _project(world, status) for status in SEE}
    accepted = projects[S.ACCEPTED]
    reports = {status: _report(world, status, project=accepted, quarter=i + 1) for i, status in enumerate(SEE)}
    for role in ROLES:
        client = world["clients"][role]
        visible = {status for status in SEE if SEE[status][role] == 200}
        found = client.get(f"{API}/projects").json()["results"]
        assert {p["id"] for p in found} == {projects[s].pk for s in visible}, role
        found = client.get(f"{API}/reports").json()["results"]
        assert {r["id"] for r in found} == {reports[s].pk for s in visible}, role
        found = client.get(f"{API}/projects/{accepted.pk}/reports").json()["results"]
        assert {r["id"] for r in found} == {reports[s].pk for s in visible}, role


def test_contact_details_only_for_those_who_see_drafts(world):
    project = _project(world, S.ACCEPTED)
    sees_drafts = {role for role in ROLES if SEE[S.DRAFT][role] == 200}
    for role in ROLES:
        body = world["clients"][role].get(f"{API}/projects/{project.pk}").json()
        assert (body["responsible_email"] == "owner@example.org") is (role in sees_drafts), role
        if role not in sees_drafts:
            assert body["responsible_name"] is body["responsible_phone"] is body["responsible_position"] is None


def test_rounds_are_public_and_completeness_is_not(world):
    round_ = RoundFactory()
    for role in ROLES:
        client = world["clients"][role]
        _check(role, client.get(f"{API}/rounds"), 200)
        _check(role, client.get(f"{API}/rounds/{round_.pk}"), 200)
        _check(role, client.get(f"{API}/rounds/{round_.pk}/completeness"), COMPLETENESS[role])


def test_attachment_download_matrix(world):
    draft, accepted = _project(world, S.DRAFT), _project(world, S.ACCEPTED)
    for role in ROLES:
        client = world["clients"][role]
        cases = [
            (Attachment(project=draft, is_public=True), SEE[S.DRAFT]),
            (Attachment(project=accepted, is_public=True), SEE[S.ACCEPTED]),
            (Attachment(project=accepted, is_public=False), PRIVATE_FILE_OF_ACCEPTED),
        ]
        for attachment, expected in cases:
            attachment.sha256 = hashlib.sha256(PDF).hexdigest()
            attachment.file.save("evidence.pdf", SimpleUploadedFile("evidence.pdf", PDF), save=False)
            attachment.original_name, attachment.content_type, attachment.size = "หลักฐาน.pdf", "application/pdf", 1
            attachment.save()
            response = client.get(f"{API}/attachments/{attachment.pk}")
            assert response.status_code == expected[role], (role, attachment.is_public, attachment.project.status)
            if expected[role] == 200:
                assert b"".join(response.streaming_content) == PDF
                assert response["Content-Type"] == "application/pdf"
                assert response["Content-Disposition"].startswith("attachment;")


def test_session_writes_need_the_csrf_token(world):
    project = _project(world)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"]["reporter"])
    response = client.post(f"{API}/projects/{project.pk}/submit", {"version": 1}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    project.refresh_from_db()
    assert project.status == S.DRAFT
    # Signed in by session (as the interactive docs are), with the token: allowed.
    response = client_for(world["users"]["reporter"]).post(
        f"{API}/projects/{project.pk}/submit", {"version": 1}, content_type="application/json"
    )
    assert response.status_code == 200


def test_the_matrix_covers_every_new_operation():
    """Every operation issue 3 added is exercised above (keep the two in step when adding one)."""
    covered = {
        *(("get", path) for path in ISSUE3_GET_PATHS),
        ("post", "/api/v1/projects"),
        ("patch", "/api/v1/projects/{id}"),
        ("patch", "/api/v1/reports/{id}"),
        ("post", "/api/v1/projects/{id}/attachments"),
        ("post", "/api/v1/reports/{id}/attachments"),
        ("delete", "/api/v1/attachments/{id}"),
        ("post", "/api/v1/projects/{id}/reports"),
        ("post", "/api/v1/rounds"),
        ("patch", "/api/v1/rounds/{id}"),
        ("post", "/api/v1/rounds/{id}/close"),
        ("post", "/api/v1/rounds/{id}/reopen"),
        ("post", "/api/v1/rounds/{id}/reminders"),
        *(("post", f"/api/v1/{kind}/bulk-approve") for kind in ("projects", "reports")),
        *(("post", f"/api/v1/{kind}/{{id}}/{a}") for kind in ("projects", "reports") for a in ACTION_MATRIX),
    }
    assert covered == ISSUE3_OPERATIONS
    spec = Client().get(f"{API}/openapi.json").json()
    assert ISSUE3_OPERATIONS <= {(method, path) for path, item in spec["paths"].items() for method in item}
