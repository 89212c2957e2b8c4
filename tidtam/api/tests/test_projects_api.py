"""`/projects`: create, read, change, list with the shared filters, attachments; validation and locking."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tidtam.accounts.choices import Role
from tidtam.api.pagination import encode_cursor
from tidtam.api.tests.helpers import API, assert_error, bearer_client, send
from tidtam.core.models import AuditEntry
from tidtam.core.testing import (
    NodeFactory,
    OrganisationFactory,
    ProjectFactory,
    member,
    submittable_project,
    target_node,
)
from tidtam.core.thaicalendar import to_thai_digits
from tidtam.projects.models import Project
from tidtam.workflow.choices import WorkflowStatus as S

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def org(db):
    ministry = OrganisationFactory(code="mfa", name_th="กระทรวงการต่างประเทศ")
    division = OrganisationFactory(code="mfa-div", parent=ministry, name_th="กองนโยบาย")
    return {"ministry": ministry, "division": division, "us": OrganisationFactory(code="us", name_th="สหรัฐอเมริกา")}


@pytest.fixture
def reporter(org):
    return bearer_client(member(Role.REPORTER, org["division"], username="reporter"))


@pytest.fixture
def target(db):
    return target_node()


def _full(target, secondary) -> dict:
    return {
        "owner": "mfa-div",
        "code": "MFA-DIALOGUE-10",
        "name": "การประชุมหารือเชิงยุทธศาสตร์",
        "name_en": "Strategic Dialogue",
        "kind": "routine",
        "fiscal_year_start": "๒๕๖๘",
        "fiscal_year_end": 2569,
        "start_date": "2024-10-01",
        "end_date": "2026-09-30",
        "rationale": "เหตุผล",
        "objectives": "วัตถุประสงค์",
        "output_target": "ผลผลิต",
        "outcome_target": "ผลลัพธ์",
        "lifecycle": "ongoing",
        "responsible_name": "สมศรี",
        "responsible_position": "นักการทูต",
        "responsible_email": "somsri@example.org",
        "responsible_phone": "02-000-0000",
        "is_illustrative": True,
        "provinces": ["10", "๕๗"],
        "countries": ["us"],
        "partners": ["us"],
        "kpis": [{"name": "จำนวนการประชุม", "unit": "ครั้ง", "target_value": "๑,๒๐๐.๕"}],
        "activities": [{"name": "ประชุมเตรียมการ", "start_date": "2024-11-01", "end_date": "2024-11-02"}],
        "budget_lines": [
            {"fiscal_year": 2568, "source": "state_budget", "amount": 1000000},
            {"fiscal_year": "๒๕๖๙", "source": "off_budget", "amount": "250000.50"},
        ],
        "planned_disbursements": [{"month": "2024-12-20", "amount": 300000}],
        "primary_node": target.pk,
        "secondary_nodes": [to_thai_digits(str(secondary.pk))],
    }


def test_create_with_every_part_and_read_it_back(reporter, target):
    secondary = NodeFactory()
    response = send(reporter, "post", "/projects", _full(target, secondary))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body == send(reporter, "get", f"/projects/{body['id']}").json()
    assert body["code"] == "MFA-DIALOGUE-10" and body["name"] == "การประชุมหารือเชิงยุทธศาสตร์"
    assert (body["kind"], body["lifecycle"], body["is_illustrative"]) == ("routine", "ongoing", True)
    assert (body["fiscal_year_start"], body["fiscal_year_end"]) == (2568, 2569)
    assert [p["code"] for p in body["provinces"]] == ["10", "57"]
    assert body["countries"] == [{"code": "US", "name": body["countries"][0]["name"], "name_en": "United States"}]
    assert [p["code"] for p in body["partners"]] == ["us"]
    assert [(k["name"], k["unit"], k["target_value"]) for k in body["kpis"]] == [("จำนวนการประชุม", "ครั้ง", 1200.5)]
    assert body["activities"][0]["start_date"] == "2024-11-01"
    assert [(b["fiscal_year"], b["source"], b["amount"]) for b in body["budget_lines"]] == [
        (2568, "state_budget", 1000000.0),
        (2569, "off_budget", 250000.5),
    ]
    assert body["planned_disbursements"] == [{"month": "2024-12-01", "amount": 300000.0}]
    assert body["primary_node"]["id"] == target.pk and [n["id"] for n in body["secondary_nodes"]] == [secondary.pk]
    assert body["responsible_email"] == "somsri@example.org" and body["responsible_position"] == "นักการทูต"
    assert body["status"]["code"] == "draft" and body["version"] == 1 and body["approvals"]["done"] == 0
    assert body["links"] == {
        "self": f"/api/v1/projects/{body['id']}",
        "reports": f"/api/v1/projects/{body['id']}/reports",
        "audit": f"/api/v1/audit?object=project:{body['id']}",
    }
    [entry] = AuditEntry.objects.filter(object_type="project", object_id=str(body["id"]))
    assert entry.action == "create" and entry.actor.username == "reporter"


def test_a_blank_code_is_generated(reporter):
    body = send(reporter, "post", "/projects", {"owner": "mfa-div", "name": "ก", "fiscal_year_start": 2568}).json()
    assert body["code"] == "mfa-div-2568-0001" and body["fiscal_year_end"] == 2568


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"name": "ก\x00ข"}, "name"),
        ({"fiscal_year_start": "ปีหน้า"}, "fiscal_year_start"),
        ({"kind": "other"}, "kind"),
        ({"kpis": [{"name": "ก", "unit": "ข", "target_value": "สิบ"}]}, "kpis.0.target_value"),
        ({"budget_lines": [{"fiscal_year": 2568, "source": "lottery", "amount": 1}]}, "budget_lines.0.source"),
        ({"secondary_nodes": ["x"]}, "secondary_nodes.0"),
        ({"unknown_field": 1}, "unknown_field"),
    ],
)
def test_malformed_bodies_are_400_naming_the_field(reporter, change, field):
    body = {"owner": "mfa-div", "name": "ก", "fiscal_year_start": 2568, **change}
    error = assert_error(send(reporter, "post", "/projects", body), 400, "validation_error")
    assert list(error["details"]) == [field]
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": "   "}, "name"),  # the service's own check, reported under the API's name for the field
        ({"provinces": ["99"]}, "provinces[0]"),
        ({"countries": ["XX"]}, "countries[0]"),
        ({"partners": ["mfa-div"]}, "partners[0]"),
        ({"fiscal_year_start": 2025}, "fiscal_year_start"),
        ({"responsible_email": "not-an-address"}, "responsible_email"),
        ({"budget_lines": [{"fiscal_year": 2570, "source": "loan", "amount": 1}]}, "budget_lines[0].fiscal_year"),
    ],
)
def test_refused_data_is_400_naming_the_field(reporter, change, field):
    body = {"owner": "mfa-div", "name": "ก", "fiscal_year_start": 2568, **change}
    error = assert_error(send(reporter, "post", "/projects", body), 400, "invalid")
    assert field in error["details"], error["details"]
    assert not Project.objects.exists()


def test_unknown_owner_is_400(reporter):
    error = assert_error(
        send(reporter, "post", "/projects", {"owner": "nowhere", "name": "ก", "fiscal_year_start": 2568}),
        400,
        "validation_error",
    )
    assert list(error["details"]) == ["owner"]


def test_a_primary_link_must_be_a_target_or_factor(reporter):
    error = assert_error(
        send(
            reporter,
            "post",
            "/projects",
            {"owner": "mfa-div", "name": "ก", "fiscal_year_start": 2568, "primary_node": NodeFactory(parent=None).pk},
        ),
        400,
    )
    assert list(error["details"]) == ["primary_node"]


def test_patch_changes_only_what_is_sent_and_lists_replace(reporter, org, target):
    created = send(reporter, "post", "/projects", _full(target, NodeFactory())).json()
    url = f"/projects/{created['id']}"
    body = send(reporter, "patch", url, {"version": 1, "name_en": "Renamed", "kpis": [], "primary_node": None}).json()
    assert body["version"] == 2 and body["name_en"] == "Renamed" and body["kpis"] == []
    assert body["primary_node"] is None and len(body["secondary_nodes"]) == 1
    assert body["name"] == created["name"] and body["budget_lines"] == created["budget_lines"]
    # Nothing changed: no new version, no audit entry.
    assert send(reporter, "patch", url, {"version": 2, "name_en": "Renamed"}).json()["version"] == 2
    assert AuditEntry.objects.filter(object_type="project", action="update").count() == 1
    update = AuditEntry.objects.get(object_type="project", action="update")
    assert update.before["parts"]["counts"]["kpis"] == 1 and update.after["parts"]["counts"]["kpis"] == 0


def test_stale_version_is_409_and_changes_nothing(reporter, target):
    created = send(reporter, "post", "/projects", _full(target, NodeFactory())).json()
    url = f"/projects/{created['id']}"
    assert send(reporter, "patch", url, {"version": 1, "objectives": "ใหม่"}).status_code == 200
    error = assert_error(send(reporter, "patch", url, {"version": 1, "objectives": "ทับ", "kpis": []}), 409)
    assert error["code"] == "stale_version" and error["details"]["current_version"] == 2
    after = send(reporter, "get", url).json()
    assert after["objectives"] == "ใหม่" and len(after["kpis"]) == 1 and after["version"] == 2


def test_a_submitted_project_cannot_be_edited(reporter, org):
    project = submittable_project(owner=org["division"], status=S.SUBMITTED)
    error = assert_error(send(reporter, "patch", f"/projects/{project.pk}", {"version": 1, "name": "x"}), 409)
    assert error["code"] == "not_editable" and error["details"] == {"status_now": "submitted"}


def test_an_incomplete_project_cannot_be_submitted(reporter, org):
    project = ProjectFactory(owner=org["division"])  # no primary link
    error = assert_error(send(reporter, "post", f"/projects/{project.pk}/submit", {"version": 1}), 400, "incomplete")
    assert "contributions" in error["details"]["fields"]


def test_the_approval_chain_is_visible_in_approvals(org):
    org["ministry"].approval_levels = 2
    org["ministry"].save()
    deep = OrganisationFactory(code="mfa-div-unit", parent=org["division"])
    project = submittable_project(owner=deep)
    client = bearer_client(member(Role.REPORTER, deep))
    body = send(client, "post", f"/projects/{project.pk}/submit", {"version": 1}).json()
    assert body["approvals"] == {"done": 0, "required": 2}
    department_approver = bearer_client(member(Role.APPROVER, org["division"]))
    ministry_approver = bearer_client(member(Role.APPROVER, org["ministry"]))
    body = send(department_approver, "post", f"/projects/{project.pk}/approve", {"version": 2}).json()
    assert body["approvals"] == {"done": 1, "required": 2} and body["status"]["code"] == "submitted"
    error = assert_error(send(department_approver, "post", f"/projects/{project.pk}/approve", {"version": 3}), 403)
    assert error["code"] == "not_your_level" and error["details"]["organisation"] == "mfa"
    assert body["actions"] == ["return"]  # no approve for the department's approver at the ministry's level
    body = send(ministry_approver, "post", f"/projects/{project.pk}/approve", {"version": 3}).json()
    assert body["status"]["code"] == "approved"


def test_bulk_approve_reports_each_item(org):
    approver = bearer_client(member(Role.APPROVER, org["ministry"]))
    ready = submittable_project(owner=org["division"], status=S.SUBMITTED)
    draft = submittable_project(owner=org["division"])
    stale = submittable_project(owner=org["division"], status=S.SUBMITTED, version=3)
    hidden = submittable_project(owner=OrganisationFactory(code="mod"), status=S.SUBMITTED)
    items = [{"id": p.pk, "version": 1} for p in (ready, draft, stale, hidden)]
    body = send(approver, "post", "/projects/bulk-approve", {"items": items}).json()
    assert (body["approved"], body["failed"]) == (1, 3)
    results = {r["id"]: r for r in body["results"]}
    assert [r["id"] for r in body["results"]] == [i["id"] for i in items]
    assert results[ready.pk]["ok"] and results[ready.pk]["status"]["code"] == "approved"
    assert results[ready.pk]["version"] == 2 and results[ready.pk]["error"] is None
    assert results[draft.pk]["error"]["code"] == "not_approvable" and results[draft.pk]["http_status"] == 409
    assert results[stale.pk]["error"]["code"] == "stale_version" and results[stale.pk]["version"] == 3
    assert results[hidden.pk] == {
        "id": hidden.pk,
        "ok": False,
        "http_status": 403,
        "version": None,
        "status": None,
        "error": {
            "code": "forbidden",
            "message": results[hidden.pk]["error"]["message"],
            "details": {"action": "approve"},
        },
    }
    missing = send(approver, "post", "/projects/bulk-approve", {"items": [{"id": 10**9, "version": 1}]}).json()
    assert missing["results"][0]["http_status"] == 404 and missing["results"][0]["error"]["code"] == "project_not_found"
    assert_error(send(approver, "post", "/projects/bulk-approve", {"items": []}), 400, "validation_error")


def _codes(client: Client, query: str = "") -> list[str]:
    return [p["code"] for p in client.get(f"{API}/projects?limit=500&{query}").json()["results"]]


def test_list_filters(org, target):
    reviewer = bearer_client(member(Role.REVIEWER, OrganisationFactory(code="nesdc")))
    other = OrganisationFactory(code="mod")
    a = submittable_project(owner=org["division"], code="A-1", name_th="สานเสวนาไทย–สหรัฐฯ", fiscal_year_end=2570)
    b = ProjectFactory(owner=other, code="B-1", status=S.ACCEPTED, fiscal_year_start=2566, fiscal_year_end=2566)
    ProjectFactory(owner=other, code="C-1", kind="routine", lifecycle="cancelled")
    b.provinces.set(["57"])
    a.contributions.create(node=target, is_primary=False)
    assert _codes(reviewer) == ["A-1", "B-1", "C-1"]
    assert _codes(reviewer, "organisation=mfa") == ["A-1"]
    assert _codes(reviewer, "q=สหรัฐ") == ["A-1"]
    assert _codes(reviewer, "status=accepted") == ["B-1"]
    assert _codes(reviewer, "fiscal_year=๒๕๖๙") == ["A-1"]
    assert _codes(reviewer, "province=57") == ["B-1"]
    assert _codes(reviewer, f"node={target.parent_id}") == ["A-1"]
    assert _codes(reviewer, "kind=routine&lifecycle=cancelled") == ["C-1"]
    error = assert_error(reviewer.get(f"{API}/projects?status=done&organisation=nowhere"), 400, "invalid_filter")
    assert sorted(error["details"]) == ["organisation", "status"]
    assert list(assert_error(reviewer.get(f"{API}/projects?node=abc"), 400)["details"]) == ["node"]
    assert list(assert_error(reviewer.get(f"{API}/projects?q=%00"), 400)["details"]) == ["q"]


def test_list_pages_with_a_cursor(org, django_assert_max_num_queries):
    reviewer = bearer_client(member(Role.REVIEWER, OrganisationFactory(code="nesdc")))
    for n in range(7):
        submittable_project(owner=org["division"], code=f"P-{n}")
    seen, cursor = [], None
    while True:
        query = f"limit=3&cursor={cursor}" if cursor else "limit=3"
        with django_assert_max_num_queries(6):
            body = reviewer.get(f"{API}/projects?{query}").json()
        seen += [p["code"] for p in body["results"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == [f"P-{n}" for n in range(7)]
    assert reviewer.get(f"{API}/projects?cursor={encode_cursor('P-5')}").json()["results"][0]["code"] == "P-6"
    assert_error(reviewer.get(f"{API}/projects?cursor=%%%"), 400, "validation_error")


def test_list_and_detail_query_budgets(org, django_assert_max_num_queries):
    reviewer = bearer_client(member(Role.REVIEWER, OrganisationFactory(code="nesdc")))
    projects = [submittable_project(owner=org["division"], code=f"P-{n}") for n in range(12)]
    for project in projects:
        project.kpis.create(name="k", unit="u", target_value=1)
        project.provinces.set(["10", "57"])
    reviewer.get(f"{API}/projects")  # warm the token and membership lookups
    with django_assert_max_num_queries(6):
        assert len(reviewer.get(f"{API}/projects").json()["results"]) == 12
    with django_assert_max_num_queries(16):
        assert len(reviewer.get(f"{API}/projects/{projects[0].pk}").json()["kpis"]) == 1


def test_unknown_or_malformed_ids(reporter, org):
    project = submittable_project(owner=org["division"])
    assert_error(reporter.get(f"{API}/projects/987654"), 404, "project_not_found")
    assert_error(reporter.get(f"{API}/projects/abc"), 400, "validation_error")
    assert reporter.get(f"{API}/projects/{to_thai_digits(str(project.pk))}").json()["id"] == project.pk
    response = reporter.delete(f"{API}/projects/{project.pk}")
    assert_error(response, 405, "method_not_allowed")


def test_attachments_upload_download_remove(reporter, org):
    project = submittable_project(owner=org["division"])
    upload = SimpleUploadedFile("รายงานการประชุม.pdf", PDF, "application/pdf")
    response = reporter.post(f"{API}/projects/{project.pk}/attachments", {"file": upload, "is_public": "true"})
    assert response.status_code == 201, response.content
    attachment = response.json()
    assert attachment["name"] == "รายงานการประชุม.pdf" and attachment["size"] == len(PDF)
    assert attachment["is_public"] is True and attachment["report"] is None
    assert attachment["links"]["download"] == f"/api/v1/attachments/{attachment['id']}"
    assert reporter.get(f"{API}/projects/{project.pk}").json()["attachments"] == [attachment]
    download = reporter.get(attachment["links"]["download"])
    assert b"".join(download.streaming_content) == PDF
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    error = assert_error(reporter.post(f"{API}/projects/{project.pk}/attachments", {"file": fake}), 400)
    assert error["code"] == "content_mismatch" and list(error["details"]) == ["file"]
    assert_error(reporter.post(f"{API}/projects/{project.pk}/attachments", {}), 400, "validation_error")
    assert_error(reporter.delete(f"{attachment['links']['download']}?version=9"), 409, "stale_version")
    assert reporter.delete(f"{attachment['links']['download']}?version=1").status_code == 204
    assert_error(reporter.get(attachment["links"]["download"]), 404, "attachment_not_found")


def test_an_end_date_before_the_start_is_400(reporter):
    body = {
        "owner": "mfa-div",
        "name": "ก",
        "fiscal_year_start": 2568,
        "start_date": "2025-01-02",
        "end_date": "2025-01-01",
    }
    error = assert_error(send(reporter, "post", "/projects", body), 400)
    assert "end_date" in error["details"]


HUGE = 10**20  # beyond any 64-bit id


@pytest.mark.parametrize(
    "method, url, body, status",
    [
        ("get", f"/projects/{HUGE}", None, 404),
        ("get", f"/projects?node={HUGE}", None, 400),
        ("get", f"/reports?round={HUGE}", None, 400),
        ("post", "/projects/bulk-approve", {"items": [{"id": HUGE, "version": 1}]}, 400),
        ("post", "/projects", {"owner": "mfa-div", "name": "ก", "fiscal_year_start": 2568, "primary_node": HUGE}, 400),
        (
            "post",
            "/projects",
            {"owner": "mfa-div", "name": "ก", "fiscal_year_start": 2568, "secondary_nodes": [0]},
            400,
        ),
    ],
)
def test_out_of_range_ids_are_refused_not_a_server_error(reporter, method, url, body, status):
    assert_error(send(reporter, method, url, body), status)
