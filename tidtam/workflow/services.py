"""Guarded workflow transitions shared by projects and reports.

draft → submitted → approved (one approval per level of the owner's chain) → accepted. Approvers and reviewers may
return a submitted or approved item to draft with a reason; reviewers unlock accepted items (back to draft) and
reports of closed rounds, with a reason. Refusals carry a `WorkflowErrorCode`: 409 for a transition the item's state
does not allow, 400 for a missing reason or an incomplete item, 403 from the permission check.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tidtam.core.errors import Conflict, Forbidden, ServiceError, ValidationFailed, forbidden
from tidtam.core.permissions import Action, can, require
from tidtam.core.services import versioned_update
from tidtam.evaluation.rollups import after_transition
from tidtam.organisations.models import Organisation
from tidtam.workflow.choices import WorkflowAction, WorkflowErrorCode, WorkflowStatus
from tidtam.workflow.models import WorkflowItem

S = WorkflowStatus


_ERROR_CLASSES = {400: ValidationFailed, 403: Forbidden, 409: Conflict}


def refusal(code: WorkflowErrorCode, *, status: int = 409, **details) -> ServiceError:
    return _ERROR_CLASSES[status](code.value, str(code.label), details)


def approval_chain(owner: Organisation) -> list[Organisation]:
    """The organisations that approve an item of `owner`, level 1 first: its ancestors, parent first, as many as the
    nearest `approval_levels` setting (on the owner or above it) asks, 1 by default. A top-level owner approves its
    own items."""
    codes = owner.ancestor_codes()
    by_code = {o.code: o for o in Organisation.objects.filter(code__in=codes)}
    lineage = [by_code[code] for code in reversed(codes)]  # owner first, root last
    levels = next((o.approval_levels for o in lineage if o.approval_levels), 1)
    ancestors = lineage[1:] or lineage
    return ancestors[:levels]


def approval_level_organisation(item: WorkflowItem) -> Organisation:
    """The organisation whose approver acts next on a submitted item."""
    chain = approval_chain(item.owning_organisation())
    return chain[min(item.approvals_done, len(chain) - 1)]


def lock_reason(item: WorkflowItem) -> WorkflowErrorCode | None:
    """Why the item cannot be edited now, or None when it can."""
    if item.status == S.ACCEPTED:
        return WorkflowErrorCode.LOCKED
    round_ = getattr(item, "round", None)
    if round_ is not None and round_.is_closed and not item.round_lock_lifted:
        return WorkflowErrorCode.ROUND_CLOSED
    if item.status != S.DRAFT:
        return WorkflowErrorCode.NOT_EDITABLE
    return None


def ensure_editable(*, actor, item: WorkflowItem) -> None:
    """Raise unless `actor` may edit `item` now (permission first, then the lock and the state)."""
    require(actor, Action.EDIT, item)
    reason = lock_reason(item)
    if reason is not None:
        raise refusal(reason, status=409, status_now=item.status)


def transition_problem(
    actor, item: WorkflowItem, action: WorkflowAction, reason: str = "x", *, check_completeness: bool = True
) -> ServiceError | None:
    """The refusal `workflow_transition` would raise for `action` on `item` by `actor` now, or None; reads only.

    Pages ask it with a placeholder reason to decide which buttons to show; `check_completeness=False` leaves out the
    completeness check of a submission, so the button shows and a click explains what is missing.
    """
    action = WorkflowAction(action)
    if action in (WorkflowAction.RETURN, WorkflowAction.UNLOCK) and not reason.strip():
        return refusal(WorkflowErrorCode.REASON_REQUIRED, status=400, field="reason")
    if not can(actor, Action(action.value), item):
        return forbidden(action.value, item)
    if action == WorkflowAction.SUBMIT:
        if item.status != S.DRAFT:
            return refusal(WorkflowErrorCode.NOT_SUBMITTABLE, status_now=item.status)
        locked = lock_reason(item)
        if locked is not None:
            return refusal(locked, status_now=item.status)
        problems = item.submission_problems() if check_completeness else {}
        if problems:
            return refusal(WorkflowErrorCode.INCOMPLETE, status=400, fields=problems)
    elif action == WorkflowAction.APPROVE:
        if item.status != S.SUBMITTED:
            return refusal(WorkflowErrorCode.NOT_APPROVABLE, status_now=item.status)
        level = approval_level_organisation(item)
        if not can(actor, Action.APPROVE, item, scope=level):
            return refusal(
                WorkflowErrorCode.NOT_YOUR_LEVEL, status=403, level=item.approvals_done + 1, organisation=level.code
            )
    elif action == WorkflowAction.ACCEPT:
        if item.status != S.APPROVED:
            return refusal(WorkflowErrorCode.NOT_ACCEPTABLE, status_now=item.status)
    elif action == WorkflowAction.RETURN:
        if item.status not in (S.SUBMITTED, S.APPROVED):
            return refusal(WorkflowErrorCode.NOT_RETURNABLE, status_now=item.status)
    elif action == WorkflowAction.UNLOCK:
        if lock_reason(item) not in (WorkflowErrorCode.LOCKED, WorkflowErrorCode.ROUND_CLOSED):
            return refusal(WorkflowErrorCode.NOT_UNLOCKABLE, status_now=item.status)
    return None


def _check(actor, item: WorkflowItem, action: WorkflowAction, reason: str) -> None:
    """Raise the refusal for `action` on `item` by `actor`, if any."""
    problem = transition_problem(actor, item, action, reason)
    if problem is not None:
        raise problem


def _changes(item: WorkflowItem, action: WorkflowAction, reason: str) -> dict:
    now = timezone.now()
    if action == WorkflowAction.SUBMIT:
        required = len(approval_chain(item.owning_organisation()))
        return {
            "status": S.SUBMITTED,
            "submitted_at": now,
            "approvals_required": required,
            "approvals_done": 0,
            "return_reason": "",
        }
    if action == WorkflowAction.APPROVE:
        done = item.approvals_done + 1
        if done >= item.approvals_required:
            return {"status": S.APPROVED, "approvals_done": done, "approved_at": now}
        return {"approvals_done": done}
    if action == WorkflowAction.ACCEPT:
        # An unlock's reason is spent once the item is accepted (the audit log keeps it).
        changes = {"status": S.ACCEPTED, "accepted_at": now, "return_reason": ""}
        if hasattr(item, "round_lock_lifted"):
            changes["round_lock_lifted"] = False
        return changes
    if action == WorkflowAction.RETURN:
        return {"status": S.DRAFT, "approvals_done": 0, "return_reason": reason, "returned_at": now}
    # UNLOCK: an accepted item goes back to draft; a report of a closed round becomes editable again.
    changes = {"return_reason": reason}
    if item.status == S.ACCEPTED:
        changes.update(status=S.DRAFT, approvals_done=0, returned_at=now)
    if hasattr(item, "round_lock_lifted"):
        changes["round_lock_lifted"] = True
    return changes


@transaction.atomic
def workflow_transition(
    *, actor, item: WorkflowItem, action: WorkflowAction, version: int, reason: str = ""
) -> WorkflowItem:
    """Move `item` by `action` if `actor` may and its state allows; `version` must be the item's current one."""
    action = WorkflowAction(action)
    _check(actor, item, action, reason)
    status_before = item.status
    item = versioned_update(
        actor=actor,
        obj=item,
        version=version,
        changes=_changes(item, action, reason),
        action=action.value,
        reason=reason,
    )
    if item.status != status_before:
        after_transition(item)
    return item


@dataclass(frozen=True)
class BulkResult:
    item: WorkflowItem
    ok: bool
    error: ServiceError | None = None


def bulk_approve(*, actor, items: list[tuple[WorkflowItem, int]]) -> list[BulkResult]:
    """Approve each (item, version); each succeeds or fails on its own, and failures say why."""
    results = []
    for item, version in items:
        try:
            workflow_transition(actor=actor, item=item, action=WorkflowAction.APPROVE, version=version)
            results.append(BulkResult(item, True))
        except ServiceError as error:
            results.append(BulkResult(item, False, error))
    return results
