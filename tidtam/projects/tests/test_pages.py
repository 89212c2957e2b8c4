"""Project pages: who sees what (anonymous, wrong organisation, each role), the form with Thai input, service errors
next to their fields, the 409 page, htmx partials and the list page's query budget."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tidtam.accounts.choices import Role
from tidtam.core.models import AuditEntry
from tidtam.core.testing import client_for, member
from tidtam.projects.models import Project
from tidtam.projects.services import project_update
from tidtam.projects.tests.factories import make_project, project_in_state

pytestmark = pytest.mark.django_db
STATES = ("draft", "submitted", "approved", "accepted")
USERS = ("anonymous", "wrong_org", "reporter", "approver", "coordinator", "reviewer", "oversight")
# Which workflow states each user sees of an MFA project (PRODUCT.md §2; oversight and the public never see drafts).
SEES = {
    "anonymous": {"accepted"},
    "wrong_org": {"accepted"},
    "reporter": set(STATES),
    "approver": set(STATES),
    "coordinator": set(STATES),
    "reviewer": set(STATES),
    "oversight": {"approved", "accepted"},
}
CONTACT = {"reporter", "approver", "coordinator", "reviewer"}  # may see drafts of the owner


@pytest.fixture
def projects(orgs, people, plan) -> dict:
    return {
        state: project_in_state(state, owner=orgs.division, people=people, plan=plan, name_th=f"โครงการ {state}")
        for state in STATES
    }


def client(people, who):
    return client_for(None if who == "anonymous" else people[who])


@pytest.mark.parametrize("who", USERS)
def test_list_page_shows_exactly_what_each_user_may_see(projects, people, who):
    html = client(people, who).get("/projects/").content.decode()
    shown = {state for state, project in projects.items() if project.code in html}
    assert shown == SEES[who]


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("state", STATES)
def test_detail_page_permission_matrix(projects, people, who, state):
    project = projects[state]
    response = client(people, who).get(f"/projects/{project.pk}/")
    if state not in SEES[who]:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert project.name_th in html
    assert ("somying@example.org" in html) == (who in CONTACT)
    assert ("081 234 5678" in html) == (who in CONTACT)


def test_detail_page_shows_every_part(orgs, people, plan):
    project = make_project(
        orgs.division,
        people["reporter"],
        plan,
        name_en="Security dialogue",
        fiscal_year_end=2569,
        rationale="เหตุผลความจำเป็น",
        objectives="วัตถุประสงค์ของโครงการ",
        output_target="ผลผลิตที่คาดหวัง",
        outcome_target="ผลลัพธ์ที่คาดหวัง",
        provinces=["10"],
        countries=["US"],
        partners=["us-dos"],
        kpis=[{"name": "จำนวนการประชุม", "unit": "ครั้ง", "target_value": "1200"}],
        activities=[{"name": "ประชุมเจ้าหน้าที่อาวุโส", "start_date": "2024-11-01", "end_date": None}],
        budget_lines=[
            {"fiscal_year": 2568, "source": "state_budget", "amount": "1250000"},
            {"fiscal_year": 2569, "source": "state_budget", "amount": "750000"},
            {"fiscal_year": 2569, "source": "loan", "amount": "100"},
        ],
        planned_disbursements=[
            {"month": "2024-10-01", "amount": "1000"},
            {"month": "2025-01-01", "amount": "2000"},
            {"month": "2025-10-01", "amount": "500"},
        ],
        secondary_nodes=[plan.other_target.pk],
    )
    html = client_for(people["reporter"]).get(f"/projects/{project.pk}/").content.decode()
    for text in (
        "Security dialogue",
        "เหตุผลความจำเป็น",
        "วัตถุประสงค์ของโครงการ",
        "ผลผลิตที่คาดหวัง",
        "ผลลัพธ์ที่คาดหวัง",
        "กรุงเทพมหานคร",
        "จำนวนการประชุม",
        "1,200",
        "ประชุมเจ้าหน้าที่อาวุโส",
        "1 พ.ย. 2567",
        "1,250,000.00",
        "2,000,100.00",  # grand total
        "750,100.00",  # FY 2569 total
        "ต.ค. 2567",
        "ม.ค. 2568",
        "ต.ค. 2568",
        "3,000.00",  # cumulative after January
        "3,500.00",
        "ปีงบประมาณ 2569",
    ):
        assert text in html, text
    # The contribution's node path: every step from the root links to its node page.
    for node in (plan.strategy, plan.master_plan, plan.sub_plan, plan.target, plan.other_target):
        assert f'href="/nodes/{node.pk}/"' in html
    assert f"/projects/{project.pk}/edit/" in html
    assert "ร่าง" in html  # the status as text


def test_detail_shows_the_return_reason(orgs, people, plan):
    project = project_in_state("submitted", owner=orgs.division, people=people, plan=plan)
    from tidtam.projects.tests.factories import move
    from tidtam.workflow.choices import WorkflowAction

    move(project, people["approver"], WorkflowAction.RETURN, reason="งบประมาณไม่ครบ")
    html = client_for(people["reporter"]).get(f"/projects/{project.pk}/").content.decode()
    assert "งบประมาณไม่ครบ" in html


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("approver", 403),
        ("coordinator", 403),
        ("reviewer", 403),
        ("oversight", 403),
        ("reporter", 200),
        ("wrong_org", 200),  # a reporter of another ministry, who may only choose their own organisations
    ],
)
def test_create_page_permissions(people, who, status):
    response = client(people, who).get("/projects/new/")
    assert response.status_code == status
    if who == "anonymous":
        assert "/accounts/login/" in response["Location"]
    if status == 200:
        owners = re.search(r'<select name="owner".*?</select>', response.content.decode(), re.S).group(0)
        assert ('value="mfa-div"' in owners) == (who == "reporter")
        assert ('value="mod"' in owners) == (who == "wrong_org")


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("wrong_org", 404),  # a draft of another ministry is not even visible
        ("approver", 403),
        ("coordinator", 403),
        ("reviewer", 403),
        ("oversight", 404),
        ("reporter", 200),
    ],
)
def test_edit_page_permissions_on_a_draft(projects, people, who, status):
    response = client(people, who).get(f"/projects/{projects['draft'].pk}/edit/")
    assert response.status_code == status


def test_edit_page_of_a_visible_foreign_project_is_403_and_accepted_is_locked(projects, people):
    accepted = projects["accepted"]
    assert client(people, "wrong_org").get(f"/projects/{accepted.pk}/edit/").status_code == 403
    response = client(people, "reporter").get(f"/projects/{accepted.pk}/edit/")
    assert response.status_code == 409
    assert "ถูกล็อก" in response.content.decode()


def _form_data(plan, owner_code="mfa-div", **overrides) -> dict:
    data = {
        "owner": owner_code,
        "code": "",
        "name_th": "โครงการประชุมหารือยุทธศาสตร์ไทย–สหรัฐฯ",
        "name_en": "",
        "kind": "project",
        "lifecycle": "planned",
        "fiscal_year_start": "๒๕๖๘",
        "fiscal_year_end": "พ.ศ. 2569",
        "start_date": "๑/๑๐/๒๕๖๗",
        "end_date": "30 ก.ย. 2569",
        "provinces": ["10"],
        "countries": ["US"],
        "primary_node": str(plan.target.pk),
        "kpis-TOTAL_FORMS": "1",
        "kpis-INITIAL_FORMS": "0",
        "kpis-0-name": "จำนวนการประชุม",
        "kpis-0-unit": "ครั้ง",
        "kpis-0-target_value": "๑,๒๐๐",
        "activities-TOTAL_FORMS": "1",
        "activities-INITIAL_FORMS": "0",
        "budget-TOTAL_FORMS": "2",
        "budget-INITIAL_FORMS": "0",
        "budget-0-fiscal_year": "2568",
        "budget-0-source": "state_budget",
        "budget-0-amount": "๑,๒๕๐,๐๐๐.๕๐",
        "budget-1-fiscal_year": "",
        "budget-1-source": "state_budget",
        "budget-1-amount": "",
        "planned-TOTAL_FORMS": "1",
        "planned-INITIAL_FORMS": "0",
        "planned-0-month": "ต.ค. ๒๕๖๗",
        "planned-0-amount": "100000",
        "secondary-TOTAL_FORMS": "1",
        "secondary-INITIAL_FORMS": "0",
        "secondary-0-node": str(plan.other_target.pk),
    }
    data.update(overrides)
    return data


def test_create_with_thai_digits_and_be_dates(orgs, people, plan):
    response = client(people, "reporter").post("/projects/new/", _form_data(plan))
    assert response.status_code == 302, response.content.decode()[:3000]
    project = Project.objects.get()
    assert response["Location"] == f"/projects/{project.pk}/"
    assert (project.owner, project.fiscal_year_start, project.fiscal_year_end) == (orgs.division, 2568, 2569)
    assert str(project.start_date) == "2024-10-01" and str(project.end_date) == "2026-09-30"
    assert project.kpis.get().target_value == 1200
    assert str(project.budget_lines.get().amount) == "1250000.50"  # the blank second row was skipped
    assert str(project.planned_disbursements.get().month) == "2024-10-01"
    assert project.contributions.count() == 2
    assert AuditEntry.objects.filter(object_type="project", action="create", actor=people["reporter"]).count() == 1


def test_service_errors_appear_next_to_their_fields(orgs, people, plan):
    data = _form_data(plan, **{"budget-0-fiscal_year": "2575", "planned-0-month": "9/2567"})
    response = client(people, "reporter").post("/projects/new/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert Project.objects.count() == 0
    # The error sits in the budget table's first row cell and in the disbursement table's month cell.
    budget_cell = re.search(
        r'<td class="field-error">(?:(?!</td>).)*name="budget-0-fiscal_year"(?:(?!</td>).)*</td>', html, re.S
    )
    assert budget_cell and "ต้องอยู่ในปีงบประมาณของโครงการ" in budget_cell.group(0)
    month_cell = re.search(
        r'<td class="field-error">(?:(?!</td>).)*name="planned-0-month"(?:(?!</td>).)*</td>', html, re.S
    )
    assert month_cell and "ต้องอยู่ในปีงบประมาณของโครงการ" in month_cell.group(0)


def test_a_typing_error_is_reported_by_the_form(people, plan):
    response = client(people, "reporter").post("/projects/new/", _form_data(plan, **{"kpis-0-target_value": "สิบสอง"}))
    assert response.status_code == 400
    assert "๑,๒๕๐.๕๐" in response.content.decode()  # the hint shows Thai digits are fine
    assert Project.objects.count() == 0


def test_add_row_saves_nothing_and_adds_a_row(people, plan):
    data = _form_data(plan, add_row="kpis")
    response = client(people, "reporter").post("/projects/new/", data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="kpis-1-name"' in html and 'value="จำนวนการประชุม"' in html
    assert Project.objects.count() == 0


def test_edit_replaces_parts_and_keeps_the_version_moving(orgs, people, plan):
    project = make_project(
        orgs.division, people["reporter"], plan, kpis=[{"name": "ก", "unit": "ครั้ง", "target_value": 1}]
    )
    page = client(people, "reporter").get(f"/projects/{project.pk}/edit/").content.decode()
    assert 'name="version" value="1"' in page and 'name="kpis-0-id"' in page
    kpi = project.kpis.get()
    data = _form_data(
        plan,
        version="1",
        **{
            "kpis-INITIAL_FORMS": "1",
            "kpis-0-id": str(kpi.pk),
            "kpis-0-name": "ก (แก้ไข)",
            "secondary-TOTAL_FORMS": "0",
            "budget-TOTAL_FORMS": "1",
        },
    )
    del data["owner"], data["code"]
    response = client(people, "reporter").post(f"/projects/{project.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    project.refresh_from_db()
    assert project.version == 2 and project.fiscal_year_end == 2569
    assert list(project.kpis.values_list("pk", "name")) == [(kpi.pk, "ก (แก้ไข)")]
    assert project.contributions.count() == 1


def test_stale_version_shows_what_changed_with_a_reload_link(orgs, people, plan):
    project = make_project(orgs.division, people["reporter"], plan)
    project_update(actor=people["reporter"], project=project, version=1, name_th="ชื่อที่ผู้อื่นบันทึก", provinces=["50"])
    data = _form_data(plan, version="1", **{"secondary-TOTAL_FORMS": "0"})
    del data["owner"], data["code"]
    response = client(people, "reporter").post(f"/projects/{project.pk}/edit/", data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "ถูกแก้ไขโดยผู้อื่นแล้ว" in html
    assert "ชื่อที่ผู้อื่นบันทึก" in html  # the current value of the changed field
    assert f'href="/projects/{project.pk}/edit/"' in html
    project.refresh_from_db()
    assert project.version == 2 and project.name_th == "ชื่อที่ผู้อื่นบันทึก"
    assert list(project.provinces.values_list("code", flat=True)) == ["50"]


def test_wrong_organisation_cannot_post_to_the_create_form(orgs, people, plan):
    # reporter.mod may create projects, but only for the defence ministry: an MFA owner is not among the choices.
    response = client(people, "wrong_org").post("/projects/new/", _form_data(plan))
    assert response.status_code == 400
    assert Project.objects.count() == 0


def test_list_filters_htmx_partial_and_bad_parameter(projects, people, plan):
    reporter = client(people, "reporter")
    partial = reporter.get("/projects/?status=accepted", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and projects["accepted"].code in partial and projects["draft"].code not in partial
    bad = reporter.get("/projects/?fiscal_year=abc")
    assert bad.status_code == 400 and "fiscal_year" in bad.content.decode()
    assert projects["draft"].code not in bad.content.decode()


def _list_queries(user) -> int:
    c = client_for(user)
    c.get("/projects/")  # warm the session
    with CaptureQueriesContext(connection) as queries:
        assert c.get("/projects/?fiscal_year=2568").status_code == 200
    return len(queries)


def test_list_page_query_budget_does_not_grow_with_projects(orgs, people, plan):
    reviewer = people["reviewer"]
    for _ in range(3):
        make_project(orgs.division, people["reporter"], plan, provinces=["10"], budget_lines=[])
    few = _list_queries(reviewer)
    for _ in range(27):
        make_project(orgs.division, people["reporter"], plan, provinces=["10"])
    many = _list_queries(reviewer)
    assert many == few
    assert many <= 12


def test_pagination_keeps_the_filters(orgs, people, plan):
    for number in range(30):
        make_project(orgs.division, people["reporter"], plan, name_th=f"โครงการลำดับ {number}")
    html = client_for(people["reporter"]).get("/projects/?q=ลำดับ").content.decode()
    assert "page=2" in html and "q=%E0%B8%A5" in html
    second = client_for(people["reporter"]).get("/projects/?q=ลำดับ&page=2").content.decode()
    assert second.count('href="/projects/') >= 5


def test_coordinator_of_another_ministry_sees_no_mfa_drafts(projects, orgs):
    coordinator = member(Role.COORDINATOR, orgs.other)
    html = client_for(coordinator).get("/projects/").content.decode()
    assert projects["draft"].code not in html and projects["accepted"].code in html


def test_primary_node_picker_lists_targets_and_factors_with_ns_first(people, plan):
    html = client(people, "reporter").get("/projects/new/").content.decode()
    picker = re.search(r'<select name="primary_node".*?</select>', html, re.S).group(0)
    groups = re.findall(r'<optgroup label="([^"]*)"', picker)
    assert groups[0].startswith("ยุทธศาสตร์ชาติ") and any(g.startswith("แผนปฏิบัติการ") for g in groups)
    for node in (plan.target, plan.factor, plan.other_target):
        assert f'value="{node.pk}"' in picker
    for node in (plan.strategy, plan.master_plan, plan.sub_plan):
        assert f'value="{node.pk}"' not in picker
    secondary = re.search(r'<select name="secondary-0-node".*?</select>', html, re.S).group(0)
    assert f'value="{plan.sub_plan.pk}"' in secondary  # secondary links may point anywhere


def test_english_page_shows_one_language_in_choices(people, plan, settings):
    c = client(people, "reporter")
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = c.get("/projects/new/").content.decode()
    assert ">Project</option>" in html and "โครงการ / Project" not in html
