"""The national dashboard in a real browser, on the demo data: pick another fiscal year (htmx replaces the page body
and the address keeps the choice), then follow a master plan to its own dashboard. Uses the Playwright fixtures of
tidtam/conftest.py (skipped when Chromium is missing, unless TIDTAM_REQUIRE_BROWSER=1)."""

import re

import pytest

from tidtam.core.demo import demo_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    demo_load()


def test_national_dashboard_change_year_and_open_a_node(page, demo):
    from playwright.sync_api import expect

    page.goto("/")
    page.get_by_role("navigation", name="เมนูหลัก").get_by_role("link", name="แดชบอร์ด").click()
    expect(page.locator("h1")).to_have_text("ยุทธศาสตร์ชาติ พ.ศ. 2561–2580")
    expect(page.get_by_role("heading", name="ภาพรวมทั้งกรอบแผน")).to_be_visible()
    expect(page.locator("svg.chart-status")).to_be_visible()

    # Another fiscal year: the select submits itself (htmx) and the body is replaced; the address keeps the year.
    page.get_by_label("ปีงบประมาณ (พ.ศ.)").select_option("2568")
    expect(page.locator("strong.fy").first).to_have_text("ปีงบประมาณ 2568")
    expect(page).to_have_url(re.compile(r"/dashboard/\?.*fy=2568"))
    expect(page.get_by_label("ปีงบประมาณ (พ.ศ.)")).to_have_value("2568")
    projects = page.locator('[data-figure="projects"]').first
    expect(projects).not_to_have_text("0")
    expect(page.locator(".level-list")).to_contain_text("บรรลุค่าเป้าหมาย")

    # Follow master plan 02 (foreign affairs) to its node dashboard, still in FY 2568.
    page.locator('tr[data-node="02"] th a').click()
    page.wait_for_url(re.compile(r"/dashboard/nodes/\d+/\?fy=2568"))
    expect(page.locator("h1")).to_contain_text("การต่างประเทศ")
    expect(page.locator("strong.fy")).to_have_text("ปีงบประมาณ 2568")
    expect(page.get_by_role("heading", name="ตัวเลขของรายการนี้และทุกรายการที่อยู่ภายใต้")).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("โครงการที่นับภายใต้รายการนี้"))).to_be_visible()
