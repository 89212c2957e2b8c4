"""The workflow pages: workspace, approval inbox with bulk approval, reviewer queue, the transition endpoint and the
template tags, each for anonymous visitors, the wrong role, the wrong organisation and the right role."""

import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tidtam.core.models import AuditEntry
from tidtam.core.testing import ReportFactory, RoundFactory, client_for, submittable_project
from tidtam.workflow.choices import WorkflowErrorCode, WorkflowStatus
from tidtam.workflow.tests.conftest import in_state

pytestmark = pytest.mark.django_db
S = WorkflowStatus

PAGES = ["/workspace/", "/inbox/", "/review/"]


def _transition(item, action):
    return reverse("workflow:transition", kwargs={"kind": item.PERMISSION_KIND, "pk": item.pk, "action": action})


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _text(response) -> str:
    return response.content.decode()


# ------------------------------------------------------------------------------------------------ permissions


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(path):
    response = client_for(None).get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_anonymous_transition_changes_nothing(make_project):
    project = make_project()
    response = client_for(None).post(_transition(project, "submit"), {"version": 1})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    project.refresh_from_db()
    assert project.status == S.DRAFT


@pytest.mark.parametrize(
    ("person", "statuses"),
    [
        ("reporter", {"/workspace/": 200, "/inbox/": 403, "/review/": 403}),
        ("approver", {"/workspace/": 200, "/inbox/": 200, "/review/": 403}),
        ("other_approver", {"/workspace/": 200, "/inbox/": 200, "/review/": 403}),
        ("coordinator", {"/workspace/": 200, "/inbox/": 403, "/review/": 403}),
        ("reviewer", {"/workspace/": 200, "/inbox/": 403, "/review/": 200}),
        ("oversight", {"/workspace/": 200, "/inbox/": 403, "/review/": 403}),
    ],
)
def test_who_may_open_which_page(people, person, statuses):
    client = client_for(people[person])
    for path, status in statuses.items():
        response = client.get(path)
        assert response.status_code == status, (person, path)
        if status == 403:
            assert "คุณไม่มีสิทธิ์ดำเนินการนี้" in _text(response)


def test_menu_shows_the_pages_of_the_users_roles(people):
    def nav(person):
        html = _text(client_for(people[person]).get("/workspace/"))
        return html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]

    reporter, approver, reviewer = nav("reporter"), nav("approver"), nav("reviewer")
    assert 'href="/workspace/"' in reporter and "งานของฉัน" in reporter
    assert 'href="/inbox/"' not in reporter and 'href="/review/"' not in reporter
    assert 'href="/inbox/"' in approver and ">อนุมัติ<" in approver and 'href="/review/"' not in approver
    assert 'href="/review/"' in reviewer and ">ตรวจรับ<" in reviewer and 'href="/inbox/"' not in reviewer
    anonymous = _text(client_for(None).get("/"))
    assert 'href="/workspace/"' not in anonymous


# ------------------------------------------------------------------------------------------------ workspace


def test_workspace_lists_my_three_kinds_of_task(people, make_project, make_report):
    make_project(S.APPROVED, name_th="โครงการที่ยังไม่รายงาน")
    make_report(S.DRAFT)
    make_report(S.DRAFT, return_reason="ตัวเลขการเบิกจ่ายไม่ตรงกับแผน")
    make_project(S.SUBMITTED, name_th="โครงการรออนุมัติ")

    html = _text(client_for(people["reporter"]).get("/workspace/"))
    assert "รายงานที่ต้องส่ง" in html and "ส่งกลับมาให้แก้ไข" in html and "รอการอนุมัติของฉัน" in html
    due = html.split('id="due"', 1)[1].split('id="returned"', 1)[0]
    assert "โครงการที่ยังไม่รายงาน" in due and "ยังไม่เริ่ม" in due and "ร่าง" in due
    returned = html.split('id="returned"', 1)[1].split('id="awaiting"', 1)[0]
    assert "ตัวเลขการเบิกจ่ายไม่ตรงกับแผน" in returned and "ส่งกลับแก้ไข" in returned
    assert "ไม่มีรายการรอการอนุมัติของคุณ" in html
    counts = re.findall(r'<span class="task-count">(\d+)</span>', html)
    assert counts == ["2", "1", "0"]  # a project with no report yet and a draft report; one returned

    approver = _text(client_for(people["approver"]).get("/workspace/"))
    awaiting = approver.split('id="awaiting"', 1)[1]
    assert "โครงการรออนุมัติ" in awaiting and 'href="/inbox/"' in awaiting
    other = _text(client_for(people["other_approver"]).get("/workspace/"))
    assert "โครงการรออนุมัติ" not in other


def test_workspace_in_english(people, make_project):
    make_project(S.SUBMITTED)
    client = client_for(people["approver"])
    client.cookies["django_language"] = "en"
    html = _text(client.get("/workspace/"))
    assert "My tasks" in html and "Waiting for my approval" in html and "Submitted" in html


# ------------------------------------------------------------------------------------------------ inbox


def test_inbox_shows_only_what_the_approver_may_approve(org, people, make_project, make_report):
    mine = make_project(S.SUBMITTED, name_th="โครงการของกระทรวงการต่างประเทศ")
    report = make_report(S.SUBMITTED)
    theirs = make_project(S.SUBMITTED, owner=org["other_division"], name_th="โครงการของกลาโหม")
    html = _text(client_for(people["approver"]).get("/inbox/"))
    assert "โครงการของกระทรวงการต่างประเทศ" in html and report.project.code in html
    assert f'value="project:{mine.pk}:{mine.version}"' in html
    assert "โครงการของกลาโหม" not in html
    other = _text(client_for(people["other_approver"]).get("/inbox/"))
    assert "โครงการของกลาโหม" in other
    assert "กระทรวงการต่างประเทศ" not in other.split("<main", 1)[1].split('id="queue-list"', 1)[1]
    assert theirs.code in other


def test_inbox_filters_and_htmx_partial(people, make_project, make_report):
    project = make_project(S.SUBMITTED)
    report = make_report(S.SUBMITTED)
    client = client_for(people["approver"])
    html = _text(client.get("/inbox/", {"kind": "report"}))
    assert report.project.code in html and f"project:{project.pk}:" not in html
    partial = client.get("/inbox/", {"kind": "project"}, headers={"HX-Request": "true"})
    text = _text(partial)
    assert text.lstrip().startswith('<div id="queue-list">') and "<html" not in text
    assert f"project:{project.pk}:" in text and f"report:{report.pk}:" not in text
    assert "HX-Request" in partial["Vary"]
    bad = client.get("/inbox/", {"round": "999999"})
    assert bad.status_code == 200 and "error-text" in _text(bad)


def test_bulk_approve_reports_each_result(org, people, make_project, make_report):
    first, second = make_project(S.SUBMITTED), make_report(S.SUBMITTED)
    stale = make_project(S.SUBMITTED)
    foreign = make_project(S.SUBMITTED, owner=org["other_division"])
    items = [
        f"project:{first.pk}:1",
        f"report:{second.pk}:1",
        f"project:{stale.pk}:7",
        f"project:{foreign.pk}:1",
    ]
    response = client_for(people["approver"]).post("/inbox/approve/", {"item": items})
    assert response.status_code == 200
    html = _text(response)
    results = html.split('class="bulk-results"', 1)[1].split("</section>", 1)[0]
    assert "อนุมัติแล้ว: 2 · ไม่สำเร็จ: 2" in results
    assert "ข้อมูลนี้ถูกแก้ไขโดยผู้อื่นแล้ว" in results  # the stale one says why
    assert "ไม่พบรายการ" in results  # another ministry's item is not even visible
    for item, status in [(first, S.APPROVED), (second, S.APPROVED), (stale, S.SUBMITTED), (foreign, S.SUBMITTED)]:
        item.refresh_from_db()
        assert item.status == status
    assert AuditEntry.objects.filter(action="approve").count() == 2
    assert f"project:{first.pk}:" not in html.split('class="bulk-results"', 1)[1].split("</section>", 1)[1]


def test_bulk_approve_with_htmx_returns_the_list_and_needs_a_selection(people, make_project):
    project = make_project(S.SUBMITTED)
    client = client_for(people["approver"])
    response = client.post("/inbox/approve/", {"item": [f"project:{project.pk}:1"]}, headers={"HX-Request": "true"})
    assert _text(response).lstrip().startswith('<div id="queue-list">')
    project.refresh_from_db()
    assert project.status == S.APPROVED
    empty = client.post("/inbox/approve/", {}, headers={"HX-Request": "true"})
    assert empty.status_code == 200 and "โปรดเลือกอย่างน้อยหนึ่งรายการ" in _text(empty)
    assert client.post("/inbox/approve/", {}).status_code == 400


@pytest.mark.parametrize("person", ["reporter", "reviewer", "oversight", "coordinator"])
def test_bulk_approve_refuses_other_roles(people, make_project, person):
    project = make_project(S.SUBMITTED)
    response = client_for(people[person]).post("/inbox/approve/", {"item": [f"project:{project.pk}:1"]})
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.status == S.SUBMITTED


# ------------------------------------------------------------------------------------------------ review


def test_reviewer_queue_accepts_and_returns(people, make_project, make_report):
    project = make_project(S.APPROVED, name_th="โครงการรอตรวจรับ")
    report = make_report(S.APPROVED)
    client = client_for(people["reviewer"])
    html = _text(client.get("/review/"))
    assert "โครงการรอตรวจรับ" in html and report.project.code in html
    assert _transition(project, "accept") in html and _transition(project, "return") in html

    response = client.post(_transition(project, "accept"), {"version": project.version, "next": "/review/"})
    assert response.status_code == 302 and response["Location"] == "/review/"
    project.refresh_from_db()
    assert project.status == S.ACCEPTED
    html = _text(client.get("/review/"))
    assert "โครงการรอตรวจรับ" not in html.split('id="queue-list"', 1)[1]
    assert "ตรวจรับ เรียบร้อยแล้ว" in html  # the message of the last action

    client.post(_transition(report, "return"), {"version": report.version, "reason": "ขาดหลักฐาน", "next": "/review/"})
    report.refresh_from_db()
    assert (report.status, report.return_reason) == (S.DRAFT, "ขาดหลักฐาน")


# ------------------------------------------------------------------------------------------------ transition


def test_submit_through_the_page(people, make_project):
    project = make_project()
    client = client_for(people["reporter"])
    response = client.post(_transition(project, "submit"), {"version": "๑", "next": "/workspace/"})
    assert response.status_code == 302 and response["Location"] == "/workspace/"
    project.refresh_from_db()
    assert project.status == S.SUBMITTED
    entry = AuditEntry.objects.get(action="submit")
    assert entry.actor == people["reporter"] and entry.before["status"] == "draft"


def test_refusals_show_the_engines_message_and_change_nothing(people, make_project):
    project = make_project(S.SUBMITTED)
    approver = client_for(people["approver"])
    response = approver.post(_transition(project, "return"), {"version": 1, "reason": "  ", "next": "/inbox/"})
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    assert _messages(response) == [str(WorkflowErrorCode.REASON_REQUIRED.label)]

    reviewer = client_for(people["reviewer"])
    response = reviewer.post(_transition(project, "accept"), {"version": 1, "next": "/review/"})
    assert _messages(response) == [str(WorkflowErrorCode.NOT_ACCEPTABLE.label)]

    incomplete = make_project()
    incomplete.contributions.all().delete()
    response = client_for(people["reporter"]).post(_transition(incomplete, "submit"), {"version": 1})
    message = _messages(response)[0]
    assert message.startswith(str(WorkflowErrorCode.INCOMPLETE.label)) and "เป้าหมายหลัก" in message
    for item in (project, incomplete):
        version = item.version
        item.refresh_from_db()
        assert item.version == version
    assert not AuditEntry.objects.exists()


def test_stale_version_gets_the_conflict_page(people, make_project):
    project = make_project(S.SUBMITTED)
    client = client_for(people["approver"])
    client.post(_transition(project, "return"), {"version": 1, "reason": "แก้งบประมาณ"})  # someone acts first
    client_for(people["reporter"]).post(_transition(project, "submit"), {"version": 2})  # and submits again
    response = client.post(_transition(project, "approve"), {"version": 1, "next": "/inbox/"})
    assert response.status_code == 409
    html = _text(response)
    assert "ข้อมูลนี้ถูกแก้ไขโดยผู้อื่นแล้ว" in html and 'href="/inbox/"' in html
    assert "แก้งบประมาณ" in html and "ส่งกลับแก้ไข" in html  # what changed: returned with its reason, resubmitted
    assert "ส่งอนุมัติ" in html and "ส่งแล้ว รออนุมัติ" in html
    project.refresh_from_db()
    assert project.status == S.SUBMITTED and project.version == 3


def test_transition_permissions(org, people, make_project):
    draft = make_project()
    # Wrong organisation: the draft is not even visible.
    assert client_for(people["other_reporter"]).post(_transition(draft, "submit"), {"version": 1}).status_code == 404
    # Right organisation, wrong role: visible but refused with the engine's 403.
    response = client_for(people["approver"]).post(_transition(draft, "submit"), {"version": 1})
    assert response.status_code == 403 and "คุณไม่มีสิทธิ์ดำเนินการนี้" in _text(response)
    submitted = make_project(S.SUBMITTED)
    response = client_for(people["reporter"]).post(_transition(submitted, "approve"), {"version": 1})
    assert response.status_code == 403
    assert (
        client_for(people["other_approver"]).post(_transition(submitted, "approve"), {"version": 1}).status_code == 404
    )
    oversight = client_for(people["oversight"])
    assert oversight.post(_transition(submitted, "return"), {"version": 1, "reason": "x"}).status_code == 404
    for item in (draft, submitted):
        version = item.version
        item.refresh_from_db()
        assert item.version == version
    # Unknown kinds and actions, and GET, are not transitions.
    client = client_for(people["reporter"])
    assert client.post(f"/workflow/plan/{draft.pk}/submit/", {"version": 1}).status_code == 404
    assert client.post(f"/workflow/project/{draft.pk}/delete/", {"version": 1}).status_code == 404
    assert client.get(_transition(draft, "submit")).status_code == 405


def test_unsafe_next_is_ignored(people, make_project):
    project = make_project()
    response = client_for(people["reporter"]).post(
        _transition(project, "submit"), {"version": 1, "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and not response["Location"].startswith("https://evil")


# ------------------------------------------------------------------------------------------------ template tags


def _render(source: str, user, **context) -> str:
    request = RequestFactory().get("/projects/1/")
    request.user = user
    return Template("{% load workflow %}" + source).render(Context({"request": request, **context}))


def test_status_badge_shows_text_and_colour(people, make_project):
    submitted = make_project(S.SUBMITTED, approvals_required=2)
    html = _render("{% status_badge item %}", people["reporter"], item=submitted)
    assert 'class="status-badge status-blue"' in html and "ส่งแล้ว รออนุมัติ" in html and "ระดับ 1 จาก 2" in html
    returned = make_project(S.DRAFT, return_reason="ขาดข้อมูล")
    html = _render("{% status_badge item %}", people["reporter"], item=returned)
    assert "ร่าง" in html and "status-grey" in html and "ส่งกลับแก้ไข" in html and "status-returned" in html
    accepted = make_project(S.ACCEPTED)
    assert "ตรวจรับแล้ว" in _render("{% status_badge item %}", people["reporter"], item=accepted)


def test_workflow_actions_render_the_available_buttons(people, make_project):
    submitted = make_project(S.SUBMITTED)
    html = _render("{% workflow_actions item %}", people["approver"], item=submitted)
    assert f'action="{_transition(submitted, "approve")}"' in html
    assert f'action="{_transition(submitted, "return")}"' in html
    assert html.count("<textarea") == 1 and "required" in html.split("<textarea", 1)[1]
    assert 'name="next" value="/projects/1/"' in html and f'name="version" value="{submitted.version}"' in html
    assert _render("{% workflow_actions item %}", people["reporter"], item=submitted).strip() == ""
    accepted = make_project(S.ACCEPTED)
    html = _render('{% workflow_actions item next="/back/" %}', people["reviewer"], item=accepted)
    assert _transition(accepted, "unlock") in html and "<textarea" in html and 'value="/back/"' in html


# ------------------------------------------------------------------------------------------------ query budgets


def _count(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def _add_work(org, count: int) -> None:
    for index in range(count):
        owner = org["division"] if index % 2 else org["department"]
        in_state(submittable_project(owner=owner), S.SUBMITTED)
        approved = in_state(submittable_project(owner=org["division"]), S.APPROVED)
        in_state(ReportFactory(project=approved, round=RoundFactory()), S.SUBMITTED)
        in_state(submittable_project(owner=org["division"]), S.APPROVED)
        in_state(submittable_project(owner=org["division"]), S.DRAFT, return_reason="แก้ไข")


@pytest.mark.parametrize(
    "person,path",
    [
        ("approver", "/inbox/"),
        ("reporter", "/workspace/"),
        ("ministry_approver", "/workspace/"),
        ("reviewer", "/review/"),
    ],
)
def test_page_queries_do_not_grow_with_the_list(org, people, person, path):
    _add_work(org, 2)
    client = client_for(people[person])
    few = _count(client, path)
    _add_work(org, 10)
    many = _count(client, path)
    assert many == few <= 20, (few, many)


# ------------------------------------------------------------------------------------------------ the full matrix

# action → (the status it starts from, the roles that may take it)
MATRIX = {
    "submit": (S.DRAFT, {"reporter"}),
    "approve": (S.SUBMITTED, {"approver", "ministry_approver"}),
    "return": (S.SUBMITTED, {"approver", "ministry_approver", "reviewer"}),
    "accept": (S.APPROVED, {"reviewer"}),
    "unlock": (S.ACCEPTED, {"reviewer"}),
}
MFA_STAFF = {"reporter", "approver", "ministry_approver", "coordinator", "reviewer"}
ROLES = [None, "reporter", "other_reporter", "approver", "other_approver", "ministry_approver", "coordinator"]
ROLES += ["reviewer", "oversight"]


@pytest.mark.parametrize("kind", ["project", "report"])
@pytest.mark.parametrize("action", list(MATRIX))
@pytest.mark.parametrize("person", ROLES)
def test_every_role_and_workflow_action_through_the_page(people, make_project, make_report, kind, action, person):
    status, allowed = MATRIX[action]
    item = make_project(status) if kind == "project" else make_report(status)
    user = people[person] if person else None
    response = client_for(user).post(_transition(item, action), {"version": item.version, "reason": "เหตุผล"})
    before = item.version
    item.refresh_from_db()
    if person in allowed:
        assert response.status_code == 302 and item.version == before + 1
        assert AuditEntry.objects.get(action=action).actor == user
        return
    assert item.version == before and not AuditEntry.objects.filter(action=action).exists()
    if person is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        # Accepted items are public; oversight also reads approved ones; drafts stay within the organisation's chain.
        visible = (
            person in MFA_STAFF
            or status == S.ACCEPTED
            or (person == "oversight" and status in (S.APPROVED, S.ACCEPTED))
        )
        assert response.status_code == (403 if visible else 404), response.status_code
