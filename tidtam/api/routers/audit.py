"""The audit timeline of an object: who changed what, when, in which request, and why."""

import re
from typing import Annotated

from ninja import Query, Router

from tidtam.api.auth import current_user
from tidtam.api.schemas import AuditListOut, ErrorOut, ThaiInt
from tidtam.api.selectors import AUDIT_SUBJECTS, audit_subject
from tidtam.core.errors import ValidationFailed
from tidtam.core.selectors import audit_timeline, may_see_actors
from tidtam.core.thaicalendar import to_arabic_digits
from tidtam.projects.models import Attachment
from tidtam.projects.selectors import may_see_drafts, may_see_reasons
from tidtam.workflow.models import WorkflowItem

router = Router(tags=["audit"])
_OBJECT_REF = re.compile(r"^([a-z]+):([0-9]{1,18})$")


def _working_notes_shown(user, subject) -> tuple[bool, bool]:
    """(snapshots, reasons): whether the caller sees the before/after and the reasons of `subject`'s entries.

    A project's, report's or file's snapshots hold its drafts and the responsible person's contact: only for those who
    may see its drafts. Its reasons (returns, unlocks) are reviewers' working notes: also for those who may see the
    audit log's actors (as on the pages). Everyone else — the public — sees what happened, when, and which fields
    changed. Plans, organisations and rounds are public data: shown in full.
    """
    item = (subject.report or subject.project) if isinstance(subject, Attachment) else subject
    if not isinstance(item, WorkflowItem):
        return True, True
    return may_see_drafts(user=user, item=item), may_see_reasons(user=user, item=item)


def _parse_object(ref: str) -> tuple[str, int]:
    match = _OBJECT_REF.match(to_arabic_digits(ref.strip()))
    if match is None or match.group(1) not in AUDIT_SUBJECTS:
        types = ", ".join(AUDIT_SUBJECTS)
        raise ValidationFailed(
            "validation_error",
            f"ต้องระบุ object เป็น <ประเภท>:<id> โดยประเภทเป็นหนึ่งใน {types} / "
            f"`object` must be <type>:<id> with a type among {types}",
            {"object": [f"expected <type>:<id>, type one of: {types}"]},
        )
    return match.group(1), int(match.group(2))


@router.get(
    "/audit",
    response={200: AuditListOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="ประวัติการแก้ไข / Audit timeline",
)
def audit(
    request,
    ref: Annotated[
        str,
        Query(alias="object", description="<ประเภท>:<id> เช่น node:12 / <type>:<id>, e.g. `node:12`, `organisation:3`"),
    ],
    limit: Annotated[
        ThaiInt, Query(ge=1, le=1000, description="จำนวนรายการล่าสุด / How many of the newest entries")
    ] = 200,
):
    """ประวัติการแก้ไขของสิ่งหนึ่ง ใหม่สุดก่อน / An object's audit entries, newest first.

    The actor's username is shown only to signed-in staff whose role lets them see it; otherwise it is null. The
    before/after of a project, report or file are shown only to those who may see its drafts (null otherwise), and
    their reasons (returns, unlocks) also to those who may see actors (empty otherwise). An object the caller may not
    view answers 404, exactly like one that does not exist.
    """
    user = current_user(request)
    object_type, pk = _parse_object(ref)
    subject = audit_subject(user=user, object_type=object_type, pk=pk)
    show_actor = may_see_actors(user)
    show_snapshots, show_reasons = _working_notes_shown(user, subject)
    return {
        "results": [
            {
                "at": entry.at,
                "action": entry.action,
                "object_type": entry.object_type,
                "object_id": entry.object_id,
                "object": entry.object_repr,
                "request_id": entry.request_id,
                "actor": entry.actor.username if show_actor and entry.actor is not None else None,
                "changed_fields": entry.changed_fields,
                "before": entry.before if show_snapshots else None,
                "after": entry.after if show_snapshots else None,
                "reason": entry.reason if show_reasons else "",
            }
            for entry in audit_timeline(user=user, obj=subject)[:limit]
        ]
    }
