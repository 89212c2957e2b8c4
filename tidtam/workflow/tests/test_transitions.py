"""The approval chain: guarded transitions, levels, returns, locks, unlocks, bulk approval."""

import pytest

from tidtam.accounts.choices import Role
from tidtam.core.errors import Conflict, Forbidden, ServiceError, ValidationFailed
from tidtam.core.models import AuditEntry
from tidtam.core.testing import OrganisationFactory, ReportFactory, RoundFactory, member, submittable_project
from tidtam.reporting.choices import RoundStatus
from tidtam.workflow.choices import WorkflowAction, WorkflowErrorCode, WorkflowStatus
from tidtam.workflow.services import approval_chain, bulk_approve, ensure_editable, workflow_transition

pytestmark = pytest.mark.django_db
A, S = WorkflowAction, WorkflowStatus


@pytest.fixture
def org():
    ministry = OrganisationFactory(code="mfa")
    department = OrganisationFactory(code="mfa-dept", parent=ministry)
    division = OrganisationFactory(code="mfa-div", parent=department)
    other = OrganisationFactory(code="mod")
    return {"ministry": ministry, "department": department, "division": division, "other": other}


@pytest.fixture
def people(org):
    return {
        "reporter": member(Role.REPORTER, org["division"]),
        "dept_approver": member(Role.APPROVER, org["department"]),
        "ministry_approver": member(Role.APPROVER, org["ministry"]),
        "other_approver": member(Role.APPROVER, org["other"]),
        "reviewer": member(Role.REVIEWER, OrganisationFactory(code="nesdc")),
        "oversight": member(Role.OVERSIGHT, OrganisationFactory(code="senate")),
    }


def move(item, actor, action, reason=""):
    item.refresh_from_db()
    return workflow_transition(actor=actor, item=item, action=action, version=item.version, reason=reason)


def test_full_chain_with_one_level(org, people):
    project = submittable_project(owner=org["division"])
    move(project, people["reporter"], A.SUBMIT)
    assert project.status == S.SUBMITTED and project.approvals_required == 1
    move(project, people["dept_approver"], A.APPROVE)
    assert project.status == S.APPROVED
    move(project, people["reviewer"], A.ACCEPT)
    assert project.status == S.ACCEPTED and project.version == 4
    actions = list(AuditEntry.objects.filter(object_type="project").order_by("id").values_list("action", flat=True))
    assert actions == ["submit", "approve", "accept"]
    with pytest.raises(Conflict) as raised:
        ensure_editable(actor=people["reporter"], item=project)
    assert raised.value.code == WorkflowErrorCode.LOCKED


def test_two_levels_follow_the_organisation_chain(org, people):
    org["ministry"].approval_levels = 2
    org["ministry"].save()
    assert [o.code for o in approval_chain(org["division"])] == ["mfa-dept", "mfa"]
    project = submittable_project(owner=org["division"])
    move(project, people["reporter"], A.SUBMIT)
    assert project.approvals_required == 2
    with pytest.raises(Forbidden):
        move(project, people["other_approver"], A.APPROVE)
    move(project, people["dept_approver"], A.APPROVE)
    assert (project.status, project.approvals_done) == (S.SUBMITTED, 1)
    with pytest.raises(Forbidden) as raised:
        move(project, people["dept_approver"], A.APPROVE)
    assert raised.value.code == WorkflowErrorCode.NOT_YOUR_LEVEL
    move(project, people["ministry_approver"], A.APPROVE)
    assert project.status == S.APPROVED


def test_top_level_owner_approves_its_own_items(org):
    assert approval_chain(org["ministry"]) == [org["ministry"]]


def test_return_requires_a_reason_and_goes_back_to_draft(org, people):
    project = submittable_project(owner=org["division"])
    move(project, people["reporter"], A.SUBMIT)
    with pytest.raises(ValidationFailed) as raised:
        move(project, people["dept_approver"], A.RETURN, reason="  ")
    assert raised.value.code == WorkflowErrorCode.REASON_REQUIRED
    project.refresh_from_db()
    assert project.status == S.SUBMITTED
    move(project, people["dept_approver"], A.RETURN, reason="งบประมาณไม่ตรงกับแผน")
    assert project.status == S.DRAFT and project.return_reason == "งบประมาณไม่ตรงกับแผน"
    assert AuditEntry.objects.get(action="return").reason == "งบประมาณไม่ตรงกับแผน"
    ensure_editable(actor=people["reporter"], item=project)


@pytest.mark.parametrize(
    ("status", "action", "code"),
    [
        (S.SUBMITTED, A.SUBMIT, WorkflowErrorCode.NOT_SUBMITTABLE),
        (S.DRAFT, A.APPROVE, WorkflowErrorCode.NOT_APPROVABLE),
        (S.SUBMITTED, A.ACCEPT, WorkflowErrorCode.NOT_ACCEPTABLE),
        (S.DRAFT, A.RETURN, WorkflowErrorCode.NOT_RETURNABLE),
        (S.DRAFT, A.UNLOCK, WorkflowErrorCode.NOT_UNLOCKABLE),
    ],
)
def test_transitions_the_state_does_not_allow_are_conflicts(org, people, status, action, code):
    project = submittable_project(owner=org["division"], status=status)
    actor = {A.SUBMIT: "reporter", A.APPROVE: "dept_approver"}.get(action, "reviewer")
    with pytest.raises(Conflict) as raised:
        move(project, people[actor], action, reason="เหตุผล")
    assert raised.value.code == code and raised.value.status == 409
    project.refresh_from_db()
    assert project.status == status and project.version == 1


def test_roles_without_the_action_are_refused(org, people):
    project = submittable_project(owner=org["division"])
    for actor in ("dept_approver", "reviewer", "oversight"):
        with pytest.raises(Forbidden):
            move(project, people[actor], A.SUBMIT)
    move(project, people["reporter"], A.SUBMIT)
    for actor in ("reporter", "oversight", "reviewer"):
        with pytest.raises(Forbidden):
            move(project, people[actor], A.APPROVE)


def test_incomplete_items_cannot_be_submitted(org, people):
    project = submittable_project(owner=org["division"])
    project.contributions.all().delete()
    with pytest.raises(ValidationFailed) as raised:
        move(project, people["reporter"], A.SUBMIT)
    assert raised.value.code == WorkflowErrorCode.INCOMPLETE
    assert "contributions" in raised.value.details["fields"]
    report = ReportFactory(project=submittable_project(owner=org["division"]), physical_progress=None, results="")
    with pytest.raises(ValidationFailed) as raised:
        move(report, people["reporter"], A.SUBMIT)
    assert set(raised.value.details["fields"]) == {"physical_progress", "results"}


def test_unlock_an_accepted_item_needs_a_reviewer_and_a_reason(org, people):
    project = submittable_project(owner=org["division"], status=S.ACCEPTED)
    with pytest.raises(Forbidden):
        move(project, people["ministry_approver"], A.UNLOCK, reason="แก้ไขตัวเลข")
    with pytest.raises(ValidationFailed):
        move(project, people["reviewer"], A.UNLOCK)
    move(project, people["reviewer"], A.UNLOCK, reason="แก้ไขตัวเลข")
    assert project.status == S.DRAFT


def test_a_closed_round_locks_its_reports_until_a_reviewer_lifts_it(org, people):
    round_ = RoundFactory(status=RoundStatus.CLOSED)
    report = ReportFactory(project=submittable_project(owner=org["division"]), round=round_)
    with pytest.raises(Conflict) as raised:
        ensure_editable(actor=people["reporter"], item=report)
    assert raised.value.code == WorkflowErrorCode.ROUND_CLOSED
    with pytest.raises(Conflict):
        move(report, people["reporter"], A.SUBMIT)
    move(report, people["reviewer"], A.UNLOCK, reason="หน่วยงานขอแก้ไข")
    assert report.round_lock_lifted
    ensure_editable(actor=people["reporter"], item=report)
    move(report, people["reporter"], A.SUBMIT)
    move(report, people["dept_approver"], A.APPROVE)
    move(report, people["reviewer"], A.ACCEPT)
    assert report.status == S.ACCEPTED and not report.round_lock_lifted


def test_stale_version_changes_nothing(org, people):
    project = submittable_project(owner=org["division"])
    with pytest.raises(Conflict) as raised:
        workflow_transition(actor=people["reporter"], item=project, action=A.SUBMIT, version=7)
    assert raised.value.code == "stale_version"
    project.refresh_from_db()
    assert project.status == S.DRAFT and not AuditEntry.objects.exists()


def test_bulk_approve_reports_each_item(org, people):
    mine = [submittable_project(owner=org["division"]) for _ in range(3)]
    foreign = submittable_project(owner=org["other"])
    for project in [*mine, foreign]:
        project.status = S.SUBMITTED
        project.save()
    stale = mine[2]
    results = bulk_approve(actor=people["dept_approver"], items=[(mine[0], 1), (mine[1], 1), (stale, 9), (foreign, 1)])
    assert [r.ok for r in results] == [True, True, False, False]
    assert isinstance(results[2].error, ServiceError) and results[2].error.code == "stale_version"
    assert results[3].error.code == "forbidden"
    assert sorted(p.status for p in type(stale).objects.filter(status=S.APPROVED)) == [S.APPROVED, S.APPROVED]
