"""A small world for documents: two ministries with divisions, one user per role, a National Strategy plan about
maritime and cyber security, projects in several workflow states (indexed for search), and the fixture files."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from tidtam.accounts.choices import Role
from tidtam.core.testing import (
    TARGET_LEVELS,
    FrameworkFactory,
    FrameworkVersionFactory,
    NodeFactory,
    ProjectFactory,
    member,
)
from tidtam.search.indexing import rebuild
from tidtam.textkit import align, segment
from tidtam.workflow.choices import WorkflowStatus as S

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Stored files go to a temporary MEDIA_ROOT, never into the working tree."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_caches():
    """No alignment index or segmentation dictionary carries over from another test's data."""
    align._cache.clear()
    segment._project.cache_clear()
    yield
    align._cache.clear()
    segment._project.cache_clear()


@dataclass
class World:
    org: dict
    sea: object
    cyber: object
    projects: dict
    reporter: object  # reporter of mfa (ministry)
    division_reporter: object  # reporter of mfa-div only
    other_reporter: object  # reporter of mod
    approver: object  # approver of mfa
    reviewer: object
    oversight: object


@pytest.fixture
def world(org) -> World:
    version = FrameworkVersionFactory(framework=FrameworkFactory(code="ns"), levels=TARGET_LEVELS, label="2566")
    strategy = NodeFactory(framework_version=version, code="1", title_th="ยุทธศาสตร์ชาติด้านความมั่นคง")
    sea = NodeFactory(
        framework_version=version,
        parent=strategy,
        code="101",
        title_th="ความมั่นคงทางทะเล",
        description="ป้องกันการประมงผิดกฎหมายและรักษาผลประโยชน์ทางทะเล",
    )
    cyber = NodeFactory(
        framework_version=version,
        parent=strategy,
        code="102",
        title_th="ความมั่นคงทางไซเบอร์",
        description="รับมือภัยคุกคามทางไซเบอร์ต่อหน่วยงานรัฐ",
    )
    projects = {}
    for name, owner, status, title in (
        ("cyber_accepted", "division", S.ACCEPTED, "โครงการเสริมสร้างความมั่นคงทางไซเบอร์"),
        ("cyber_draft", "other_division", S.DRAFT, "โครงการร่างความมั่นคงทางไซเบอร์กลาโหม"),
        ("sea_accepted", "other_division", S.ACCEPTED, "โครงการลาดตระเวนป้องกันการประมงผิดกฎหมาย"),
    ):
        projects[name] = ProjectFactory(code=f"doc-{name}", owner=org[owner], status=status, name_th=title)
    rebuild()
    return World(
        org=org,
        sea=sea,
        cyber=cyber,
        projects=projects,
        reporter=member(Role.REPORTER, org["ministry"]),
        division_reporter=member(Role.REPORTER, org["division"]),
        other_reporter=member(Role.REPORTER, org["other"]),
        approver=member(Role.APPROVER, org["ministry"]),
        reviewer=member(Role.REVIEWER, org["nesdc"]),
        oversight=member(Role.OVERSIGHT, org["senate"]),
    )
