"""The public portal pages, for anonymous visitors, a reporter of the owner and the central reviewer: the home page's
ways in, plan trees and node pages with public statuses, project pages with accepted reports and public evidence,
organisation pages with accepted projects and the public reporting record, and the downloads page.

The world holds one accepted project (returned once on its way, with a reason), its accepted report (public and
private evidence, submitted before the deadline) and a returned report, plus projects in every other workflow state:
nothing but the accepted project and its accepted report may reach an anonymous visitor.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tidtam.accounts.choices import Role
from tidtam.core.models import Province
from tidtam.core.reference import read_rows
from tidtam.core.testing import (
    FrameworkFactory,
    FrameworkVersionFactory,
    NodeFactory,
    OrganisationFactory,
    RoundFactory,
    client_for,
    member,
)
from tidtam.evaluation.rollups import rollups_rebuild
from tidtam.opendata.selectors import (
    node_status,
    node_statuses,
    organisation_accepted_projects,
    project_reports,
    public_reporting_record,
    status_year,
)
from tidtam.opendata.views import DATASETS
from tidtam.organisations.choices import OrganisationKind
from tidtam.plans import services as plan_services
from tidtam.projects.services import attachment_add
from tidtam.projects.tests.factories import make_project, move, project_in_state
from tidtam.reporting.models import ProgressReport
from tidtam.reporting.services import report_create, report_update
from tidtam.workflow.choices import WorkflowAction as A
from tidtam.workflow.services import workflow_transition

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PROJECT_RETURN_REASON = "เหตุผลส่งกลับภายในโครงการ-ลับ"
REPORT_RETURN_REASON = "เหตุผลส่งกลับรายงาน-ลับ"
DRAFT_RESULTS = "ผลงานในร่างรายงาน-ลับ"
ACCEPTED_RESULTS = "ผลงานไตรมาสแรกที่เปิดเผยได้"
RESPONSIBLE = ("สมหญิง รับผิดชอบ", "somying@example.org", "081 234 5678")
HIDDEN_PROJECTS = {
    "draft": ("SECRET-DRAFT", "โครงการร่าง-ลับ"),
    "submitted": ("SECRET-SUBMITTED", "โครงการรออนุมัติ-ลับ"),
    "approved": ("SECRET-APPROVED", "โครงการอนุมัติแล้วยังไม่ตรวจรับ-ลับ"),
    "returned": ("SECRET-RETURNED", "โครงการถูกส่งกลับ-ลับ"),
}
EXPORT_FILES = (
    "projects.csv",
    "projects.xlsx",
    "projects.jsonl",
    "reports.csv",
    "indicator-values.csv",
    "iati-activities.xml",
    "catalog.jsonld",
)


NS_LEVELS = [
    {"key": "strategy", "th": "ยุทธศาสตร์", "en": "Strategy"},
    {"key": "master_plan", "th": "แผนแม่บท", "en": "Master plan"},
    {"key": "sub_plan", "th": "แผนย่อย", "en": "Sub-plan"},
    {"key": "target", "th": "เป้าหมาย", "en": "Target"},
]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Evidence files go to a temporary MEDIA_ROOT, never into the working tree."""
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Orgs:
    ministry: object
    division: object
    other: object
    central: object


@dataclass
class Plan:
    version: object
    strategy: object
    master_plan: object
    sub_plan: object
    target: object


@pytest.fixture
def orgs(db) -> Orgs:
    # Provinces come from a data migration that a transactional test elsewhere in the run may have flushed.
    Province.objects.bulk_create([Province(**row) for row in read_rows("provinces.csv")], ignore_conflicts=True)
    ministry = OrganisationFactory(code="mfa", name_th="กระทรวงการต่างประเทศ")
    division = OrganisationFactory(code="mfa-div", parent=ministry, kind=OrganisationKind.DIVISION)
    other = OrganisationFactory(code="mod", name_th="กระทรวงกลาโหม")
    central = OrganisationFactory(code="nesdc", kind=OrganisationKind.CENTRAL_AGENCY)
    return Orgs(ministry, division, other, central)


@pytest.fixture
def people(orgs) -> dict:
    return {
        "reporter": member(Role.REPORTER, orgs.ministry, username="reporter.mfa"),
        "approver": member(Role.APPROVER, orgs.ministry, username="approver.mfa"),
        "reviewer": member(Role.REVIEWER, orgs.central, username="reviewer.nesdc"),
    }


@pytest.fixture
def plan(db) -> Plan:
    """`ns`: 1 → 01 → 0101 → 010101 (the target projects link to)."""
    version = FrameworkVersionFactory(framework=FrameworkFactory(code="ns"), label="2566", levels=NS_LEVELS)
    strategy = NodeFactory(framework_version=version, code="1", title_th="ด้านความมั่นคง")
    master_plan = NodeFactory(framework_version=version, code="01", parent=strategy, title_th="แผนแม่บท")
    sub_plan = NodeFactory(framework_version=version, code="0101", parent=master_plan, title_th="แผนย่อย")
    target = NodeFactory(framework_version=version, code="010101", parent=sub_plan, title_th="เป้าหมายทดสอบ")
    return Plan(version, strategy, master_plan, sub_plan, target)


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _report(project, round_, people, *, progress, results, amount):
    report = report_create(actor=people["reporter"], project=project, round=round_)
    return report_update(
        actor=people["reporter"],
        report=report,
        version=report.version,
        physical_progress=progress,
        results=results,
        disbursements=[{"month": round_.period_start.isoformat(), "amount": amount}],
    )


def _move_report(report, actor, action, reason=""):
    report.refresh_from_db()
    return workflow_transition(actor=actor, item=report, action=action, version=report.version, reason=reason)


@pytest.fixture
def world(orgs, people, plan):
    reporter = people["reporter"]
    indicator = plan_services.indicator_create(
        actor=people["reviewer"], node=plan.target, code="OPEN-KPI", name_th="ตัวชี้วัดเปิด", unit="%"
    )
    plan_services.indicator_target_set(
        actor=people["reviewer"], indicator=indicator, period_start=2568, period_end=2568, value=Decimal(80)
    )
    plan_services.indicator_value_record(
        actor=people["reviewer"], indicator=indicator, period_start=2568, period_end=2568, value=Decimal(90)
    )

    project = make_project(
        orgs.division,
        reporter,
        plan,
        code="OPEN-0001",
        name_th="โครงการเปิดเผยสาธารณะ",
        budget_lines=[{"fiscal_year": 2568, "source": "state_budget", "amount": "1000000"}],
    )
    public_file = attachment_add(actor=reporter, project=project, uploaded_file=_pdf("แผนสาธารณะ.pdf"), is_public=True)
    private_file = attachment_add(actor=reporter, project=project, uploaded_file=_pdf("private-plan-note.pdf"))
    move(project, reporter, A.SUBMIT)
    move(project, people["approver"], A.RETURN, reason=PROJECT_RETURN_REASON)
    move(project, reporter, A.SUBMIT)
    move(project, people["approver"], A.APPROVE)
    move(project, people["reviewer"], A.ACCEPT)
    project.refresh_from_db()

    q1 = RoundFactory(fiscal_year=2568, quarter=1)
    q2 = RoundFactory(
        fiscal_year=2568,
        quarter=2,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 3, 31),
        opens_on=date(2025, 3, 15),
        deadline=date(2025, 4, 30),
    )
    accepted = _report(project, q1, people, progress=40, results=ACCEPTED_RESULTS, amount="250000")
    public_evidence = attachment_add(
        actor=reporter, project=project, report=accepted, uploaded_file=_pdf("public-evidence.pdf"), is_public=True
    )
    private_evidence = attachment_add(
        actor=reporter, project=project, report=accepted, uploaded_file=_pdf("private-evidence-note.pdf")
    )
    _move_report(accepted, reporter, A.SUBMIT)
    _move_report(accepted, people["approver"], A.APPROVE)
    _move_report(accepted, people["reviewer"], A.ACCEPT)
    # Submitted before the deadline of 31 January 2025 (Bangkok time).
    on_time = timezone.make_aware(datetime(2025, 1, 20, 10, 0))
    ProgressReport.objects.filter(pk=accepted.pk).update(submitted_at=on_time)

    returned = _report(project, q2, people, progress=55, results=DRAFT_RESULTS, amount="999")
    _move_report(returned, reporter, A.SUBMIT)
    _move_report(returned, people["approver"], A.RETURN, reason=REPORT_RETURN_REASON)

    hidden = {}
    for state in ("draft", "submitted", "approved"):
        code, name = HIDDEN_PROJECTS[state]
        hidden[state] = project_in_state(state, owner=orgs.division, people=people, plan=plan, code=code, name_th=name)
    code, name = HIDDEN_PROJECTS["returned"]
    hidden["returned"] = make_project(orgs.division, reporter, plan, code=code, name_th=name)
    move(hidden["returned"], reporter, A.SUBMIT)
    move(hidden["returned"], people["approver"], A.RETURN, reason="เหตุผลโครงการส่งกลับ-ลับ")
    rollups_rebuild()
    return {
        "project": project,
        "accepted": accepted,
        "returned": returned,
        "public_file": public_file,
        "private_file": private_file,
        "public_evidence": public_evidence,
        "private_evidence": private_evidence,
        "q1": q1,
        "q2": q2,
        "hidden": hidden,
        "indicator": indicator,
    }


def _html(user, url: str) -> str:
    response = client_for(user).get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _assert_no_private_data(html: str) -> None:
    for code, name in HIDDEN_PROJECTS.values():
        assert code not in html and name not in html
    for secret in (*RESPONSIBLE, PROJECT_RETURN_REASON, REPORT_RETURN_REASON, DRAFT_RESULTS, "เหตุผลโครงการส่งกลับ-ลับ"):
        assert secret not in html
    assert "private-plan-note.pdf" not in html and "private-evidence-note.pdf" not in html


# --------------------------------------------------------------------------------------------------- home page


@pytest.mark.parametrize("who", [None, "reporter", "reviewer"])
def test_home_page_offers_every_way_in(world, people, who):
    html = _html(people[who] if who else None, "/")
    for href in ("/frameworks/", "/dashboard/", "/downloads/", "/rules/", "/projects/"):
        assert f'href="{href}"' in html
    # a plain GET search form into the project list: works without JavaScript
    assert re.search(r'<form[^>]*method="get"[^>]*action="/projects/"', html)
    assert 'name="q"' in html
    assert "ดาวน์โหลดข้อมูลเปิด" in html and "วิธีคำนวณสถานะ" in html
    if who is None:
        _assert_no_private_data(html)


# --------------------------------------------------------------------------------------------------- plan pages


@pytest.mark.parametrize("who", [None, "reporter", "reviewer"])
def test_framework_tree_shows_public_status_of_each_node(world, plan, people, who):
    html = _html(people[who] if who else None, reverse("plans:framework", args=["ns"]) + "?expand=all")
    # the indicator on target 010101 is green in FY 2568 (90 of 80); its ancestors roll the same worst level up
    for node in (plan.strategy, plan.master_plan, plan.sub_plan, plan.target):
        label = html.split(f'href="/nodes/{node.pk}/"', 1)[1].split("</div>", 1)[0]  # this node's row only
        assert 'data-level="green"' in label and "บรรลุค่าเป้าหมาย" in label, node.code
    assert "ปีงบประมาณ 2568" in html  # the year the statuses are for
    assert 'href="/rules/"' in html
    assert "dashboards/pages.css" in html  # the dashboards' badge styles, reused
    if who is None:
        _assert_no_private_data(html)


def test_tree_statuses_use_the_public_basis_for_staff_too(world, plan):
    statuses = node_statuses(version=plan.version, node_ids=[plan.target.pk])
    assert statuses.fiscal_year == 2568
    assert statuses.of(plan.target.pk).projects == 1  # the approved project counts only for the review basis
    html = _html(None, reverse("plans:framework", args=["ns"]))
    assert html.count("level-badge") == 1  # the top level only: strategy 1


def test_htmx_children_carry_their_statuses(world, plan):
    url = reverse("plans:node_children", args=["ns", plan.sub_plan.pk])
    html = client_for(None).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert f'href="/nodes/{plan.target.pk}/"' in html and 'data-level="green"' in html


def _more_nodes(plan, count: int) -> None:
    for i in range(count):
        plan_services.node_create(
            actor=None,
            framework_version=plan.version,
            code=f"0101{i + 10:02d}",
            parent=plan.sub_plan,
            title_th=f"เป้าหมายเพิ่ม {i}",
        )


@pytest.mark.parametrize("query", ["", "?expand=all"])
def test_tree_query_count_does_not_grow_with_nodes(world, plan, people, query):
    client = client_for(people["reviewer"])
    url = reverse("plans:framework", args=["ns"]) + query
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    _more_nodes(plan, 12)
    rollups_rebuild()
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(large) == len(small) <= 8
    if query:
        assert "เป้าหมายเพิ่ม 11" in response.content.decode()


@pytest.mark.parametrize("who", [None, "reporter", "reviewer"])
def test_node_page_shows_status_and_public_figures(world, plan, people, who):
    html = _html(people[who] if who else None, reverse("plans:node", args=[plan.target.pk]))
    head = html.split('class="node-figures"', 1)[1].split("</p>", 1)[0]
    assert "ปีงบประมาณ 2568" in head and 'data-level="green"' in head
    assert "1 โครงการ" in head  # accepted only, even for the reviewer (the approved project is not public)
    assert "1,000,000" in head and "250,000" in head and "(25%)" in head
    assert f'href="/dashboard/nodes/{plan.target.pk}/"' in html  # the dashboard defaults to the same year
    assert f'href="/projects/?node={plan.target.pk}"' in html
    if who is None:
        _assert_no_private_data(html)


def test_node_status_selector_is_one_query(world, plan, django_assert_num_queries):
    assert status_year(version=plan.version) == 2568  # the dashboards' default year
    with django_assert_num_queries(1):
        year, figures = node_status(node=plan.master_plan)
    assert year == 2568 and figures.projects == 1 and figures.worst_level == "green"
    assert figures.budget == Decimal("1000000") and figures.disbursed == Decimal("250000")


def test_node_page_query_budget_does_not_grow(world, plan, people):
    client = client_for(people["reviewer"])
    url = reverse("plans:node", args=[plan.sub_plan.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    _more_nodes(plan, 10)
    rollups_rebuild()
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small) <= 14


# --------------------------------------------------------------------------------------------------- project page


def test_anonymous_project_page_shows_accepted_reports_and_public_files_only(world):
    project = world["project"]
    html = _html(None, reverse("projects:detail", args=[project.pk]))
    assert "OPEN-0001" in html and "โครงการเปิดเผยสาธารณะ" in html
    section = html.split('id="reports"', 1)[1].split("</section>", 1)[0]
    assert ACCEPTED_RESULTS in section and "40%" in section and "250,000" in section
    assert f'href="/reports/{world["accepted"].pk}/"' in section
    assert f'href="/reports/{world["returned"].pk}/"' not in html
    assert f'href="/attachments/{world["public_evidence"].pk}/"' in section and "public-evidence.pdf" in section
    assert f'href="/attachments/{world["public_file"].pk}/"' in html
    assert f"/attachments/{world['private_evidence'].pk}/" not in html
    assert f"/attachments/{world['private_file'].pk}/" not in html
    assert "data-status=" not in section  # no workflow badges for the public: everything shown is accepted
    _assert_no_private_data(html)
    # the audit timeline keeps the return but not its reason
    assert "ส่งกลับ" in html.split('class="timeline"', 1)[1]


def test_public_evidence_of_an_accepted_report_downloads_for_anyone(world):
    client = client_for(None)
    response = client.get(reverse("projects:attachment", args=[world["public_evidence"].pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert client.get(reverse("projects:attachment", args=[world["private_evidence"].pk])).status_code == 404
    assert client.get(reverse("projects:attachment", args=[world["private_file"].pk])).status_code == 404


@pytest.mark.parametrize("state", sorted(HIDDEN_PROJECTS))
def test_unaccepted_projects_are_not_found_for_anonymous(world, state):
    response = client_for(None).get(reverse("projects:detail", args=[world["hidden"][state].pk]))
    assert response.status_code == 404
    assert HIDDEN_PROJECTS[state][1] not in response.content.decode()


@pytest.mark.parametrize("who", ["reporter", "reviewer"])
def test_staff_see_every_report_their_files_and_the_reasons(world, people, who):
    html = _html(people[who], reverse("projects:detail", args=[world["project"].pk]))
    section = html.split('id="reports"', 1)[1].split("</section>", 1)[0]
    assert ACCEPTED_RESULTS in section and DRAFT_RESULTS in section
    assert "private-evidence-note.pdf" in section and "public-evidence.pdf" in section
    assert 'data-status="accepted"' in section and 'data-status="returned"' in section
    assert PROJECT_RETURN_REASON in html  # the timeline's reason, for staff
    assert REPORT_RETURN_REASON not in html  # a report's reason stays on the report's own page
    assert RESPONSIBLE[1] in html


def test_project_reports_query_count_does_not_grow(world, people):
    project = world["project"]
    with CaptureQueriesContext(connection) as queries:
        reports = project_reports(user=_anonymous(), project=project)
    assert [r.pk for r in reports] == [world["accepted"].pk] and len(queries) == 2
    assert reports[0].disbursed_in_round == Decimal("250000") and reports[0].round_text == "ไตรมาส 1/2568"
    assert [f.original_name for f in reports[0].files] == ["public-evidence.pdf"]
    with CaptureQueriesContext(connection) as queries:
        staff_reports = project_reports(user=people["reviewer"], project=project)
    assert len(staff_reports) == 2 and len(queries) <= 3  # + the reviewer's memberships
    assert {f.original_name for f in staff_reports[1].files} == {"public-evidence.pdf", "private-evidence-note.pdf"}


def _anonymous() -> AnonymousUser:
    return AnonymousUser()


# --------------------------------------------------------------------------------------------------- organisations


@pytest.mark.parametrize("who", [None, "reporter", "reviewer"])
def test_organisation_page_lists_accepted_projects_and_the_public_record(world, orgs, people, who):
    html = _html(people[who] if who else None, reverse("organisations:detail", args=[orgs.ministry.code]))
    section = html.split('id="projects-heading"', 1)[1].split("</section>", 1)[0]
    assert "OPEN-0001" in section and f'href="/projects/{world["project"].pk}/"' in section
    assert "/projects/?organisation=mfa" in section and "/downloads/?organisation=mfa" in section
    for code, name in HIDDEN_PROJECTS.values():
        assert code not in section and name not in section
    record = html.split('id="record-heading"', 1)[1].split("</section>", 1)[0]
    q1 = record.split(f'data-round="{world["q1"].pk}"', 1)[1].split("</tr>", 1)[0]
    assert re.search(r'data-figure="owed">1<', q1) and re.search(r'data-figure="accepted">1 ', q1)
    assert re.search(r'data-figure="on_time">1<', q1) and re.search(r'data-figure="late">0<', q1)
    q2 = record.split(f'data-round="{world["q2"].pk}"', 1)[1].split("</tr>", 1)[0]
    assert re.search(r'data-figure="owed">1<', q2) and re.search(r'data-figure="accepted">0 ', q2)
    assert "ส่งกลับ" not in record and "ร่าง" not in record  # no counts of returned or draft items
    if who is None:
        _assert_no_private_data(html)


def test_public_record_counts_accepted_data_only(world, orgs):
    rows = {row.round.pk: row for row in public_reporting_record(organisation=orgs.ministry)}
    q1, q2 = rows[world["q1"].pk], rows[world["q2"].pk]
    # the approved project owes reports too, but it is not public: only the accepted project counts
    assert (q1.owed, q1.accepted, q1.on_time, q1.late, q1.percent_accepted) == (1, 1, 1, 0, 100)
    assert (q2.owed, q2.accepted, q2.on_time, q2.percent_on_time) == (1, 0, 0, None)
    assert public_reporting_record(organisation=orgs.other) == []
    # a round that has not opened yet is not in the record
    assert public_reporting_record(organisation=orgs.ministry, today=date(2025, 1, 1))[0].round == world["q1"]


def test_public_record_late_report_and_cancelled_project(world, orgs, people):
    ProgressReport.objects.filter(pk=world["accepted"].pk).update(
        submitted_at=timezone.make_aware(datetime(2025, 2, 1, 0, 30))  # the day after the deadline, Bangkok time
    )
    row = public_reporting_record(organisation=orgs.division)[-1]
    assert (row.round, row.accepted, row.on_time, row.late) == (world["q1"], 1, 0, 1)
    type(world["project"]).objects.filter(pk=world["project"].pk).update(lifecycle="cancelled")
    assert public_reporting_record(organisation=orgs.division) == []


def test_public_record_is_one_query_whatever_the_data(world, orgs, people, plan, django_assert_num_queries):
    with django_assert_num_queries(1):
        public_reporting_record(organisation=orgs.ministry)
    for quarter in (3, 4):
        RoundFactory(
            fiscal_year=2568,
            quarter=quarter,
            period_start=date(2025, 3 * quarter - 5, 1),
            period_end=date(2025, 3 * quarter - 3, 28),
            opens_on=date(2025, 3 * quarter - 3, 1),
            deadline=date(2025, 3 * quarter - 2, 28),
        )
    for i in range(3):
        project_in_state("accepted", owner=orgs.division, people=people, plan=plan, code=f"MORE-{i}")
    with django_assert_num_queries(1):
        rows = public_reporting_record(organisation=orgs.ministry)
    assert len(rows) == 4 and all(row.owed == 4 for row in rows)


def test_organisation_projects_are_limited_without_a_count(world, orgs, people, plan, django_assert_num_queries):
    for i in range(3):
        project_in_state("accepted", owner=orgs.division, people=people, plan=plan, code=f"LIST-{i}")
    with django_assert_num_queries(1):
        projects, more = organisation_accepted_projects(user=_anonymous(), organisation=orgs.ministry, limit=3)
    assert len(projects) == 3 and more
    projects, more = organisation_accepted_projects(user=_anonymous(), organisation=orgs.ministry, limit=4)
    assert len(projects) == 4 and not more
    other = OrganisationFactory(code="empty-org")
    assert organisation_accepted_projects(user=people["reviewer"], organisation=other) == ([], False)


def test_organisation_page_query_count_does_not_grow(world, orgs, people, plan):
    client = client_for(None)
    url = reverse("organisations:detail", args=[orgs.ministry.code])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(4):
        project_in_state("accepted", owner=orgs.division, people=people, plan=plan, code=f"GROW-{i}")
    with CaptureQueriesContext(connection) as large:
        html = client.get(url).content.decode()
    assert "GROW-3" in html and len(large) == len(small) <= 8


# --------------------------------------------------------------------------------------------------- downloads


@pytest.mark.parametrize("who", [None, "reporter", "reviewer"])
def test_downloads_page_links_every_dataset(world, people, who):
    html = _html(people[who] if who else None, reverse("opendata:downloads"))
    for name in EXPORT_FILES:
        assert f'href="/api/v1/exports/{name}"' in html, name
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in html and "CC BY 4.0" in html
    assert 'href="/api/v1/docs"' in html and 'href="/api/v1/openapi.json"' in html
    assert 'rel="alternate" type="application/ld+json" href="/api/v1/exports/catalog.jsonld"' in html
    assert re.search(r'<form[^>]*method="get"[^>]*action="/downloads/"', html)
    for name in ("q", "fiscal_year", "organisation", "province", "framework"):
        assert f'name="{name}"' in html
    assert len(DATASETS) == len(EXPORT_FILES) - 1  # the catalogue is listed apart, for portals
    _assert_no_private_data(html)


def test_download_links_carry_the_filters(world, orgs, plan):
    query = "?q=เปิด&fiscal_year=๒๕๖๘&organisation=mfa&province=10&framework=ns"
    html = _html(None, reverse("opendata:downloads") + query)
    pairs = [("q", "เปิด"), ("fiscal_year", "2568"), ("organisation", "mfa"), ("province", "10"), ("framework", "ns")]
    expected = urlencode(pairs).replace("&", "&amp;")  # Thai digits read as a year; a stable parameter order
    for name in EXPORT_FILES[:-1]:
        assert f'href="/api/v1/exports/{name}?{expected}"' in html, name
    assert f'href="/api/v1/projects?{expected}"' in html
    assert 'href="/api/v1/exports/catalog.jsonld"' in html  # the catalogue is the whole catalogue
    assert '<option value="mfa" selected>' in html and 'value="2568"' not in html  # the typed value is kept as typed


def test_a_division_from_an_organisation_page_stays_selected(world, orgs):
    html = _html(None, reverse("opendata:downloads") + "?organisation=mfa-div")
    assert '<option value="mfa-div" selected>' in html
    assert 'href="/api/v1/exports/projects.csv?organisation=mfa-div"' in html


def test_a_bad_filter_is_named_and_the_links_stay_plain(world):
    response = client_for(None).get(reverse("opendata:downloads") + "?fiscal_year=abc&organisation=nope")
    assert response.status_code == 400
    html = response.content.decode()
    assert "ปีงบประมาณไม่ถูกต้อง" in html and "invalid fiscal year" in html
    assert "ไม่พบหน่วยงานนี้" in html
    assert 'href="/api/v1/exports/projects.csv"' in html and "projects.csv?" not in html


def test_licence_comes_from_the_settings(world, settings):
    settings.OPEN_DATA_LICENCE_NAME = "Open Government Licence TH"
    settings.OPEN_DATA_LICENCE_URL = "https://data.go.th/licence"
    html = _html(None, reverse("opendata:downloads"))
    assert 'href="https://data.go.th/licence"' in html and "Open Government Licence TH" in html


def test_downloads_page_in_english_and_its_query_count(world, django_assert_max_num_queries):
    client = client_for(None)
    client.cookies["django_language"] = "en"
    with django_assert_max_num_queries(4):
        html = client.get(reverse("opendata:downloads") + "?organisation=mfa").content.decode()
    assert '<html lang="en">' in html and "Open data downloads" in html and "Choose what to download" in html
    assert "ดาวน์โหลดข้อมูลเปิด" not in html
    thai = _html(None, reverse("opendata:downloads"))
    assert "ดาวน์โหลดข้อมูลเปิด" in thai and "Open data downloads" not in thai
