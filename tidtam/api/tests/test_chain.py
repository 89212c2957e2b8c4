"""The whole approval chain through the API with the demo accounts (issue 3's "done when").

reporter.mfa creates a project linked to a target of master plan 02; it goes submit → approve (approver.mfa) → accept
(reviewer.nesdc) in the FY 2568 Q1 round the reviewer opens; then its Q1 report is started, filled in (Thai digits),
returned once with a reason, submitted, approved and accepted. Both are then locked for reporter.mfa, reporter.mod is
refused every write, a stale version and a reason-less return change nothing, and the audit log shows every step
with its actor and before/after.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tidtam.api.tests.helpers import API, WORKFLOW_ACTIONS, assert_error, send, token_client
from tidtam.core.demo import DEMO_PASSWORD, demo_load

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def demo(db):
    demo_load()
    return {
        name: token_client(name, DEMO_PASSWORD)
        for name in ("reporter.mfa", "approver.mfa", "reviewer.nesdc", "reporter.mod", "oversight.senate")
    }


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    return response.json()


def _target_of_master_plan_02() -> dict:
    nodes = _ok(Client().get(f"{API}/frameworks/ns/nodes", {"parent": "02", "format": "flat"}))["results"]
    target = next(node for node in nodes if node["code"] == "020101")
    assert target["level"] == 4 and target["path"][1:] == ["02", "0201", "020101"]
    return target


def _move(client: Client, kind: str, item: dict, action: str, reason: str = "") -> dict:
    body = {"version": item["version"], "reason": reason}
    return _ok(send(client, "post", f"/{kind}/{item['id']}/{action}", body))


def _approve_all_levels(client: Client, kind: str, item: dict) -> dict:
    """Approve once per level of the owner's chain (approver.mfa covers them all)."""
    while item["status"]["code"] == "submitted":
        item = _move(client, kind, item, "approve")
    assert item["status"]["code"] == "approved"
    return item


def _q1_round(reviewer: Client) -> dict:
    """The reviewer opens the FY 2568 Q1 round. The demo's history may already hold it, closed: then the opening is
    refused with `round_exists` and the reviewer reopens it instead, with a reason."""
    body = {"fiscal_year": "๒๕๖๘", "quarter": 1, "opens_on": "2024-12-15", "deadline": "2025-01-31"}
    response = send(reviewer, "post", "/rounds", body)
    if response.status_code == 201:
        found = response.json()
    else:
        existing = assert_error(response, 409, "round_exists")["details"]["round"]
        found = _ok(reviewer.get(f"{API}/rounds/{existing}"))
        if found["status"]["code"] == "closed":
            body = {"version": found["version"], "reason": "เปิดรับรายงานเพิ่มเติม"}
            found = _ok(send(reviewer, "post", f"/rounds/{existing}/reopen", body))
    assert (found["period_start"], found["period_end"]) == ("2024-10-01", "2024-12-31")
    assert found["status"]["code"] == "open" and found["label"] == "ไตรมาส 1/2568"
    return found


def _audit(client: Client, ref: str) -> list[dict]:
    return list(reversed(_ok(client.get(f"{API}/audit", {"object": ref}))["results"]))  # oldest first


def test_the_whole_chain_through_the_api(demo):
    reporter, approver, reviewer = demo["reporter.mfa"], demo["approver.mfa"], demo["reviewer.nesdc"]
    intruder, oversight = demo["reporter.mod"], demo["oversight.senate"]
    target = _target_of_master_plan_02()

    # --- reporter.mfa creates the project ------------------------------------------------------------------------
    project = _ok(
        send(
            reporter,
            "post",
            "/projects",
            {
                "owner": "mfa-ps-policy",
                "name": "การประชุมหารือเชิงยุทธศาสตร์ไทย–สหรัฐฯ ครั้งที่ ๑๐",
                "name_en": "10th Thailand–U.S. Strategic Dialogue",
                "fiscal_year_start": "๒๕๖๘",
                "start_date": "2024-10-01",
                "end_date": "2025-09-30",
                "objectives": "ทบทวนความร่วมมือด้านความมั่นคงและเศรษฐกิจ",
                "lifecycle": "ongoing",
                "responsible_name": "สมศรี ตัวอย่างรายงาน",
                "responsible_email": "reporter.mfa@example.org",
                "responsible_phone": "0 2203 5000",
                "countries": ["US"],
                "partners": ["us"],
                "primary_node": target["id"],
                "kpis": [{"name": "จำนวนข้อริเริ่มที่ตกลงร่วมกัน", "unit": "ข้อ", "target_value": "๕"}],
                "budget_lines": [{"fiscal_year": 2568, "source": "state_budget", "amount": "1,500,000"}],
                "planned_disbursements": [{"month": "2024-11-15", "amount": 500000}],
            },
        ),
        201,
    )
    assert project["status"] == {"code": "draft", "label": project["status"]["label"]} and project["version"] == 1
    assert project["code"].startswith("mfa-ps-policy-2568-")
    assert project["fiscal_year_end"] == 2568 and project["primary_node"]["code"] == "020101"
    assert project["kpis"][0]["target_value"] == 5.0 and project["budget_lines"][0]["amount"] == 1500000.0
    assert project["planned_disbursements"] == [{"month": "2024-11-01", "amount": 500000.0}]
    assert project["responsible_email"] == "reporter.mfa@example.org"
    assert project["links"]["audit"] == f"/api/v1/audit?object=project:{project['id']}"
    assert project["actions"] == ["submit"] and project["lock"] is None
    pid = project["id"]

    # A draft is invisible outside MFA's chain: reads answer 404; a write by another ministry's staff is refused, 403.
    assert_error(intruder.get(f"{API}/projects/{pid}"), 404, "project_not_found")
    assert_error(send(intruder, "patch", f"/projects/{pid}", {"version": 1, "name": "x"}), 403, "forbidden")
    assert_error(Client().get(f"{API}/projects/{pid}"), 404, "project_not_found")
    assert_error(oversight.get(f"{API}/projects/{pid}"), 404, "project_not_found")

    # A stale version changes nothing.
    project = _ok(send(reporter, "patch", f"/projects/{pid}", {"version": 1, "rationale": "เหตุผลเดิม"}))
    assert project["version"] == 2
    body = assert_error(
        send(reporter, "patch", f"/projects/{pid}", {"version": 1, "rationale": "เหตุผลใหม่", "kpis": []}),
        409,
        "stale_version",
    )
    assert body["details"] == {"expected_version": 1, "current_version": 2}
    unchanged = _ok(reporter.get(f"{API}/projects/{pid}"))
    assert unchanged["rationale"] == "เหตุผลเดิม" and unchanged["version"] == 2 and len(unchanged["kpis"]) == 1

    # --- the round, and the project's own chain ---------------------------------------------------------------------
    round_ = _q1_round(reviewer)
    project = _move(reporter, "projects", project, "submit")
    assert project["status"]["code"] == "submitted" and project["lock"] == "not_editable"
    # A return without a reason is refused and changes nothing.
    body = assert_error(
        send(approver, "post", f"/projects/{pid}/return", {"version": project["version"]}), 400, "reason_required"
    )
    assert body["details"] == {"field": "reason"}
    assert _ok(reporter.get(f"{API}/projects/{pid}"))["version"] == project["version"]
    project = _approve_all_levels(approver, "projects", project)
    assert _ok(oversight.get(f"{API}/projects/{pid}"))["responsible_email"] is None  # oversight: no contact details
    project = _move(reviewer, "projects", project, "accept")
    assert project["status"]["code"] == "accepted" and project["lock"] == "locked"

    # --- the Q1 report ----------------------------------------------------------------------------------------------
    report = _ok(send(reporter, "post", f"/projects/{pid}/reports", {"round": round_["id"]}), 201)
    rid = report["id"]
    assert report["status"]["code"] == "draft" and report["round"]["id"] == round_["id"]
    assert report["project"]["code"] == project["code"]
    assert_error(send(reporter, "post", f"/projects/{pid}/reports", {"round": round_["id"]}), 409, "report_exists")
    kpi = project["kpis"][0]["id"]
    indicator = _ok(Client().get(f"{API}/nodes/{target['id']}"))["indicators"][0]
    report = _ok(
        send(
            reporter,
            "patch",
            f"/reports/{rid}",
            {
                "version": report["version"],
                "physical_progress": "๒๕.๕",
                "results": "จัดการประชุมเตรียมการระดับเจ้าหน้าที่อาวุโสแล้ว",
                "problems": "ไม่มี",
                "disbursements": [
                    {"month": "2024-10-01", "amount": "๑๒๐,๐๐๐"},
                    {"month": "2024-11-01", "amount": 80000},
                ],
                "kpi_actuals": [{"kpi": kpi, "value": "๒"}],
                "indicator_values": [{"indicator": indicator["id"], "value": 55, "note": "ประมาณการ"}],
            },
        )
    )
    assert report["physical_progress"] == 25.5 and report["disbursed_in_round"] == 200000.0
    assert report["cumulative_disbursement"] == 200000.0 and report["planned_to_date"] == 500000.0
    assert report["kpi_actuals"] == [{"kpi": project["kpis"][0], "value": 2.0}]
    assert report["indicator_values"][0]["indicator"]["id"] == indicator["id"]
    # Stale version on the report: nothing changes.
    assert_error(
        send(reporter, "patch", f"/reports/{rid}", {"version": report["version"] - 1, "results": "ทับ"}),
        409,
        "stale_version",
    )
    assert _ok(reporter.get(f"{API}/reports/{rid}"))["results"] == report["results"]
    evidence = reporter.post(
        f"{API}/reports/{rid}/attachments", {"file": SimpleUploadedFile("minutes.pdf", PDF, "application/pdf")}
    )
    assert _ok(evidence, 201)["name"] == "minutes.pdf"

    report = _move(reporter, "reports", report, "submit")
    report = _move(approver, "reports", report, "return", "ขอให้ระบุผลการประชุมให้ชัดเจน")
    assert report["status"]["code"] == "draft" and report["return_reason"] == "ขอให้ระบุผลการประชุมให้ชัดเจน"
    report = _ok(
        send(reporter, "patch", f"/reports/{rid}", {"version": report["version"], "results": "ตกลงข้อริเริ่มใหม่ 2 ข้อ"})
    )
    report = _move(reporter, "reports", report, "submit")
    assert report["return_reason"] == ""
    report = _approve_all_levels(approver, "reports", report)
    report = _move(reviewer, "reports", report, "accept")
    assert report["status"]["code"] == "accepted" and report["lock"] == "locked"

    # --- locked for reporter.mfa ------------------------------------------------------------------------------------
    assert_error(
        send(reporter, "patch", f"/projects/{pid}", {"version": project["version"], "name": "x"}), 409, "locked"
    )
    assert_error(
        send(reporter, "patch", f"/reports/{rid}", {"version": report["version"], "results": "x"}), 409, "locked"
    )
    pdf = SimpleUploadedFile("late.pdf", PDF, "application/pdf")
    assert_error(reporter.post(f"{API}/projects/{pid}/attachments", {"file": pdf}), 409, "locked")
    assert _ok(reporter.get(f"{API}/projects/{pid}")) == project | {"actions": []}
    assert _ok(reporter.get(f"{API}/reports/{rid}"))["results"] == "ตกลงข้อริเริ่มใหม่ 2 ข้อ"

    # --- reporter.mod: 403 on every write to MFA's (now public) objects -----------------------------------------------
    assert _ok(intruder.get(f"{API}/projects/{pid}"))["responsible_email"] is None
    for kind, item, field in (("projects", project, "objectives"), ("reports", report, "results")):
        url = f"/{kind}/{item['id']}"
        assert_error(send(intruder, "patch", url, {"version": item["version"], field: "x"}), 403, "forbidden")
        for action in WORKFLOW_ACTIONS:
            body = {"version": item["version"], "reason": "ทดสอบ"}
            assert_error(send(intruder, "post", f"{url}/{action}", body), 403)
        upload = SimpleUploadedFile("x.pdf", PDF, "application/pdf")
        assert_error(intruder.post(f"{API}{url}/attachments", {"file": upload}), 403, "forbidden")
        bulk = _ok(send(intruder, "post", f"/{kind}/bulk-approve", {"items": [{"id": item["id"], "version": 1}]}))
        assert bulk["approved"] == 0 and bulk["results"][0]["http_status"] == 403
    assert_error(send(intruder, "post", f"/projects/{pid}/reports", {"round": round_["id"]}), 403, "forbidden")
    assert _ok(reviewer.get(f"{API}/projects/{pid}"))["version"] == project["version"]
    assert _ok(reviewer.get(f"{API}/reports/{rid}"))["version"] == report["version"]

    # --- the public sees both, without personal data ----------------------------------------------------------------
    public = _ok(Client().get(f"{API}/projects/{pid}"))
    assert public["status"]["code"] == "accepted" and public["responsible_name"] is None
    assert _ok(Client().get(f"{API}/reports/{rid}"))["evidence"] == []  # not marked public

    # --- every step in the audit log, with actor and before/after ----------------------------------------------------
    steps = _audit(reviewer, f"project:{pid}")
    assert [(e["action"], e["actor"]) for e in steps] == [
        ("create", "reporter.mfa"),
        ("update", "reporter.mfa"),
        ("submit", "reporter.mfa"),
        *[("approve", "approver.mfa")] * (len(steps) - 4),
        ("accept", "reviewer.nesdc"),
    ]
    assert steps[0]["before"] is None and steps[0]["after"]["parts"]["counts"]["kpis"] == 1
    assert steps[1]["before"]["rationale"] == "" and steps[1]["after"]["rationale"] == "เหตุผลเดิม"
    assert all(e["before"]["status"] != e["after"]["status"] for e in steps[2:] if e["action"] != "approve")
    assert steps[-1]["before"]["status"] == "approved" and steps[-1]["after"]["status"] == "accepted"

    steps = _audit(reviewer, f"report:{rid}")
    actions = [(e["action"], e["actor"]) for e in steps]
    assert actions[:6] == [
        ("create", "reporter.mfa"),
        ("update", "reporter.mfa"),
        ("attach", "reporter.mfa"),
        ("submit", "reporter.mfa"),
        ("return", "approver.mfa"),
        ("update", "reporter.mfa"),
    ]
    assert actions[6] == ("submit", "reporter.mfa") and actions[-1] == ("accept", "reviewer.nesdc")
    assert {action for action, _ in actions[7:-1]} == {"approve"}
    fill = steps[1]
    assert fill["before"]["physical_progress"] is None and fill["after"]["physical_progress"] == "25.5"
    assert fill["after"]["parts"]["counts"] == {"disbursements": 2, "kpi_actuals": 1, "indicator_values": 1}
    returned = steps[4]
    assert returned["reason"] == "ขอให้ระบุผลการประชุมให้ชัดเจน"
    assert (returned["before"]["status"], returned["after"]["status"]) == ("submitted", "draft")
    # The same timeline under the type name the entries carry.
    assert _audit(reviewer, f"progressreport:{rid}") == steps
    # Reporters see the steps but not who took them.
    assert {e["actor"] for e in _audit(reporter, f"report:{rid}")} == {None}
