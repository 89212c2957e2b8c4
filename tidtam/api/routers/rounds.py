"""Reporting rounds: reviewers open, reschedule, close and reopen them; anyone may read them. Completeness and
timeliness per organisation, and reminders to the people who owe reports."""

from typing import Annotated

from ninja import Query, Router, Status

from tidtam.api.auth import SIGNED_IN, current_user
from tidtam.api.errors import referenced
from tidtam.api.schemas import (
    CompletenessOut,
    ErrorOut,
    RemindIn,
    RemindOut,
    RoundListOut,
    RoundOpenIn,
    RoundOut,
    RoundUpdateIn,
    ThaiInt,
    VersionReasonIn,
)
from tidtam.api.transitions import WRITE_ERRORS
from tidtam.organisations.selectors import organisation_get
from tidtam.reporting.selectors import completeness, completeness_total, round_get, round_list
from tidtam.reporting.services import reminders_send, round_close, round_open, round_reopen, round_update

router = Router(tags=["rounds"])


@router.get("/rounds", response={200: RoundListOut, 401: ErrorOut}, summary="รอบการรายงาน / Reporting rounds")
def rounds(request):
    """รอบการรายงานทั้งหมด ล่าสุดก่อน / Every reporting round, newest period first. Rounds are public."""
    return {"results": round_list(user=current_user(request))}


@router.post(
    "/rounds",
    auth=SIGNED_IN,
    response={201: RoundOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut},
    summary="เปิดรอบการรายงาน / Open a reporting round",
)
def round_new(request, payload: RoundOpenIn):
    """เปิดรอบรายไตรมาสหรือรายเดือน (ผู้ตรวจสอบ) / A reviewer opens a round for a quarter or a month of a fiscal year
    (BE); the period follows from the Thai fiscal calendar. 409 `round_exists` when it is already open."""
    user = current_user(request)
    data = payload.model_dump()
    return Status(201, round_open(actor=user, **data))


@router.get(
    "/rounds/{id}",
    response={200: RoundOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="รอบการรายงาน / A reporting round",
)
def round_detail(request, id: ThaiInt):
    return round_get(user=current_user(request), pk=id)


@router.patch(
    "/rounds/{id}",
    auth=SIGNED_IN,
    response={200: RoundOut, **WRITE_ERRORS},
    summary="แก้ไขรอบการรายงาน / Reschedule a round",
)
def round_change(request, id: ThaiInt, payload: RoundUpdateIn):
    """เลื่อนวันเปิดรับหรือกำหนดส่ง / Move the opening day or the deadline; a stale `version` gets 409."""
    user = current_user(request)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    return round_update(actor=user, round=round_get(user=user, pk=id), version=version, **changes)


@router.post(
    "/rounds/{id}/close",
    auth=SIGNED_IN,
    response={200: RoundOut, **WRITE_ERRORS},
    summary="ปิดรอบการรายงาน / Close a round",
)
def round_shut(request, id: ThaiInt, payload: VersionReasonIn):
    """ปิดรอบ รายงานในรอบถูกล็อก / Close the round: its reports are locked until a reviewer unlocks one."""
    user = current_user(request)
    return round_close(actor=user, round=round_get(user=user, pk=id), version=payload.version, reason=payload.reason)


@router.post(
    "/rounds/{id}/reopen",
    auth=SIGNED_IN,
    response={200: RoundOut, **WRITE_ERRORS},
    summary="เปิดรอบอีกครั้ง (ต้องมีเหตุผล) / Reopen a round (reason required)",
)
def round_open_again(request, id: ThaiInt, payload: VersionReasonIn):
    """เปิดรอบที่ปิดแล้วอีกครั้ง / Reopen a closed round; `reason` is required (400 `reason_required`)."""
    user = current_user(request)
    return round_reopen(actor=user, round=round_get(user=user, pk=id), version=payload.version, reason=payload.reason)


@router.get(
    "/rounds/{id}/completeness",
    auth=SIGNED_IN,
    response={200: CompletenessOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="ความครบถ้วนและตรงเวลา / Completeness and timeliness",
)
def round_completeness(
    request,
    id: ThaiInt,
    organisation: Annotated[
        str | None, Query(description="เฉพาะหน่วยงานนี้และในสังกัด / Only this organisation's subtree (code)")
    ] = None,
):
    """รายงานที่ต้องส่ง ส่งแล้ว ตรงเวลา ล่าช้า และขาดส่ง รายหน่วยงาน / Reports owed, submitted, approved, accepted,
    on time, late, missing and pending per owning organisation. Coordinators see their subtree, reviewers and
    oversight everything; others get 403. `organisation` (a code) narrows to a subtree."""
    user = current_user(request)
    found = round_get(user=user, pk=id)
    scope = referenced("organisation", organisation_get, user=user, code=organisation) if organisation else None
    rows = completeness(user=user, round=found, organisation=scope)
    return {"round": found.pk, "results": rows, "total": completeness_total(rows)}


@router.post(
    "/rounds/{id}/reminders",
    auth=SIGNED_IN,
    response={200: RemindOut, **WRITE_ERRORS},
    summary="ส่งอีเมลเตือน / Send reminders",
)
def round_remind(request, id: ThaiInt, payload: RemindIn):
    """ส่งอีเมลเตือนผู้รายงานที่ยังไม่ส่ง / E-mail each reporter the list of their projects that owe a report in the
    round and have not submitted it. Coordinators remind their subtree, reviewers anyone."""
    user = current_user(request)
    found = round_get(user=user, pk=id)
    code = payload.organisation
    scope = referenced("organisation", organisation_get, user=user, code=code) if code else None
    return {"sent": reminders_send(actor=user, round=found, organisation=scope)}
