"""A reporter, in a real browser, starts a report from the round page, fills it in Thai with Thai digits, and submits
it. Uses the Playwright fixtures of tidtam/core/tests/test_browser.py (skipped when Chromium is absent)."""

from datetime import date
from decimal import Decimal

import pytest

from tidtam.core.testing import PASSWORD
from tidtam.reporting.models import ProgressReport
from tidtam.workflow.choices import WorkflowStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reporter_fills_a_report_in_thai_and_submits_it(page, people, project, q1):
    from playwright.sync_api import expect

    reporter = people["reporter"]
    page.goto("/accounts/login/")
    page.fill("#id_username", reporter.username)
    page.fill("#id_password", PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url("**/")

    page.goto(f"/rounds/{q1.pk}/")
    page.get_by_role("link", name="เริ่มทำรายงาน").click()
    page.get_by_role("button", name="สร้างรายงาน").click()
    expect(page.get_by_label("ตุลาคม 2567")).to_be_visible()

    page.get_by_label("ความก้าวหน้าของงาน (%)").fill("๔๒.๕")
    page.get_by_label("ตุลาคม 2567").fill("๑๒,๕๐๐")
    page.get_by_label("ธันวาคม 2567").fill("7500")
    page.get_by_label("จำนวนการประชุม").fill("๓")
    page.get_by_label("ผลการดำเนินงาน").fill("จัดประชุมหารือทวิภาคีกับสหรัฐฯ สองครั้ง")
    page.get_by_label("ปัญหาอุปสรรค").fill("กำหนดการของฝ่ายสหรัฐฯ เลื่อนออกไป")
    page.get_by_role("button", name="บันทึกและส่งอนุมัติ").click()

    expect(page.get_by_text("บันทึกและส่งรายงานเพื่อขออนุมัติแล้ว")).to_be_visible()
    expect(page.locator('[data-status="submitted"]').first).to_be_visible()
    expect(page.get_by_text("20,000.00").first).to_be_visible()  # cumulative, derived from the months
    report = ProgressReport.objects.get(project=project, round=q1)
    assert report.status == WorkflowStatus.SUBMITTED
    assert report.physical_progress == Decimal("42.5")
    assert {d.month: d.amount for d in report.disbursements.all()} == {
        date(2024, 10, 1): Decimal("12500"),
        date(2024, 12, 1): Decimal("7500"),
    }
    assert report.kpi_actuals.get().value == Decimal("3")
