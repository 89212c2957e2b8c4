"""Plan pages: home, framework tree (htmx children and the whole tree), node page, 404s, query budgets, no CDN."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tidtam.accounts.choices import Role
from tidtam.core.testing import OrganisationFactory, client_for, member
from tidtam.plans import services
from tidtam.plans.choices import CrossLinkKind, Direction

pytestmark = pytest.mark.django_db


LEVELS = [
    {"key": "strategy", "th": "ยุทธศาสตร์", "en": "Strategy"},
    {"key": "plan", "th": "แผนแม่บท", "en": "Master plan"},
    {"key": "target", "th": "เป้าหมาย", "en": "Target"},
]


@pytest.fixture
def people():
    organisation = OrganisationFactory(code="mfa", name_th="กระทรวงการต่างประเทศ", name_en="Ministry of Foreign Affairs")
    return {
        None: None,
        "reporter": member(Role.REPORTER, organisation, first_name="สมชาย", last_name="รายงาน"),
        "reviewer": member(Role.REVIEWER, organisation, first_name="สมหญิง", last_name="ตรวจสอบ"),
    }


@pytest.fixture
def tree(people):
    """A small framework built through the services (so the audit log has entries): 1 → 01 → 0101, and 2."""
    actor = people["reviewer"]
    framework = services.framework_create(
        actor=actor, code="ns", title_th="ยุทธศาสตร์ชาติ", title_en="National Strategy", is_illustrative=True
    )
    version = services.framework_version_create(
        actor=actor, framework=framework, label="2561", levels=LEVELS, is_current=True
    )
    root = services.node_create(
        actor=actor,
        framework_version=version,
        code="1",
        title_th="ด้านความมั่นคง",
        title_en="Security",
        is_illustrative=True,
    )
    plan = services.node_create(
        actor=actor,
        framework_version=version,
        code="01",
        parent=root,
        title_th="การต่างประเทศ",
        title_en="Foreign affairs",
        description="แผนแม่บทด้านการต่างประเทศ",
    )
    target = services.node_create(
        actor=actor,
        framework_version=version,
        code="0101",
        parent=plan,
        title_th="ไทยมีบทบาทนำในภูมิภาค",
        title_en="Thailand leads in the region",
    )
    leaf = services.node_create(
        actor=actor, framework_version=version, code="2", title_th="ด้านการแข่งขัน", title_en="Competitiveness"
    )
    services.node_update(actor=actor, node=plan, version=plan.version, title_en="Foreign affairs plan")
    indicator = services.indicator_create(
        actor=actor,
        node=plan,
        code="KPI-1",
        name_th="ดัชนีบทบาทไทย",
        name_en="Thailand role index",
        unit="คะแนน",
        direction=Direction.HIGHER,
        baseline_value=Decimal("40"),
        baseline_year=2560,
    )
    services.indicator_target_set(
        actor=actor, indicator=indicator, period_start=2566, period_end=2570, value=Decimal("80")
    )
    services.indicator_target_set(
        actor=actor, indicator=indicator, period_start=2568, period_end=2568, value=Decimal("50")
    )
    services.indicator_value_record(
        actor=actor,
        indicator=indicator,
        period_start=2568,
        period_end=2568,
        value=Decimal("45.5000"),
        source_url="https://www.nesdc.go.th/report-2568",
    )
    other = services.framework_create(
        actor=actor, code="poa", title_th="แผนปฏิบัติการอาเซียน–สหรัฐฯ", title_en="ASEAN-U.S. Plan of Action"
    )
    other_version = services.framework_version_create(
        actor=actor, framework=other, label="1", levels=LEVELS[:1], is_current=True
    )
    partner = services.node_create(
        actor=actor,
        framework_version=other_version,
        code="P1",
        title_th="ความร่วมมือทางการเมือง",
        title_en="Political-security cooperation",
    )
    services.cross_link_create(actor=actor, source=plan, target=partner, kind=CrossLinkKind.SUPPORTS)
    return {
        "framework": framework,
        "version": version,
        "root": root,
        "plan": plan,
        "target": target,
        "leaf": leaf,
        "indicator": indicator,
        "other": other,
        "partner": partner,
    }


def _pages(tree):
    framework, plan = tree["framework"], tree["plan"]
    return [
        reverse("home"),
        reverse("plans:framework_list"),
        reverse("plans:framework", args=[framework.code]),
        reverse("plans:framework", args=[framework.code]) + "?expand=all",
        reverse("plans:node_children", args=[framework.code, tree["root"].pk]),
        reverse("plans:node", args=[plan.pk]),
    ]


@pytest.mark.parametrize("role", [None, "reporter", "reviewer"])
def test_every_plan_page_is_public(people, tree, role):
    client = client_for(people[role])
    for url in _pages(tree):
        response = client.get(url)
        assert response.status_code == 200, url


def test_home_lists_frameworks_with_node_counts_and_ways_in(people, tree):
    html = client_for(None).get("/").content.decode()
    assert 'href="/frameworks/ns/"' in html
    assert 'href="/frameworks/poa/"' in html
    assert "4 รายการ" in html  # ns version 2561 has four nodes
    assert "1 รายการ" in html
    assert 'href="/organisations/"' in html
    assert 'href="/api/v1/docs"' in html


def test_framework_page_shows_top_level_with_accessible_expand_buttons(people, tree):
    html = client_for(None).get(reverse("plans:framework", args=["ns"])).content.decode()
    root, leaf, plan = tree["root"], tree["leaf"], tree["plan"]
    assert "ยุทธศาสตร์ชาติ" in html and "National Strategy" in html
    assert "2561" in html and "แผนแม่บท" in html  # version label and a level name
    button = re.search(rf'<button[^>]*aria-controls="node-{root.pk}-children"[^>]*>', html, re.S).group(0)
    assert 'aria-expanded="false"' in button
    assert f'hx-get="/frameworks/ns/nodes/{root.pk}/children/"' in button
    assert f'id="node-{root.pk}-children"' in html
    assert f'aria-controls="node-{leaf.pk}-children"' not in html  # a leaf has nothing to expand
    assert f'href="/nodes/{root.pk}/"' in html and f'href="/nodes/{leaf.pk}/"' in html
    assert f'href="/nodes/{plan.pk}/"' not in html  # children load on demand
    assert "ข้อมูลตัวอย่าง" in html
    assert "?expand=all" in html


def test_children_endpoint_returns_a_partial_list(people, tree):
    url = reverse("plans:node_children", args=["ns", tree["root"].pk])
    response = client_for(None).get(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith("<ul")
    assert f'href="/nodes/{tree["plan"].pk}/"' in html
    assert f'aria-controls="node-{tree["plan"].pk}-children"' in html  # the child has children of its own
    assert f'href="/nodes/{tree["target"].pk}/"' not in html
    assert "แผนแม่บท" in html  # its level name


def test_expand_all_renders_the_whole_tree(people, tree):
    html = client_for(None).get(reverse("plans:framework", args=["ns"]) + "?expand=all").content.decode()
    for key in ("root", "plan", "target", "leaf"):
        assert f'href="/nodes/{tree[key].pk}/"' in html
    assert 'aria-expanded="true"' in html and 'aria-expanded="false"' not in html


def _add_nodes(tree, count):
    version, plan = tree["version"], tree["plan"]
    for i in range(count):
        services.node_create(
            actor=None, framework_version=version, code=f"01{i + 10:02d}", parent=plan, title_th=f"เป้าหมาย {i}"
        )


def test_expand_all_query_count_does_not_grow_with_the_tree(people, tree, django_assert_max_num_queries):
    client = client_for(people["reviewer"])
    url = reverse("plans:framework", args=["ns"]) + "?expand=all"
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    _add_nodes(tree, 25)
    with django_assert_max_num_queries(8):
        response = client.get(url)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert "เป้าหมาย 24" in response.content.decode()
    assert len(large) == len(small)


def test_version_parameter_and_unknown_version(people, tree):
    client = client_for(None)
    actor = people["reviewer"]
    old = services.framework_version_create(actor=actor, framework=tree["framework"], label="2555", levels=LEVELS)
    services.node_create(actor=actor, framework_version=old, code="9", title_th="โหนดฉบับเก่า")
    html = client.get(reverse("plans:framework", args=["ns"]) + "?version=2555").content.decode()
    assert "โหนดฉบับเก่า" in html and "ด้านความมั่นคง" not in html
    assert "?version=2555&amp;expand=all" in html
    assert client.get(reverse("plans:framework", args=["ns"]) + "?version=nope").status_code == 404


def test_unknown_framework_node_or_mismatch_is_404(people, tree):
    client = client_for(None)
    assert client.get(reverse("plans:framework", args=["nope"])).status_code == 404
    missing = client.get(reverse("plans:node", args=[999999]))
    assert missing.status_code == 404
    assert "<html" in missing.content.decode()  # the site's own 404 page
    assert client.get(reverse("plans:node_children", args=["ns", 999999])).status_code == 404
    # a node of another framework is not reachable through this framework's URL
    assert client.get(reverse("plans:node_children", args=["ns", tree["partner"].pk])).status_code == 404


def test_node_page_shows_breadcrumb_indicators_links_and_timeline(people, tree):
    plan = tree["plan"]
    html = client_for(None).get(reverse("plans:node", args=[plan.pk])).content.decode()
    assert f'href="/nodes/{tree["root"].pk}/"' in html  # breadcrumb ancestor
    assert 'href="/frameworks/ns/"' in html
    assert "แผนแม่บท" in html  # level name
    assert "การต่างประเทศ" in html and "Foreign affairs plan" in html
    assert "แผนแม่บทด้านการต่างประเทศ" in html  # description
    assert f'href="/nodes/{tree["target"].pk}/"' in html  # child
    # indicator table: unit, direction, baseline, targets by phase and fiscal year (BE), actual value
    assert "KPI-1" in html and "คะแนน" in html and "ยิ่งสูงยิ่งดี" in html
    assert "40" in html and "(2560)" in html
    assert "2566–2570" in html and "ปีงบประมาณ 2568" in html
    assert "80" in html and "45.5" in html and "45.5000" not in html
    assert 'href="https://www.nesdc.go.th/report-2568"' in html  # the actual value's source
    # cross-link to the other framework
    assert "สนับสนุน" in html
    assert f'href="/nodes/{tree["partner"].pk}/"' in html and "แผนปฏิบัติการอาเซียน–สหรัฐฯ" in html
    # audit timeline without actor names for the public
    assert "สร้าง" in html and "แก้ไข" in html and "<code>title_en</code>" in html
    assert "สมหญิง" not in html


def test_node_timeline_names_actors_only_for_audit_viewers(people, tree):
    url = reverse("plans:node", args=[tree["plan"].pk])
    assert "สมหญิง" not in client_for(people["reporter"]).get(url).content.decode()
    assert "สมหญิง ตรวจสอบ" in client_for(people["reviewer"]).get(url).content.decode()


def test_node_page_query_budget(people, tree, django_assert_max_num_queries):
    actor = people["reviewer"]
    plan = tree["plan"]
    for i in range(5):
        indicator = services.indicator_create(actor=actor, node=plan, code=f"X{i}", name_th=f"ตัวชี้วัด {i}", unit="%")
        for year in (2566, 2567, 2568):
            services.indicator_target_set(
                actor=actor, indicator=indicator, period_start=year, period_end=year, value=Decimal(year)
            )
            services.indicator_value_record(
                actor=actor, indicator=indicator, period_start=year, period_end=year, value=Decimal(1)
            )
    _add_nodes(tree, 10)
    client = client_for(actor)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("plans:node", args=[plan.pk]))
    assert response.content.decode().count("ตัวชี้วัด 4") == 1


def test_english_node_page(people, tree):
    client = client_for(None)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("plans:node", args=[tree["plan"].pk])).content.decode()
    assert '<html lang="en">' in html
    assert "FY 2568" in html and "Master plan" in html and "Indicators" in html


def test_no_page_loads_assets_from_another_site(people, tree):
    client = client_for(people["reporter"])
    asset = re.compile(r"<(?:script[^>]*\ssrc|link[^>]*\shref)=\"(https?:)?//", re.I)
    for url in _pages(tree) + [reverse("organisations:list"), reverse("accounts:login"), "/nodes/999999/"]:
        html = client.get(url).content.decode()
        assert not asset.search(html), url
        if "<html" in html:
            assert "/static/htmx/htmx.min.js" in html and "/static/tidtam/app.css" in html


def test_thai_is_the_default_language(people, tree):
    with translation.override(None):
        html = client_for(None).get("/").content.decode()
    assert '<html lang="th">' in html and "หน้าแรก" in html
