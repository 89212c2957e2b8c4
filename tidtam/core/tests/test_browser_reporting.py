"""A reporter's quarter in a real browser: with the demo data loaded, reporter.mfa signs in through the login form,
opens the workspace, starts a report that is due, fills it in Thai with Thai digits, saves it and submits it.

Uses the Chromium launch conventions and fixtures of test_browser.py (skipped when Chromium is missing, unless
TIDTAM_REQUIRE_BROWSER=1).
"""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from tidtam.core.demo import DEMO_PASSWORD, DEMO_PROJECTS, demo_load, demo_project_code
from tidtam.reporting.models import ProgressReport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The Policy and Planning Division's M&E system project: it owes its FY 2569 Q1 report, not started in the demo.
PROJECT_INDEX = next(
    i for i, p in enumerate(DEMO_PROJECTS) if p.owner == "mfa-ps-policy" and p.name_en.startswith("Monitoring")
)
PROJECT_CODE = demo_project_code(PROJECT_INDEX, DEMO_PROJECTS[PROJECT_INDEX])
OCTOBER = date(2025, 10, 1)  # the first month of FY 2569 Q1


@pytest.fixture
def demo():
    demo_load()


def test_reporter_fills_a_report_in_thai_and_submits_it(page, demo):
    from playwright.sync_api import expect

    # Sign in through the login form, then open the workspace from the menu.
    page.goto("/")
    page.locator(".site-header").get_by_role("link", name="เข้าสู่ระบบ").click()
    page.get_by_label("ชื่อผู้ใช้").fill("reporter.mfa")
    page.get_by_label("รหัสผ่าน").fill(DEMO_PASSWORD)
    page.locator("main").get_by_role("button", name="เข้าสู่ระบบ").click()
    expect(page.locator(".site-header .user-name")).to_contain_text("สมศรี")
    page.get_by_role("navigation", name="เมนูหลัก").get_by_role("link", name="งานของฉัน").click()
    expect(page.locator("h1")).to_have_text("งานของฉัน")
    screenshots = Path(settings.VAR_DIR) / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshots / "workspace.png"), full_page=True)

    # The report is due and not started: start it from the owed list.
    due = page.locator("#due")
    expect(due).to_contain_text(PROJECT_CODE)
    due.get_by_role("link", name=re.compile(rf"^เริ่มทำรายงาน {re.escape(PROJECT_CODE)} ไตรมาส 1.2569")).click()
    page.wait_for_url("**/reports/new/?round=*")
    page.locator("main form").get_by_role("button").click()
    page.wait_for_url(re.compile(r"/reports/\d+/edit/$"))

    # Fill the form in Thai, with Thai digits in the number fields, and save.
    page.locator('input[name="physical_progress"]').fill("๖๕")
    page.locator(f'input[name="month_{OCTOBER:%Y_%m}"]').fill("๑๒๐,๐๐๐")
    page.locator('textarea[name="results"]').fill("จัดประชุมคณะทำงานพัฒนาระบบติดตามผล และทดสอบการนำเข้าข้อมูลกับ ๘ หน่วยงาน")
    page.locator('textarea[name="problems"]').fill("หน่วยงานบางแห่งยังไม่มีผู้รับผิดชอบการรายงาน")
    page.locator('button[name="save"]').click()
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator('input[name="physical_progress"]')).to_have_value("65")

    report = ProgressReport.objects.get(project__code=PROJECT_CODE, round__fiscal_year=2569, round__quarter=1)
    assert report.physical_progress == Decimal("65") and report.status == "draft"
    assert report.disbursements.get(month=OCTOBER).amount == Decimal("120000")
    assert report.results.startswith("จัดประชุมคณะทำงาน")

    page.screenshot(path=str(screenshots / "report-form.png"), full_page=True)

    # Submit it from the report's page and see the new status.
    page.goto(f"/reports/{report.pk}/")
    page.locator(".workflow-actions").get_by_role("button", name="ส่งอนุมัติ").click()
    expect(page.locator("main .status-badge").first).to_contain_text("ส่งแล้ว")
    expect(page.get_by_role("status").first).to_contain_text("ส่งอนุมัติ")
    report.refresh_from_db()
    assert report.status == "submitted" and report.submitted_at is not None
    page.screenshot(path=str(screenshots / "report-submitted.png"), full_page=True)

    # approver.mfa finds it in the approval inbox and approves it with the bulk form (htmx swaps the list).
    page.locator(".site-header").get_by_role("button", name="ออกจากระบบ").click()
    page.goto("/accounts/login/?next=/inbox/")
    page.get_by_label("ชื่อผู้ใช้").fill("approver.mfa")
    page.get_by_label("รหัสผ่าน").fill(DEMO_PASSWORD)
    page.locator("main").get_by_role("button", name="เข้าสู่ระบบ").click()
    expect(page.locator("h1")).to_have_text("รายการรออนุมัติ")
    page.get_by_label("ประเภท").select_option("report")
    page.wait_for_url("**/inbox/?*kind=report*")
    checkbox = page.locator(f'input[type="checkbox"][value^="report:{report.pk}:"]')
    checkbox.check()
    page.screenshot(path=str(screenshots / "inbox.png"), full_page=True)
    page.get_by_role("button", name="อนุมัติรายการที่เลือก").click()
    results = page.locator(".bulk-results")
    expect(results).to_contain_text("อนุมัติแล้ว: 1")
    expect(results).to_contain_text(PROJECT_CODE)
    expect(page.locator(f'input[type="checkbox"][value^="report:{report.pk}:"]')).to_have_count(0)
    report.refresh_from_db()
    assert report.status == "approved"
