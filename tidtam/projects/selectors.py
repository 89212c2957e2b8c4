"""Reads of projects and their attachments, always restricted to what the user may see.

Anonymous visitors (and any other holder of only the public grant) see accepted projects; oversight sees approved and
accepted ones; roles over the owner's subtree (and the reviewer) see drafts too. Personal and working data — the
responsible person's contact and files not marked public — go only to those who may see the project's drafts, and
(for files) to oversight bodies.
"""

from django.db.models import QuerySet

from tidtam.accounts.choices import Role
from tidtam.core.errors import NotFound
from tidtam.core.models import AuditEntry
from tidtam.core.permissions import Action, can, restrict, roles_of
from tidtam.core.selectors import audit_timeline, may_see_actors
from tidtam.projects.filters import ProjectFilters
from tidtam.projects.models import Attachment, Project
from tidtam.reporting.models import ProgressReport
from tidtam.workflow.choices import WorkflowStatus
from tidtam.workflow.models import WorkflowItem


def project_list(*, user, filters: ProjectFilters | None = None) -> QuerySet[Project]:
    """Projects the user may see, filtered, with their owner loaded, in the model's order (newest years first)."""
    projects = restrict(
        user, Action.VIEW, Project.objects.select_related("owner"), organisation_field="owner", status_field="status"
    )
    if filters is not None:
        projects = filters.apply(projects)
    return projects


def project_get(*, user, pk) -> Project:
    """One project the user may see; `NotFound` otherwise (also for a malformed id)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    project = project_list(user=user).filter(pk=pk).first() if pk is not None else None
    if project is None:
        raise NotFound("project_not_found", "ไม่พบโครงการ / Project not found", {"id": str(pk)})
    return project


def may_see_drafts(*, user, item: WorkflowItem) -> bool:
    """Whether a role the user holds lets them see this item's drafts (its organisation chain, the reviewer): the
    test for personal data such as the responsible person's contact. Never true for anonymous visitors."""
    if not getattr(user, "is_authenticated", False):
        return False
    if isinstance(item, ProgressReport):
        probe = ProgressReport(project=item.project, status=WorkflowStatus.DRAFT)
    else:
        probe = Project(owner=item.owner, status=WorkflowStatus.DRAFT)
    return can(user, Action.VIEW, probe)


def may_see_reasons(*, user, item: WorkflowItem) -> bool:
    """Return and unlock reasons are reviewers' working notes: for those who may see the item's drafts or the audit
    log's actors, never the public."""
    return may_see_drafts(user=user, item=item) or may_see_actors(user)


def workflow_timeline(*, user, item: WorkflowItem, limit: int = 50) -> list[AuditEntry]:
    """The item's newest audit entries, their reasons blanked (in memory only) for those who may not see them."""
    entries = list(audit_timeline(user=user, obj=item)[:limit])
    if not may_see_reasons(user=user, item=item):
        for entry in entries:
            entry.reason = ""
    return entries


def may_see_private_files(*, user, item: WorkflowItem) -> bool:
    """Files not marked public are working documents: for those who may see the item's drafts, and for oversight
    bodies once they may see the item."""
    if may_see_drafts(user=user, item=item):
        return True
    return Role.OVERSIGHT in roles_of(user) and can(user, Action.VIEW, item)


def _holder_visible(user, attachment: Attachment) -> WorkflowItem | None:
    """The project or report the attachment belongs to, when the user may see it (and, for a report, its project)."""
    if attachment.report_id is None:
        return attachment.project if can(user, Action.VIEW, attachment.project) else None
    report = attachment.report
    if can(user, Action.VIEW, report) and can(user, Action.VIEW, report.project):
        return report
    return None


def attachment_get(*, user, pk) -> Attachment:
    """An attachment the user may download: they may see its project (or report), and it is public or they may see
    private files. For anonymous visitors that means public files of accepted items. `NotFound` otherwise."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    attachment = (
        Attachment.objects.select_related("project__owner", "report__project__owner").filter(pk=pk).first()
        if pk is not None
        else None
    )
    holder = _holder_visible(user, attachment) if attachment is not None else None
    if holder is None or not (attachment.is_public or may_see_private_files(user=user, item=holder)):
        raise NotFound("attachment_not_found", "ไม่พบไฟล์แนบ / Attachment not found", {"id": str(pk)})
    return attachment


def attachment_list(*, user, project: Project, report: ProgressReport | None = None) -> list[Attachment]:
    """The files of a project (without report evidence), or of one of its reports, that the user may download."""
    holder = report if report is not None else project
    if not can(user, Action.VIEW, holder):
        return []
    attachments = Attachment.objects.filter(project=project, report=report).select_related("uploaded_by")
    if not may_see_private_files(user=user, item=holder):
        attachments = attachments.filter(is_public=True)
    return list(attachments.order_by("created_at", "pk"))


attachment_get.model = Attachment  # lets the API tell a hidden object (403 on writes) from a missing one
