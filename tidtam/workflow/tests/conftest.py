"""Shared data for the workflow page and selector tests: an organisation chain, people in every role, and helpers
that put projects and reports in a given state."""

import pytest

from tidtam.accounts.choices import Role
from tidtam.core.testing import ReportFactory, RoundFactory, member, submittable_project
from tidtam.workflow.choices import WorkflowStatus


@pytest.fixture
def people(org):
    return {
        "reporter": member(Role.REPORTER, org["division"]),
        "approver": member(Role.APPROVER, org["department"]),
        "ministry_approver": member(Role.APPROVER, org["ministry"]),
        "coordinator": member(Role.COORDINATOR, org["ministry"]),
        "reviewer": member(Role.REVIEWER, org["nesdc"]),
        "oversight": member(Role.OVERSIGHT, org["senate"]),
        "other_reporter": member(Role.REPORTER, org["other_division"]),
        "other_approver": member(Role.APPROVER, org["other"]),
    }


def in_state(item, status: str, **fields):
    """Put `item` in `status` directly (the engine's own tests cover the moves)."""
    item.status = status
    for name, value in fields.items():
        setattr(item, name, value)
    item.save()
    return item


@pytest.fixture
def make_project(org):
    def make(status=WorkflowStatus.DRAFT, owner=None, **fields):
        return in_state(submittable_project(owner=owner or org["division"]), status, **fields)

    return make


@pytest.fixture
def round_q1(db):
    return RoundFactory()  # FY 2568 Q1, open


@pytest.fixture
def make_report(org, round_q1):
    def make(status=WorkflowStatus.DRAFT, owner=None, round=None, **fields):
        project = in_state(submittable_project(owner=owner or org["division"]), WorkflowStatus.APPROVED)
        return in_state(ReportFactory(project=project, round=round or round_q1), status, **fields)

    return make
