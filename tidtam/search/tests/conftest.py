"""A small searchable world: a plan with Thai compounds, projects of two ministries in several workflow states,
and the people who look for them."""

from dataclasses import dataclass

import pytest

from tidtam.accounts.choices import Role
from tidtam.core.testing import (
    TARGET_LEVELS,
    FrameworkFactory,
    FrameworkVersionFactory,
    IndicatorFactory,
    NodeFactory,
    ProjectFactory,
    member,
)
from tidtam.projects.models import Contribution
from tidtam.search.indexing import rebuild
from tidtam.workflow.choices import WorkflowStatus as S


@dataclass
class World:
    org: dict
    strategy: object
    cyber: object
    sea: object
    projects: dict  # name → Project
    reporter: object  # reporter of the owner's ministry (mfa)
    other_reporter: object  # reporter of another ministry (mod)
    reviewer: object


@pytest.fixture
def world(org) -> World:
    version = FrameworkVersionFactory(framework=FrameworkFactory(code="ns"), levels=TARGET_LEVELS, label="2566")
    strategy = NodeFactory(framework_version=version, code="1", title_th="ยุทธศาสตร์ชาติด้านความมั่นคง")
    cyber = NodeFactory(
        framework_version=version,
        parent=strategy,
        code="101",
        title_th="การพัฒนาความมั่นคงทางไซเบอร์แห่งชาติ",
        title_en="National cyber security",
        description="ป้องกันภัยคุกคามทางไซเบอร์ต่อโครงสร้างพื้นฐานสำคัญ",
    )
    sea = NodeFactory(framework_version=version, parent=strategy, code="102", title_th="ความมั่นคงทางทะเล")
    IndicatorFactory(node=sea, code="SEA-1", name_th="จำนวนเหตุการณ์ประมงผิดกฎหมาย")
    projects = {}
    for name, owner, status, title in (
        ("accepted", "division", S.ACCEPTED, "โครงการเสริมสร้างความมั่นคงทางไซเบอร์ของกระทรวง"),
        ("draft", "division", S.DRAFT, "โครงการร่างความมั่นคงทางไซเบอร์ภายใน"),
        ("approved", "division", S.APPROVED, "โครงการอนุมัติความมั่นคงทางไซเบอร์"),
        ("other_draft", "other_division", S.DRAFT, "โครงการร่างความมั่นคงทางไซเบอร์กลาโหม"),
        ("other_accepted", "other_division", S.ACCEPTED, "โครงการฝึกซ้อมความมั่นคงทางไซเบอร์กลาโหม"),
    ):
        project = ProjectFactory(
            code=f"search-{name}",
            owner=org[owner],
            status=status,
            name_th=title,
            objectives="เพื่อยกระดับการรับมือภัยคุกคามและความมั่นคงทางไซเบอร์ <script>alert(1)</script>",
            fiscal_year_start=2567,
            fiscal_year_end=2568,
        )
        Contribution.objects.create(project=project, node=cyber, is_primary=True)
        projects[name] = project
    rebuild()
    return World(
        org=org,
        strategy=strategy,
        cyber=cyber,
        sea=sea,
        projects=projects,
        reporter=member(Role.REPORTER, org["ministry"]),
        other_reporter=member(Role.REPORTER, org["other"]),
        reviewer=member(Role.REVIEWER, org["nesdc"]),
    )
