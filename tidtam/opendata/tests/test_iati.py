"""The IATI 2.03 activity file: valid against the official schema, complete, published data only, filtered, streamed.

The schema is the official IATI 2.03 `iati-activities-schema.xsd` shipped by the pyIATI package (which imports
`iati-common.xsd` and `xml.xsd` from the same folder). Without it these tests skip with the reason, or fail on CI
(`CI` set, or TIDTAM_REQUIRE_POSTGRES=1).
"""

import importlib.util
import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from tidtam.accounts.choices import Role
from tidtam.core.models import Country, Province
from tidtam.core.testing import (
    TARGET_LEVELS,
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
from tidtam.opendata.iati import _clean, _text_element, iati_activities_xml
from tidtam.organisations.choices import OrganisationKind
from tidtam.plans.choices import Direction
from tidtam.plans.models import IndicatorTarget, IndicatorValue
from tidtam.projects.choices import Lifecycle
from tidtam.projects.models import BudgetLine, Contribution, PlannedDisbursement, Project, ProjectKpi
from tidtam.reporting.models import KpiActual, ReportDisbursement, ReportIndicatorValue
from tidtam.workflow.choices import WorkflowStatus as S

URL = "/api/v1/exports/iati-activities.xml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PERSONAL = {
    "responsible_name": "นายสมชาย ใจดีมาก",
    "responsible_position": "ผู้อำนวยการกองทดสอบ",
    "responsible_email": "somchai.private@example.go.th",
    "responsible_phone": "081-234-5678",
}


def iati_schema_folder() -> Path | None:
    """The folder of pyIATI's IATI 2.03 schemas, found without importing the package."""
    spec = importlib.util.find_spec("iati")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(spec.submodule_search_locations[0]) / "resources" / "standard" / "2-03" / "schemas"
    return folder if (folder / "iati-activities-schema.xsd").is_file() else None


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    folder = iati_schema_folder()
    if folder is None:
        reason = (
            "the official IATI 2.03 schema (iati-activities-schema.xsd) was not found: install the pyIATI package, "
            "which ships it under iati/resources/standard/2-03/schemas/"
        )
        if os.environ.get("CI") or os.environ.get("TIDTAM_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} (required on CI)")
        pytest.skip(reason)
    return etree.XMLSchema(etree.parse(str(folder / "iati-activities-schema.xsd")))


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # no answer or rate-limit count left over from another test


def fetch(client, **params) -> tuple[bytes, etree._Element]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/xml")
    assert response.streaming
    body = b"".join(response.streaming_content)
    return body, etree.fromstring(body)


def assert_valid(schema: etree.XMLSchema, root: etree._Element) -> None:
    if not schema.validate(root):
        errors = "\n".join(f"line {e.line}: {e.message}" for e in schema.error_log)
        pytest.fail(f"not valid IATI 2.03:\n{errors}")


def activity(root: etree._Element, code: str) -> etree._Element:
    found = root.xpath("iati-activity[other-identifier/@ref=$code]", code=code)
    assert len(found) == 1, f"{code}: {len(found)} activities"
    return found[0]


def identifiers(root: etree._Element) -> set[str]:
    return set(root.xpath("iati-activity/other-identifier/@ref"))


def narrative(element: etree._Element, path: str, lang: str = "th") -> str:
    texts = element.xpath(f"{path}/narrative[@xml:lang=$lang]/text()", lang=lang)
    assert len(texts) == 1, f"{path} [{lang}]: {texts}"
    return texts[0]


# --------------------------------------------------------------------------- data


def full_project(code: str = "FULL-1", owner=None) -> Project:
    """A project with every part the export maps: partners, countries, provinces, KPIs, budgets in two sources,
    planned disbursement, a primary and a secondary plan link with indicators (baseline, fiscal-year, phase and range
    targets, an official value, a reported value), an accepted report and an approved (unpublished) one."""
    owner = owner or OrganisationFactory(
        name_th="กรมทดสอบการต่างประเทศ", name_en="Department of Test Affairs", website="https://dept.example.go.th/"
    )
    partner = OrganisationFactory(
        kind=OrganisationKind.EXTERNAL_PARTNER, name_th="หุ้นส่วนต่างประเทศ", name_en="Foreign partner"
    )
    version = FrameworkVersionFactory(levels=TARGET_LEVELS)
    strategy = NodeFactory(framework_version=version, code="2", title_th="ยุทธศาสตร์ที่ ๒", title_en="Strategy 2")
    target = NodeFactory(
        framework_version=version, parent=strategy, code="0201", title_th="เป้าหมายหลัก", title_en="Main target"
    )
    secondary = NodeFactory(
        framework_version=version, parent=strategy, code="0202", title_th="เป้าหมายรอง", title_en="Other target"
    )
    indicator = IndicatorFactory(
        node=target,
        code="I-1",
        name_th="อัตราการเข้าถึงบริการ",
        name_en="Service access rate",
        unit="ร้อยละ",
        direction=Direction.LOWER,
        baseline_value=Decimal("40.5"),
        baseline_year=2565,
    )
    IndicatorTarget.objects.create(indicator=indicator, period_start=2568, period_end=2568, value=Decimal("50"))
    IndicatorTarget.objects.create(
        indicator=indicator, period_start=2566, period_end=2570, value=Decimal("60"), value_max=Decimal("70")
    )
    IndicatorTarget.objects.create(indicator=indicator, period_start=2580, period_end=2580, value=Decimal("99"))
    IndicatorValue.objects.create(indicator=indicator, period_start=2567, period_end=2567, value=Decimal("45"))
    upper = IndicatorFactory(node=strategy, code="S-1", name_th="ดัชนีภาพรวม", unit="คะแนน")  # reported only
    IndicatorFactory(node=secondary, code="E-1", name_th="ตัวชี้วัดที่ไม่มีค่า")  # no value: left out

    project = ProjectFactory(
        code=code,
        owner=owner,
        status=S.ACCEPTED,
        accepted_at=datetime(2025, 2, 1, 3, 0, tzinfo=UTC),
        name_th="โครงการความร่วมมือด้านสาธารณสุขชายแดน",
        name_en="Border health cooperation",
        kind="project",
        fiscal_year_start=2567,
        fiscal_year_end=2568,
        start_date=date(2023, 11, 1),
        end_date=date(2025, 6, 30),
        lifecycle=Lifecycle.COMPLETED,
        rationale="พื้นที่ชายแดนมีความเสี่ยงด้านโรคติดต่อ",
        objectives="เพื่อพัฒนาบุคลากรสาธารณสุขชายแดน",
        output_target="บุคลากร 240 คนผ่านการอบรม",
        **PERSONAL,
    )
    project.partners.add(partner)
    project.countries.add(Country.objects.get(alpha2="LA"), Country.objects.get(alpha2="MM"))
    project.provinces.add(Province.objects.get(code="10"), Province.objects.get(code="57"))
    kpi = ProjectKpi.objects.create(project=project, name="บุคลากรที่ผ่านการอบรม", unit="คน", target_value=240)
    BudgetLine.objects.create(project=project, fiscal_year=2567, source="state_budget", amount=Decimal("1000000"))
    BudgetLine.objects.create(project=project, fiscal_year=2568, source="state_budget", amount=Decimal("800000"))
    BudgetLine.objects.create(project=project, fiscal_year=2568, source="loan", amount=Decimal("200000.50"))
    PlannedDisbursement.objects.create(project=project, month=date(2024, 10, 1), amount=Decimal("100000"))
    PlannedDisbursement.objects.create(project=project, month=date(2024, 11, 1), amount=Decimal("150000"))
    Contribution.objects.create(project=project, node=target, is_primary=True)
    Contribution.objects.create(project=project, node=secondary)

    q1 = RoundFactory(fiscal_year=2568, quarter=1)
    accepted = ReportFactory(project=project, round=q1, status=S.ACCEPTED)
    ReportDisbursement.objects.create(report=accepted, month=date(2024, 10, 1), amount=Decimal("120000"))
    ReportDisbursement.objects.create(report=accepted, month=date(2024, 11, 1), amount=Decimal("80000.25"))
    KpiActual.objects.create(report=accepted, kpi=kpi, value=Decimal("100"))
    ReportIndicatorValue.objects.create(report=accepted, indicator=indicator, value=Decimal("48"))
    ReportIndicatorValue.objects.create(report=accepted, indicator=upper, value=Decimal("12.5"))

    q2 = RoundFactory(
        fiscal_year=2568,
        quarter=2,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 3, 31),
        opens_on=date(2025, 3, 15),
        deadline=date(2025, 4, 30),
    )
    pending = ReportFactory(project=project, round=q2, status=S.APPROVED)
    ReportDisbursement.objects.create(report=pending, month=date(2025, 1, 1), amount=Decimal("999999"))
    KpiActual.objects.create(report=pending, kpi=kpi, value=Decimal("777"))
    return project


# --------------------------------------------------------------------------- the schema


def test_demo_data_is_valid_and_publishes_accepted_projects_only(db, schema):
    from tidtam.core.demo import demo_load

    demo_load()
    published = set(Project.objects.filter(status=S.ACCEPTED).values_list("code", flat=True))
    hidden = Project.objects.exclude(status=S.ACCEPTED)
    assert published and hidden.filter(status=S.DRAFT).exclude(return_reason="").exists()  # a returned one too
    assert hidden.filter(status=S.APPROVED).exists() and hidden.filter(status=S.SUBMITTED).exists()

    body, root = fetch(client_for(None))
    assert_valid(schema, root)
    assert root.get("version") == "2.03"
    assert identifiers(root) == published
    text = body.decode()
    for project in hidden:
        assert project.code not in text
        assert project.name_th not in text
    for project in Project.objects.all():
        for value in (project.responsible_name, project.responsible_email, project.responsible_phone):
            assert not value or value not in text, value
        assert not project.return_reason or project.return_reason not in text
    # Thai first, English where the data has it, and the money of accepted reports.
    assert root.xpath("count(iati-activity/title/narrative[@xml:lang='th'])") == len(published)
    assert root.xpath("count(//transaction)") > 0
    assert root.xpath("count(//result[@type='1']//actual)") > 0


def test_every_part_of_a_full_project(db, schema):
    project = full_project()
    _, root = fetch(client_for(None))
    assert_valid(schema, root)
    a = activity(root, project.code)

    assert a.findtext("iati-identifier") == "XI-IATI-TIDTAM-FULL-1"
    assert a.get("default-currency") == "THB" and a.get(XML_LANG) == "th"
    assert a.find("reporting-org").get("ref") == "XI-IATI-TIDTAM"
    assert narrative(a, "title") == "โครงการความร่วมมือด้านสาธารณสุขชายแดน"
    assert narrative(a, "title", "en") == "Border health cooperation"
    assert narrative(a, "description[@type='1']") == "พื้นที่ชายแดนมีความเสี่ยงด้านโรคติดต่อ"
    assert narrative(a, "description[@type='2']") == "เพื่อพัฒนาบุคลากรสาธารณสุขชายแดน"
    roles = [(o.get("role"), o.get("type"), narrative(o, ".", "en")) for o in a.findall("participating-org")]
    assert roles == [
        ("2", "10", "Department of Test Affairs"),
        ("4", "10", "Department of Test Affairs"),
        ("4", "90", "Foreign partner"),
    ]
    assert a.find("activity-status").get("code") == "3"
    dates = {d.get("type"): d.get("iso-date") for d in a.findall("activity-date")}
    assert dates == {"1": "2023-11-01", "2": "2023-11-01", "3": "2025-06-30", "4": "2025-06-30"}
    contact = a.find("contact-info")
    assert contact.findtext("email") == "opendata@example.org"
    assert contact.findtext("website") == "https://dept.example.go.th/"
    assert a.find("activity-scope").get("code") == "3"  # multinational
    countries = [(c.get("code"), Decimal(c.get("percentage"))) for c in a.findall("recipient-country")]
    assert [code for code, _ in countries] == ["TH", "LA", "MM"]
    assert sum(share for _, share in countries) == 100
    assert [loc.get("ref") for loc in a.findall("location")] == ["TH-10", "TH-57"]
    assert narrative(a, "location[@ref='TH-57']/name", "en") == Province.objects.get(code="57").name_en
    sectors = {(s.get("vocabulary"), s.get("code")) for s in a.findall("sector")}
    framework = project.contributions.get(is_primary=True).node.framework_version.framework.code
    assert sectors == {("99", f"{framework}:0201"), ("98", f"{framework}:2")}
    assert [t.get("code") for t in a.findall("tag")] == [f"{framework}:0202"]

    budgets = [
        (b.find("period-start").get("iso-date"), b.find("period-end").get("iso-date"), b.findtext("value"))
        for b in a.findall("budget")
    ]
    assert budgets == [
        ("2023-10-01", "2024-09-30", "1000000.00"),
        ("2024-10-01", "2025-09-30", "1000000.50"),  # two sources of FY 2568 summed
    ]
    assert all(v.get("currency") == "THB" for v in a.xpath("budget/value"))
    assert a.xpath("budget[2]/value/@value-date") == ["2024-10-01"]
    planned = [(p.find("period-end").get("iso-date"), p.findtext("value")) for p in a.findall("planned-disbursement")]
    assert planned == [("2024-10-31", "100000.00"), ("2024-11-30", "150000.00")]
    transactions = [
        (t.find("transaction-type").get("code"), t.find("transaction-date").get("iso-date"), t.findtext("value"))
        for t in a.findall("transaction")
    ]
    assert transactions == [("3", "2024-10-31", "120000.00"), ("3", "2024-11-30", "80000.25")]  # not the approved one
    assert a.xpath("transaction[1]/value/@value-date") == ["2024-10-31"]
    assert a.find("document-link").get("url") == f"http://testserver/projects/{project.pk}/"

    output = a.find("result[@type='1']")
    assert narrative(output, "description") == "บุคลากร 240 คนผ่านการอบรม"
    period = output.find("indicator/period")
    assert (period.find("period-start").get("iso-date"), period.find("period-end").get("iso-date")) == (
        "2023-11-01",
        "2025-06-30",
    )
    assert period.find("target").get("value") == "240"
    assert [x.get("value") for x in period.findall("actual")] == ["100"]  # the accepted report's, not 777

    outcomes = a.findall("result[@type='2']")
    assert [r.find("reference").get("code") for r in outcomes] == [f"{framework}:2", f"{framework}:0201"]
    upper, main = outcomes
    assert upper.xpath("indicator/period/actual/@value") == ["12.5"]
    indicator = main.find("indicator")
    assert indicator.get("measure") == "2" and indicator.get("ascending") == "false"
    assert indicator.find("reference").get("code") == f"{framework}:0201:I-1"
    baseline = indicator.find("baseline")
    assert (baseline.get("year"), baseline.get("value")) == ("2022", "40.5")
    periods = {
        (p.find("period-start").get("iso-date"), p.find("period-end").get("iso-date")): (
            p.xpath("target/@value"),
            p.xpath("actual/@value"),
        )
        for p in indicator.findall("period")
    }
    assert periods == {
        ("2022-10-01", "2027-09-30"): (["60"], []),  # the phase 2566–2570 with its range
        ("2023-10-01", "2024-09-30"): ([], ["45"]),  # FY 2567: the plan's official value
        ("2024-10-01", "2025-09-30"): (["50"], ["48"]),  # FY 2568: target and the project's accepted value
    }
    assert "70" in narrative(indicator, "period/target[@value='60']/comment")
    assert len(main.findall("indicator")) == 1  # E-1 (no value) and the target outside the years are left out


def test_a_project_with_minimal_data(db, schema):
    project = ProjectFactory(status=S.ACCEPTED, name_th="โครงการน้อยที่สุด", fiscal_year_start=2568, fiscal_year_end=2569)
    _, root = fetch(client_for(None))
    assert_valid(schema, root)
    a = activity(root, project.code)
    assert narrative(a, "description[@type='1']") == "โครงการน้อยที่สุด"  # the schema needs a description
    assert not a.xpath("title/narrative[@xml:lang='en']")  # no empty English narrative
    dates = {d.get("type"): d.get("iso-date") for d in a.findall("activity-date")}
    assert dates == {"1": "2024-10-01", "3": "2026-09-30"}  # planned, from the fiscal years
    assert a.find("activity-status").get("code") == "1"
    assert [c.get("code") for c in a.findall("recipient-country")] == ["TH"]
    assert a.find("activity-scope").get("code") == "4"
    for absent in ("sector", "budget", "transaction", "result", "location", "tag"):
        assert a.find(absent) is None, absent


# --------------------------------------------------------------------------- Thai text


def test_thai_narratives_round_trip(db, schema):
    name = 'โครงการ "ทดสอบ" <ภาษาไทย> & ตัวเลข ๑๒๓ — น้ำ่ใจ\u0e48\u0e49 ฯลฯ 🇹🇭'
    project = ProjectFactory(status=S.ACCEPTED, name_th=name, name_en="Test <&> 'project'", rationale="บรรทัด\nสอง\x0b")
    body, root = fetch(client_for(None))
    assert_valid(schema, root)
    a = activity(root, project.code)
    assert narrative(a, "title") == name
    assert narrative(a, "title", "en") == "Test <&> 'project'"
    assert narrative(a, "description[@type='1']") == "บรรทัด\nสอง"  # a character XML cannot carry is dropped
    assert name.encode() in body.replace(b"&lt;", b"<").replace(b"&gt;", b">").replace(b"&amp;", b"&")


@settings(max_examples=200, deadline=None)
@given(th=st.text(), en=st.text(alphabet=st.characters(codec="utf-8")))
def test_any_text_survives_as_a_narrative(th, en):
    parent = etree.Element("root")
    element = _text_element(parent, "title", th, en)
    expected = [(lang, _clean(text)) for lang, text in (("th", th), ("en", en)) if _clean(text)]
    if not expected:
        assert element is None
        return
    parsed = etree.fromstring(etree.tostring(parent, encoding="utf-8"))
    assert [(n.get(XML_LANG), n.text) for n in parsed.iter("narrative")] == expected


# --------------------------------------------------------------------------- who sees what


def test_the_public_gets_accepted_projects_without_personal_data(db, schema):
    owner = OrganisationFactory()
    projects = {status: ProjectFactory(owner=owner, status=status, **PERSONAL) for status in S.values}
    returned = ProjectFactory(owner=owner, status=S.DRAFT, return_reason="โปรดแก้ไขงบประมาณให้ถูกต้อง")
    reviewer = member(Role.REVIEWER, OrganisationFactory(kind=OrganisationKind.CENTRAL_AGENCY))

    body, root = fetch(client_for(None))
    assert identifiers(root) == {projects[S.ACCEPTED].code}
    for value in (*PERSONAL.values(), returned.return_reason, returned.code):
        assert value not in body.decode()
    # Asking for another status does not get the public more than it may see.
    for status in (S.DRAFT, S.SUBMITTED, S.APPROVED):
        _, others = fetch(client_for(None), status=status)
        assert identifiers(others) == set()

    # Staff preview another status they may see; personal data stays out of the file for them too.
    body, root = fetch(client_for(reviewer), status=S.APPROVED)
    assert identifiers(root) == {projects[S.APPROVED].code}
    assert_valid(schema, root)
    assert not any(value in body.decode() for value in PERSONAL.values())
    _, root = fetch(client_for(reviewer))
    assert identifiers(root) == {projects[S.ACCEPTED].code}  # the default is still the published data


def test_filters_narrow_and_bad_ones_are_400(db):
    ministry = OrganisationFactory(code="min")
    division = OrganisationFactory(code="div", parent=ministry)
    other = OrganisationFactory(code="other")
    a = ProjectFactory(code="A-1", owner=division, status=S.ACCEPTED, fiscal_year_start=2567, fiscal_year_end=2569)
    b = ProjectFactory(code="B-1", owner=other, status=S.ACCEPTED, fiscal_year_start=2570, fiscal_year_end=2570)
    a.provinces.add(Province.objects.get(code="57"))
    client = client_for(None)
    assert identifiers(fetch(client, organisation="min")[1]) == {a.code}
    assert identifiers(fetch(client, fiscal_year="๒๕๖๘")[1]) == {a.code}  # Thai digits, as everywhere
    assert identifiers(fetch(client, fiscal_year="2570")[1]) == {b.code}
    assert identifiers(fetch(client, province="57")[1]) == {a.code}
    assert identifiers(fetch(client, q="B-")[1]) == {b.code}
    response = client.get(URL, {"organisation": "min"})
    root = etree.fromstring(b"".join(response.streaming_content))
    assert "organisation=min" in root.xpath("comment()")[0].text  # the file names its filter, licence and time
    assert "CC BY 4.0" in root.xpath("comment()")[0].text
    assert response["X-Tidtam-Filter"] == "organisation=min"
    assert response["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    assert response["Content-Disposition"].startswith('attachment; filename="tidtam-iati-activities-')
    stamped = datetime.fromisoformat(response["X-Tidtam-Generated-At"].replace("Z", "+00:00"))
    assert datetime.fromisoformat(root.get("generated-datetime")) == stamped

    for params, field in (({"fiscal_year": "soon"}, "fiscal_year"), ({"organisation": "nowhere"}, "organisation")):
        response = client.get(URL, params)
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_filter"
        assert field in response.json()["details"]


# --------------------------------------------------------------------------- streaming at scale


def _xml(**kwargs) -> etree._Element:
    return etree.fromstring(b"".join(iati_activities_xml(user=AnonymousUser(), **kwargs)))


def test_chunks_keep_order_and_queries_do_not_grow_with_projects(db, schema):
    owner = OrganisationFactory()
    full_project("P-01", owner=owner)
    full_project("P-02", owner=owner)
    with CaptureQueriesContext(connection) as few:
        root = _xml(chunk_size=10)
    for index in range(3, 9):
        full_project(f"P-{index:02d}", owner=owner)
    with CaptureQueriesContext(connection) as many:
        root = _xml(chunk_size=10)
    assert len(root.findall("iati-activity")) == 8
    assert len(many.captured_queries) == len(few.captured_queries)  # a fixed number of queries per chunk

    chunks = list(iati_activities_xml(user=AnonymousUser(), chunk_size=3))
    assert len(chunks) >= 3  # 8 projects, 3 at a time, each chunk sent as soon as it is written
    root = etree.fromstring(b"".join(chunks))
    assert_valid(schema, root)
    assert root.xpath("iati-activity/other-identifier/@ref") == [f"P-{i:02d}" for i in range(1, 9)]
