"""Shared test data for reporting: an organisation chain, people in every role, an approved project with KPIs and
plan links, and the first two quarterly rounds of FY 2568."""

from datetime import date
from decimal import Decimal

import pytest

from tidtam.accounts.choices import Role
from tidtam.core.testing import (
    IndicatorFactory,
    NodeFactory,
    RoundFactory,
    member,
    submittable_project,
)
from tidtam.projects.models import PlannedDisbursement, ProjectKpi
from tidtam.workflow.choices import WorkflowStatus


@pytest.fixture
def people(org):
    return {
        None: None,
        "reporter": member(Role.REPORTER, org["division"], email="reporter@mfa.example", first_name="สมศรี"),
        "approver": member(Role.APPROVER, org["department"]),
        "coordinator": member(Role.COORDINATOR, org["ministry"]),
        "reviewer": member(Role.REVIEWER, org["nesdc"]),
        "oversight": member(Role.OVERSIGHT, org["senate"]),
        "other_reporter": member(Role.REPORTER, org["other_division"], email="reporter@mod.example"),
        "other_coordinator": member(Role.COORDINATOR, org["other"]),
    }


@pytest.fixture
def q1(db):
    return RoundFactory()  # FY 2568 Q1: Oct–Dec 2024, deadline 31 Jan 2025


@pytest.fixture
def q2(db):
    return RoundFactory(
        quarter=2,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 3, 31),
        opens_on=date(2025, 3, 15),
        deadline=date(2025, 4, 30),
    )


@pytest.fixture
def project(org):
    """An approved project of the MFA division for FY 2568 with two KPIs, a primary link to a target (whose parent
    strategy also has an indicator) and a planned disbursement per month."""
    project = submittable_project(
        owner=org["division"], status=WorkflowStatus.APPROVED, code="MFA-DIV-2568-0001", name_th="โครงการเจรจา"
    )
    project.kpi_a = ProjectKpi.objects.create(project=project, name="จำนวนการประชุม", unit="ครั้ง", target_value=4)
    project.kpi_b = ProjectKpi.objects.create(project=project, name="ความพึงพอใจ", unit="ร้อยละ", target_value=80)
    target = project.contributions.get().node
    project.target_indicator = IndicatorFactory(node=target, code="T-1")
    project.strategy_indicator = IndicatorFactory(node=target.parent, code="S-1")
    project.foreign_indicator = IndicatorFactory(node=NodeFactory(), code="X-1")
    for month, amount in ((10, 100), (11, 200), (12, 300), (1, 400)):
        year = 2024 if month >= 10 else 2025
        PlannedDisbursement.objects.create(project=project, month=date(year, month, 1), amount=Decimal(amount))
    return project
