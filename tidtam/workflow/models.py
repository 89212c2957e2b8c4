"""The part of a project or report that the approval chain moves: draft → submitted → approved → accepted."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tidtam.core.models import Versioned
from tidtam.workflow.choices import WorkflowStatus


class WorkflowItem(Versioned):
    """An item that goes through submission, one or more approvals up the organisation chain, and acceptance.

    `approvals_required` is fixed when the item is submitted (from the owner's approval policy); `approvals_done`
    counts the approvals given since. A return sends the item back to draft with `return_reason` shown to its owner.
    """

    status = models.CharField(
        _("workflow status"), max_length=12, choices=WorkflowStatus.choices, default=WorkflowStatus.DRAFT, db_index=True
    )
    approvals_required = models.PositiveSmallIntegerField(_("approvals required"), default=1)
    approvals_done = models.PositiveSmallIntegerField(_("approvals given"), default=0)
    return_reason = models.TextField(_("reason for return"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)

    class Meta:
        abstract = True

    def submission_problems(self) -> dict[str, list[str]]:
        """What must be filled in before the item can be submitted, by field; empty when nothing is missing."""
        return {}
