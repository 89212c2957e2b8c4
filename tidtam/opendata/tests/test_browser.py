"""The public portal in a real browser, on the demo data, signed out: from the home page down the national strategy's
tree to a master plan, on to one of its accepted projects, then to the downloads page, where the filter form (plain
GET) rebuilds the links and projects.csv downloads as UTF-8 with a BOM holding the project. Uses the Playwright
fixtures of tidtam/conftest.py (skipped when Chromium is missing, unless TIDTAM_REQUIRE_BROWSER=1)."""

import re
from pathlib import Path

import pytest

from tidtam.core.demo import demo_load
from tidtam.projects.models import Project
from tidtam.workflow.choices import WorkflowStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def demo():
    demo_load()


def test_public_visitor_drills_down_opens_a_project_and_downloads_the_csv(page, demo):
    from playwright.sync_api import expect

    page.goto("/")
    expect(page.get_by_role("link", name="เข้าสู่ระบบ")).to_be_visible()  # signed out
    for name in ("แดชบอร์ดระดับประเทศ", "ดาวน์โหลดข้อมูลเปิด", "วิธีคำนวณสถานะ"):
        expect(page.get_by_role("main").get_by_role("link", name=name)).to_be_visible()

    # The national strategy's tree: every item with its status, as text and colour.
    page.get_by_role("main").get_by_role("link", name="ยุทธศาสตร์ชาติ พ.ศ. 2561–2580").click()
    expect(page.locator("h1")).to_contain_text("ยุทธศาสตร์ชาติ")
    expect(page.locator(".status-note")).to_contain_text("จากข้อมูลที่ตรวจรับแล้วเท่านั้น")
    page.get_by_role("link", name="แสดงทุกระดับ").click()
    master_plan = page.locator("a.tree-link", has=page.locator(".code", has_text=re.compile(r"^02$")))
    expect(master_plan).to_contain_text("การต่างประเทศ")
    expect(master_plan.locator("xpath=..").locator(".level-badge")).to_be_visible()

    # Master plan 02: its status, this year's public figures, and the way to its projects.
    master_plan.click()
    expect(page.locator("h1")).to_contain_text("การต่างประเทศ")
    figures = page.locator(".node-figures")
    expect(figures.locator(".level-badge")).to_be_visible()
    expect(figures).to_contain_text("โครงการ")
    expect(page.get_by_role("link", name="ดูตัวเลขและสถานะในแดชบอร์ด")).to_have_attribute(
        "href", re.compile(r"^/dashboard/nodes/\d+/$")
    )
    page.get_by_role("link", name="โครงการภายใต้รายการนี้").click()
    page.wait_for_url(re.compile(r"/projects/\?node=\d+"))

    # One accepted project (the public sees no other kind), with its accepted reports and no contact details.
    first = page.locator("#project-results a[href^='/projects/']").first
    first.click()
    page.wait_for_url(re.compile(r"/projects/\d+/$"))
    code = page.locator(".page-head .code").inner_text().strip()
    project = Project.objects.get(code=code)
    assert project.status == WorkflowStatus.ACCEPTED
    expect(page.get_by_role("heading", name="รายงานความก้าวหน้า")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(project.responsible_email or "@")

    # The downloads page: type a fiscal year in Thai digits, the links follow, and projects.csv downloads.
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="ดาวน์โหลดข้อมูลเปิด").click()
    expect(page.locator("h1")).to_have_text("ดาวน์โหลดข้อมูลเปิด")
    expect(page.locator("[data-licence]")).to_have_attribute("href", re.compile(r"^https://"))
    year = str(project.fiscal_year_start).translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    page.get_by_label("ปีงบประมาณ (พ.ศ.)").fill(year)
    page.get_by_role("button", name="ปรับลิงก์ดาวน์โหลด").click()
    link = page.locator('a[data-file="projects.csv"]')
    expect(link).to_have_attribute("href", f"/api/v1/exports/projects.csv?fiscal_year={project.fiscal_year_start}")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.failure() is None
    content = Path(download.path()).read_bytes()
    assert content.startswith(BOM), content[:20]
    assert code in content.decode("utf-8-sig")
