"""What each user may do to an item, and the lists of work waiting for each user."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tidtam.core.testing import OrganisationFactory, ReportFactory, RoundFactory, submittable_project
from tidtam.reporting.choices import RoundStatus
from tidtam.workflow.choices import WorkflowAction, WorkflowErrorCode, WorkflowStatus
from tidtam.workflow.selectors import (
    approval_inbox,
    available_actions,
    filter_organisations,
    holds_action,
    my_tasks,
    reviewer_queue,
)
from tidtam.workflow.services import transition_problem, workflow_transition
from tidtam.workflow.tests.conftest import in_state

pytestmark = pytest.mark.django_db
A, S = WorkflowAction, WorkflowStatus


def test_available_actions_follow_role_and_state(people, make_project, make_report):
    draft = make_project()
    assert available_actions(people["reporter"], draft) == [A.SUBMIT]
    for name in ("approver", "reviewer", "oversight", "coordinator", "other_reporter"):
        assert available_actions(people[name], draft) == [], name

    submitted = make_project(S.SUBMITTED)
    assert available_actions(people["reporter"], submitted) == []
    assert available_actions(people["approver"], submitted) == [A.APPROVE, A.RETURN]
    assert available_actions(people["other_approver"], submitted) == []
    assert available_actions(people["reviewer"], submitted) == [A.RETURN]

    approved = make_project(S.APPROVED)
    assert available_actions(people["reviewer"], approved) == [A.ACCEPT, A.RETURN]
    assert available_actions(people["approver"], approved) == [A.RETURN]

    accepted = make_project(S.ACCEPTED)
    assert available_actions(people["reviewer"], accepted) == [A.UNLOCK]
    assert available_actions(people["reporter"], accepted) == []
    assert available_actions(people["oversight"], accepted) == []

    closed = RoundFactory(fiscal_year=2567, quarter=4, status=RoundStatus.CLOSED)
    locked_report = make_report(S.DRAFT, round=closed)
    assert available_actions(people["reporter"], locked_report) == []
    assert available_actions(people["reviewer"], locked_report) == [A.UNLOCK]


def test_an_incomplete_draft_still_offers_submit_and_the_engine_says_why(people, make_project):
    project = make_project()
    project.contributions.all().delete()
    assert available_actions(people["reporter"], project) == [A.SUBMIT]
    problem = transition_problem(people["reporter"], project, A.SUBMIT)
    assert problem.code == WorkflowErrorCode.INCOMPLETE and problem.status == 400


def test_transition_problem_returns_what_the_engine_raises(people, make_project):
    project = make_project(S.SUBMITTED)
    assert transition_problem(people["reporter"], project, A.APPROVE).code == "forbidden"
    assert (
        transition_problem(people["approver"], project, A.RETURN, reason=" ").code == WorkflowErrorCode.REASON_REQUIRED
    )
    assert transition_problem(people["approver"], project, A.ACCEPT).code == "forbidden"
    assert transition_problem(people["reviewer"], project, A.ACCEPT).code == WorkflowErrorCode.NOT_ACCEPTABLE
    assert transition_problem(people["approver"], project, A.APPROVE) is None
    project.refresh_from_db()
    assert project.status == S.SUBMITTED and project.version == 1  # asking changed nothing


def test_approval_inbox_follows_the_levels_of_the_chain(org, people, make_project, make_report):
    org["ministry"].approval_levels = 2
    org["ministry"].save()
    project = make_project(S.SUBMITTED, approvals_required=2)
    report = make_report(S.SUBMITTED, approvals_required=2)
    inbox = approval_inbox(user=people["approver"])
    assert set(inbox) == {project, report}
    assert {item.approval_level.code for item in inbox} == {"mfa-dept"} and inbox[0].approval_step == 1
    assert approval_inbox(user=people["other_approver"]) == []
    for name in ("reporter", "reviewer", "oversight", "coordinator"):
        assert approval_inbox(user=people[name]) == [], name

    workflow_transition(actor=people["approver"], item=project, action=A.APPROVE, version=project.version)
    assert approval_inbox(user=people["approver"]) == [report]  # level 2 is the ministry's
    at_ministry = approval_inbox(user=people["ministry_approver"])
    assert project in at_ministry
    assert next(i for i in at_ministry if i == project).approval_level.code == "mfa"


def test_approval_inbox_filters(org, people, make_project, make_report):
    project = make_project(S.SUBMITTED)
    report = make_report(S.SUBMITTED)
    q2 = RoundFactory(quarter=2, period_start=date(2025, 1, 1), period_end=date(2025, 3, 31))
    later = make_report(S.SUBMITTED, round=q2)
    sibling = OrganisationFactory(code="mfa-dept-2", parent=org["ministry"])
    elsewhere = make_project(S.SUBMITTED, owner=sibling)
    user = people["ministry_approver"]
    assert set(approval_inbox(user=user)) == {project, report, later, elsewhere}
    assert set(approval_inbox(user=user, kind="project")) == {project, elsewhere}
    assert set(approval_inbox(user=user, kind="report")) == {report, later}
    assert approval_inbox(user=user, round=q2) == [later]
    assert set(approval_inbox(user=user, organisation=sibling)) == {elsewhere}
    assert set(approval_inbox(user=user, organisation=org["department"])) == {project, report, later}


def test_reviewer_queue_lists_approved_items_for_reviewers_only(people, make_project, make_report):
    project = make_project(S.APPROVED)
    report = make_report(S.APPROVED)
    make_project(S.SUBMITTED)
    make_project(S.ACCEPTED)
    assert set(reviewer_queue(user=people["reviewer"])) == {project, report, report.project}  # its project too
    assert reviewer_queue(user=people["reviewer"], kind="report") == [report]
    for name in ("approver", "reporter", "oversight", "coordinator"):
        assert reviewer_queue(user=people[name]) == [], name


def test_my_tasks_for_a_reporter(org, people, make_project, make_report, round_q1):
    not_started = make_project(S.APPROVED)
    draft = make_report(S.DRAFT)
    make_report(S.SUBMITTED)
    returned = make_report(S.DRAFT, return_reason="ตัวเลขการเบิกจ่ายไม่ตรง")
    returned_project = make_project(S.DRAFT, return_reason="ขาดตัวชี้วัด")
    make_project(S.APPROVED, owner=org["other_division"])  # another ministry's: not mine
    closed = RoundFactory(fiscal_year=2567, quarter=4, status=RoundStatus.CLOSED)
    make_report(S.DRAFT, round=closed)  # a closed round owes nothing now
    make_report(S.DRAFT, round=closed, return_reason="ล็อกแล้ว")  # returned, but locked by its closed round
    reopened = make_report(S.DRAFT, round=closed, return_reason="แก้ได้", round_lock_lifted=True)

    tasks = my_tasks(user=people["reporter"])
    due = {(entry.project, entry.report) for entry in tasks["reports_due"]}
    assert (not_started, None) in due and (draft.project, draft) in due
    assert all(entry.round == round_q1 for entry in tasks["reports_due"])
    assert returned.project not in {entry.project for entry in tasks["reports_due"]}
    assert set(tasks["returned_to_me"]) == {returned, returned_project, reopened}
    assert tasks["awaiting_my_approval"] == []

    other = my_tasks(user=people["other_reporter"])
    assert other["returned_to_me"] == [] and {e.project.owner for e in other["reports_due"]} == {org["other_division"]}


def test_my_tasks_for_an_approver_and_for_anonymous(people, make_project):
    submitted = make_project(S.SUBMITTED)
    tasks = my_tasks(user=people["approver"])
    assert tasks["awaiting_my_approval"] == [submitted]
    assert tasks["reports_due"] == [] and tasks["returned_to_me"] == []
    from django.contrib.auth.models import AnonymousUser

    assert my_tasks(user=AnonymousUser()) == {"reports_due": [], "returned_to_me": [], "awaiting_my_approval": []}


def test_holds_action_and_filter_organisations(org, people):
    from tidtam.core.permissions import Action

    assert holds_action(people["approver"], Action.APPROVE) and not holds_action(people["reviewer"], Action.APPROVE)
    assert holds_action(people["reviewer"], Action.ACCEPT) and not holds_action(people["approver"], Action.ACCEPT)
    assert not holds_action(people["oversight"], Action.APPROVE)
    codes = list(filter_organisations(user=people["approver"], action=Action.APPROVE).values_list("code", flat=True))
    assert codes == ["mfa-dept", "mfa-div"]
    everything = set(filter_organisations(user=people["reviewer"], action=Action.ACCEPT).values_list("code", flat=True))
    assert {"mfa", "mod", "mod-div", "nesdc"} <= everything
    assert not filter_organisations(user=people["reporter"], action=Action.APPROVE).exists()


def _queries(function) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


def test_list_queries_do_not_grow_with_the_number_of_items(org, people):
    user = people["ministry_approver"]
    owners = [org["division"], org["department"]]

    def add(count):
        for index in range(count):
            owner = owners[index % 2]
            in_state(submittable_project(owner=owner), S.SUBMITTED)
            project = in_state(submittable_project(owner=owner), S.APPROVED)
            in_state(ReportFactory(project=project, round=RoundFactory()), S.SUBMITTED)
            in_state(submittable_project(owner=org["division"]), S.APPROVED)  # owes its first report
            in_state(submittable_project(owner=org["division"]), S.DRAFT, return_reason="แก้ไข")

    add(2)
    user = type(user).objects.get(pk=user.pk)
    few = _queries(lambda: approval_inbox(user=user))
    add(8)
    user = type(user).objects.get(pk=user.pk)
    assert len(approval_inbox(user=user)) == 20
    user = type(user).objects.get(pk=user.pk)
    assert _queries(lambda: approval_inbox(user=user)) == few <= 6

    reporter = type(people["reporter"]).objects.get(pk=people["reporter"].pk)
    small = _queries(lambda: my_tasks(user=reporter))
    add(5)
    reporter = type(reporter).objects.get(pk=reporter.pk)
    tasks = my_tasks(user=reporter)
    assert len(tasks["reports_due"]) == 15 and len(tasks["returned_to_me"]) == 15
    reporter = type(reporter).objects.get(pk=reporter.pk)
    assert _queries(lambda: my_tasks(user=reporter)) == small
