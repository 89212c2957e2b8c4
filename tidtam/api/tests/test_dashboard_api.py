"""`GET /api/v1/dashboard` and the statuses of `GET /api/v1/indicators/{id}`: figures equal to a hand-built dataset,
the basis each caller gets, slices, gaps, errors naming the parameter, and a query count that does not grow with
the data."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tidtam.accounts.choices import Role
from tidtam.api.tests.helpers import API, assert_error, bearer_client
from tidtam.core.models import Province
from tidtam.core.testing import (
    FrameworkVersionFactory,
    IndicatorFactory,
    NodeFactory,
    OrganisationFactory,
    ProjectFactory,
    ReportFactory,
    client_for,
    member,
    rollup_world,
)
from tidtam.core.thaicalendar import to_thai_digits
from tidtam.evaluation.models import Basis
from tidtam.evaluation.rollups import rollups_rebuild
from tidtam.evaluation.selectors import Figures, gap_analysis
from tidtam.plans.services import indicator_target_set, indicator_value_record
from tidtam.projects.models import BudgetLine, Contribution
from tidtam.reporting.models import ReportDisbursement, ReportIndicatorValue
from tidtam.workflow.choices import WorkflowStatus

pytestmark = pytest.mark.django_db
D = Decimal
S = WorkflowStatus


@pytest.fixture
def world():
    """`rollup_world` (01 → 0101, 0102; p1 accepted on 0101 by `div`, p2 accepted on 0102 + 0101 by `min`, p3
    approved on 0102; reports: p1 Q1 accepted 150,000 at 20 %, p1 Q2 approved 200,000 at 45 %, p2 Q1 accepted 300,000
    at 60 %) plus: target 0103 and strategy 02 → target 0201 without projects; p2 in Chiang Rai (57); an accepted
    project with no plan link; indicator A on 0101 (72 of 80: yellow), B on 0103 (target only: grey), C on 0102
    (lower is better, target 10, actual 20 only in the approved Q2 report: grey in public, orange in review)."""
    w = rollup_world()
    version, nodes = w["version"], w["nodes"]
    nodes["0103"] = NodeFactory(framework_version=version, parent=nodes["01"], code="0103", sort_order=3)
    nodes["02"] = NodeFactory(framework_version=version, code="02", sort_order=2)
    nodes["0201"] = NodeFactory(framework_version=version, parent=nodes["02"], code="0201")
    w["projects"][1].provinces.add(Province.objects.get(code="57"))
    orphan = ProjectFactory(owner=w["orgs"]["min"], status=S.ACCEPTED)
    BudgetLine.objects.create(project=orphan, fiscal_year=2568, source="budget", amount=D("10000"))
    a = IndicatorFactory(node=nodes["0101"], direction="higher", code="A")
    indicator_target_set(actor=None, indicator=a, period_start=2568, period_end=2568, value=D(80))
    indicator_value_record(actor=None, indicator=a, period_start=2568, period_end=2568, value=D(72))
    b = IndicatorFactory(node=nodes["0103"], direction="higher", code="B")
    indicator_target_set(actor=None, indicator=b, period_start=2568, period_end=2568, value=D(5))
    c = IndicatorFactory(node=nodes["0102"], direction="lower", code="C")
    indicator_target_set(actor=None, indicator=c, period_start=2568, period_end=2568, value=D(10))
    ReportIndicatorValue.objects.create(report=w["reports"][1], indicator=c, value=D(20))
    rollups_rebuild()
    w["indicators"] = {"A": a, "B": b, "C": c}
    w["code"] = version.framework.code
    return w


def get(client: Client, url: str, status: int = 200) -> dict:
    response = client.get(f"{API}{url}")
    assert response.status_code == status, response.content
    return response.json()


def board(w, client=None, **params) -> dict:
    query = "&".join(f"{name}={value}" for name, value in {"framework": w["code"], "fy": 2568, **params}.items())
    return get(client or Client(), f"/dashboard?{query}")


def figures(projects, budget, disbursed, percent, progress, levels: dict, worst) -> dict:
    distribution = dict.fromkeys(("green", "yellow", "orange", "red", "grey"), 0) | levels
    return {
        "projects": projects,
        "budget": budget,
        "disbursed": disbursed,
        "disbursement_percent": percent,
        "average_progress": progress,
        "indicators": sum(distribution.values()),
        "status_distribution": distribution,
        "worst_level": worst,
    }


def rows_by_code(rows: list) -> dict:
    found = {}
    for row in rows:
        found[row["node"]["code"]] = row
        found |= rows_by_code(row["children"])
    return found


PUBLIC_TOTAL = figures(2, 1500000, 450000, 30.0, 40.0, {"yellow": 1, "grey": 2}, "yellow")


def test_anonymous_gets_public_figures_equal_to_the_hand_built_dataset(world):
    body = board(world)
    assert (body["framework"], body["version"], body["fiscal_year"], body["basis"]) == (
        world["code"],
        "1",
        2568,
        "public",
    )
    assert body["basis_label"] == str(Basis.PUBLIC.label)
    assert (body["node"], body["organisation"], body["province"], body["depth"]) == (None, None, None, 3)
    assert body["total"] == PUBLIC_TOTAL
    assert set(body["total"]) == set(Figures().as_dict())  # the keys of Figures.as_dict()
    assert isinstance(body["total"]["budget"], float)  # amounts are JSON numbers, as everywhere in the API
    assert [row["node"]["code"] for row in body["rows"]] == ["01", "02"]
    rows = rows_by_code(body["rows"])
    assert rows["01"]["node"] == {
        "id": world["nodes"]["01"].pk,
        "code": "01",
        "title": world["nodes"]["01"].title_th,
        "title_en": world["nodes"]["01"].title_en,
        "level": 1,
        "path": ["01"],
    }
    assert rows["01"]["figures"] == PUBLIC_TOTAL and rows["01"]["gaps"] == 1
    assert [child["node"]["code"] for child in rows["01"]["children"]] == ["0101", "0102", "0103"]
    assert rows["0101"]["figures"] == figures(2, 1500000, 450000, 30.0, 40.0, {"yellow": 1}, "yellow")
    assert rows["0102"]["figures"] == figures(1, 500000, 300000, 60.0, 60.0, {"grey": 1}, "grey")
    assert rows["0103"]["figures"] == figures(0, 0, 0, None, None, {"grey": 1}, "grey")
    assert (rows["0101"]["gaps"], rows["0102"]["gaps"], rows["0103"]["gaps"]) == (0, 0, 1)
    assert rows["02"]["figures"] == figures(0, 0, 0, None, None, {}, None) and rows["02"]["gaps"] == 1
    assert rows["0201"]["node"]["path"] == ["02", "0201"]
    assert body["gaps_summary"] == {
        "nodes_without_projects": 2,  # 0103 and 0201
        "indicators_without_data": 2,  # B, and C whose actual is only in an approved report
        "projects_without_valid_link": 1,  # the orphan project
    }


def test_gaps_summary_counts_what_the_gap_analysis_lists(world):
    gaps = gap_analysis(user=None, version=world["version"], fiscal_year=2568, basis=Basis.PUBLIC)
    assert board(world)["gaps_summary"] == {
        "nodes_without_projects": len(gaps.nodes_without_projects),
        "indicators_without_data": len(gaps.indicators_without_data),
        "projects_without_valid_link": len(gaps.projects_without_valid_link),
    }


REVIEW_TOTAL = figures(3, 1700000, 650000, 38.2, 52.5, {"yellow": 1, "orange": 1, "grey": 1}, "orange")


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.OVERSIGHT])
def test_reviewers_and_oversight_may_ask_for_the_review_basis(world, role):
    user = member(role, OrganisationFactory())
    for client in (client_for(user), bearer_client(user)):
        body = board(world, client, basis="review")
        assert body["basis"] == "review" and body["basis_label"] == str(Basis.REVIEW.label)
        assert body["total"] == REVIEW_TOTAL  # + p3 (approved), p1's approved Q2 report and C's reported value
        assert rows_by_code(body["rows"])["0102"]["figures"]["projects"] == 2
        assert body["gaps_summary"]["indicators_without_data"] == 1
        assert board(world, client)["total"] == PUBLIC_TOTAL  # public unless asked


@pytest.mark.parametrize("role", [None, Role.REPORTER, Role.APPROVER, Role.COORDINATOR, Role.ADMIN])
def test_everyone_else_asking_for_review_gets_public_figures_and_is_told_so(world, role):
    client = Client() if role is None else client_for(member(role, world["orgs"]["min"]))
    body = board(world, client, basis="review")
    assert body["basis"] == "public" and body["total"] == PUBLIC_TOTAL


def test_organisation_and_province_slice_the_project_figures_not_the_statuses(world):
    body = board(world, organisation="div")
    assert body["organisation"]["code"] == "div"
    assert body["total"] == figures(1, 1000000, 150000, 15.0, 20.0, {"yellow": 1, "grey": 2}, "yellow")
    rows = rows_by_code(body["rows"])
    assert rows["0102"]["figures"]["projects"] == 0 and rows["0102"]["gaps"] == 1
    assert body["gaps_summary"] == {
        "nodes_without_projects": 3,
        "indicators_without_data": 2,
        "projects_without_valid_link": 0,  # the orphan belongs to `min`, not `div`
    }
    assert board(world, organisation="min")["gaps_summary"]["projects_without_valid_link"] == 1
    body = board(world, province="57")
    assert body["province"] == {"code": "57", "name": "เชียงราย", "name_en": "Chiang Rai"}
    assert body["total"] == figures(1, 500000, 300000, 60.0, 60.0, {"yellow": 1, "grey": 2}, "yellow")
    assert body["gaps_summary"]["projects_without_valid_link"] == 0
    assert board(world, province="๕๗")["province"]["code"] == "57"  # Thai digits


def test_a_start_node_and_depth(world):
    nodes = world["nodes"]
    body = board(world, node=nodes["01"].pk)
    assert body["node"] == {
        "id": nodes["01"].pk,
        "code": "01",
        "title": nodes["01"].title_th,
        "title_en": nodes["01"].title_en,
        "level": 1,
        "path": ["01"],
    }
    assert body["total"] == PUBLIC_TOTAL
    assert [row["node"]["code"] for row in body["rows"]] == ["0101", "0102", "0103"]
    assert body["gaps_summary"]["nodes_without_projects"] == 1
    assert body["gaps_summary"]["indicators_without_data"] == 2
    leaf = board(world, node=nodes["0103"].pk)
    assert leaf["rows"] == [] and leaf["total"]["projects"] == 0
    assert leaf["gaps_summary"]["nodes_without_projects"] == 1  # the start node itself
    assert leaf["gaps_summary"]["indicators_without_data"] == 1
    shallow = board(world, depth=1)
    assert [row["children"] for row in shallow["rows"]] == [[], []]
    assert shallow["rows"][0]["gaps"] == 1  # gaps still count the whole subtree
    assert board(world, fy=to_thai_digits("2568"), depth="๑")["total"] == PUBLIC_TOTAL


@pytest.mark.parametrize(
    "query, field",
    [
        ("fy=2568", "framework"),
        ("framework={code}", "fy"),
        ("framework={code}&fy=abc", "fy"),
        ("framework={code}&fy=1999", "fy"),
        ("framework={code}&fy=2568&depth=0", "depth"),
        ("framework={code}&fy=2568&depth=7", "depth"),
        ("framework={code}&fy=2568&basis=everything", "basis"),
        ("framework={code}&fy=2568&node=x", "node"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(world, query, field):
    response = Client().get(f"{API}/dashboard?{query.format(code=world['code'])}")
    body = assert_error(response, 400, "validation_error")
    assert field in body["details"]


def test_unknown_framework_node_organisation_province_are_404_naming_the_field(world):
    other = NodeFactory(framework_version=FrameworkVersionFactory(), code="X")
    code = world["code"]
    cases = [
        ("framework=nope&fy=2568", "framework"),
        (f"framework={code}&fy=2568&node=987654", "node"),
        (f"framework={code}&fy=2568&node={other.pk}", "node"),  # a node of another framework
        (f"framework={code}&fy=2568&organisation=nope", "organisation"),
        (f"framework={code}&fy=2568&province=99", "province"),
    ]
    for query, field in cases:
        body = assert_error(Client().get(f"{API}/dashboard?{query}"), 404)
        assert field in body["details"], query


def _grow(world, count: int) -> None:
    """`count` more accepted projects with accepted reports on 0101 and 0102, in both organisations."""
    q1 = world["reports"][0].round
    for n in range(count):
        owner = world["orgs"]["div" if n % 2 else "min"]
        project = ProjectFactory(owner=owner, status=S.ACCEPTED)
        BudgetLine.objects.create(project=project, fiscal_year=2568, source="budget", amount=D(1000 + n))
        Contribution.objects.create(project=project, node=world["nodes"]["0101"], is_primary=True)
        Contribution.objects.create(project=project, node=world["nodes"]["0102"])
        project.provinces.add(Province.objects.get(code="57"))
        report = ReportFactory(project=project, round=q1, status=S.ACCEPTED, physical_progress=n % 100)
        ReportDisbursement.objects.create(report=report, month=q1.period_start, amount=D(100))
    rollups_rebuild()


QUERIES = ["", "&organisation=div", "&province=57", "&node={node}&basis=review", "&depth=6"]


def _count_queries(world, client) -> list[int]:
    counts = []
    for extra in QUERIES:
        url = f"{API}/dashboard?framework={world['code']}&fy=2568" + extra.format(node=world["nodes"]["01"].pk)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    return counts


def test_query_count_is_small_and_does_not_grow_with_the_data(world, django_assert_max_num_queries):
    reviewer = client_for(member(Role.REVIEWER, OrganisationFactory()))
    # session, user, memberships; framework, start node, organisation, province; nodes, summaries, the slice per
    # node and in total; the two gap counts.
    with django_assert_max_num_queries(13):
        board(world, reviewer, basis="review", organisation="min", province="57", node=world["nodes"]["01"].pk)
    small = _count_queries(world, Client()), _count_queries(world, reviewer)
    _grow(world, 30)
    assert board(world)["total"]["projects"] == 32
    assert (_count_queries(world, Client()), _count_queries(world, reviewer)) == small


# --- GET /api/v1/indicators/{id}: statuses -----------------------------------------------------------------------


def test_indicator_statuses_show_level_why_and_rule_version(world):
    a = world["indicators"]["A"]
    body = get(Client(), f"/indicators/{a.pk}")
    assert body["statuses"] == [
        {
            "fiscal_year": 2568,
            "basis": "public",
            "level": "yellow",
            "label": "ต่ำกว่าค่าเป้าหมายเล็กน้อย / Slightly below target",
            "ratio": 0.9,
            "target": 80.0,
            "target_max": None,
            "actual": 72.0,
            "why": {
                "th": "ค่าจริง 72 จากค่าเป้าหมาย 80 = 90% → ต่ำกว่าค่าเป้าหมายเล็กน้อย (≥75%, <100%)",
                "en": "actual 72 of the target 80 = 90% → Slightly below target (≥75%, <100%)",
            },
            "rule_version": "default/1",
        }
    ]
    assert body["code"] == "A" and body["node"]["code"] == "0101"  # the rest of the indicator is unchanged


def test_indicator_review_statuses_only_for_reviewers_and_oversight(world):
    c = world["indicators"]["C"]
    url = f"/indicators/{c.pk}?basis=review"
    for role in (Role.REVIEWER, Role.OVERSIGHT):
        [status] = get(client_for(member(role, OrganisationFactory())), url)["statuses"]
        assert (status["basis"], status["level"], status["actual"]) == ("review", "orange", 20.0)
        assert (
            status["why"]["en"] == "target 10 / actual 20 (lower is better) = 50% → Below target, at risk (≥50%, <75%)"
        )
    for client in (Client(), client_for(member(Role.REPORTER, world["orgs"]["min"]))):
        [status] = get(client, url)["statuses"]
        assert (status["basis"], status["level"], status["actual"]) == ("public", "grey", None)
    assert_error(Client().get(f"{API}/indicators/{c.pk}?basis=secret"), 400, "validation_error")
