"""Shared data for the project tests: an organisation chain, one user per role, and a plan with targets."""

from dataclasses import dataclass

import pytest

from tidtam.accounts.choices import Role
from tidtam.core.models import Country, Province
from tidtam.core.reference import read_rows
from tidtam.core.testing import FrameworkFactory, FrameworkVersionFactory, NodeFactory, OrganisationFactory, member
from tidtam.organisations.choices import OrganisationKind

PROVINCE_COUNT = 77
NS_LEVELS = [
    {"key": "strategy", "th": "ยุทธศาสตร์", "en": "Strategy"},
    {"key": "master_plan", "th": "แผนแม่บท", "en": "Master plan"},
    {"key": "sub_plan", "th": "แผนย่อย", "en": "Sub-plan"},
    {"key": "target", "th": "เป้าหมาย", "en": "Target"},
    {"key": "factor", "th": "ปัจจัย", "en": "Factor"},
]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a temporary MEDIA_ROOT, never into the working tree."""
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Orgs:
    ministry: object
    department: object
    division: object
    other: object
    partner: object
    central: object
    senate: object


@pytest.fixture
def reference_data(db) -> None:
    """Provinces and countries come from a data migration; a transactional test elsewhere in the run (or in an earlier
    run of a reused database) flushes them, so load them again when they are missing."""
    if Province.objects.count() < PROVINCE_COUNT:
        Province.objects.bulk_create([Province(**row) for row in read_rows("provinces.csv")], ignore_conflicts=True)
        Country.objects.bulk_create([Country(**row) for row in read_rows("countries.csv")], ignore_conflicts=True)


@pytest.fixture
def orgs(reference_data) -> Orgs:
    ministry = OrganisationFactory(code="mfa", name_th="กระทรวงการต่างประเทศ")
    department = OrganisationFactory(code="mfa-dept", parent=ministry, kind=OrganisationKind.DEPARTMENT)
    division = OrganisationFactory(code="mfa-div", parent=department, kind=OrganisationKind.DIVISION)
    other = OrganisationFactory(code="mod", name_th="กระทรวงกลาโหม")
    partner = OrganisationFactory(code="us-dos", kind=OrganisationKind.EXTERNAL_PARTNER)
    central = OrganisationFactory(code="nesdc", kind=OrganisationKind.CENTRAL_AGENCY)
    senate = OrganisationFactory(code="senate", kind=OrganisationKind.LEGISLATURE)
    return Orgs(ministry, department, division, other, partner, central, senate)


@pytest.fixture
def people(orgs) -> dict:
    return {
        "reporter": member(Role.REPORTER, orgs.ministry, username="reporter.mfa", email="reporter@mfa.example"),
        "approver": member(Role.APPROVER, orgs.ministry, username="approver.mfa"),
        "coordinator": member(Role.COORDINATOR, orgs.ministry, username="coordinator.mfa"),
        "wrong_org": member(Role.REPORTER, orgs.other, username="reporter.mod"),
        "reviewer": member(Role.REVIEWER, orgs.central, username="reviewer.nesdc"),
        "oversight": member(Role.OVERSIGHT, orgs.senate, username="oversight.senate"),
    }


@dataclass
class Plan:
    framework: object
    version: object
    strategy: object
    master_plan: object
    sub_plan: object
    target: object
    factor: object
    other_target: object  # in another framework
    other_framework: object


@pytest.fixture
def plan(db) -> Plan:
    """`ns`: 1 → 01 → 0101 → 010101 (target) → 01010101 (factor); `poa`: P1 → P1.1 (its "target" level)."""
    framework = FrameworkFactory(code="ns", title_th="ยุทธศาสตร์ชาติ")
    version = FrameworkVersionFactory(framework=framework, label="2566", levels=NS_LEVELS)
    strategy = NodeFactory(framework_version=version, code="1", title_th="ด้านความมั่นคง")
    master_plan = NodeFactory(framework_version=version, code="01", parent=strategy, title_th="แผนแม่บทความมั่นคง")
    sub_plan = NodeFactory(framework_version=version, code="0101", parent=master_plan, title_th="แผนย่อย")
    target = NodeFactory(framework_version=version, code="010101", parent=sub_plan, title_th="เป้าหมายทดสอบ")
    factor = NodeFactory(framework_version=version, code="01010101", parent=target, title_th="ปัจจัยทดสอบ")
    other_framework = FrameworkFactory(code="poa", title_th="แผนปฏิบัติการ")
    other_version = FrameworkVersionFactory(framework=other_framework, label="1")
    pillar = NodeFactory(framework_version=other_version, code="P1", title_th="เสาหลัก")
    other_target = NodeFactory(framework_version=other_version, code="P1.1", parent=pillar, title_th="แนวปฏิบัติ")
    return Plan(framework, version, strategy, master_plan, sub_plan, target, factor, other_target, other_framework)
