"""Bulk downloads under /api/v1/exports/: what they hold, for whom, with which filters, how they are labelled, and that
they cost a fixed number of queries whatever the number of rows.

The data (`world`) has projects in every workflow state — accepted, approved only, submitted, a draft and a returned
draft — each with a responsible person's name, e-mail and telephone that must never appear in a download, and reports
in every state. Values are compared with the API (`GET /api/v1/projects`, paged; report and indicator details).
"""

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tidtam.accounts.choices import Role
from tidtam.core.demo import demo_load
from tidtam.core.models import Country, Province
from tidtam.core.testing import (
    TARGET_LEVELS,
    FrameworkFactory,
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
from tidtam.evaluation.models import Basis, IndicatorStatus
from tidtam.evaluation.rollups import rollups_rebuild
from tidtam.opendata import exports
from tidtam.opendata.bench_exports import CsvRecords
from tidtam.opendata.exports import Column, Dataset, ExportInfo
from tidtam.organisations.choices import OrganisationKind
from tidtam.plans.services import indicator_target_set, indicator_value_record
from tidtam.projects.models import BudgetLine, Contribution, PlannedDisbursement, Project
from tidtam.reporting.models import ProgressReport, ReportDisbursement, ReportIndicatorValue
from tidtam.workflow.choices import WorkflowStatus as S

pytestmark = pytest.mark.django_db

API = "/api/v1"
EXPORTS = f"{API}/exports"
BOM = b"\xef\xbb\xbf"
ALL_DOWNLOADS = ("projects.csv", "projects.xlsx", "projects.jsonl", "reports.csv", "indicator-values.csv")
THAI_NAME = 'โครงการ "พัฒนา", ภาษาไทย\nบรรทัดที่สอง'  # a quote, a comma and a line break
FORMULA_NAME = '=HYPERLINK("http://evil.example","คลิก")'


# ------------------------------------------------------------------------------------------------------- data


@dataclass
class World:
    accepted: list  # accepted projects
    hidden: list  # approved only, submitted, draft, returned draft
    reports: dict  # name → report
    ministry: object
    division: object
    other: object
    target: object
    secondary: object
    indicator: object
    reported_indicator: object
    reviewer: object
    oversight: object


def _personal(n: int) -> dict:
    return {
        "responsible_name": f"นายลับเฉพาะ ที่{n}",
        "responsible_position": f"ตำแหน่งลับ{n}",
        "responsible_email": f"secret{n}@personal.example",
        "responsible_phone": f"08-1234-56{n:02d}",
    }


PERSONAL_MARKERS = ("personal.example", "08-1234-56", "นายลับเฉพาะ", "ตำแหน่งลับ")
RETURN_REASON = "เหตุผลภายในห้ามเผยแพร่"


def _project(n: int, owner, status: str, target, **fields):
    defaults = {
        "name_th": f"โครงการส่งออก {n}",
        "name_en": f"Export project {n}",
        "fiscal_year_start": 2567,
        "fiscal_year_end": 2568,
        "start_date": date(2023, 10, 1),
        "end_date": date(2025, 9, 30),
        "objectives": "เพื่อทดสอบ",
    }
    project = ProjectFactory(code=f"EX-{n:03d}", owner=owner, status=status, **_personal(n), **{**defaults, **fields})
    Contribution.objects.create(project=project, node=target, is_primary=True)
    return project


@pytest.fixture
def world(db) -> World:
    ministry = OrganisationFactory(code="mfa", name_th="กระทรวงการต่างประเทศ")
    division = OrganisationFactory(code="mfa-div", parent=ministry, name_th="กองทดสอบ")
    other = OrganisationFactory(code="mod", name_th="กระทรวงกลาโหม")
    partner = OrganisationFactory(code="asean", name_th="อาเซียน", kind=OrganisationKind.EXTERNAL_PARTNER)
    framework = FrameworkFactory(code="ns", title_th="ยุทธศาสตร์ชาติ")
    version = FrameworkVersionFactory(framework=framework, label="2566", levels=TARGET_LEVELS)
    strategy = NodeFactory(framework_version=version, code="02", title_th="ยุทธศาสตร์ 2")
    target = NodeFactory(framework_version=version, parent=strategy, code="0201", title_th="เป้าหมาย 0201")
    other_version = FrameworkVersionFactory(framework=FrameworkFactory(code="poa"), label="1", levels=TARGET_LEVELS)
    secondary = NodeFactory(framework_version=other_version, code="P1")
    q1 = RoundFactory(fiscal_year=2568, quarter=1)
    q2 = RoundFactory(
        fiscal_year=2568,
        quarter=2,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 3, 31),
        opens_on=date(2025, 3, 15),
        deadline=date(2025, 4, 30),
    )

    first = _project(
        1, division, S.ACCEPTED, target, name_th=THAI_NAME, accepted_at=datetime(2024, 9, 1, 3, tzinfo=UTC)
    )
    first.provinces.set([Province.objects.get(code="10"), Province.objects.get(code="50")])
    first.countries.set([Country.objects.get(alpha2="US")])
    first.partners.set([partner])
    Contribution.objects.create(project=first, node=secondary)
    BudgetLine.objects.create(project=first, fiscal_year=2567, source="state_budget", amount=Decimal("100000.50"))
    BudgetLine.objects.create(project=first, fiscal_year=2568, source="state_budget", amount=Decimal("200000"))
    BudgetLine.objects.create(project=first, fiscal_year=2568, source="loan", amount=Decimal("50000"))
    PlannedDisbursement.objects.create(project=first, month=date(2024, 10, 1), amount=Decimal("30000"))
    PlannedDisbursement.objects.create(project=first, month=date(2025, 2, 1), amount=Decimal("40000"))
    PlannedDisbursement.objects.create(project=first, month=date(2025, 6, 1), amount=Decimal("99999"))
    second = _project(2, other, S.ACCEPTED, target, name_th=FORMULA_NAME, kind="routine", lifecycle="ongoing")
    second.provinces.set([Province.objects.get(code="57")])
    third = _project(3, ministry, S.ACCEPTED, target, fiscal_year_start=2566, fiscal_year_end=2566)
    hidden = [
        _project(4, division, S.APPROVED, target),
        _project(5, division, S.SUBMITTED, target),
        _project(6, division, S.DRAFT, target),
        _project(7, division, S.DRAFT, target, return_reason=RETURN_REASON),
    ]

    def report(project, round_, status, progress, *amounts, **fields):
        made = ReportFactory(project=project, round=round_, status=status, physical_progress=progress, **fields)
        for offset, amount in enumerate(amounts):
            month = date(round_.period_start.year, round_.period_start.month + offset, 1)
            ReportDisbursement.objects.create(report=made, month=month, amount=Decimal(amount))
        return made

    reports = {
        "q1": report(first, q1, S.ACCEPTED, 20, "10000", "5000.25", results="ผลไตรมาส 1"),
        "q2": report(first, q2, S.APPROVED, 45, "7000"),  # approved only: never public
        "second_q1": report(second, q1, S.ACCEPTED, 60, "3000"),
        "returned": report(third, q1, S.DRAFT, 10, "1", return_reason=RETURN_REASON),
        "hidden_q1": report(hidden[0], q1, S.SUBMITTED, 5, "2"),
    }
    indicator = IndicatorFactory(node=target, code="IND-1", name_th="ร้อยละความสำเร็จ", unit="ร้อยละ")
    indicator_target_set(actor=None, indicator=indicator, period_start=2566, period_end=2570, value=Decimal("80"))
    indicator_value_record(actor=None, indicator=indicator, period_start=2567, period_end=2567, value=Decimal("65.25"))
    reported = IndicatorFactory(node=strategy, code="IND-2", name_th="จำนวนความร่วมมือ", unit="ครั้ง")
    indicator_target_set(actor=None, indicator=reported, period_start=2568, period_end=2568, value=Decimal("10"))
    ReportIndicatorValue.objects.create(report=reports["q1"], indicator=reported, value=Decimal("12"))
    ReportIndicatorValue.objects.create(report=reports["q2"], indicator=reported, value=Decimal("3"))
    rollups_rebuild()
    central = OrganisationFactory(code="nesdc", kind=OrganisationKind.CENTRAL_AGENCY)
    return World(
        accepted=[first, second, third],
        hidden=hidden,
        reports=reports,
        ministry=ministry,
        division=division,
        other=other,
        target=target,
        secondary=secondary,
        indicator=indicator,
        reported_indicator=reported,
        reviewer=member(Role.REVIEWER, central, username="reviewer"),
        oversight=member(Role.OVERSIGHT, OrganisationFactory(code="senate"), username="oversight"),
    )


# ---------------------------------------------------------------------------------------------------- helpers


def _body(response) -> bytes:
    assert response.status_code == 200, response.content if not response.streaming else ""
    return b"".join(response.streaming_content)


def _csv(client: Client, name: str, query: dict | None = None) -> list[dict]:
    body = _body(client.get(f"{EXPORTS}/{name}", query or {}))
    assert body.startswith(BOM)
    return list(csv.DictReader(io.StringIO(body[len(BOM) :].decode("utf-8"), newline="")))


def _jsonl(client: Client, query: dict | None = None) -> list[dict]:
    body = _body(client.get(f"{EXPORTS}/projects.jsonl", query or {}))
    assert body.endswith(b"\n") or body == b""
    return [json.loads(line) for line in body.decode("utf-8").splitlines()]


def _xlsx(client: Client, query: dict | None = None) -> tuple[list[dict], list[tuple]]:
    response = client.get(f"{EXPORTS}/projects.xlsx", query or {})
    workbook = openpyxl.load_workbook(io.BytesIO(_body(response)))
    assert workbook.sheetnames == ["projects", "about"]
    header, *rows = list(workbook["projects"].values)
    stated = next(line[1] for line in workbook["about"].values if line and line[0] == "จำนวนแถว / Rows")
    assert stated == len(rows)
    return [dict(zip(header, row, strict=True)) for row in rows], list(workbook["about"].values)


def _api_projects(client: Client, query: dict | None = None) -> list[dict]:
    """Every project of `GET /api/v1/projects`, following `next` page by page (2 a page, so paging is exercised)."""
    found, cursor = [], None
    while True:
        page = client.get(f"{API}/projects", {**(query or {}), "limit": 2, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.content
        body = page.json()
        found += body["results"]
        cursor = body["next"]
        if cursor is None:
            return found


def _api_reports(client: Client, query: dict | None = None) -> list[dict]:
    found, cursor = [], None
    while True:
        page = client.get(f"{API}/reports", {**(query or {}), "limit": 2, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.content
        body = page.json()
        found += body["results"]
        cursor = body["next"]
        if cursor is None:
            return found


def _unguard(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(exports.FORMULA_START) else text


def _assert_project_matches_api(row: dict, api: dict, *, typed: bool) -> None:
    """One exported project (CSV strings when not `typed`; JSONL / XLSX values when typed) against its API item."""

    def text(value):
        return "" if value is None else (value if typed else _unguard(value))

    def number(value):
        return value if typed else int(value)

    assert number(row["id"]) == api["id"]
    assert row["code"] == api["code"]
    assert text(row["name_th"]) == api["name"]
    assert text(row["name_en"]) == api["name_en"]
    assert row["kind"] == api["kind"]
    assert row["status"] == api["status"]["code"]
    assert row["lifecycle"] == api["lifecycle"]
    assert row["owner_code"] == api["owner"]["code"]
    assert text(row["owner_name_th"]) == api["owner"]["name"]
    assert number(row["fiscal_year_start"]) == api["fiscal_year_start"]
    assert number(row["fiscal_year_end"]) == api["fiscal_year_end"]
    for name in ("start_date", "end_date"):
        value = row[name]
        if isinstance(value, datetime):  # XLSX dates read back as datetimes at midnight
            value = value.date()
        assert (value.isoformat() if isinstance(value, date) else value or None) == api[name]
    primary = api["primary_node"]
    assert row["primary_node_code"] == primary["code"]
    assert row["primary_framework"] == primary["framework"]
    assert row["primary_framework_version"] == primary["version"]
    path = row["primary_node_path"]
    assert (path if isinstance(path, list) else path.split("/")) == primary["path"]
    assert row["api_url"].endswith(api["links"]["self"])
    illustrative = row["is_illustrative"]
    assert (illustrative if typed else illustrative == "true") is api["is_illustrative"]


# ------------------------------------------------------------------------------------------ agreement with the API


@pytest.mark.parametrize("who", ["anonymous", "reviewer", "oversight"])
def test_projects_csv_agrees_with_the_api_list(world, who):
    client = Client() if who == "anonymous" else client_for(getattr(world, who))
    api = _api_projects(client)
    rows = _csv(client, "projects.csv")
    assert len(rows) == len(api) > 0
    assert [row["code"] for row in rows] == [item["code"] for item in api]  # the same order: by code
    for row, item in zip(rows, api, strict=True):
        _assert_project_matches_api(row, item, typed=False)


def test_projects_jsonl_and_xlsx_agree_with_the_api_list(world):
    client = Client()
    api = _api_projects(client)
    lines = _jsonl(client)
    sheet, _about = _xlsx(client)
    assert len(lines) == len(sheet) == len(api) == 3
    for line, row, item in zip(lines, sheet, api, strict=True):
        _assert_project_matches_api(line, item, typed=True)
        _assert_project_matches_api(row, item, typed=True)
        assert set(line) == {column.key for column in exports.PROJECT_COLUMNS}
    # The three formats hold the same values, each in its own types.
    csv_rows = _csv(client, "projects.csv")
    for line, row, text in zip(lines, sheet, csv_rows, strict=True):
        assert line["budget_total"] == float(text["budget_total"]) == (row["budget_total"] or 0)
        assert line["province_codes"] == (text["province_codes"].split("; ") if text["province_codes"] else [])
        assert "; ".join(line["province_codes"]) == (row["province_codes"] or "")
        assert line["accepted_at"] == (text["accepted_at"] or None) == row["accepted_at"]


@pytest.mark.parametrize(
    "query",
    [
        {"organisation": "mfa"},
        {"organisation": "mfa-div", "status": "accepted"},
        {"province": "57"},
        {"fiscal_year": "๒๕๖๖"},
        {"framework": "poa"},
        {"kind": "routine"},
        {"q": "ส่งออก"},
        {"lifecycle": "planned"},
    ],
    ids=lambda q: ",".join(q),
)
def test_filters_narrow_the_download_as_they_narrow_the_list(world, query):
    client = client_for(world.reviewer)
    api = _api_projects(client, query)
    rows = _csv(client, "projects.csv", query)
    assert [row["code"] for row in rows] == [item["code"] for item in api]
    assert [line["code"] for line in _jsonl(client, query)] == [item["code"] for item in api]
    assert [row["code"] for row in _xlsx(client, query)[0]] == [item["code"] for item in api]


def test_node_filter_takes_the_subtree(world):
    client = Client()
    strategy = world.target.parent
    rows = _csv(client, "projects.csv", {"node": strategy.pk})
    assert {row["code"] for row in rows} == {p.code for p in world.accepted}
    assert [row["code"] for row in _csv(client, "projects.csv", {"node": world.secondary.pk})] == ["EX-001"]


@pytest.mark.parametrize("who", ["anonymous", "reviewer"])
def test_reports_csv_agrees_with_the_api(world, who):
    client = Client() if who == "anonymous" else client_for(world.reviewer)
    api = _api_reports(client)
    rows = _csv(client, "reports.csv")
    assert sorted(int(row["id"]) for row in rows) == [item["id"] for item in api]
    # Ordered by project code, then round.
    assert [(row["project_code"], row["period_start"]) for row in rows] == sorted(
        (row["project_code"], row["period_start"]) for row in rows
    )
    for row in rows:
        detail = client.get(f"{API}/reports/{row['id']}").json()
        assert row["project_code"] == detail["project"]["code"]
        assert int(row["round_id"]) == detail["round"]["id"]
        assert row["round_label_th"] == detail["round"]["label"]
        assert row["status"] == detail["status"]["code"]
        assert float(row["physical_progress"]) == detail["physical_progress"]
        assert float(row["disbursed_in_round"]) == detail["disbursed_in_round"]
        assert float(row["cumulative_disbursement"]) == detail["cumulative_disbursement"]
        assert float(row["planned_to_date"]) == detail["planned_to_date"]
        assert row["results"] == detail["results"]
        values = {value["indicator"]["code"]: value["value"] for value in detail["indicator_values"]}
        assert row["indicator_values"] == "; ".join(f"{code}: {value:g}" for code, value in values.items())


def test_report_filters(world):
    client = client_for(world.reviewer)
    for query in ({"quarter": "2"}, {"project": "EX-001"}, {"status": "accepted"}, {"organisation": "mod"}):
        expected = [item["id"] for item in _api_reports(client, query)]
        assert sorted(int(row["id"]) for row in _csv(client, "reports.csv", query)) == expected, query
    assert [row["id"] for row in _csv(client, "reports.csv", {"project": "EX-001", "quarter": "1"})] == [
        str(world.reports["q1"].pk)
    ]


def test_indicator_values_are_the_stored_public_statuses(world):
    client = Client()
    rows = _csv(client, "indicator-values.csv")
    stored = IndicatorStatus.objects.filter(basis=Basis.PUBLIC)
    assert len(rows) == stored.count() > 0
    for row in rows:
        detail = client.get(f"{API}/indicators/{row['indicator_id']}").json()
        status = next(s for s in detail["statuses"] if s["fiscal_year"] == int(row["fiscal_year"]))
        assert status["basis"] == "public"
        assert row["level"] == status["level"]
        assert f"{row['level_th']} / {row['level_en']}" == status["label"]
        assert row["why_th"] == status["why"]["th"] and row["why_en"] == status["why"]["en"]
        assert row["rule_version"] == status["rule_version"]
        for name in ("target", "target_max", "actual", "ratio"):
            assert (float(row[name]) if row[name] else None) == status[name], name
    by_key = {(row["indicator_code"], row["fiscal_year"]): row for row in rows}
    official = by_key[("IND-1", "2567")]
    assert (official["actual"], official["actual_source"], official["level"]) == ("65.25", "official", "yellow")
    assert official["node_path"] == "02/0201" and official["framework"] == "ns"
    # The approved-only report's value (3) is not public; the accepted one (12) is.
    reported = by_key[("IND-2", "2568")]
    assert (reported["actual"], reported["actual_source"], reported["level"]) == ("12", "reported", "green")
    assert by_key[("IND-1", "2569")]["actual_source"] == "" and by_key[("IND-1", "2569")]["level"] == "grey"


def test_indicator_value_filters(world):
    client = Client()
    assert {row["level"] for row in _csv(client, "indicator-values.csv", {"level": "grey"})} == {"grey"}
    years = _csv(client, "indicator-values.csv", {"fiscal_year": "2568", "framework": "ns"})
    assert {(row["indicator_code"], row["fiscal_year"]) for row in years} == {("IND-1", "2568"), ("IND-2", "2568")}
    below = _csv(client, "indicator-values.csv", {"node": world.target.pk})
    assert {row["indicator_code"] for row in below} == {"IND-1"}
    assert _csv(client, "indicator-values.csv", {"framework": "poa"}) == []


# ------------------------------------------------------------------------------------------- figures by hand


def test_project_figures(world):
    rows = {row["code"]: row for row in _csv(Client(), "projects.csv")}
    first = rows["EX-001"]
    assert first["name_th"] == THAI_NAME  # Thai with a quote, a comma and a line break round-trips
    assert first["budget_total"] == "350000.50"
    assert first["budget_by_year"] == "2567: 100000.50; 2568: 250000.00"
    # Accepted reports only: Q1's 10,000 + 5,000.25; the approved-only Q2 (7,000) is not counted.
    assert first["disbursed_to_date"] == "15000.25"
    assert (first["physical_progress"], first["progress_as_of"], first["reports_accepted"]) == ("20", "2024-12-31", "1")
    assert first["province_codes"] == "10; 50" and first["province_names_th"] == "กรุงเทพมหานคร; เชียงใหม่"
    assert first["country_codes"] == "US"
    assert (first["partner_codes"], first["partner_names_th"]) == ("asean", "อาเซียน")
    assert first["other_nodes"] == "poa:P1"
    assert first["primary_node_title_th"] == "เป้าหมาย 0201"
    assert first["accepted_at"] == "2024-09-01T03:00:00Z"
    assert rows["EX-003"]["disbursed_to_date"] == "0.00" and rows["EX-003"]["physical_progress"] == ""
    report = {row["id"]: row for row in _csv(client_for(world.reviewer), "reports.csv")}[str(world.reports["q2"].pk)]
    # The reviewer sees the approved Q2 report: cumulative over the reports the caller may see, planned to 31 Mar.
    assert (report["disbursed_in_round"], report["cumulative_disbursement"]) == ("7000.00", "22000.25")
    assert report["planned_to_date"] == "70000.00"


def test_formula_text_is_guarded_in_csv_and_kept_as_text_in_xlsx(world):
    client = Client()
    rows = {row["code"]: row for row in _csv(client, "projects.csv")}
    assert rows["EX-002"]["name_th"] == "'" + FORMULA_NAME
    sheet, _ = _xlsx(client)
    assert {row["code"]: row for row in sheet}["EX-002"]["name_th"] == FORMULA_NAME  # a string, not a formula
    assert {line["code"]: line for line in _jsonl(client)}["EX-002"]["name_th"] == FORMULA_NAME


# ------------------------------------------------------------------------------------------------ privacy


def _all_bodies(client: Client) -> dict[str, str]:
    bodies = {}
    for name in ALL_DOWNLOADS:
        body = _body(client.get(f"{EXPORTS}/{name}"))
        if name.endswith(".xlsx"):
            workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
            body = "\n".join(
                str(value) for sheet in workbook for row in sheet.values for value in row if value is not None
            ).encode()
        bodies[name] = body.decode("utf-8-sig")
    return bodies


@pytest.mark.parametrize("who", ["anonymous", "reviewer"])
def test_no_download_holds_personal_data_or_return_reasons(world, who):
    client = Client() if who == "anonymous" else client_for(world.reviewer)
    for name, body in _all_bodies(client).items():
        for marker in (*PERSONAL_MARKERS, RETURN_REASON):
            assert marker not in body, (name, marker)


def test_anonymous_downloads_hold_accepted_items_only(world):
    client = Client()
    bodies = _all_bodies(client)
    for code in (p.code for p in world.hidden):
        for name, body in bodies.items():
            assert code not in body, (name, code)
    assert {row["status"] for row in _csv(client, "projects.csv")} == {"accepted"}
    reports = _csv(client, "reports.csv")
    assert {row["status"] for row in reports} == {"accepted"}
    assert {int(row["id"]) for row in reports} == {world.reports["q1"].pk, world.reports["second_q1"].pk}
    # Asking for another status does not widen the view.
    for status in ("draft", "submitted", "approved"):
        assert _csv(client, "projects.csv", {"status": status}) == []
        assert _csv(client, "reports.csv", {"status": status}) == []


def test_signed_in_users_see_what_the_list_shows_them(world):
    reviewer = {row["code"] for row in _csv(client_for(world.reviewer), "projects.csv")}
    assert reviewer == {p.code for p in world.accepted + world.hidden}
    oversight = {row["status"] for row in _csv(client_for(world.oversight), "projects.csv")}
    assert oversight == {"accepted", "approved"}
    reporter = member(Role.REPORTER, world.other, username="reporter.mod")
    assert {row["code"] for row in _csv(client_for(reporter), "projects.csv")} == {p.code for p in world.accepted}


# --------------------------------------------------------------------------------------------- errors and headers


@pytest.mark.parametrize(
    "url, field",
    [
        ("projects.csv?fiscal_year=abc", "fiscal_year"),
        ("projects.xlsx?organisation=nope", "organisation"),
        ("projects.jsonl?status=deleted", "status"),
        ("projects.csv?node=999999", "node"),
        ("projects.csv?province=99", "province"),
        ("reports.csv?quarter=7", "quarter"),
        ("reports.csv?round=x", "round"),
        ("indicator-values.csv?level=purple", "level"),
        ("indicator-values.csv?framework=nope", "framework"),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_field(world, url, field):
    response = Client().get(f"{EXPORTS}/{url}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "invalid_filter"
    assert field in body["details"] and field in body["message"]
    assert " / " in body["message"]


@pytest.mark.parametrize("name", ALL_DOWNLOADS)
def test_every_download_names_its_licence_time_and_filter(world, name, settings):
    settings.OPEN_DATA_LICENCE_NAME = "ODC-BY 1.0"
    settings.OPEN_DATA_LICENCE_URL = "https://opendatacommons.org/licenses/by/1-0/"
    query = {"fiscal_year": "2568"} if name != "reports.csv" else {"quarter": "1", "fiscal_year": "2568"}
    before = datetime.now(UTC).replace(microsecond=0)
    response = Client().get(f"{EXPORTS}/{name}", query)
    assert response.status_code == 200
    assert response.streaming  # never built in memory
    _body(response)
    assert response["X-Tidtam-Licence"] == "ODC-BY 1.0"
    assert response["Link"] == '<https://opendatacommons.org/licenses/by/1-0/>; rel="license"'
    generated = datetime.fromisoformat(response["X-Tidtam-Generated-At"].replace("Z", "+00:00"))
    assert before <= generated <= datetime.now(UTC) + timedelta(seconds=1)
    assert response["X-Tidtam-Filter"] == "&".join(f"{k}={v}" for k, v in sorted(query.items()))
    stem, extension = name.rsplit(".", 1)
    disposition = response["Content-Disposition"]
    match = re.fullmatch(rf'attachment; filename="tidtam-{stem}-(\d{{8}}T\d{{6}}Z)\.{extension}"', disposition)
    assert match and match[1] == generated.strftime("%Y%m%dT%H%M%SZ")
    expected_type = {"csv": "text/csv", "jsonl": "application/x-ndjson", "xlsx": "application/vnd.openxmlformats"}
    assert response["Content-Type"].startswith(expected_type[extension])


def test_the_default_licence_is_cc_by_4():
    assert settings.OPEN_DATA_LICENCE_NAME == "CC BY 4.0"
    assert settings.OPEN_DATA_LICENCE_URL == "https://creativecommons.org/licenses/by/4.0/"


def test_xlsx_about_sheet_says_what_the_file_is(world):
    rows, about = _xlsx(Client(), {"organisation": "mfa"})
    labels = {line[0]: line[1:] for line in about if line and line[0]}
    assert labels["สัญญาอนุญาต / Licence"][:2] == (settings.OPEN_DATA_LICENCE_NAME, settings.OPEN_DATA_LICENCE_URL)
    assert labels["ตัวกรอง / Filter"][0] == "organisation=mfa"
    assert labels["จำนวนแถว / Rows"][0] == len(rows) == 2
    assert "accepted data only" in labels["ขอบเขตข้อมูล / Scope"][0]
    datetime.fromisoformat(labels["สร้างเมื่อ / Generated at"][0].replace("Z", "+00:00"))
    # The column dictionary: every column with its Thai and English name.
    for column in exports.PROJECT_COLUMNS:
        assert labels[column.key][:2] == (column.th, column.en)


def test_signed_in_downloads_are_private(world):
    response = client_for(world.reviewer).get(f"{EXPORTS}/projects.csv")
    _body(response)
    assert "private" in response["Cache-Control"]
    workbook = openpyxl.load_workbook(io.BytesIO(_body(client_for(world.reviewer).get(f"{EXPORTS}/projects.xlsx"))))
    scope = next(row[1] for row in workbook["about"].values if row[0] == "ขอบเขตข้อมูล / Scope")
    assert "do not republish" in scope


def test_the_downloads_are_documented_in_openapi(db):
    paths = Client().get(f"{API}/openapi.json").json()["paths"]
    for name in ALL_DOWNLOADS:
        operation = paths[f"{API}/exports/{name}"]["get"]
        assert "400" in operation["responses"] and "200" in operation["responses"]
    parameters = {p["name"] for p in paths[f"{API}/exports/projects.csv"]["get"]["parameters"]}
    assert set(exports.ProjectFilters.PARAMETERS) <= parameters
    assert "`budget_by_year`" in paths[f"{API}/exports/projects.csv"]["get"]["description"]


# ---------------------------------------------------------------------------------------------- query budgets


def _more_projects(world, count: int, start: int) -> None:
    for n in range(start, start + count):
        project = _project(n, world.division, S.ACCEPTED, world.target)
        project.provinces.set([Province.objects.get(code="10")])
        project.partners.set([world.other])
        Contribution.objects.create(project=project, node=world.secondary)
        BudgetLine.objects.create(project=project, fiscal_year=2568, source="state_budget", amount=Decimal("10"))
        ReportDisbursement.objects.create(
            report=ReportFactory(project=project, round=world.reports["q1"].round, status=S.ACCEPTED),
            month=date(2024, 10, 1),
            amount=Decimal("1"),
        )


def _queries(client: Client, name: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        body = _body(client.get(f"{EXPORTS}/{name}"))
    rows = len(openpyxl.load_workbook(io.BytesIO(body))["projects"]["A"]) - 1 if name.endswith("xlsx") else None
    lines = rows if rows is not None else body.decode("utf-8-sig").count("\n")
    return len(captured), lines


@pytest.mark.parametrize("name", ALL_DOWNLOADS)
def test_queries_do_not_grow_with_the_rows(world, name):
    client = client_for(world.reviewer)
    _more_projects(world, 10, start=100)
    queries_10, lines_10 = _queries(client, name)
    _more_projects(world, 30, start=200)
    queries_40, lines_40 = _queries(client, name)
    assert queries_40 == queries_10
    if name.startswith("projects."):
        assert lines_40 - lines_10 == 30


def test_chunks_give_the_same_rows_as_one_read(world):
    _more_projects(world, 7, start=100)
    for export in (exports.project_export, exports.report_export, exports.indicator_value_export):
        whole = list(export(user=world.reviewer).rows)
        assert list(export(user=world.reviewer, chunk_size=3).rows) == whole
        assert len(whole) > 3


# --------------------------------------------------------------------------------------------- writers (properties)

COLUMNS = (
    Column("text", "ข้อความ", "Text"),
    Column("count", "จำนวน", "Count", exports.INT),
    Column("money", "เงิน", "Money", exports.MONEY),
    Column("items", "รายการ", "Items", exports.LIST),
)
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
items = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=";"), min_size=1)
rows_strategy = st.lists(
    st.tuples(
        st.one_of(st.none(), texts),
        st.one_of(st.none(), st.integers(-(10**12), 10**12)),
        st.one_of(st.none(), st.decimals(min_value=0, max_value=10**12, places=2)),
        st.lists(
            st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=";"), min_size=1), max_size=3
        ),
    ),
    max_size=8,
)


def _dataset(rows) -> Dataset:
    return Dataset("t", "ท", "T", COLUMNS, iter(rows))


@given(rows_strategy)
@hypothesis_settings(max_examples=200, deadline=None)
def test_csv_round_trips_any_text(rows):
    body = b"".join(exports.csv_chunks(_dataset(rows), flush_rows=3))
    assert body.startswith(BOM)
    header, *parsed = list(csv.reader(io.StringIO(body[len(BOM) :].decode("utf-8"), newline="")))
    assert header == ["text", "count", "money", "items"]
    assert len(parsed) == len(rows)
    for (text, count, money, items), (got_text, got_count, got_money, got_items) in zip(rows, parsed, strict=True):
        assert _unguard(got_text) == (text or "")
        assert got_count == ("" if count is None else str(count))
        assert (Decimal(got_money) if got_money else None) == money
        assert _unguard(got_items) == "; ".join(items)
        assert not got_text.startswith(exports.FORMULA_START)  # nothing a spreadsheet would run


@given(rows_strategy)
@hypothesis_settings(max_examples=200, deadline=None)
def test_jsonl_round_trips_any_text(rows):
    body = b"".join(exports.jsonl_chunks(_dataset(rows), flush_rows=3)).decode("utf-8")
    parsed = [json.loads(line) for line in body.split("\n")[:-1]]
    assert body == "" or body.endswith("\n")
    assert parsed == [
        {"text": text, "count": count, "money": None if money is None else float(money), "items": items}
        for text, count, money, items in rows
    ]


@given(st.lists(texts, min_size=1, max_size=5))
@hypothesis_settings(max_examples=100, deadline=None)
def test_xlsx_keeps_any_text_as_text(values):
    info = ExportInfo.now(source_url="http://testserver/", public=True)
    dataset = Dataset("t", "ท", "T", (COLUMNS[1], COLUMNS[0]), iter(enumerate(values)))
    file = io.BytesIO(b"".join(exports.xlsx_chunks(dataset, info, flush_rows=2)))
    header, *rows = list(openpyxl.load_workbook(file)["t"].values)
    assert header == ("count", "text")
    assert [index for index, _ in rows] == list(range(len(values)))
    # Characters XML cannot hold are dropped; everything else, formulas and error codes included, stays text.
    assert [text for _, text in rows] == [re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", v) or None for v in values]


# ------------------------------------------------------------------------------------------------- demo data


def test_demo_downloads_agree_with_the_api_and_hold_nothing_private(db):
    """On the demo data (drafts, returned items with reasons, approved-only items, accepted ones, responsible people):
    every anonymous download has exactly the API's accepted rows and none of the private data."""
    demo_load()
    client = Client()
    api = _api_projects(client)
    assert [row["code"] for row in _csv(client, "projects.csv")] == [item["code"] for item in api]
    assert [line["code"] for line in _jsonl(client)] == [item["code"] for item in api]
    assert [row["code"] for row in _xlsx(client)[0]] == [item["code"] for item in api]
    reports = _csv(client, "reports.csv")
    assert sorted(int(row["id"]) for row in reports) == [item["id"] for item in _api_reports(client)]
    private = Project.objects.exclude(status=S.ACCEPTED)
    assert private.exists() and ProgressReport.objects.exclude(return_reason="").exists()
    secrets = {
        value
        for project in Project.objects.all()
        for value in (project.responsible_email, project.responsible_phone, project.responsible_name)
        if value
    }
    secrets |= {reason for reason in ProgressReport.objects.values_list("return_reason", flat=True) if reason}
    secrets |= {reason for reason in Project.objects.values_list("return_reason", flat=True) if reason}
    assert secrets
    for name, body in _all_bodies(client).items():
        for secret in secrets:
            assert secret not in body, (name, secret)
        for project in private:
            assert f"{project.code}," not in body and f'"{project.code}"' not in body, (name, project.code)


# ------------------------------------------------------------------------------------------- `tidtam bench export`


@given(rows_strategy, st.integers(1, 50))
@hypothesis_settings(max_examples=100, deadline=None)
def test_the_benchmark_counts_csv_records_across_any_chunking(rows, cut):
    body = b"".join(exports.csv_chunks(_dataset(rows)))
    counter = CsvRecords()
    for start in range(0, len(body), cut):  # line breaks and quotes split anywhere between chunks
        counter.feed(body[start : start + cut])
    assert counter.records == len(rows) + 1  # with the header


def test_the_benchmark_command_measures_every_download(world):
    out = io.StringIO()
    call_command("bench", "export", "--exports", *ALL_DOWNLOADS, "--json", stdout=out, stderr=io.StringIO())
    report = json.loads(out.getvalue())
    assert report["audience"].startswith("anonymous") and report["failures"] == []
    results = {result["export"]: result for result in report["results"]}
    assert set(results) == set(ALL_DOWNLOADS)
    for name in ("projects.csv", "projects.jsonl", "projects.xlsx"):
        assert results[name]["rows"] == results[name]["expected_rows"] == 3
    assert results["reports.csv"]["rows"] == 2
    assert results["indicator-values.csv"]["rows"] == IndicatorStatus.objects.filter(basis=Basis.PUBLIC).count()
    assert all(result["seconds"] > 0 and result["bytes"] > 0 for result in results.values())
    assert results["projects.csv"]["bar_100k_under_30s"] is None  # too few rows to judge


def test_the_benchmark_signs_in_without_writing(world):
    last_login = world.reviewer.last_login
    out = io.StringIO()
    call_command(
        "bench", "export", "--exports", "projects.csv", "--user", "reviewer", "--json", stdout=out, stderr=io.StringIO()
    )
    report = json.loads(out.getvalue())
    assert report["results"][0]["rows"] == len(world.accepted + world.hidden)
    world.reviewer.refresh_from_db()
    assert world.reviewer.last_login == last_login
    assert not Session.objects.exists()
