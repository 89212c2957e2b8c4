"""The demo data set: organisations, one account per role (password `tidtam-demo`) and three plan frameworks.

`demo_load` is idempotent: whatever already exists (an organisation code, a username, a membership, a framework code)
is left alone, so a second run writes no row and no audit entry. Everything is written through the services with
`actor=None` (a system command), so the audit log records the demo like any other write.
"""

from dataclasses import dataclass, field
from importlib import resources
from typing import NamedTuple, TextIO

from django.db import transaction

from tidtam.accounts.choices import Role
from tidtam.accounts.models import Membership, User
from tidtam.accounts.services import membership_grant, user_create
from tidtam.organisations.choices import OrganisationKind as Kind
from tidtam.organisations.models import Organisation
from tidtam.organisations.services import organisation_create
from tidtam.plans.importer import plan_import
from tidtam.plans.models import Framework

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

    @property
    def changed(self) -> bool:
        return bool(
            self.organisations_created or self.users_created or self.memberships_created or self.frameworks_imported
        )

    def __str__(self) -> str:
        return (
            f"organisations +{self.organisations_created}, users +{self.users_created}, "
            f"memberships +{self.memberships_created}, frameworks imported: "
            f"{', '.join(self.frameworks_imported) or '-'}, already present: "
            f"{', '.join(self.frameworks_skipped) or '-'}"
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


@transaction.atomic
def demo_load(*, stdout: TextIO | None = None) -> DemoSummary:
    """Create the demo organisations, accounts and frameworks that do not exist yet; all or nothing."""
    summary = DemoSummary()
    _load_organisations(summary)
    _load_accounts(summary)
    _load_frameworks(summary)
    if stdout is not None:
        stdout.write(f"Demo data: {summary}\n")
    return summary
