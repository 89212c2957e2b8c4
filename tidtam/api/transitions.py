"""The workflow endpoints shared by projects and reports: `POST /{kind}/{id}/{action}` and `POST /{kind}/bulk-approve`.

Both call the workflow engine (`tidtam.workflow.services`); the item is loaded through the kind's selector first, so an
item the caller may not see answers 404 to the public and 403 to a signed-in caller (`for_write`), one they see but
may not move answers 403, and a move the item's state does
not allow answers 409 with the engine's code.
"""

from collections.abc import Callable

from django.db.models import QuerySet
from ninja import Router

from tidtam.api.auth import SIGNED_IN, current_user
from tidtam.api.schemas import BulkApproveIn, BulkApproveOut, ErrorOut, ThaiInt, VersionReasonIn
from tidtam.api.selectors import for_write
from tidtam.core.errors import NotFound, ServiceError, forbidden
from tidtam.workflow.choices import WorkflowAction, WorkflowStatus
from tidtam.workflow.services import bulk_approve, workflow_transition

WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}

_SUMMARIES = {
    WorkflowAction.SUBMIT: "ส่งอนุมัติ / Submit",
    WorkflowAction.APPROVE: "อนุมัติ / Approve",
    WorkflowAction.RETURN: "ส่งกลับแก้ไข (ต้องมีเหตุผล) / Return (reason required)",
    WorkflowAction.ACCEPT: "ตรวจรับ / Accept",
    WorkflowAction.UNLOCK: "ปลดล็อก (ต้องมีเหตุผล) / Unlock (reason required)",
}
_DESCRIPTIONS = {
    WorkflowAction.SUBMIT: "ร่าง → ส่งแล้ว (ผู้รายงานของหน่วยงาน) / draft → submitted, by a reporter of the owner's "
    "subtree. An incomplete item answers 400 `incomplete` with the missing fields.",
    WorkflowAction.APPROVE: "หนึ่งระดับของสายการอนุมัติ / One approval level, by an approver over the organisation at "
    "the item's current level; the last level makes it approved. Another level's approver gets 403 `not_your_level`.",
    WorkflowAction.RETURN: "ส่งแล้วหรืออนุมัติแล้ว → ร่าง / submitted or approved → draft, by an approver or a "
    "reviewer; `reason` is required (400 `reason_required`) and shown to the owner as `return_reason`.",
    WorkflowAction.ACCEPT: "อนุมัติแล้ว → ตรวจรับแล้ว (ล็อก) / approved → accepted (locked), by a reviewer.",
    WorkflowAction.UNLOCK: "ปลดล็อก / A reviewer unlocks an accepted item (back to draft) or a report of a closed "
    "round; `reason` is required.",
}


def add_transition_endpoints(
    router: Router,
    *,
    kind: str,
    load: Callable,
    visible: Callable[..., QuerySet],
    detail: Callable,
    out_schema,
) -> None:
    """Register `POST /{kind}/bulk-approve` and `POST /{kind}/{id}/{action}` for every workflow action.

    `load(user=, pk=)` returns one visible item or raises NotFound; `visible(user=)` is the queryset of visible items;
    `detail(user, item)` reloads an item for the response. Call it before registering `/{kind}/{id}`, so the literal
    `bulk-approve` route comes first.
    """
    noun = kind.rstrip("s")

    @router.post(
        f"/{kind}/bulk-approve",
        auth=SIGNED_IN,
        response={200: BulkApproveOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
        summary=f"อนุมัติหลายรายการ / Approve many {kind}",
        operation_id=f"{noun}_bulk_approve",
    )
    def bulk(request, payload: BulkApproveIn):
        """อนุมัติทีละรายการ แต่ละรายการสำเร็จหรือล้มเหลวแยกกัน / Approve each `{id, version}`; each succeeds or fails
        on its own, and its result says why (with the status a single request would have got)."""
        user = current_user(request)
        ids = [entry.id for entry in payload.items]
        model = visible(user=user).model
        found = {item.pk: item for item in visible(user=user).filter(pk__in=ids)}
        hidden = set(model.objects.filter(pk__in=set(ids) - found.keys()).values_list("pk", flat=True))
        outcomes = iter(
            bulk_approve(actor=user, items=[(found[e.id], e.version) for e in payload.items if e.id in found])
        )
        errors: list[ServiceError | None] = []
        for entry in payload.items:
            if entry.id in found:
                errors.append(next(outcomes).error)
            elif entry.id in hidden:  # as for a single write: another organisation's item is refused, not hidden
                errors.append(forbidden("approve", None))
            else:
                errors.append(NotFound(f"{noun}_not_found", "ไม่พบรายการ / Not found", {"id": entry.id}))
        now = {row["pk"]: row for row in model.objects.filter(pk__in=found).values("pk", "version", "status")}
        results = []
        for entry, error in zip(payload.items, errors, strict=True):
            state = now.get(entry.id) if entry.id in found else None
            results.append(
                {
                    "id": entry.id,
                    "ok": error is None,
                    "http_status": 200 if error is None else error.status,
                    "version": state["version"] if state else None,
                    "status": (
                        {"code": state["status"], "label": str(WorkflowStatus(state["status"]).label)}
                        if state
                        else None
                    ),
                    "error": None if error is None else error.as_dict(),
                }
            )
        approved = sum(1 for result in results if result["ok"])
        return {"approved": approved, "failed": len(results) - approved, "results": results}

    def make(action: WorkflowAction):
        def transition(request, id: ThaiInt, payload: VersionReasonIn):
            user = current_user(request)
            item = for_write(load, visible(user=user).model, user=user, pk=id)
            workflow_transition(actor=user, item=item, action=action, version=payload.version, reason=payload.reason)
            return detail(user, item)

        transition.__doc__ = _DESCRIPTIONS[action]
        router.post(
            f"/{kind}/{{id}}/{action.value}",
            auth=SIGNED_IN,
            response={200: out_schema, **WRITE_ERRORS},
            summary=_SUMMARIES[action],
            operation_id=f"{noun}_{action.value}",
        )(transition)

    for action in WorkflowAction:
        make(action)
