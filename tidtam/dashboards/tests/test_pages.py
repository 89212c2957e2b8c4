"""Dashboard pages: figures checked against a hand-built dataset, visibility by role and basis, slices, bad query
values, status shown as text, and query budgets that do not grow with the number of projects."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tidtam.accounts.choices import Role
from tidtam.core.testing import (
    FrameworkVersionFactory,
    IndicatorFactory,
    NodeFactory,
    OrganisationFactory,
    ProjectFactory,
    ReportFactory,
    RoundFactory,
    client_for,
    member,
)
from tidtam.evaluation.rollups import rollups_rebuild
from tidtam.plans.models import IndicatorTarget, IndicatorValue
from tidtam.projects.models import BudgetLine, Contribution
from tidtam.reporting.models import ReportDisbursement
from tidtam.workflow.choices import WorkflowStatus

pytestmark = pytest.mark.django_db
D = Decimal
S = WorkflowStatus
LEVELS = [
    {"key": "strategy", "th": "ยุทธศาสตร์", "en": "Strategy"},
    {"key": "master_plan", "th": "แผนแม่บท", "en": "Master plan"},
    {"key": "sub_plan", "th": "แผนย่อย", "en": "Sub-plan"},
    {"key": "target", "th": "เป้าหมาย", "en": "Target"},
]


def _project(owner, status, budget, primary, *secondary, code=None):
    p = ProjectFactory(owner=owner, status=status, **({"code": code} if code else {}))
    BudgetLine.objects.create(project=p, fiscal_year=2568, source="budget", amount=D(budget))
    Contribution.objects.create(project=p, node=primary, is_primary=True)
    for node in secondary:
        Contribution.objects.create(project=p, node=node)
    return p


def _report(p, round_, status, progress, *amounts, **fields):
    r = ReportFactory(project=p, round=round_, status=status, physical_progress=progress, **fields)
    for month, amount in enumerate(amounts, start=round_.period_start.month):
        ReportDisbursement.objects.create(report=r, month=date(round_.period_start.year, month, 1), amount=D(amount))
    return r


def _indicator(node, code, values: dict[int, tuple[str, str | None]], direction="higher"):
    indicator = IndicatorFactory(node=node, code=code, direction=direction, name_th=f"ตัวชี้วัด {code}")
    for year, (target, actual) in values.items():
        IndicatorTarget.objects.create(indicator=indicator, period_start=year, period_end=year, value=D(target))
        if actual is not None:
            IndicatorValue.objects.create(indicator=indicator, period_start=year, period_end=year, value=D(actual))
    return indicator


@pytest.fixture
def world():
    """A four-level framework (strategy 1 → master plans 01, 02 → sub-plans 0101, 0201 → targets 010101, 010102,
    020101), a ministry with a division and another ministry, and five projects of FY 2568:

    p1 div, accepted, 1,000,000 → 010101; Q1 accepted 20 % with 150,000; Q2 approved 45 % with 200,000
    p2 min, accepted,   500,000 → 010102 (+ 010101); Q1 accepted 60 % with 300,000; Q2 draft (returned)
    p3 min, approved,   234,500 → 010102 (no report): counted only on the review basis
    p4 oth, accepted,   300,000 → 010102; Q1 accepted 10 % with 250,000: spent much, little progress
    p5 oth, accepted,   100,000 → a node of a superseded version: a project without a valid link

    Public: 3 projects, 1,800,000 budget, 700,000 disbursed (38.9 %), progress (20+60+10)/3 = 30 %.
    Review: 4 projects, 2,034,500 budget, 900,000 disbursed, progress (45+60+10)/3 = 38.3 %.
    Indicators on 0101 in 2568: K-Y 72 of 80 (yellow), K-R 30 of 100 (red); K-G on 010101 target only (grey).
    """
    version = FrameworkVersionFactory(levels=LEVELS, framework__code="nat", framework__title_th="ยุทธศาสตร์ทดสอบ")
    node = {}

    def add(code, parent=None, **fields):
        node[code] = NodeFactory(
            framework_version=version, parent=node.get(parent), code=code, title_th=f"โหนด {code}", **fields
        )

    add("1")
    add("01", "1")
    add("02", "1")
    add("0101", "01")
    add("0201", "02")
    add("010101", "0101")
    add("010102", "0101")
    add("020101", "0201")
    old = FrameworkVersionFactory(framework=version.framework, label="0", is_current=False, levels=LEVELS)
    old_node = NodeFactory(framework_version=old, code="9")
    ministry = OrganisationFactory(code="min", name_th="กระทรวงทดสอบ")
    division = OrganisationFactory(code="div", parent=ministry, name_th="กองทดสอบ")
    other = OrganisationFactory(code="oth", name_th="กระทรวงอื่น")
    q1 = RoundFactory(fiscal_year=2568, quarter=1)
    q2 = RoundFactory(
        fiscal_year=2568,
        quarter=2,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 3, 31),
        opens_on=date(2025, 3, 15),
        deadline=date(2025, 4, 30),
    )
    p1 = _project(division, S.ACCEPTED, "1000000", node["010101"], code="W-P1")
    p2 = _project(ministry, S.ACCEPTED, "500000", node["010102"], node["010101"], code="W-P2")
    p3 = _project(ministry, S.APPROVED, "234500", node["010102"], code="W-P3")
    p4 = _project(other, S.ACCEPTED, "300000", node["010102"], code="W-P4")
    p5 = _project(other, S.ACCEPTED, "100000", old_node, code="W-P5")
    _report(p1, q1, S.ACCEPTED, 20, "100000", "50000")
    _report(p1, q2, S.APPROVED, 45, "200000")
    _report(p2, q1, S.ACCEPTED, 60, "300000")
    _report(p2, q2, S.DRAFT, 70, "90000", return_reason="แก้ตัวเลข")
    _report(p4, q1, S.ACCEPTED, 10, "250000")
    _indicator(node["0101"], "K-Y", {2567: ("80", "50"), 2568: ("80", "72")})
    _indicator(node["0101"], "K-R", {2568: ("100", "30")})
    _indicator(node["010101"], "K-G", {2568: ("10", None)})
    rollups_rebuild()
    return {
        "version": version,
        "node": node,
        "orgs": {"min": ministry, "div": division, "oth": other},
        "projects": [p1, p2, p3, p4, p5],
        "rounds": [q1, q2],
    }


def grow(world, count: int) -> None:
    """Add `count` accepted projects with an accepted Q1 report each, spread over the targets and organisations."""
    targets = [world["node"][c] for c in ("010101", "010102", "020101")]
    owners = list(world["orgs"].values())
    for i in range(count):
        p = _project(owners[i % 3], S.ACCEPTED, str(10000 + i), targets[i % 3])
        _report(p, world["rounds"][0], S.ACCEPTED, 50, "1000")
    rollups_rebuild()


@pytest.fixture
def people(world):
    orgs = world["orgs"]
    nesdc = OrganisationFactory(code="nesdc")
    return {
        None: None,
        "reporter": member(Role.REPORTER, orgs["div"]),
        "coordinator": member(Role.COORDINATOR, orgs["min"]),
        "other_coordinator": member(Role.COORDINATOR, orgs["oth"]),
        "reviewer": member(Role.REVIEWER, nesdc),
        "oversight": member(Role.OVERSIGHT, OrganisationFactory(code="senate")),
    }


def get(user, name: str, *args, query: str = "", **headers) -> str:
    response = client_for(user).get(
        reverse(f"dashboards:{name}", args=args) + (f"?{query}" if query else ""), **headers
    )
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert match, f"no figure {name}"
    return match.group(1).strip()


def national(user=None, query: str = "framework=nat&fy=2568") -> str:
    return get(user, "national", query=query)


# ---------------------------------------------------------------------------------------------------- national


def test_national_figures_match_the_hand_built_dataset(world):
    html = national()
    assert figure(html, "projects") == "3"
    assert figure(html, "budget") == "1.8 ล้าน" and "1,800,000 บาท" in html
    assert figure(html, "disbursed") == "700,000" and "700,000 บาท" in html
    assert figure(html, "disbursement_percent") == "38.9%"
    assert figure(html, "average_progress") == "30%"
    assert 'data-basis="public"' in html and "ปีงบประมาณ 2568" in html
    # the tree to depth 3: strategy, master plans, sub-plans; targets are counted as gaps, not shown as rows
    rows = dict(re.findall(r'<tr class="depth-\d" data-node="(\w+)">(.*?)</tr>', html, re.S))
    assert set(rows) == {"1", "01", "02", "0101", "0201"}
    assert re.findall(r'<td class="value">([^<]*)</td>', rows["0101"])[:4] == ["3", "1,800,000", "38.9%", "30%"]
    assert 'class="gap-count">1<' in rows["02"]  # 020101 has no project
    assert 'class="gap-count">1<' in rows["1"]
    node_url = reverse("dashboards:node", args=[world["node"]["0101"].pk])
    assert f'href="{node_url}?fy=2568"' in html
    # two charts: status of the master plans and budget by master plan
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-status"') == 1
    assert html.count('class="chart chart-bar"') == 1
    assert "สถานะตัวชี้วัดรายแผนแม่บท" in html and "งบประมาณรายแผนแม่บท" in html


def test_every_status_is_shown_with_its_thai_label_not_colour_alone(world):
    html = national()
    # the distribution of the framework total: every level named, with its count
    levels = dict(re.findall(r'<li data-level="(\w+)"><span class="level-swatch[^>]*></span>([^<]+?) <span', html))
    assert levels == {
        "green": "บรรลุค่าเป้าหมาย",
        "yellow": "ต่ำกว่าค่าเป้าหมายเล็กน้อย",
        "orange": "ต่ำกว่าค่าเป้าหมาย/เสี่ยง",
        "red": "วิกฤต",
        "grey": "ไม่มีข้อมูล",
    }
    # the worst level is red and says so in words
    assert '<span class="level-badge level-red" data-level="red">วิกฤต</span>' in html
    english = client_for(None)
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = english.get(reverse("dashboards:national") + "?framework=nat&fy=2568").content.decode()
    assert '<span class="level-badge level-red" data-level="red">Critical</span>' in html
    assert "Figures shown:" in html


def test_default_year_is_the_latest_with_data_when_the_current_year_has_none(world, monkeypatch):
    monkeypatch.setattr("tidtam.dashboards.filters.current_fiscal_year", lambda: 2575)
    html = national(query="framework=nat")
    assert '<strong class="fy">ปีงบประมาณ 2568</strong>' in html
    assert figure(html, "projects") == "3"
    monkeypatch.setattr("tidtam.dashboards.filters.current_fiscal_year", lambda: 2567)  # K-Y has a status in 2567
    assert '<strong class="fy">ปีงบประมาณ 2567</strong>' in national(query="framework=nat")


def test_thai_digits_and_be_prefix_are_accepted_in_the_fiscal_year(world):
    for year in ("๒๕๖๘", "พ.ศ. 2568", "2025"):
        html = national(query=f"framework=nat&fy={year}")
        assert figure(html, "projects") == "3", year
        assert "dashboard-errors" not in html


@pytest.mark.parametrize(
    "query, message",
    [
        ("fy=abc", "ปีงบประมาณ (fy) ไม่ถูกต้อง: 'abc'"),
        ("fy=3999", "ปีงบประมาณ (fy) 3999 อยู่นอกช่วง"),
        ("organisation=nope", "ไม่พบหน่วยงาน (organisation) 'nope'"),
        ("province=zz", "ไม่พบจังหวัด (province) รหัส 'zz'"),
        ("basis=everything", "ฐานข้อมูลตัวเลข (basis) 'everything' ไม่ถูกต้อง"),
    ],
)
def test_a_bad_value_gives_a_message_on_the_page_not_an_error(world, query, message):
    html = national(query=f"framework=nat&{query}")
    assert 'class="alert alert-error dashboard-errors" role="alert"' in html
    assert message in html.replace("&#x27;", "'")
    assert " / " in html.split("dashboard-errors", 1)[1].split("</div>", 1)[0]  # Thai / English


def test_unknown_framework_node_organisation_or_round_is_404(world):
    client = client_for(None)
    assert client.get(reverse("dashboards:national") + "?framework=nope").status_code == 404
    assert client.get(reverse("dashboards:gaps") + "?framework=nope").status_code == 404
    assert client.get(reverse("dashboards:node", args=[999999])).status_code == 404
    assert client.get(reverse("dashboards:organisation", args=["nope"])).status_code == 404
    assert client.get(reverse("dashboards:round", args=[999999])).status_code == 404


@given(
    fy=st.text(max_size=12),
    organisation=st.text(max_size=12),
    province=st.text(max_size=4),
    basis=st.sampled_from(["", "public", "review", "x"]),
)
@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_query_value_breaks_a_page(world, fy, organisation, province, basis):
    client = client_for(None)
    params = {"framework": "nat", "fy": fy, "organisation": organisation, "province": province, "basis": basis}
    expected = 400 if any("\x00" in value for value in params.values()) else 200  # NUL: refused by the middleware
    for name in ("national", "spend", "gaps"):
        response = client.get(reverse(f"dashboards:{name}"), params)
        assert response.status_code == expected


# ---------------------------------------------------------------------------------------------------- visibility


def test_anonymous_sees_accepted_figures_only(world):
    p3 = world["projects"][2]
    urls = [
        ("national", (), "framework=nat&fy=2568&basis=review"),
        ("node", (world["node"]["010102"].pk,), "fy=2568&basis=review"),
        ("spend", (), "fy=2568&basis=review"),
        ("gaps", (), "framework=nat&fy=2568&basis=review"),
        ("organisation", ("min",), "fy=2568&basis=review"),
    ]
    for name, args, query in urls:
        html = get(None, name, *args, query=query)
        assert p3.code not in html, name
        assert "234,500" not in html and "2,034,500" not in html, name
        assert 'data-basis="public"' in html, name
        assert "เฉพาะผู้ตรวจรับส่วนกลางและหน่วยงานกำกับดูแล" in html, name  # says why review figures are not shown
        assert 'name="basis"' not in html, name  # no basis toggle


@pytest.mark.parametrize(
    "role, review",
    [("reviewer", True), ("oversight", True), ("reporter", False), ("coordinator", False), (None, False)],
)
def test_basis_review_is_honoured_for_reviewer_and_oversight_only(world, people, role, review):
    html = national(people[role], "framework=nat&fy=2568&basis=review")
    if review:
        assert 'data-basis="review"' in html
        assert figure(html, "projects") == "4"
        assert "2,034,500 บาท" in html and figure(html, "disbursed") == "900,000"
        assert figure(html, "average_progress") == "38.3%"
        assert 'name="basis" value="review" checked' in html
    else:
        assert 'data-basis="public"' in html
        assert figure(html, "projects") == "3" and "2,034,500" not in html
        assert 'name="basis"' not in html
    # without asking, everyone gets accepted data
    assert 'data-basis="public"' in national(people[role])


def test_review_basis_on_the_node_page_lists_the_approved_project_for_the_reviewer(world, people):
    p3 = world["projects"][2]
    url_args = (world["node"]["010102"].pk,)
    assert p3.code in get(people["reviewer"], "node", *url_args, query="fy=2568&basis=review")
    assert p3.code not in get(people["reviewer"], "node", *url_args, query="fy=2568")
    assert p3.code not in get(people["reporter"], "node", *url_args, query="fy=2568&basis=review")


def test_organisation_slice(world):
    html = national(query="framework=nat&fy=2568&organisation=min")
    assert figure(html, "projects") == "2"  # p1 (division) and p2; p4 belongs to another ministry
    assert "1,500,000 บาท" in html and figure(html, "disbursed") == "450,000"
    assert figure(html, "average_progress") == "40%"
    assert "slice-note" in html
    assert '<option value="min" selected>' in html
    html = national(query="framework=nat&fy=2568&organisation=div")
    assert figure(html, "projects") == "1" and "1,000,000 บาท" in html


# ---------------------------------------------------------------------------------------------------- node


def test_node_page_shows_figures_children_indicators_projects_and_gaps(world):
    node = world["node"]
    html = get(None, "node", node["0101"].pk, query="fy=2568")
    assert figure(html, "projects") == "3" and "1,800,000 บาท" in html
    children = re.findall(r'<tr class="depth-0" data-node="(\w+)">', html)
    assert children == ["010101", "010102"]
    # the indicators with their stored status, label and why
    rows = dict(re.findall(r'<tr data-indicator="([\w-]+)">(.*?)</tr>', html, re.S))
    assert set(rows) == {"K-Y", "K-R"}
    assert 'data-level="yellow">ต่ำกว่าค่าเป้าหมายเล็กน้อย<' in rows["K-Y"]
    assert "ค่าจริง 72 จากค่าเป้าหมาย 80 = 90% → ต่ำกว่าค่าเป้าหมายเล็กน้อย" in rows["K-Y"]
    assert 'data-level="red">วิกฤต<' in rows["K-R"]
    assert html.count('class="chart chart-line"') == 2  # the history of each indicator
    assert "ค่าจริง" in html and "ค่าเป้าหมาย" in html
    # the projects counted under it, largest budget first, linking to the project pages
    projects = re.findall(r'<tr data-project="([\w-]+)">', html)
    assert projects == ["W-P1", "W-P2", "W-P4"]
    assert f'href="{reverse("projects:detail", args=[world["projects"][0].pk])}"' in html
    # gaps below: no target lacks a project here; K-G has no data
    assert 'class="count">0</span></h3>' in html
    assert "K-G" in html and "ไม่มีค่าจริงในช่วงเวลานี้" in html
    html = get(None, "node", node["02"].pk, query="fy=2568")
    assert "020101" in html.split('id="gaps-heading"', 1)[1]


def test_node_page_in_english_shows_the_english_why(world):
    client = client_for(None)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("dashboards:node", args=[world["node"]["0101"].pk]) + "?fy=2568").content.decode()
    assert "actual 72 of the target 80 = 90% → Slightly below target" in html
    assert 'data-level="yellow">Slightly below target<' in html


def test_node_page_slices_by_organisation(world):
    html = get(None, "node", world["node"]["0101"].pk, query="fy=2568&organisation=oth")
    assert figure(html, "projects") == "1"
    assert re.findall(r'<tr data-project="([\w-]+)">', html) == ["W-P4"]


# ---------------------------------------------------------------------------------------------------- organisation


def test_organisation_page_totals_plan_figures_and_scatter(world):
    html = get(None, "organisation", "min", query="framework=nat&fy=2568")
    assert figure(html, "projects") == "2" and "1,500,000 บาท" in html
    assert figure(html, "average_progress") == "40%"
    assert re.findall(r'<tr class="depth-0" data-node="(\w+)">', html) == ["01"]
    assert 'class="chart chart-scatter"' in html
    html = get(None, "organisation", "oth", query="framework=nat&fy=2568")
    assert figure(html, "projects") == "2"  # p4 and p5 (p5 is linked to an old version only)
    assert "ใช้เงินมาก ความก้าวหน้าน้อย" in html


@pytest.mark.parametrize(
    "role, sees",
    [(None, False), ("reporter", False), ("other_coordinator", False), ("coordinator", True), ("reviewer", True)],
)
def test_organisation_completeness_only_for_those_who_may_see_it(world, people, role, sees):
    html = get(people[role], "organisation", "min", query="framework=nat&fy=2568")
    assert ('id="completeness-heading"' in html) is sees
    if sees:
        assert "ไตรมาส 1/2568" in html and "ไตรมาส 2/2568" in html


# ---------------------------------------------------------------------------------------------------- round


def test_round_page_for_the_public_shows_accepted_counts_and_money_only(world, people):
    q1, q2 = world["rounds"]
    html = get(None, "round", q1.pk)
    assert figure(html, "reports") == "3"
    assert "700,000 บาท" in html
    html = get(None, "round", q2.pk)
    assert figure(html, "reports") == "0"  # Q2 has one approved and one returned draft: nothing accepted
    for secret in ('data-status="draft"', 'data-status="approved"', "completeness-heading", "status-heading"):
        assert secret not in html
    assert 'data-status="draft"' not in get(people["reporter"], "round", q2.pk)


def test_round_page_for_reviewers_shows_statuses_and_completeness(world, people):
    q2 = world["rounds"][1]
    html = get(people["reviewer"], "round", q2.pk)
    statuses = dict(re.findall(r'<li data-status="(\w+)">.*?<span class="value">(\d+)</span>', html))
    assert statuses == {"draft": "1", "submitted": "0", "approved": "1", "accepted": "0"}
    assert "ส่งกลับแก้ไข 1 รายการ" in html
    assert figure(html, "owed") == "5"  # every approved or accepted project of the year owes a report
    html = get(people["reviewer"], "round", q2.pk, query="basis=review")
    assert figure(html, "reports") == "1" and "200,000 บาท" in html


def test_round_page_for_oversight_shows_only_the_statuses_oversight_may_see(world, people):
    html = get(people["oversight"], "round", world["rounds"][1].pk)
    statuses = dict(re.findall(r'<li data-status="(\w+)">.*?<span class="value">(\d+)</span>', html))
    assert statuses == {"approved": "1", "accepted": "0"}  # never a count of drafts
    assert "ส่งกลับแก้ไข" not in html


def test_round_page_for_a_coordinator_counts_their_subtree_only(world, people):
    q2 = world["rounds"][1]
    html = get(people["other_coordinator"], "round", q2.pk)
    statuses = dict(re.findall(r'<li data-status="(\w+)">.*?<span class="value">(\d+)</span>', html))
    assert statuses == {"draft": "0", "submitted": "0", "approved": "0", "accepted": "0"}


# ---------------------------------------------------------------------------------------------------- gaps


@pytest.mark.parametrize("role, missing", [(None, False), ("reporter", False), ("reviewer", True)])
def test_gaps_page(world, people, role, missing):
    html = get(people[role], "gaps", query="framework=nat&fy=2568")
    empty = html.split('id="empty-heading"', 1)[1].split("</section>", 1)[0]
    assert "020101" in empty and "010101" not in empty
    no_data = html.split('id="nodata-heading"', 1)[1].split("</section>", 1)[0]
    assert "K-G" in no_data and "ไม่มีค่าจริงในช่วงเวลานี้" in no_data and "K-Y" not in no_data
    unlinked = html.split('id="unlinked-heading"', 1)[1].split("</section>", 1)[0]
    assert "W-P5" in unlinked and "W-P1" not in unlinked
    assert ('id="missing-heading"' in html) is missing
    if missing:
        section = html.split('id="missing-heading"', 1)[1]
        assert "กระทรวงอื่น" in section  # p4 and p5 owe Q2 reports, past the deadline


# ---------------------------------------------------------------------------------------------------- spend


def test_spend_page_lists_the_flagged_projects_first_and_organisations(world):
    html = get(None, "spend", query="fy=2568")
    assert 'class="chart chart-scatter"' in html
    flagged = html.split('id="flagged-heading"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'<tr data-code="([\w-]+)" class="is-flagged">', flagged) == ["W-P4"]
    assert "83.3%" in flagged and "10%" in flagged
    assert f'href="{reverse("projects:detail", args=[world["projects"][3].pk])}"' in flagged
    organisations = html.split('id="organisations-heading"', 1)[1]
    assert re.findall(r'<tr data-code="(\w+)"', organisations) == ["div", "min", "oth"]
    html = get(None, "spend", query="fy=2568&organisation=min")
    assert "W-P4" not in html and "ใช้เงินมาก" in html


# ---------------------------------------------------------------------------------------------------- every role


ALL_PAGES = [
    ("national", lambda w: (), "framework=nat&fy=2568&basis=review"),
    ("node", lambda w: (w["node"]["010102"].pk,), "fy=2568&basis=review"),
    ("organisation", lambda w: ("min",), "framework=nat&fy=2568&basis=review"),
    ("round", lambda w: (w["rounds"][1].pk,), "basis=review"),
    ("gaps", lambda w: (), "framework=nat&fy=2568&basis=review"),
    ("spend", lambda w: (), "fy=2568&basis=review"),
]


@pytest.mark.parametrize("name, args, query", ALL_PAGES)
@pytest.mark.parametrize("role", [None, "reporter", "coordinator", "other_coordinator", "reviewer", "oversight"])
def test_every_page_for_every_role_shows_review_figures_and_drafts_only_to_those_allowed(
    world, people, name, args, query, role
):
    html = get(people[role], name, *args(world), query=query)
    review = role in ("reviewer", "oversight")
    assert ('data-basis="review"' in html) is review
    assert ('name="basis" value="review"' in html) is review  # the toggle only for those who may use it
    if not review:
        # the approved-only project and the approved Q2 report never count for anyone else, a coordinator of the
        # owning ministry included; the public and reporters never see any count of drafts
        assert "W-P3" not in html and "234,500" not in html and "2,034,500" not in html
    if role in (None, "reporter"):
        assert 'data-status="draft"' not in html and "ส่งกลับแก้ไข" not in html


def test_pages_without_any_figures_say_so(db):
    FrameworkVersionFactory(levels=LEVELS, framework__code="empty")
    html = national(query="framework=empty&fy=2568")
    assert "ยังไม่มีตัวเลขของปีงบประมาณ 2568 ตามเกณฑ์นี้" in html
    assert figure(html, "projects") == "0" and figure(html, "disbursement_percent") == "–"
    html = get(None, "spend", query="fy=2568")
    assert "ไม่มีโครงการที่นับในปีงบประมาณนี้" in html


def test_national_page_without_frameworks(db):
    html = national(query="")
    assert "ยังไม่มีกรอบแผนให้แสดง" in html


# ---------------------------------------------------------------------------------------------------- htmx and nav


def test_htmx_request_gets_only_the_body(world):
    html = get(None, "national", query="framework=nat&fy=2568", HTTP_HX_REQUEST="true")
    assert "<html" not in html and "<title>" in html and 'data-figure="projects"' in html
    assert "<html" in national()


def test_site_nav_links_to_the_dashboards():
    html = client_for(None).get("/").content.decode()
    assert f'<a href="{reverse("dashboards:national")}">แดชบอร์ด</a>' in html


# ---------------------------------------------------------------------------------------------------- query budgets

PAGES = [
    ("national", lambda w: (), "framework=nat&fy=2568", 12),
    ("national", lambda w: (), "framework=nat&fy=2568&organisation=min&province=10", 15),
    ("node", lambda w: (w["node"]["0101"].pk,), "fy=2568", 18),
    ("organisation", lambda w: ("min",), "framework=nat&fy=2568", 24),
    ("round", lambda w: (w["rounds"][0].pk,), "", 12),
    ("gaps", lambda w: (), "framework=nat&fy=2568", 21),
    ("spend", lambda w: (), "fy=2568", 12),
]


@pytest.mark.parametrize("name, args, query, budget", PAGES)
@pytest.mark.parametrize("role", [None, "reviewer", "coordinator"])
def test_query_budget_does_not_grow_with_the_projects(
    world, people, name, args, query, budget, role, django_assert_max_num_queries
):
    client = client_for(people[role])
    url = reverse(f"dashboards:{name}", args=args(world)) + (f"?{query}" if query else "")
    with django_assert_max_num_queries(budget) as small:
        assert client.get(url).status_code == 200
    grow(world, 10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
