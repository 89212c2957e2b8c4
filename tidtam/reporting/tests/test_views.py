"""Reporting pages: who may open and post what (anonymous / wrong organisation / wrong role / right role), the report
form with Thai digits, the 409 page on a stale version, the detail page, the round page, and query budgets."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tidtam.core.testing import client_for, submittable_project
from tidtam.projects.models import Attachment, ProjectKpi
from tidtam.reporting import services
from tidtam.reporting.choices import RoundStatus
from tidtam.reporting.models import ProgressReport, ReportingRound
from tidtam.workflow.choices import WorkflowStatus

pytestmark = pytest.mark.django_db
S = WorkflowStatus
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def report(people, project, q1):
    return services.report_create(actor=people["reporter"], project=project, round=q1)


def _login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def _expect(people, role, method, url, expected, data=None, **extra):
    client = client_for(people[role])
    response = getattr(client, method)(url, data or {}, **extra)
    if expected == "login":
        assert _login_redirect(response), (role, method, url, response.status_code)
    else:
        assert response.status_code == expected, (role, method, url, response.status_code)
    return response


# --------------------------------------------------------------------------- permission matrix


def test_round_pages_permission_matrix(people, q1):
    list_url = reverse("reporting:round_list")
    detail_url = reverse("reporting:round_detail", args=[q1.pk])
    for role in (None, "reporter", "other_coordinator", "reviewer"):
        _expect(people, role, "get", list_url, 200)
        _expect(people, role, "get", detail_url, 200)
    _expect(people, None, "get", reverse("reporting:round_detail", args=[9999]), "login")
    _expect(people, "reporter", "get", reverse("reporting:round_detail", args=[9999]), 404)

    opening = {"fiscal_year": "๒๕๖๘", "period": "q2", "opens_on": "2025-03-15", "deadline": "2025-04-30"}
    open_url = reverse("reporting:round_open")
    _expect(people, None, "post", open_url, "login", opening)
    for role in ("reporter", "coordinator", "approver", "oversight"):
        _expect(people, role, "post", open_url, 403, opening)
    response = _expect(people, "reviewer", "post", open_url, 302, opening)
    q2 = ReportingRound.objects.get(quarter=2)
    assert response["Location"] == reverse("reporting:round_detail", args=[q2.pk])
    assert (q2.fiscal_year, q2.period_start, q2.deadline) == (2568, date(2025, 1, 1), date(2025, 4, 30))

    writes = [
        ("round_update", {"version": 1, "opens_on": "2024-12-15", "deadline": "2025-02-07"}),
        ("round_close", {"version": 2}),
        ("round_reopen", {"version": 3, "reason": "ขยายเวลา"}),
    ]
    for name, data in writes:
        url = reverse(f"reporting:{name}", args=[q1.pk])
        _expect(people, None, "post", url, "login", data)
        for role in ("reporter", "coordinator", "oversight"):
            _expect(people, role, "post", url, 403, data)
        _expect(people, "reviewer", "post", url, 302, data)
    q1.refresh_from_db()
    assert (q1.version, q1.status, q1.deadline) == (4, RoundStatus.OPEN, date(2025, 2, 7))


def test_remind_permission_matrix(people, org, project, q1):
    url = reverse("reporting:round_remind", args=[q1.pk])
    mfa = {"organisation": "mfa"}
    _expect(people, None, "post", url, "login", mfa)
    _expect(people, "other_coordinator", "post", url, 403, mfa)  # another ministry
    _expect(people, "coordinator", "post", url, 403, {})  # everyone is beyond a coordinator's reach
    for role in ("reporter", "approver", "oversight"):
        _expect(people, role, "post", url, 403, mfa)
    assert len(mail.outbox) == 0
    _expect(people, "coordinator", "post", url, 302, mfa)
    assert [m.to for m in mail.outbox] == [["reporter@mfa.example"]]
    _expect(people, "reviewer", "post", url, 302, {})
    assert len(mail.outbox) == 2


def test_report_pages_permission_matrix(people, org, project, q1, q2):
    create_url = reverse("reporting:report_create", args=[project.pk]) + f"?round={q1.pk}"
    _expect(people, None, "get", create_url, "login")
    _expect(people, "other_reporter", "get", create_url, 404)  # another ministry cannot see the approved project
    for role in ("approver", "coordinator", "reviewer"):
        _expect(people, role, "get", create_url, 403)
        _expect(people, role, "post", create_url, 403, {"round": q1.pk})
    _expect(people, "other_reporter", "post", create_url, 404, {"round": q1.pk})
    _expect(people, None, "post", create_url, "login", {"round": q1.pk})
    _expect(people, "reporter", "get", create_url, 200)
    assert not ProgressReport.objects.exists()
    response = _expect(people, "reporter", "post", create_url, 302, {"round": q1.pk})
    report = ProgressReport.objects.get()
    assert response["Location"] == reverse("reporting:report_edit", args=[report.pk])

    detail = reverse("reporting:report_detail", args=[report.pk])
    edit = reverse("reporting:report_edit", args=[report.pk])
    evidence = reverse("reporting:report_evidence_add", args=[report.pk])
    form = {"version": 1, "physical_progress": "5", "results": "เริ่มงาน"}
    _expect(people, None, "get", detail, "login")
    _expect(people, "other_reporter", "get", detail, 404)
    _expect(people, "oversight", "get", detail, 404)  # oversight sees approved and accepted reports only
    for role in ("reporter", "approver", "coordinator", "reviewer"):
        _expect(people, role, "get", detail, 200)
    for method, url, data in (("get", edit, None), ("post", edit, form), ("post", evidence, {})):
        _expect(people, None, method, url, "login", data)
        _expect(people, "other_reporter", method, url, 404, data)
        for role in ("approver", "coordinator", "reviewer"):
            _expect(people, role, method, url, 403, data)
    _expect(people, "reporter", "get", edit, 200)
    _expect(people, "reporter", "post", edit, 302, form)
    upload = {"file": SimpleUploadedFile("หลักฐาน.pdf", PDF, content_type="application/pdf")}
    _expect(people, "reporter", "post", evidence, 302, upload)
    attachment = Attachment.objects.get()
    report.refresh_from_db()
    remove = reverse("reporting:report_evidence_remove", args=[report.pk, attachment.pk])
    data = {"version": report.version}
    _expect(people, None, "post", remove, "login", data)
    _expect(people, "other_reporter", "post", remove, 404, data)
    for role in ("approver", "reviewer"):
        _expect(people, role, "post", remove, 403, data)
    _expect(people, "reporter", "post", remove, 302, data)
    assert not Attachment.objects.exists()

    ProgressReport.objects.filter(pk=report.pk).update(status=S.ACCEPTED)
    for role in (None, "other_reporter", "oversight"):
        _expect(people, role, "get", detail, 200)  # accepted reports are public
    _expect(people, "reporter", "get", edit, 409)  # locked
    _expect(people, None, "get", edit, "login")


# --------------------------------------------------------------------------- the report form


def test_report_form_shows_months_kpis_indicators_and_derived_cumulative(people, project, report):
    html = client_for(people["reporter"]).get(reverse("reporting:report_edit", args=[report.pk])).content.decode()
    for label in ("ตุลาคม 2567", "พฤศจิกายน 2567", "ธันวาคม 2567"):
        assert label in html
    assert "มกราคม 2568" not in html.split('id="cumulative"')[0]
    assert re.search(r'<input type="hidden" name="version" value="1"', html)
    for name in ("month_2024_10", "month_2024_11", "month_2024_12", f"kpi_{project.kpi_a.pk}"):
        assert f'name="{name}"' in html
    assert 'inputmode="decimal"' in html
    assert "จำนวนการประชุม" in html and "4 ครั้ง" in html  # KPI with its target
    assert f'name="indicator_{project.target_indicator.pk}"' in html
    assert f'name="indicator_{project.strategy_indicator.pk}"' in html  # an ancestor's indicator
    assert f'name="indicator_{project.foreign_indicator.pk}"' not in html
    assert 'name="cumulative"' not in html and 'id="cumulative"' in html  # shown, not typed
    assert "ผลการดำเนินงาน" in html and "ปัญหาอุปสรรค" in html and "ข้อเสนอแนะ" in html
    assert 'enctype="multipart/form-data"' in html


def _form_data(report, project, **overrides):
    data = {
        "version": report.version,
        "physical_progress": "๓๕.๕",
        "month_2024_10": "๑,๐๐๐",
        "month_2024_11": "",
        "month_2024_12": "250.50",
        f"kpi_{project.kpi_a.pk}": "๒",
        f"kpi_{project.kpi_b.pk}": "",
        f"indicator_{project.target_indicator.pk}": "๗๐",
        f"indicator_{project.target_indicator.pk}_note": "ประมาณการ",
        f"indicator_{project.strategy_indicator.pk}": "",
        f"indicator_{project.strategy_indicator.pk}_note": "",
        "results": "จัดการประชุมหารือทวิภาคี",
        "problems": "",
        "recommendations": "",
    }
    data.update(overrides)
    return data


def test_saving_the_form_with_thai_digits(people, project, report):
    client = client_for(people["reporter"])
    url = reverse("reporting:report_edit", args=[report.pk])
    response = client.post(url, _form_data(report, project))
    assert response.status_code == 302 and response["Location"] == url
    report.refresh_from_db()
    assert report.physical_progress == Decimal("35.5") and report.version == 2
    assert [(d.month, d.amount) for d in report.disbursements.all()] == [
        (date(2024, 10, 1), Decimal("1000")),
        (date(2024, 12, 1), Decimal("250.50")),
    ]
    assert [(a.kpi_id, a.value) for a in report.kpi_actuals.all()] == [(project.kpi_a.pk, Decimal("2"))]
    assert report.indicator_values.get().note == "ประมาณการ"
    html = client.get(url).content.decode()
    assert 'value="35.5"' in html and 'value="1000"' in html and "1,250.50" in html  # the derived cumulative
    assert "บันทึก" in html


def test_errors_are_shown_next_to_their_field_and_nothing_is_saved(people, project, report):
    client = client_for(people["reporter"])
    url = reverse("reporting:report_edit", args=[report.pk])
    response = client.post(url, _form_data(report, project, physical_progress="150", month_2024_11="abc"))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_physical_progress_error"' in html and "ต้องไม่เกิน 100" in html
    assert 'id="id_month_2024_11_error"' in html and "ต้องเป็นตัวเลข" in html
    assert 'value="150"' in html  # what was typed stays
    report.refresh_from_db()
    assert report.version == 1 and not report.disbursements.exists()


def test_a_stale_form_gets_409_with_what_changed_and_a_reload_link(people, project, report):
    reporter = people["reporter"]
    services.report_update(actor=reporter, report=report, version=1, physical_progress=20, results="โดยเพื่อนร่วมงาน")
    url = reverse("reporting:report_edit", args=[report.pk])
    response = client_for(reporter).post(url, _form_data(report, project, version=1, results="ของฉัน"))
    html = response.content.decode()
    assert response.status_code == 409
    assert "ถูกแก้ไขโดยผู้อื่นแล้ว" in html
    assert "โดยเพื่อนร่วมงาน" in html  # the current value
    assert "ความก้าวหน้า" in html and f'href="{url}"' in html  # what changed, and the reload link
    assert "ของฉัน" in html  # the user's typing is kept
    report.refresh_from_db()
    assert (report.version, report.results, report.physical_progress) == (2, "โดยเพื่อนร่วมงาน", Decimal("20"))
    assert not report.disbursements.exists()


def test_save_and_submit(people, project, report):
    client = client_for(people["reporter"])
    url = reverse("reporting:report_edit", args=[report.pk])
    response = client.post(url, {**_form_data(report, project), "submit": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("reporting:report_detail", args=[report.pk])
    report.refresh_from_db()
    assert report.status == S.SUBMITTED and report.version == 3
    empty = services.report_create(
        actor=people["reporter"],
        project=submittable_project(owner=project.owner, status=S.APPROVED),
        round=report.round,
    )
    url = reverse("reporting:report_edit", args=[empty.pk])
    response = client.post(url, {"version": 1, "submit": "1"}, follow=True)
    assert "ต้องระบุความก้าวหน้า" in response.content.decode()  # saved, but not submittable yet
    empty.refresh_from_db()
    assert empty.status == S.DRAFT


def test_evidence_upload_errors_are_shown(people, report):
    url = reverse("reporting:report_evidence_add", args=[report.pk])
    fake = SimpleUploadedFile("fake.pdf", b"not a pdf at all", content_type="application/pdf")
    response = client_for(people["reporter"]).post(url, {"file": fake})
    assert response.status_code == 400 and "ไม่ตรงกับชนิด" in response.content.decode()
    assert not Attachment.objects.exists()


# --------------------------------------------------------------------------- report detail and creation


def test_report_detail_shows_everything(people, project, report):
    reporter = people["reporter"]
    services.report_update(
        actor=reporter,
        report=report,
        version=1,
        physical_progress=60,
        results="ผลงานไตรมาสแรก",
        problems="งบประมาณล่าช้า",
        recommendations="ควรเร่งเบิกจ่าย",
        disbursements=[{"month": "2024-10", "amount": 1500}],
        kpi_actuals=[{"kpi": project.kpi_a.pk, "value": 3}],
        indicator_values=[{"indicator": project.target_indicator.pk, "value": 42, "note": "จากสำรวจ"}],
    )
    from tidtam.projects import services as project_services

    project_services.attachment_add(
        actor=reporter,
        project=project,
        report=report,
        uploaded_file=SimpleUploadedFile("minutes.pdf", PDF, content_type="application/pdf"),
    )
    ProgressReport.objects.filter(pk=report.pk).update(return_reason="โปรดแนบหลักฐานเพิ่ม")
    html = client_for(reporter).get(reverse("reporting:report_detail", args=[report.pk])).content.decode()
    for text in ("ผลงานไตรมาสแรก", "งบประมาณล่าช้า", "ควรเร่งเบิกจ่าย", "จากสำรวจ", "ไตรมาส 1/2568", "ตุลาคม 2567"):
        assert text in html
    assert "60%" in html and "1,500.00" in html and "3 ครั้ง" in html and "42" in html
    assert "600.00" in html  # planned to the end of Q1: 100 + 200 + 300 (not January's 400)
    assert "minutes.pdf" in html
    assert f'href="{reverse("projects:attachment", args=[Attachment.objects.get().pk])}"' in html
    assert "โปรดแนบหลักฐานเพิ่ม" in html
    assert 'data-status="draft"' in html and "ร่าง" in html  # badge with text
    assert f'href="{reverse("reporting:report_edit", args=[report.pk])}"' in html
    assert "ประวัติการเปลี่ยนแปลง" in html and "<code>parts</code>" in html
    assert f'action="{reverse("workflow:transition", args=["report", report.pk, "submit"])}"' in html


def test_report_create_page_offers_rounds_and_explains_prefill(people, project, q1, q2):
    client = client_for(people["reporter"])
    html = client.get(reverse("reporting:report_create", args=[project.pk])).content.decode()
    assert "ไตรมาส 1/2568" in html and "ไตรมาส 2/2568" in html
    services.report_create(actor=people["reporter"], project=project, round=q1)
    html = client.get(reverse("reporting:report_create", args=[project.pk]) + f"?round={q2.pk}").content.decode()
    assert "ไตรมาส 1/2568" in html and 'name="round"' in html  # pre-filled from Q1
    response = client.post(reverse("reporting:report_create", args=[project.pk]), {"round": q1.pk})
    assert response.status_code == 409 and "มีรายงานในรอบนี้แล้ว" in response.content.decode()


# --------------------------------------------------------------------------- round pages


def _owed_project(org, **fields):
    return submittable_project(owner=org, status=S.APPROVED, **fields)


def test_round_detail_shows_completeness_by_role(people, org, project, q1):
    _owed_project(org["other_division"], code="MOD-1")
    services.report_create(actor=people["reporter"], project=project, round=q1)
    url = reverse("reporting:round_detail", args=[q1.pk])
    coordinator = client_for(people["coordinator"]).get(url).content.decode()
    assert "กองทดสอบ" in coordinator and "กองกลาโหม" not in coordinator
    assert "ส่งการแจ้งเตือน" in coordinator and 'name="organisation" value="mfa"' in coordinator
    assert 'hx-post="' in coordinator
    reviewer = client_for(people["reviewer"]).get(url).content.decode()
    assert "กองทดสอบ" in reviewer and "กองกลาโหม" in reviewer
    assert 'name="organisation" value=""' in reviewer
    assert reverse("reporting:round_close", args=[q1.pk]) in reviewer
    oversight = client_for(people["oversight"]).get(url).content.decode()
    assert "กองกลาโหม" in oversight and "ส่งการแจ้งเตือน" not in oversight
    reporter = client_for(people["reporter"]).get(url).content.decode()
    assert "completeness" not in reporter and "MFA-DIV-2568-0001" in reporter  # the report the reporter owes
    public = client_for(None).get(url).content.decode()
    assert "MFA-DIV-2568-0001" not in public and "completeness" not in public
    assert reverse("reporting:round_close", args=[q1.pk]) not in public


def test_reminders_through_htmx_return_the_result_line(people, project, q1):
    url = reverse("reporting:round_remind", args=[q1.pk])
    response = client_for(people["reviewer"]).post(url, {"organisation": ""}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "ส่งการแจ้งเตือนแล้ว 1 ฉบับ" in html
    assert len(mail.outbox) == 1
    response = client_for(people["reporter"]).post(url, {}, headers={"HX-Request": "true"})
    assert response.status_code == 403 and "ไม่มีสิทธิ์" in response.content.decode()


def test_round_list_shows_open_form_to_reviewers_only(people, q1):
    url = reverse("reporting:round_list")
    reviewer = client_for(people["reviewer"]).get(url).content.decode()
    assert 'action="/rounds/new/"' in reviewer and "ไตรมาส 1/2568" in reviewer and "31 ม.ค. 2568" in reviewer
    assert 'action="/rounds/new/"' not in client_for(people["reporter"]).get(url).content.decode()
    response = client_for(people["reviewer"]).post(
        reverse("reporting:round_open"),
        {"fiscal_year": "2568", "period": "q1", "opens_on": "2024-12-15", "deadline": "2025-01-31"},
    )
    assert response.status_code == 409 and "มีรอบการรายงานนี้อยู่แล้ว" in response.content.decode()


# --------------------------------------------------------------------------- query budgets


@pytest.mark.parametrize("role", ["reviewer", "coordinator", "reporter"])
def test_round_detail_query_budget_does_not_grow(people, org, q1, role, django_assert_max_num_queries):
    client = client_for(people[role])
    url = reverse("reporting:round_detail", args=[q1.pk])
    _owed_project(org["division"])
    client.get(url)
    with django_assert_max_num_queries(8) as small:
        client.get(url)
    for i in range(15):
        owner = org["division"] if i % 2 else org["other_division"]
        project = _owed_project(owner)
        if i % 3:
            ProgressReport.objects.create(project=project, round=q1, status=S.SUBMITTED, submitted_at=timezone.now())
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200


def test_report_detail_query_budget(people, project, report, django_assert_max_num_queries):
    for i in range(6):
        ProjectKpi.objects.create(project=project, name=f"ตัวชี้วัดเพิ่ม {i}", unit="ครั้ง", target_value=i)
    services.report_update(
        actor=people["reporter"],
        report=report,
        version=1,
        disbursements=[{"month": f"2024-{m}", "amount": m} for m in (10, 11, 12)],
        kpi_actuals=[{"kpi": kpi.pk, "value": 1} for kpi in project.kpis.all()],
        indicator_values=[
            {"indicator": project.target_indicator.pk, "value": 1},
            {"indicator": project.strategy_indicator.pk, "value": 2},
        ],
    )
    client = client_for(people["reporter"])
    url = reverse("reporting:report_detail", args=[report.pk])
    client.get(url)
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.content.decode().count("ตัวชี้วัดเพิ่ม") == 6


def test_pages_in_english(people, project, report, q1):
    client = client_for(people["reviewer"])
    client.cookies["django_language"] = "en"
    html = client.get(reverse("reporting:round_detail", args=[q1.pk])).content.decode()
    assert '<html lang="en">' in html and "Q1 FY 2568" in html and "Completeness and timeliness" in html
    assert 'value="2024-12-15"' in html and 'value="2025-01-31"' in html  # the date pickers read ISO dates
    client = client_for(people["reporter"])
    client.cookies["django_language"] = "en"
    html = client.get(reverse("reporting:report_edit", args=[report.pk])).content.decode()
    assert "October 2024" in html and "December 2024" in html and "Save and submit for approval" in html
