"""Real-browser checks with Playwright driving Debian's Chromium against the live test server.

Skipped with the reason when no Chromium is found (at /usr/bin/chromium or $TIDTAM_CHROMIUM), unless
TIDTAM_REQUIRE_BROWSER=1, which turns the skip into a failure (CI).
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from tidtam.accounts.choices import Role
from tidtam.core.testing import (
    PASSWORD,
    FrameworkFactory,
    FrameworkVersionFactory,
    IndicatorFactory,
    NodeFactory,
    OrganisationFactory,
    member,
)
from tidtam.plans import services as plan_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site():
    """A framework with nested nodes and an indicator, and a member who can sign in (built with the factories)."""
    levels = [
        {"key": "strategy", "th": "ยุทธศาสตร์", "en": "Strategy"},
        {"key": "plan", "th": "แผนแม่บท", "en": "Master plan"},
        {"key": "target", "th": "เป้าหมาย", "en": "Target"},
    ]
    version = FrameworkVersionFactory(
        framework=FrameworkFactory(code="ns", title_th="ยุทธศาสตร์ชาติ", title_en="National Strategy"),
        label="2566",
        levels=levels,
    )
    root = NodeFactory(framework_version=version, code="1", title_th="ด้านความมั่นคง", title_en="Security")
    plan = NodeFactory(
        framework_version=version,
        parent=root,
        code="01",
        title_th="การต่างประเทศ",
        title_en="Foreign affairs",
        is_illustrative=True,
    )
    NodeFactory(framework_version=version, parent=plan, code="0101", title_th="ไทยมีบทบาทนำในภูมิภาค")
    NodeFactory(
        framework_version=version, parent=root, code="02", title_th="การป้องกันประเทศ", title_en="National defence"
    )
    NodeFactory(framework_version=version, code="2", title_th="ด้านการแข่งขัน", title_en="Competitiveness")
    indicator = IndicatorFactory(node=plan, code="KPI-FA-1", name_th="ดัชนีบทบาทของไทยในเวทีโลก", unit="คะแนน")
    plan_services.indicator_target_set(
        actor=None, indicator=indicator, period_start=2568, period_end=2568, value=Decimal("70")
    )
    plan_services.indicator_value_record(
        actor=None, indicator=indicator, period_start=2568, period_end=2568, value=Decimal("64.5")
    )
    user = member(Role.REPORTER, OrganisationFactory(), username="somchai", first_name="สมชาย", last_name="ใจดี")
    return {"root": root, "plan": plan, "indicator": indicator, "user": user}


def test_tree_expands_with_htmx_and_links_to_the_node_page(page, site):
    from playwright.sync_api import expect

    root, plan = site["root"], site["plan"]
    page.goto("/frameworks/ns/")
    assert page.evaluate("typeof htmx") == "object"  # served locally, no CDN
    button = page.locator(f'button[aria-controls="node-{root.pk}-children"]')
    children = page.locator(f"#node-{root.pk}-children")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(children).to_be_hidden()

    button.click()
    expect(children.get_by_role("link", name="การต่างประเทศ")).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(children.locator(f'button[aria-controls="node-{plan.pk}-children"]')).to_have_attribute(
        "aria-expanded", "false"
    )

    screenshots = Path(settings.VAR_DIR) / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshots / "tree.png"), full_page=True)

    button.click()  # collapses without another request
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(children).to_be_hidden()
    button.click()
    expect(children).to_be_visible()
    expect(children.locator("ul.tree")).to_have_count(1)  # shown again, not loaded twice

    children.get_by_role("link", name="การต่างประเทศ").click()
    page.wait_for_url(f"**/nodes/{plan.pk}/")
    table = page.locator("table.indicators")
    expect(table).to_be_visible()
    expect(table).to_contain_text("KPI-FA-1")
    expect(table).to_contain_text("ปีงบประมาณ 2568")
    expect(table).to_contain_text("64.5")
    expect(page.locator(".breadcrumb")).to_contain_text("ด้านความมั่นคง")


def test_sign_in_shows_the_user_in_the_header_and_sign_out(page, site):
    from playwright.sync_api import expect

    page.goto("/")
    page.locator(".site-header").get_by_role("link", name="เข้าสู่ระบบ").click()
    page.get_by_label("ชื่อผู้ใช้").fill("somchai")
    page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="เข้าสู่ระบบ").click()
    expect(page.locator(".site-header .user-name")).to_have_text("สมชาย ใจดี")
    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))  # back where we started (the home page), via `next`
    page.locator(".site-header").get_by_role("button", name="ออกจากระบบ").click()
    expect(page.locator(".site-header")).to_contain_text("เข้าสู่ระบบ")
    expect(page.locator(".site-header .user-name")).to_have_count(0)


def test_wrong_password_shows_the_error(page, site):
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    page.get_by_label("ชื่อผู้ใช้").fill("somchai")
    page.get_by_label("รหัสผ่าน").fill("not-the-password")
    page.locator("main").get_by_role("button", name="เข้าสู่ระบบ").click()
    expect(page.get_by_role("alert")).to_contain_text("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง")


def test_switch_to_english(page, site):
    from playwright.sync_api import expect

    page.goto("/frameworks/ns/")
    nav = page.get_by_role("navigation", name="เมนูหลัก")
    expect(nav.get_by_role("link", name="หน้าแรก")).to_be_visible()
    page.get_by_role("button", name="English").click()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Home")).to_be_visible()
    expect(nav.get_by_role("link", name="Plan frameworks")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith("/frameworks/ns/")  # the switch returns to the same page
    expect(page.locator("h1")).to_contain_text("National Strategy")


def test_organisation_search_filters_live(page, site):
    from playwright.sync_api import expect

    OrganisationFactory(code="nesdc", name_th="สำนักงานสภาพัฒนาการเศรษฐกิจและสังคมแห่งชาติ", abbreviation_th="สศช.")
    OrganisationFactory(code="mfa", name_th="กระทรวงการต่างประเทศ", abbreviation_th="กต.")
    page.goto("/organisations/")
    results = page.locator("#org-results")
    expect(results).to_contain_text("กระทรวงการต่างประเทศ")
    page.get_by_label("ชื่อ อักษรย่อ หรือรหัส").press_sequentially("สศช")
    expect(results).not_to_contain_text("กระทรวงการต่างประเทศ")
    expect(results).to_contain_text("สำนักงานสภาพัฒนาการเศรษฐกิจและสังคมแห่งชาติ")
    page.wait_for_url("**/organisations/?*q=*")  # the filtered address can be bookmarked
