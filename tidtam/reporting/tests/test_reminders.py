"""Reminders: sent to the reporters over the owners of owed, unsubmitted reports, in Thai, by those who may remind."""

import pytest
from django.core import mail

from tidtam.accounts.choices import Role
from tidtam.core.errors import Conflict, Forbidden
from tidtam.core.models import AuditEntry
from tidtam.core.testing import member, submittable_project
from tidtam.reporting import services
from tidtam.reporting.models import ProgressReport
from tidtam.workflow.choices import WorkflowStatus

pytestmark = pytest.mark.django_db
S = WorkflowStatus


@pytest.fixture
def owed(org, people, q1):
    """Two MFA projects without a submitted report, one submitted, one not owed; one MOD project owing."""
    division = org["division"]
    return {
        "missing": submittable_project(owner=division, status=S.APPROVED, code="MFA-A", name_th="โครงการเอ"),
        "draft": ProgressReport.objects.create(
            project=submittable_project(owner=division, status=S.ACCEPTED, code="MFA-B", name_th="โครงการบี"), round=q1
        ).project,
        "submitted": ProgressReport.objects.create(
            project=submittable_project(owner=division, status=S.APPROVED, code="MFA-C"), round=q1, status=S.SUBMITTED
        ).project,
        "not_owed": submittable_project(owner=division, code="MFA-D"),
        "mod": submittable_project(owner=org["other_division"], status=S.APPROVED, code="MOD-A"),
    }


def test_reviewer_reminds_every_reporter_who_owes(people, org, owed, q1):
    ministry_reporter = member(Role.REPORTER, org["ministry"], email="head@mfa.example")
    member(Role.REPORTER, org["division"], email="")  # no address: nobody to write to
    member(Role.APPROVER, org["division"], email="approver@mfa.example")  # approvers do not owe reports
    sent = services.reminders_send(actor=people["reviewer"], round=q1)
    assert sent == 3
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"reporter@mfa.example", "head@mfa.example", "reporter@mod.example"}
    message = by_recipient["reporter@mfa.example"]
    assert message.subject == "แจ้งเตือนรายงานความก้าวหน้า ไตรมาส 1/2568 ครบกำหนด 31 มกราคม 2568"
    assert "MFA-A โครงการเอ" in message.body and "MFA-B โครงการบี" in message.body
    assert "MFA-C" not in message.body and "MFA-D" not in message.body and "MOD-A" not in message.body
    assert "31 มกราคม 2568" in message.body and "ไตรมาส 1/2568" in message.body
    assert "MOD-A" in by_recipient["reporter@mod.example"].body
    assert "MFA-A" not in by_recipient["reporter@mod.example"].body
    entry = AuditEntry.objects.get(action="remind")
    assert entry.actor == people["reviewer"] and entry.object_type == "reportinground"
    assert entry.after["messages"] == 3 and sorted(entry.after["projects"]) == ["MFA-A", "MFA-B", "MOD-A"]
    assert ministry_reporter.pk in entry.after["recipients"]


def test_coordinators_remind_their_subtree_only(people, org, owed, q1):
    assert services.reminders_send(actor=people["coordinator"], round=q1, organisation=org["ministry"]) == 1
    assert [m.to for m in mail.outbox] == [["reporter@mfa.example"]]
    with pytest.raises(Forbidden):
        services.reminders_send(actor=people["coordinator"], round=q1, organisation=org["other"])
    with pytest.raises(Forbidden):
        services.reminders_send(actor=people["coordinator"], round=q1)
    for role in ("reporter", "approver", "oversight", None):
        with pytest.raises(Forbidden):
            services.reminders_send(actor=people[role], round=q1, organisation=org["division"])
    assert len(mail.outbox) == 1


def test_nothing_to_remind_once_everything_is_submitted(people, org, owed, q1):
    ProgressReport.objects.filter(round=q1).update(status=S.SUBMITTED)
    for key in ("missing", "mod"):
        ProgressReport.objects.create(project=owed[key], round=q1, status=S.APPROVED)
    assert services.reminders_send(actor=people["reviewer"], round=q1) == 0
    assert mail.outbox == []
    assert AuditEntry.objects.get(action="remind").after["messages"] == 0


def test_no_reminders_for_a_closed_round(people, owed, q1):
    services.round_close(actor=people["reviewer"], round=q1, version=q1.version)
    with pytest.raises(Conflict):
        services.reminders_send(actor=people["reviewer"], round=q1)
    assert mail.outbox == []
