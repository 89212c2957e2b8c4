"""The demo data set: organisations, one account per role (password `tidtam-demo`), three plan frameworks, and an
illustrative history of projects and quarterly reports moved through the approval chain.

`demo_load` is idempotent: whatever already exists (an organisation code, a username, a membership, a framework code,
a reporting round, the demo projects) is left alone, so a second run writes no row and no audit entry. The reference
data is written through the services with `actor=None` (a system command); the projects and reports are written by
the demo people themselves with the dates they would have done it on, so every page and timeline tells a plausible
story (all of it marked illustrative).
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from importlib import resources
from typing import NamedTuple, TextIO
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from tidtam.accounts.choices import Role
from tidtam.accounts.models import Membership, User
from tidtam.accounts.services import membership_grant, user_create
from tidtam.core.models import Country, Province
from tidtam.core.reference import reference_load
from tidtam.core.thaicalendar import fiscal_year_bounds
from tidtam.evaluation.rollups import deferred_refresh
from tidtam.organisations.choices import OrganisationKind as Kind
from tidtam.organisations.models import Organisation
from tidtam.organisations.services import organisation_create
from tidtam.plans.importer import plan_import
from tidtam.plans.models import Framework, Node
from tidtam.projects.models import Project
from tidtam.projects.services import project_create
from tidtam.reporting.models import ReportingRound
from tidtam.reporting.selectors import reports_owed
from tidtam.reporting.services import report_create, report_update, round_close, round_open
from tidtam.workflow.services import workflow_transition

DEMO_PASSWORD = "tidtam-demo"

# Framework codes, in import order: each file is `tidtam/plans/demo/<code>.yaml`; `ns` links to the other two.
DEMO_FRAMEWORKS = ("asean-us-poa", "mfp-platform", "ns")


class DemoOrganisation(NamedTuple):
    code: str
    name_th: str
    name_en: str
    kind: str
    parent: str | None = None
    abbreviation_th: str = ""
    abbreviation_en: str = ""
    country_code: str = ""


# Parents before children.
DEMO_ORGANISATIONS: tuple[DemoOrganisation, ...] = (
    DemoOrganisation(
        "nesdc",
        "สำนักงานสภาพัฒนาการเศรษฐกิจและสังคมแห่งชาติ",
        "Office of the National Economic and Social Development Council",
        Kind.CENTRAL_AGENCY,
        abbreviation_th="สศช.",
        abbreviation_en="NESDC",
    ),
    DemoOrganisation(
        "mfa",
        "กระทรวงการต่างประเทศ",
        "Ministry of Foreign Affairs",
        Kind.MINISTRY,
        abbreviation_th="กต.",
        abbreviation_en="MFA",
    ),
    DemoOrganisation(
        "mfa-ps",
        "สำนักงานปลัดกระทรวงการต่างประเทศ",
        "Office of the Permanent Secretary, Ministry of Foreign Affairs",
        Kind.DEPARTMENT,
        "mfa",
        abbreviation_th="สป.กต.",
    ),
    DemoOrganisation("mfa-ps-policy", "กองนโยบายและแผน", "Policy and Planning Division", Kind.DIVISION, "mfa-ps"),
    DemoOrganisation("mfa-asean", "กรมอาเซียน", "Department of ASEAN Affairs", Kind.DEPARTMENT, "mfa"),
    DemoOrganisation(
        "mfa-asean-ps",
        "กองการเมืองและความมั่นคงอาเซียน",
        "ASEAN Political and Security Division",
        Kind.DIVISION,
        "mfa-asean",
    ),
    DemoOrganisation(
        "mfa-americas",
        "กรมอเมริกาและแปซิฟิกใต้",
        "Department of American and South Pacific Affairs",
        Kind.DEPARTMENT,
        "mfa",
    ),
    DemoOrganisation("mfa-americas-na", "กองอเมริกาเหนือ", "North America Division", Kind.DIVISION, "mfa-americas"),
    DemoOrganisation(
        "mfa-ito", "กรมองค์การระหว่างประเทศ", "Department of International Organizations", Kind.DEPARTMENT, "mfa"
    ),
    DemoOrganisation(
        "mod", "กระทรวงกลาโหม", "Ministry of Defence", Kind.MINISTRY, abbreviation_th="กห.", abbreviation_en="MOD"
    ),
    DemoOrganisation(
        "mod-ps",
        "สำนักงานปลัดกระทรวงกลาโหม",
        "Office of the Permanent Secretary for Defence",
        Kind.DEPARTMENT,
        "mod",
        abbreviation_th="สป.กห.",
    ),
    DemoOrganisation(
        "mod-ps-policy", "สำนักนโยบายและแผนกลาโหม", "Defence Policy and Planning Office", Kind.DIVISION, "mod-ps"
    ),
    DemoOrganisation(
        "nsc",
        "สำนักงานสภาความมั่นคงแห่งชาติ",
        "Office of the National Security Council",
        Kind.CENTRAL_AGENCY,
        abbreviation_th="สมช.",
        abbreviation_en="NSC",
    ),
    DemoOrganisation(
        "moc", "กระทรวงพาณิชย์", "Ministry of Commerce", Kind.MINISTRY, abbreviation_th="พณ.", abbreviation_en="MOC"
    ),
    DemoOrganisation(
        "moc-dtn",
        "กรมเจรจาการค้าระหว่างประเทศ",
        "Department of Trade Negotiations",
        Kind.DEPARTMENT,
        "moc",
        abbreviation_en="DTN",
    ),
    DemoOrganisation("senate", "วุฒิสภา", "Senate", Kind.LEGISLATURE),
    DemoOrganisation(
        "senate-fa", "คณะกรรมาธิการการต่างประเทศ วุฒิสภา", "Senate Committee on Foreign Affairs", Kind.LEGISLATURE, "senate"
    ),
    DemoOrganisation(
        "oag",
        "สำนักงานการตรวจเงินแผ่นดิน",
        "Office of the Auditor General",
        Kind.INDEPENDENT_BODY,
        abbreviation_th="สตง.",
        abbreviation_en="OAG",
    ),
    DemoOrganisation("prov-chiang-rai", "จังหวัดเชียงราย", "Chiang Rai Province", Kind.PROVINCE, country_code="TH"),
    DemoOrganisation(
        "us",
        "สหรัฐอเมริกา",
        "United States of America",
        Kind.EXTERNAL_PARTNER,
        abbreviation_th="สหรัฐฯ",
        abbreviation_en="US",
        country_code="US",
    ),
    DemoOrganisation(
        "asean",
        "สมาคมประชาชาติแห่งเอเชียตะวันออกเฉียงใต้",
        "Association of Southeast Asian Nations",
        Kind.EXTERNAL_PARTNER,
        abbreviation_th="อาเซียน",
        abbreviation_en="ASEAN",
    ),
)


class DemoAccount(NamedTuple):
    username: str
    role: str
    organisation: str


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("reporter.mfa", Role.REPORTER, "mfa-ps-policy"),
    DemoAccount("approver.mfa", Role.APPROVER, "mfa"),
    DemoAccount("coordinator.mfa", Role.COORDINATOR, "mfa"),
    DemoAccount("reviewer.nesdc", Role.REVIEWER, "nesdc"),
    DemoAccount("oversight.senate", Role.OVERSIGHT, "senate-fa"),
    DemoAccount("admin", Role.ADMIN, "nesdc"),
    DemoAccount("reporter.mod", Role.REPORTER, "mod-ps-policy"),
)

# Obviously fictional people: every surname is "ตัวอย่าง…" ("example …").
_NAMES: dict[str, tuple[str, str]] = {
    "reporter.mfa": ("สมศรี", "ตัวอย่างรายงาน"),
    "approver.mfa": ("สมชาย", "ตัวอย่างอนุมัติ"),
    "coordinator.mfa": ("สมหญิง", "ตัวอย่างประสาน"),
    "reviewer.nesdc": ("สมปอง", "ตัวอย่างตรวจสอบ"),
    "oversight.senate": ("สมหมาย", "ตัวอย่างกำกับ"),
    "admin": ("สมบัติ", "ตัวอย่างดูแลระบบ"),
    "reporter.mod": ("สมรักษ์", "ตัวอย่างกลาโหม"),
}


@dataclass
class DemoSummary:
    """What one `demo_load` run created; all zero / empty on a second run."""

    organisations_created: int = 0
    users_created: int = 0
    memberships_created: int = 0
    frameworks_imported: list[str] = field(default_factory=list)
    frameworks_skipped: list[str] = field(default_factory=list)
    rounds_opened: int = 0
    projects_created: int = 0
    reports_created: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.organisations_created
            or self.users_created
            or self.memberships_created
            or self.frameworks_imported
            or self.rounds_opened
            or self.projects_created
            or self.reports_created
        )

    def __str__(self) -> str:
        return (
            f"organisations +{self.organisations_created}, users +{self.users_created}, "
            f"memberships +{self.memberships_created}, frameworks imported: "
            f"{', '.join(self.frameworks_imported) or '-'}, already present: "
            f"{', '.join(self.frameworks_skipped) or '-'}; reporting rounds +{self.rounds_opened}, "
            f"projects +{self.projects_created}, reports +{self.reports_created}"
        )


def demo_plan_text(code: str) -> str:
    """The YAML text of a demo plan file, read from the installed package."""
    return (resources.files("tidtam.plans") / "demo" / f"{code}.yaml").read_text(encoding="utf-8")


def _load_organisations(summary: DemoSummary) -> None:
    by_code = {o.code: o for o in Organisation.objects.filter(code__in=[d.code for d in DEMO_ORGANISATIONS])}
    for item in DEMO_ORGANISATIONS:
        if item.code in by_code:
            continue
        fields = item._asdict()
        parent_code = fields.pop("parent")
        by_code[item.code] = organisation_create(
            actor=None, parent=by_code[parent_code] if parent_code else None, **fields
        )
        summary.organisations_created += 1


def _load_accounts(summary: DemoSummary) -> None:
    organisations = {o.code: o for o in Organisation.objects.filter(code__in={a.organisation for a in DEMO_ACCOUNTS})}
    users = {u.username: u for u in User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])}
    for account in DEMO_ACCOUNTS:
        user = users.get(account.username)
        if user is None:
            first_name, last_name = _NAMES[account.username]
            is_admin = account.role == Role.ADMIN
            user = user_create(
                actor=None,
                username=account.username,
                password=DEMO_PASSWORD,
                first_name=first_name,
                last_name=last_name,
                email=f"{account.username}@example.org",
                is_staff=is_admin,
                is_superuser=is_admin,
            )
            users[account.username] = user
            summary.users_created += 1
        organisation = organisations[account.organisation]
        if not Membership.objects.filter(user=user, organisation=organisation, role=account.role).exists():
            membership_grant(actor=None, user=user, organisation=organisation, role=account.role)
            summary.memberships_created += 1


def _load_frameworks(summary: DemoSummary) -> None:
    """Import each demo plan file whose framework does not exist yet (the organisations it names must exist)."""
    for code in DEMO_FRAMEWORKS:
        if Framework.objects.filter(code=code).exists():
            summary.frameworks_skipped.append(code)
            continue
        plan_import(actor=None, text=demo_plan_text(code))
        summary.frameworks_imported.append(code)


# ---------------------------------------------------------------------------------------------------------------------
# The illustrative history: staff accounts, reporting rounds, projects and their quarterly reports.


class DemoStaff(NamedTuple):
    """Agency staff who wrote the illustrative history. They cannot sign in (no password); the demo accounts above
    are the ones to use."""

    username: str
    role: str
    organisation: str
    first_name: str
    last_name: str


DEMO_STAFF: tuple[DemoStaff, ...] = (
    DemoStaff("reporter.mfa-ps", Role.REPORTER, "mfa-ps", "สมพร", "ตัวอย่างปลัดกระทรวง"),
    DemoStaff("reporter.mfa-asean", Role.REPORTER, "mfa-asean", "สมนึก", "ตัวอย่างอาเซียน"),
    DemoStaff("reporter.mfa-americas", Role.REPORTER, "mfa-americas", "สมศักดิ์", "ตัวอย่างอเมริกา"),
    DemoStaff("reporter.mfa-ito", Role.REPORTER, "mfa-ito", "สมทรง", "ตัวอย่างองค์การ"),
    DemoStaff("approver.mod", Role.APPROVER, "mod", "สมเกียรติ", "ตัวอย่างกลาโหม"),
    DemoStaff("reporter.nsc", Role.REPORTER, "nsc", "สมคิด", "ตัวอย่างความมั่นคง"),
    DemoStaff("approver.nsc", Role.APPROVER, "nsc", "สมบูรณ์", "ตัวอย่างความมั่นคง"),
)
# Who enters (first) and who approves (second) the items of an owner organisation (the longest matching prefix).
_WRITERS: tuple[tuple[str, str, str], ...] = (
    ("mfa-ps-policy", "reporter.mfa", "approver.mfa"),
    ("mfa-ps", "reporter.mfa-ps", "approver.mfa"),
    ("mfa-asean", "reporter.mfa-asean", "approver.mfa"),
    ("mfa-americas", "reporter.mfa-americas", "approver.mfa"),
    ("mfa-ito", "reporter.mfa-ito", "approver.mfa"),
    ("mod", "reporter.mod", "approver.mod"),
    ("nsc", "reporter.nsc", "approver.nsc"),
)
REVIEWER = "reviewer.nesdc"


class DemoRound(NamedTuple):
    fiscal_year: int
    quarter: int
    opens_on: date
    deadline: date
    closed: bool


# FY 2567 and FY 2568 Q1–Q3 are closed; FY 2568 Q4 is still open (its deadline has passed) and so is FY 2569 Q1,
# whose deadline the central office extended to the end of 2026 (it lies in the future for the demo).
DEMO_ROUNDS: tuple[DemoRound, ...] = (
    DemoRound(2567, 1, date(2023, 12, 15), date(2024, 1, 31), True),
    DemoRound(2567, 2, date(2024, 3, 15), date(2024, 4, 30), True),
    DemoRound(2567, 3, date(2024, 6, 15), date(2024, 7, 31), True),
    DemoRound(2567, 4, date(2024, 9, 15), date(2024, 10, 31), True),
    DemoRound(2568, 1, date(2024, 12, 15), date(2025, 1, 31), True),
    DemoRound(2568, 2, date(2025, 3, 15), date(2025, 4, 30), True),
    DemoRound(2568, 3, date(2025, 6, 15), date(2025, 7, 31), True),
    DemoRound(2568, 4, date(2025, 9, 15), date(2025, 10, 31), False),
    DemoRound(2569, 1, date(2025, 12, 15), date(2026, 12, 31), False),
)


class DemoProject(NamedTuple):
    """One illustrative project. `primary` is a node code of `ns` (a target or factor); `secondary` are action lines
    or areas of the ASEAN–U.S. Plan of Action; `budget` is the state budget per fiscal year (THB); `status` is where
    the project stands in the approval chain today."""

    owner: str
    first_year: int
    last_year: int
    name_th: str
    name_en: str
    primary: str
    secondary: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    budget: int = 1_000_000
    kpi: tuple[str, str, int] | None = None
    status: str = "accepted"
    kind: str = "project"
    return_reason: str = ""


# fmt: off
P = DemoProject
DEMO_PROJECTS: tuple[DemoProject, ...] = (
    # Department of American and South Pacific Affairs: the recurring Thailand–U.S. dialogues.
    P("mfa-americas-na", 2567, 2569, "การประชุมหารือเชิงยุทธศาสตร์และกลาโหมไทย–สหรัฐฯ ประจำปี",
      "Annual Thailand–U.S. Strategic and Defense Dialogue", "02010101", ("PS-1", "PS-2"), ("us",), ("US",), ("10",),
      4_500_000, ("ข้อริเริ่มความร่วมมือที่ได้ข้อสรุปจากการประชุม", "ข้อริเริ่ม", 6)),
    P("mfa-americas-na", 2568, 2568, "การหารือเชิงยุทธศาสตร์ด้านเศรษฐกิจไทย–สหรัฐฯ",
      "Thailand–U.S. Strategic Economic Dialogue", "02020102", ("EC-1.1", "EC-1.3"), ("us",), ("US",), (),
      3_200_000, ("ประเด็นเศรษฐกิจที่มีแผนติดตามร่วมกัน", "ประเด็น", 8)),
    P("mfa-americas-na", 2568, 2569, "ความร่วมมือด้านความมั่นคงทางสุขภาพไทย–สหรัฐฯ",
      "Thailand–U.S. health security cooperation", "02010103", ("PS-2",), ("us",), ("US",), ("10", "50"), 2_800_000,
      ("บุคลากรสาธารณสุขชายแดนที่ผ่านการฝึกอบรม", "คน", 240)),
    P("mfa-americas-na", 2567, 2567, "การทูตสาธารณะเนื่องในวาระครบรอบความสัมพันธ์ทางการทูตไทย–สหรัฐฯ",
      "Public diplomacy for the anniversary of Thailand–U.S. diplomatic relations", "02040102", ("SC-1",), ("us",),
      ("US",), ("10",), 1_500_000, ("ผู้เข้าร่วมกิจกรรมและผู้เข้าถึงสื่อออนไลน์", "คน", 50_000)),
    P("mfa-americas", 2568, 2568, "โครงการแลกเปลี่ยนผู้นำรุ่นใหม่ไทย–สหรัฐฯ ในกรอบ YSEALI",
      "Thai–U.S. young leaders exchange under YSEALI", "02050103", ("SC-1.1", "SC-1.2"), ("us", "asean"), ("US",),
      ("10", "50", "90"), 1_200_000, ("ผู้นำรุ่นใหม่ที่ร่วมโครงการ", "คน", 120)),
    # Department of ASEAN Affairs: the ASEAN–U.S. Plan of Action and regional security.
    P("mfa-asean-ps", 2567, 2569, "การติดตามผลการประชุมคณะกรรมการความร่วมมือร่วมอาเซียน–สหรัฐฯ (JCC)",
      "Follow-up of the ASEAN–U.S. Joint Cooperation Committee", "020101", ("PS-1", "PS-2", "EC-1", "SC-1"),
      ("asean", "us"), ("US", "ID"), ("10",), 2_000_000, ("ข้อตัดสินใจของ JCC ที่มีการติดตามผล", "ร้อยละ", 90)),
    P("mfa-asean-ps", 2567, 2568, "ความร่วมมือด้านความมั่นคงทางทะเลในกรอบอาเซียนและประเทศหุ้นส่วน",
      "Maritime security cooperation with ASEAN and partners", "02010102", ("PS-1.1", "PS-1.2"), ("asean", "us"),
      ("MY", "ID", "PH", "VN"), ("20", "83", "90"), 5_600_000, ("การฝึกและประชุมความร่วมมือทางทะเล", "ครั้ง", 10)),
    P("mfa-asean-ps", 2568, 2569, "การเสริมสร้างขีดความสามารถด้านความมั่นคงไซเบอร์อาเซียน–สหรัฐฯ",
      "ASEAN–U.S. cyber security capacity building", "02010201", ("EC-1.3",), ("asean", "us"), ("SG", "US"), ("10",),
      3_900_000, ("เจ้าหน้าที่ที่ผ่านการฝึกอบรมด้านไซเบอร์", "คน", 180)),
    P("mfa-asean-ps", 2567, 2567, "การต่อต้านการค้ามนุษย์ข้ามพรมแดนในพื้นที่ชายแดน",
      "Countering cross-border human trafficking in border areas", "02010202", ("PS-2.1",), ("asean",),
      ("MM", "LA", "KH", "MY"), ("57", "63", "27", "96"), 2_400_000, ("เจ้าหน้าที่ชายแดนที่ผ่านการอบรม", "คน", 300)),
    P("mfa-asean-ps", 2567, 2567, "การฝึกอบรมการรับรู้สถานการณ์ทางทะเลแก่เจ้าหน้าที่ชายฝั่ง",
      "Maritime domain awareness training for coastal officers", "02010102", ("PS-1.1",), ("us",), ("US",),
      ("22", "23", "85"), 1_800_000, ("เจ้าหน้าที่ชายฝั่งที่ผ่านการฝึกอบรม", "คน", 150)),
    P("mfa-asean-ps", 2568, 2568, "ความร่วมมือต่อต้านการทำประมงผิดกฎหมาย ขาดการรายงาน และไร้การควบคุม",
      "Regional cooperation against illegal, unreported and unregulated fishing", "02010102", ("PS-1.3",),
      ("asean",), ("ID", "MY", "VN"), ("90", "91", "92"), 2_100_000, ("กรณีที่มีการแลกเปลี่ยนข้อมูล", "กรณี", 40)),
    P("mfa-asean", 2567, 2569, "ความร่วมมือลุ่มน้ำโขง–สหรัฐฯ (Mekong–U.S. Partnership)",
      "Mekong–U.S. Partnership", "02020201", ("PS-2.2",), ("us",), ("US", "LA", "KH", "MM", "VN"),
      ("57", "43", "48", "34"), 6_000_000, ("โครงการพัฒนาที่ดำเนินการร่วมกับประเทศลุ่มน้ำโขง", "โครงการ", 12)),
    P("mfa-asean", 2568, 2568, "การส่งเสริมผู้ประกอบการสตรีในอาเซียน",
      "Promoting women entrepreneurs in ASEAN", "02020103", ("SC-2.1",), ("asean",), ("ID", "PH", "VN"), ("10",),
      1_600_000, ("ผู้ประกอบการสตรีที่ได้รับการพัฒนา", "ราย", 200)),
    P("mfa-asean", 2568, 2569, "บทบาทของสตรีในกระบวนการสันติภาพและความมั่นคงในอาเซียน",
      "Women, peace and security in ASEAN", "020401", ("SC-2.2",), ("asean",), (), ("96", "10"), 1_300_000,
      ("สตรีที่เข้าร่วมเวทีสันติภาพ", "คน", 90)),
    P("mfa-asean", 2567, 2567, "การเตรียมความพร้อมของเยาวชนไทยสู่ประชาคมอาเซียน",
      "Preparing Thai youth for the ASEAN Community", "02050202", ("SC-1.1",), ("asean",), (), ("50", "44", "90"),
      900_000, ("เยาวชนที่เข้าร่วมกิจกรรม", "คน", 600)),
    # Policy and Planning Division (reporter.mfa's own).
    P("mfa-ps-policy", 2567, 2569, "การพัฒนาระบบติดตามและประเมินผลแผนแม่บทด้านการต่างประเทศ",
      "Monitoring and evaluation system for the foreign affairs master plan", "02050102", ("EC-1.3",), (), (),
      ("10",), 3_000_000, ("หน่วยงานที่รายงานผลผ่านระบบ", "หน่วยงาน", 40)),
    P("mfa-ps-policy", 2568, 2569, "เครือข่ายกองนโยบายและแผนด้านการต่างประเทศของทุกกระทรวง (ทีมประเทศไทย)",
      "Network of ministries' policy and planning divisions (Team Thailand)", "02050101", (), (), (), ("10",),
      1_100_000, ("การประชุมเครือข่าย", "ครั้ง", 4), kind="routine"),
    P("mfa-ps-policy", 2568, 2569, "การเปิดเผยข้อมูลด้านการต่างประเทศต่อสาธารณะ (Open Data)",
      "Publishing foreign affairs data (open data)", "02050201", (), (), (), ("10",), 1_400_000,
      ("ชุดข้อมูลที่เปิดเผย", "ชุดข้อมูล", 30)),
    P("mfa-ps-policy", 2568, 2568, "การรับฟังความคิดเห็นของประชาชนต่อนโยบายต่างประเทศในภูมิภาค",
      "Regional consultations on foreign policy", "02050202", (), (), (), ("50", "34", "90", "20"), 950_000,
      ("เวทีรับฟังความคิดเห็น", "เวที", 8)),
    P("mfa-ps-policy", 2568, 2569, "การทูตเศรษฐกิจเชิงรุกของทีมประเทศไทย",
      "Proactive economic diplomacy by Team Thailand", "02020102", ("EC-1.2",), (), ("US", "JP", "AU"), (),
      2_200_000, ("ผู้ประกอบการไทยที่ได้รับการสนับสนุน", "ราย", 150)),
    P("mfa-ps-policy", 2569, 2569, "การทูตสาธารณะเชิงรุกผ่านสื่อดิจิทัล", "Digital public diplomacy",
      "02040102", ("SC-1",), (), (), ("10",), 1_000_000, ("ผู้เข้าถึงเนื้อหาออนไลน์", "คน", 200_000), status="draft"),
    P("mfa-ps-policy", 2569, 2569, "การศึกษาแนวทางติดตามแผนปฏิบัติการอาเซียน–สหรัฐฯ ฉบับใหม่",
      "Study on following up the next ASEAN–U.S. Plan of Action", "020101", ("PS-1", "EC-1"), ("asean", "us"), (),
      ("10",), 800_000, ("ข้อเสนอเชิงนโยบาย", "ฉบับ", 1), status="returned",
      return_reason="โปรดระบุตัวชี้วัดเชิงผลลัพธ์และแผนการเบิกจ่ายรายเดือนให้ครบ"),
    # Office of the Permanent Secretary: consular services and development cooperation.
    P("mfa-ps", 2568, 2569, "บริการกงสุลดิจิทัลและหนังสือเดินทางอิเล็กทรอนิกส์",
      "Digital consular services and e-passports", "02040201", (), (), (), ("10", "50", "90", "34"), 8_500_000,
      ("บริการกงสุลที่ให้ผ่านช่องทางดิจิทัล", "ร้อยละ", 60)),
    P("mfa-ps", 2567, 2568, "เครือข่ายช่วยเหลือคนไทยในต่างประเทศในภาวะวิกฤต",
      "Crisis assistance network for Thais abroad", "02040202", (), (), ("MM", "US", "JP"), (), 4_000_000,
      ("คนไทยที่ได้รับความช่วยเหลือ", "คน", 1_500)),
    P("mfa-ps", 2568, 2569, "ความร่วมมือทางวิชาการเพื่อการพัฒนากับประเทศเพื่อนบ้าน",
      "Development cooperation with neighbouring countries", "02020201", ("PS-2.2",), (), ("LA", "KH", "MM"),
      ("43", "49"), 5_000_000, ("โครงการความร่วมมือที่ดำเนินการ", "โครงการ", 15)),
    P("mfa-ps", 2568, 2568, "หุ้นส่วนไตรภาคีเพื่อการพัฒนากับสหรัฐฯ ในประเทศที่สาม",
      "Trilateral development partnership with the United States", "02020202", ("SC-1.2",), ("us",),
      ("US", "LA", "KH"), (), 2_700_000, ("กิจกรรมไตรภาคี", "กิจกรรม", 6)),
    # Department of International Organizations: treaty obligations and multilateral posts.
    P("mfa-ito", 2567, 2568, "การจัดทำรายงานตามพันธกรณีด้านสิทธิมนุษยชน (UPR)",
      "Human rights treaty reporting (UPR)", "02030102", (), (), ("CH",), ("10",), 1_000_000,
      ("รายงานที่นำเสนอตามกำหนด", "ฉบับ", 2)),
    P("mfa-ito", 2568, 2569, "การรณรงค์สมัครรับเลือกตั้งสมาชิกคณะมนตรีสิทธิมนุษยชนแห่งสหประชาชาติ",
      "Campaign for a seat on the UN Human Rights Council", "02040101", (), (), ("CH", "US"), (), 3_500_000,
      ("ประเทศที่ประกาศสนับสนุน", "ประเทศ", 120)),
    P("mfa-ito", 2567, 2567, "การปรับปรุงกฎหมายให้สอดคล้องกับพันธกรณีระหว่างประเทศ",
      "Aligning Thai law with international obligations", "02030101", (), (), (), ("10",), 700_000,
      ("ร่างกฎหมายที่ได้รับการทบทวน", "ฉบับ", 5)),
    P("mfa-ito", 2569, 2569, "การมีส่วนร่วมของภาคประชาสังคมในการจัดทำรายงานตามพันธกรณี",
      "Civil society participation in treaty reporting", "02030103", (), (), (), ("10", "50", "90"), 600_000,
      ("องค์กรภาคประชาสังคมที่ร่วมให้ข้อมูล", "องค์กร", 60), status="submitted"),
    # Ministry of Defence and the National Security Council (master plan 01, and 02 where it meets foreign affairs).
    P("mod-ps-policy", 2567, 2569, "การประสานงานพลเรือน–ทหารในการฝึกร่วม/ผสมคอบร้าโกลด์",
      "Civil–military coordination in the Cobra Gold exercise", "02010101", ("PS-1", "PS-2.2"), ("us",), ("US",),
      ("20", "22"), 12_000_000, ("ชาติที่เข้าร่วมการฝึก", "ประเทศ", 30)),
    P("mod-ps-policy", 2568, 2568, "การฝึกซ้อมแผนเผชิญเหตุร่วมข้ามหน่วยงานด้านความมั่นคง",
      "Inter-agency security contingency exercises", "01010101", (), (), (), ("10", "57", "96"), 6_500_000,
      ("การฝึกซ้อมที่ดำเนินการ", "ครั้ง", 4)),
    P("mod-ps-policy", 2568, 2569, "ระบบแจ้งเตือนและสั่งการด้านความมั่นคงที่เชื่อมโยงกัน",
      "Connected security alerting and command system", "01010102", (), (), (), ("10",), 9_000_000,
      ("หน่วยงานที่เชื่อมต่อระบบ", "หน่วยงาน", 25)),
    P("mod-ps-policy", 2569, 2569, "การลาดตระเวนร่วมทางทะเลกับประเทศเพื่อนบ้าน",
      "Coordinated maritime patrols with neighbouring countries", "02010102", ("PS-1.3",), (), ("MY", "MM"),
      ("85", "91"), 4_200_000, ("การลาดตระเวนร่วม", "ครั้ง", 12), status="approved"),
    P("nsc", 2567, 2568, "การจัดทำแผนเผชิญเหตุด้านความมั่นคงแห่งชาติแบบบูรณาการ",
      "Integrated national security contingency planning", "010101", (), (), (), ("10",), 3_300_000,
      ("แผนเผชิญเหตุที่ได้รับการทบทวน", "แผน", 6)),
    P("nsc", 2568, 2569, "การแลกเปลี่ยนข้อมูลด้านอาชญากรรมข้ามชาติกับต่างประเทศ",
      "Information sharing on transnational crime with foreign partners", "02010201", ("PS-2.1",), ("us", "asean"),
      ("US", "MY", "LA"), (), 2_500_000, ("กรณีที่มีการแลกเปลี่ยนข้อมูล", "กรณี", 80)),
)
# fmt: on
del P

_RESULTS = (
    "ดำเนินกิจกรรมตามแผนไตรมาสนี้ครบถ้วน ประชุมประสานงานกับหน่วยงานที่เกี่ยวข้องและจัดทำสรุปผลเสนอผู้บริหาร",
    "จัดประชุมคณะทำงานร่วมและได้ข้อสรุปแนวทางความร่วมมือในระยะต่อไป พร้อมจัดทำแผนปฏิบัติการร่วม",
    "ดำเนินการฝึกอบรมและกิจกรรมแลกเปลี่ยนตามกำหนด ผู้เข้าร่วมประเมินความพึงพอใจในระดับมาก",
    "ติดตามผลการดำเนินงานตามข้อตกลงของการประชุมครั้งก่อน และรายงานความคืบหน้าต่อคณะกรรมการ",
)
_PROBLEMS = (
    "",
    "การเบิกจ่ายล่าช้ากว่าแผนเนื่องจากรอการยืนยันกำหนดการจากฝ่ายต่างประเทศ",
    "ข้อจำกัดด้านบุคลากรในช่วงการโยกย้ายประจำปี",
)
_RECOMMENDATIONS = (
    "",
    "ควรเร่งประสานหน่วยงานร่วมเพื่อกำหนดตารางกิจกรรมล่วงหน้าทั้งปี",
    "ควรจัดทำฐานข้อมูลกลางเพื่อติดตามข้อตกลงที่ได้จากการประชุม",
)
_RETURN_REASONS = (
    "ผลการเบิกจ่ายรายเดือนไม่ตรงกับหลักฐาน โปรดตรวจสอบและแก้ไข",
    "โปรดระบุผลการดำเนินงานเชิงปริมาณให้สอดคล้องกับตัวชี้วัดของโครงการ",
    "ความก้าวหน้าร้อยละไม่สอดคล้องกับกิจกรรมที่รายงาน โปรดทบทวน",
)
BANGKOK = ZoneInfo("Asia/Bangkok")


def demo_project_code(index: int, project: DemoProject) -> str:
    """The demo project's code, in the format `project_create` generates: `<owner>-<first FY>-<NNNN>`."""
    return f"{project.owner}-{project.first_year}-{index + 1:04d}"


class _Clock:
    """Sets the time the services record (`timezone.now`) while the history is written, so the workflow dates and
    the audit log read like the real sequence of events. Only used by `demo_load`, never while serving requests."""

    def __init__(self):
        self.moment = None
        self._original = timezone.now

    def __enter__(self):
        timezone.now = lambda: self.moment if self.moment is not None else self._original()
        return self

    def __exit__(self, *exc):
        timezone.now = self._original

    def at(self, day: date, hour: int = 10) -> None:
        self.moment = datetime.combine(day, time(hour), tzinfo=BANGKOK).astimezone(UTC)


def _load_staff(summary: "DemoSummary") -> None:
    organisations = {o.code: o for o in Organisation.objects.filter(code__in={s.organisation for s in DEMO_STAFF})}
    users = {u.username: u for u in User.objects.filter(username__in=[s.username for s in DEMO_STAFF])}
    for staff in DEMO_STAFF:
        user = users.get(staff.username)
        if user is None:
            user = user_create(
                actor=None,
                username=staff.username,
                password=None,
                first_name=staff.first_name,
                last_name=staff.last_name,
                email=f"{staff.username}@example.org",
            )
            summary.users_created += 1
        organisation = organisations[staff.organisation]
        if not Membership.objects.filter(user=user, organisation=organisation, role=staff.role).exists():
            membership_grant(actor=None, user=user, organisation=organisation, role=staff.role)
            summary.memberships_created += 1


class _History:
    """Writes the rounds, projects and reports with the demo people as actors, in the order things happened."""

    def __init__(self, summary: "DemoSummary", clock: _Clock):
        self.summary, self.clock = summary, clock
        names = {a.username for a in DEMO_ACCOUNTS} | {s.username for s in DEMO_STAFF}
        self.people = {u.username: u for u in User.objects.filter(username__in=names)}
        self.organisations = {o.code: o for o in Organisation.objects.all()}
        current = Node.objects.filter(framework_version__is_current=True).select_related("framework_version")
        self.ns = {n.code: n for n in current.filter(framework_version__framework__code="ns")}
        self.poa = {n.code: n for n in current.filter(framework_version__framework__code="asean-us-poa")}

    def writers(self, owner: str) -> tuple:
        for prefix, reporter, approver in _WRITERS:
            if owner.startswith(prefix):
                return self.people[reporter], self.people[approver]
        raise KeyError(owner)

    def move(self, item, actor, action: str, reason: str = ""):
        return workflow_transition(actor=actor, item=item, action=action, version=item.version, reason=reason)

    # ----------------------------------------------------------------------------------------------- projects

    def project(self, index: int, spec: DemoProject) -> Project:
        reporter, approver = self.writers(spec.owner)
        start, end = fiscal_year_bounds(spec.first_year)[0], fiscal_year_bounds(spec.last_year)[1]
        years = range(spec.first_year, spec.last_year + 1)
        primary = self.ns[spec.primary]
        kpi_name, kpi_unit, kpi_target = spec.kpi or ("ร้อยละของกิจกรรมที่ดำเนินการแล้วเสร็จ", "ร้อยละ", 100)
        monthly = Decimal(spec.budget) / 12
        day = start - timedelta(days=45 - index % 20)
        self.clock.at(day, 9)
        project = project_create(
            actor=reporter,
            owner=self.organisations[spec.owner],
            code=demo_project_code(index, spec),
            name_th=spec.name_th,
            name_en=spec.name_en,
            kind=spec.kind,
            fiscal_year_start=spec.first_year,
            fiscal_year_end=spec.last_year,
            start_date=start,
            end_date=end,
            rationale=(
                f"โครงการนี้สนับสนุนเป้าหมาย “{primary.title_th}” ของแผนแม่บทภายใต้ยุทธศาสตร์ชาติ "
                "(ข้อมูลตัวอย่างเพื่อการสาธิตระบบ ไม่ใช่ข้อมูลทางราชการ)"
            ),
            objectives=f"เพื่อดำเนินการ{spec.name_th}ให้บรรลุผลตามตัวชี้วัดของโครงการ",
            output_target=f"{kpi_name} {kpi_target:,} {kpi_unit}",
            outcome_target=primary.title_th,
            lifecycle="completed" if spec.last_year < 2569 else ("planned" if spec.first_year == 2569 else "ongoing"),
            responsible_name="ผู้ประสานงาน ตัวอย่างโครงการ",
            responsible_position="นักวิเคราะห์นโยบายและแผนชำนาญการ",
            responsible_email=f"{spec.owner}@example.org",
            responsible_phone="0 2000 0000",
            is_illustrative=True,
            provinces=list(spec.provinces),
            countries=list(spec.countries),
            partners=list(spec.partners),
            kpis=[
                {"name": kpi_name, "unit": kpi_unit, "target_value": kpi_target},
                {"name": "ร้อยละของการเบิกจ่ายงบประมาณเทียบกับแผน", "unit": "ร้อยละ", "target_value": 100},
            ],
            activities=[
                {"name": "ประชุมวางแผนและประสานหน่วยงานที่เกี่ยวข้อง", "start_date": start, "end_date": start + timedelta(59)},
                {"name": "ดำเนินกิจกรรมหลักและติดตามผล", "start_date": start + timedelta(60), "end_date": end},
            ],
            budget_lines=[
                line
                for year in years
                for line in (
                    [{"fiscal_year": year, "source": "state_budget", "amount": spec.budget}]
                    + (
                        [{"fiscal_year": year, "source": "off_budget", "amount": spec.budget // 5}]
                        if spec.partners
                        else []
                    )
                )
            ],
            planned_disbursements=[
                {"month": month, "amount": _hundreds(monthly)} for year in years for month in _fiscal_months(year)
            ],
            primary_node=primary.pk,
            secondary_nodes=[self.poa[code].pk for code in spec.secondary],
        )
        self.summary.projects_created += 1
        if spec.status == "draft":
            return project
        self.clock.at(day + timedelta(days=3), 14)
        self.move(project, reporter, "submit")
        self.clock.at(day + timedelta(days=7), 11)
        if spec.status == "returned":
            return self.move(project, approver, "return", spec.return_reason)
        if spec.status == "submitted":
            return project
        self.move(project, approver, "approve")
        if spec.status == "approved":
            return project
        self.clock.at(day + timedelta(days=14), 15)
        return self.move(project, self.people[REVIEWER], "accept")

    # ----------------------------------------------------------------------------------------------- reports

    def rounds(self) -> list[tuple[DemoRound, ReportingRound, bool]]:
        """The demo rounds: (definition, round, opened by this run)."""
        found = {(r.fiscal_year, r.quarter): r for r in ReportingRound.objects.filter(month__isnull=True)}
        result = []
        for spec in DEMO_ROUNDS:
            round_ = found.get((spec.fiscal_year, spec.quarter))
            if round_ is None:
                self.clock.at(spec.opens_on, 8)
                round_ = round_open(
                    actor=self.people[REVIEWER],
                    fiscal_year=spec.fiscal_year,
                    quarter=spec.quarter,
                    opens_on=spec.opens_on,
                    deadline=spec.deadline,
                )
                self.summary.rounds_opened += 1
            result.append((spec, round_, round_.pk not in {r.pk for r in found.values()}))
        return result

    def report(self, p: int, r: int, spec: DemoRound, round_: ReportingRound, project: Project) -> None:
        """Write project `p`'s report in round `r` and move it to the state the demo gives that pair."""
        state = _report_state(p, r, spec)
        if state == "missing":
            return
        reporter, approver = self.writers(project.owner.code)
        late = (p + r) % 6 == 0 and spec != DEMO_ROUNDS[-1]  # the newest round's deadline is still ahead
        created = spec.opens_on + timedelta(days=p % 10)
        # Most send within the first weeks of the window; a few after the deadline.
        on_time = min(spec.deadline, spec.opens_on + timedelta(days=40)) - timedelta(days=p % 12)
        submitted = spec.deadline + timedelta(days=3 + p % 7) if late else on_time
        submitted = max(submitted, created + timedelta(days=1))
        self.clock.at(created, 10)
        report = report_create(actor=reporter, project=project, round=round_)
        self.summary.reports_created += 1
        self.clock.at(created, 11)
        report_update(actor=reporter, report=report, version=report.version, **self._figures(p, r, spec, project))
        if state == "draft":
            return
        self.clock.at(submitted, 16)
        self.move(report, reporter, "submit")
        reason = _RETURN_REASONS[(p + r) % len(_RETURN_REASONS)]
        if state == "returned":
            self.clock.at(submitted + timedelta(days=2), 10)
            self.move(report, approver, "return", reason)
            return
        if state == "submitted":
            return
        if (p * 3 + r) % 11 == 0:  # returned once and corrected before approval
            self.clock.at(submitted + timedelta(days=1), 10)
            self.move(report, approver, "return", reason)
            self.clock.at(submitted + timedelta(days=2), 15)
            self.move(report, reporter, "submit")
        self.clock.at(submitted + timedelta(days=3), 11)
        self.move(report, approver, "approve")
        if state == "approved":
            return
        self.clock.at(submitted + timedelta(days=10), 14)
        self.move(report, self.people[REVIEWER], "accept")

    def _figures(self, p: int, r: int, spec: DemoRound, project: Project) -> dict:
        planned = {d.month: d.amount for d in project.planned_disbursements.all()}
        months = _quarter_months(spec.fiscal_year, spec.quarter)
        rate = Decimal(70 + (p * 7 + r * 13) % 41) / 100  # 70–110 % of the plan
        disbursements = [
            {"month": month, "amount": _hundreds(planned.get(month, Decimal(0)) * rate)} for month in months
        ]
        years = project.fiscal_year_end - project.fiscal_year_start + 1
        elapsed = (spec.fiscal_year - project.fiscal_year_start) + spec.quarter / 4
        progress = Decimal(str(min(100, round(elapsed / years * 100 * float(min(rate, Decimal(1))), 2))))
        kpis = list(project.kpis.all())
        kpi_actuals = [
            {"kpi": kpis[0].pk, "value": round(kpis[0].target_value * progress / 100, 2)},
            {"kpi": kpis[1].pk, "value": round(rate * 100, 2)},
        ]
        return {
            "physical_progress": progress,
            "results": _RESULTS[(p + r) % len(_RESULTS)],
            "problems": _PROBLEMS[(p * 2 + r) % len(_PROBLEMS)] if rate < 1 else "",
            "recommendations": _RECOMMENDATIONS[(p + r * 2) % len(_RECOMMENDATIONS)],
            "disbursements": disbursements,
            "kpi_actuals": kpi_actuals,
        }


def _hundreds(amount: Decimal) -> Decimal:
    """An amount rounded to whole hundreds of baht."""
    return (amount / 100).quantize(Decimal(1)) * 100


def _fiscal_months(fiscal_year: int) -> list[date]:
    first = fiscal_year_bounds(fiscal_year)[0]
    return [date(first.year + (first.month + i - 1) // 12, (first.month + i - 1) % 12 + 1, 1) for i in range(12)]


def _quarter_months(fiscal_year: int, quarter: int) -> list[date]:
    return _fiscal_months(fiscal_year)[(quarter - 1) * 3 : quarter * 3]


def _report_state(p: int, r: int, spec: DemoRound) -> str:
    """The state the demo gives project `p`'s report in round `r`: every workflow state occurs in FY 2567–2568, a
    few owed reports are missing, and the open rounds hold work in progress."""
    if spec.closed:
        pick = (p * 7 + r * 3) % 20
        return {0: "missing", 1: "submitted", 2: "returned", 3: "approved"}.get(pick, "accepted")
    if spec.fiscal_year == 2568:  # Q4, open after its deadline
        pick = (p * 3 + 1) % 10
        return {0: "not_started", 1: "draft", 2: "returned", 3: "submitted", 4: "submitted", 5: "approved"}.get(
            pick, "accepted"
        )
    pick = p % 4  # FY 2569 Q1: the round has just opened
    return {0: "draft", 1: "submitted"}.get(pick, "not_started")


def _load_history(summary: "DemoSummary") -> None:
    """Write the illustrative projects and reports once: nothing when any demo project already exists."""
    codes = [demo_project_code(i, spec) for i, spec in enumerate(DEMO_PROJECTS)]
    with _Clock() as clock:
        history = _History(summary, clock)
        rounds = history.rounds()
        if Project.objects.filter(code__in=codes).exists():
            return
        projects = [history.project(index, spec) for index, spec in enumerate(DEMO_PROJECTS)]
        by_pk = {project.pk: (index, project) for index, project in enumerate(projects)}
        for r, (spec, round_, opened_now) in enumerate(rounds):
            if round_.is_closed:
                continue
            owed = reports_owed(round=round_).filter(pk__in=by_pk).values_list("pk", flat=True)
            for pk in sorted(owed):
                index, project = by_pk[pk]
                if _report_state(index, r, spec) != "not_started":
                    history.report(index, r, spec, round_, project)
            if spec.closed and opened_now:
                clock.at(spec.deadline + timedelta(days=40), 17)
                round_close(actor=history.people[REVIEWER], round=round_, version=round_.version)


@transaction.atomic
def demo_load(*, stdout: TextIO | None = None) -> DemoSummary:
    """Create the demo organisations, accounts, frameworks, rounds, projects and reports that do not exist yet; all or
    nothing."""
    summary = DemoSummary()
    if not Province.objects.exists() or not Country.objects.exists():
        reference_load(Province, Country)  # normally loaded by migration; a flushed test database lacks them
    with deferred_refresh():  # the roll-ups are brought up to date once, at the end
        _load_organisations(summary)
        _load_accounts(summary)
        _load_frameworks(summary)
        _load_staff(summary)
        _load_history(summary)
    if stdout is not None:
        stdout.write(f"Demo data: {summary}\n")
    return summary
