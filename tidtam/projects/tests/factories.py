"""Projects in each workflow state, moved there through the real services."""

from tidtam.projects.services import project_create
from tidtam.workflow.choices import WorkflowAction
from tidtam.workflow.services import workflow_transition


def make_project(owner, reporter, plan, **fields):
    data = {
        "name_th": "โครงการทดสอบ",
        "fiscal_year_start": 2568,
        "primary_node": plan.target.pk,
        "responsible_name": "สมหญิง รับผิดชอบ",
        "responsible_email": "somying@example.org",
        "responsible_phone": "081 234 5678",
        **fields,
    }
    return project_create(actor=reporter, owner=owner, **data)


def move(project, actor, action, reason=""):
    project.refresh_from_db()
    return workflow_transition(actor=actor, item=project, action=action, version=project.version, reason=reason)


def project_in_state(state: str, *, owner, people, plan, **fields):
    """A project of `owner` in `state` (draft, submitted, approved, accepted), via submit → approve → accept."""
    project = make_project(owner, people["reporter"], plan, **fields)
    steps = {
        "draft": [],
        "submitted": [("reporter", WorkflowAction.SUBMIT)],
        "approved": [("reporter", WorkflowAction.SUBMIT), ("approver", WorkflowAction.APPROVE)],
        "accepted": [
            ("reporter", WorkflowAction.SUBMIT),
            ("approver", WorkflowAction.APPROVE),
            ("reviewer", WorkflowAction.ACCEPT),
        ],
    }[state]
    for who, action in steps:
        move(project, people[who], action)
    project.refresh_from_db()
    return project
