"""A small world for duplicate detection: a maritime patrol project of the foreign ministry and a near-identical one of
the defence ministry in the same fiscal year, a related and an unrelated project, a near-copy of the same
organisation, an old copy, and drafts. All text is written for these tests (illustrative, not official)."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser

from tidtam.accounts.choices import Role
from tidtam.core.models import Country, Province
from tidtam.core.testing import ProjectFactory, member
from tidtam.projects.models import BudgetLine
from tidtam.search.indexing import rebuild
from tidtam.workflow.choices import WorkflowStatus as S

ANONYMOUS = AnonymousUser()

SEA_NAME = "โครงการลาดตระเวนร่วมทางทะเลเพื่อต่อต้านการประมงผิดกฎหมาย"
SEA_OBJECTIVES = (
    "เพื่อป้องกันการทำประมงผิดกฎหมายในอ่าวไทยและทะเลอันดามัน ด้วยการลาดตระเวนร่วมกับประเทศเพื่อนบ้าน "
    "และแลกเปลี่ยนข้อมูลเรือประมงต้องสงสัยระหว่างหน่วยงาน"
)


@dataclass
class DuplicateWorld:
    org: dict
    projects: dict  # name → Project
    reviewer: object
    reporter: object  # reporter of the foreign ministry (owner of sea_mfa)
    other_reporter: object  # reporter of the defence ministry division (owner of sea_mod and the draft)
    oversight: object


def codes(results) -> list[str]:
    return [result.project.code for result in results]


def duplicate_world(org) -> DuplicateWorld:
    songkhla, satun, chiang_mai = (Province.objects.get(code=code) for code in ("90", "91", "50"))
    malaysia = Country.objects.get(alpha2="MY")

    def project(name, code, owner, status=S.ACCEPTED, *, first=2568, last=2568, budget="0", places=(), **fields):
        p = ProjectFactory(
            code=code,
            owner=org[owner],
            status=status,
            name_th=name,
            fiscal_year_start=first,
            fiscal_year_end=last,
            is_illustrative=True,
            **fields,
        )
        p.provinces.set([place for place in places if isinstance(place, Province)])
        p.countries.set([place for place in places if isinstance(place, Country)])
        for year in range(first, last + 1):
            if Decimal(budget):
                BudgetLine.objects.create(project=p, fiscal_year=year, source="budget", amount=Decimal(budget))
        return p

    sea = dict(places=(songkhla, satun, malaysia))
    projects = {
        "sea_mfa": project(SEA_NAME, "dup-sea-mfa", "division", budget="5000000", objectives=SEA_OBJECTIVES, **sea),
        "sea_mod": project(
            "การลาดตระเวนร่วมทางทะเลต่อต้านการประมงผิดกฎหมาย",
            "dup-sea-mod",
            "other_division",
            budget="4800000",
            objectives="ป้องกันการทำประมงผิดกฎหมายในอ่าวไทยและทะเลอันดามันโดยลาดตระเวนร่วมกับประเทศเพื่อนบ้าน",
            **sea,
        ),
        "related": project(
            "การฝึกอบรมเจ้าหน้าที่ด้านความมั่นคงทางทะเล",
            "dup-training",
            "other",
            budget="900000",
            objectives="เพื่อพัฒนาทักษะเจ้าหน้าที่ในการตรวจเรือและการบังคับใช้กฎหมายทางทะเล",
            places=(songkhla,),
        ),
        "tourism": project(
            "การส่งเสริมการท่องเที่ยวเชิงวัฒนธรรมในภาคเหนือ",
            "dup-tourism",
            "other",
            budget="5000000",
            objectives="เพื่อเพิ่มรายได้ของชุมชนจากการท่องเที่ยวเชิงวัฒนธรรมและหัตถกรรมพื้นบ้าน",
            places=(chiang_mai,),
        ),
        "same_org": project(SEA_NAME + " ระยะที่ 2", "dup-same-org", "division", budget="5000000", **sea),
        "old": project(SEA_NAME, "dup-old", "other_division", first=2560, last=2561, budget="5000000", **sea),
        "draft": project(
            SEA_NAME + " (ร่าง)", "dup-draft", "other_division", S.DRAFT, budget="5000000", objectives=SEA_OBJECTIVES
        ),
    }
    rebuild()
    return DuplicateWorld(
        org=org,
        projects=projects,
        reviewer=member(Role.REVIEWER, org["nesdc"]),
        reporter=member(Role.REPORTER, org["ministry"]),
        other_reporter=member(Role.REPORTER, org["other"]),
        oversight=member(Role.OVERSIGHT, org["senate"]),
    )
