"""Progress reports: per project per round, their parts, evidence and workflow moves.

Reads start from `report_list` / `report_get` (the same visibility as projects: the public sees accepted reports).
"""

from typing import Annotated

from django.db.models import Prefetch, prefetch_related_objects
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from tidtam.api.auth import SIGNED_IN, current_user
from tidtam.api.errors import referenced
from tidtam.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_page
from tidtam.api.schemas import (
    MAX_ID,
    AttachmentOut,
    ErrorOut,
    ReportCreateIn,
    ReportListOut,
    ReportOut,
    ReportPageOut,
    ReportUpdateIn,
    ThaiInt,
)
from tidtam.api.selectors import for_write
from tidtam.api.transitions import WRITE_ERRORS, add_transition_endpoints
from tidtam.projects.models import Project
from tidtam.projects.selectors import project_get
from tidtam.projects.services import attachment_add
from tidtam.reporting.filters import ReportFilters
from tidtam.reporting.models import KpiActual, ProgressReport, ReportIndicatorValue
from tidtam.reporting.selectors import report_get, report_list, round_get
from tidtam.reporting.services import report_create, report_update

# A list shows a report's project as ProjectRefOut does: its other columns (long texts, contacts, dates) stay unread.
_PROJECT_UNSHOWN = [
    f"project__{field.name}"
    for field in Project._meta.concrete_fields
    if field.name not in {"id", "code", "name_th", "name_en", "owner"}
]

router = Router(tags=["reports"])

DETAIL_PREFETCH = (
    "disbursements",
    Prefetch("kpi_actuals", queryset=KpiActual.objects.select_related("kpi").order_by("kpi__sort_order", "kpi_id")),
    Prefetch(
        "indicator_values",
        queryset=ReportIndicatorValue.objects.select_related("indicator").order_by("indicator__code"),
    ),
)


def report_detail(user, report: ProgressReport) -> ProgressReport:
    """The report read afresh (after a write) with everything its detail output shows."""
    report = report_get(user=user, pk=report.pk)
    prefetch_related_objects([report], *DETAIL_PREFETCH)
    return report


add_transition_endpoints(
    router,
    kind="reports",
    load=report_get,
    visible=report_list,
    detail=report_detail,
    out_schema=ReportOut,
)


@router.get(
    "/reports",
    response={200: ReportPageOut, 400: ErrorOut, 401: ErrorOut},
    summary="รายงานความก้าวหน้า / Progress reports",
)
def reports(
    request,
    round: Annotated[
        ThaiInt | None, Query(ge=1, le=MAX_ID, description="id ของรอบการรายงาน / Reporting round id")
    ] = None,
    fiscal_year: Annotated[ThaiInt | None, Query(description="ปีงบประมาณ (พ.ศ.) / Fiscal year (BE)")] = None,
    quarter: Annotated[ThaiInt | None, Query(ge=1, le=4, description="ไตรมาส / Quarter, 1–4")] = None,
    organisation: Annotated[
        str | None, Query(description="รหัสหน่วยงานเจ้าของโครงการ รวมในสังกัด / Owner code, with its subtree")
    ] = None,
    project: Annotated[str | None, Query(max_length=40, description="id หรือรหัสโครงการ / Project id or code")] = None,
    status: Annotated[str | None, Query(description="draft, submitted, approved, accepted")] = None,
    limit: Annotated[ThaiInt, Query(ge=1, le=MAX_LIMIT, description="จำนวนต่อหน้า / Page size")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=2000, description="ค่า `next` ของหน้าก่อน / `next` of the previous page")
    ] = None,
):
    """รายงานที่ผู้เรียกเห็นได้ เรียงตาม id แบ่งหน้าด้วย cursor / The reports the caller may see, by id, paged.

    The public sees accepted reports only; oversight approved and accepted ones; staff of the owner's organisation
    chain and reviewers every status.
    """
    query = {
        "round": round,
        "fiscal_year": fiscal_year,
        "quarter": quarter,
        "organisation": organisation,
        "project": project,
        "status": status,
    }
    filters = ReportFilters.from_query({name: str(value) for name, value in query.items() if value is not None})
    reports = report_list(user=current_user(request), filters=filters).defer(*_PROJECT_UNSHOWN)
    results, next_cursor = keyset_page(reports, key="id", cursor=cursor, limit=limit)
    return {"results": results, "next": next_cursor}


@router.get(
    "/projects/{id}/reports",
    response={200: ReportListOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="รายงานของโครงการ / A project's reports",
)
def project_reports(request, id: ThaiInt):
    """รายงานของโครงการ รอบล่าสุดก่อน / The project's reports the caller may see, newest round first."""
    user = current_user(request)
    project = project_get(user=user, pk=id)
    found = report_list(user=user).filter(project=project).order_by("-round__period_start", "-pk")
    return {"results": found}


@router.post(
    "/projects/{id}/reports",
    auth=SIGNED_IN,
    response={201: ReportOut, **WRITE_ERRORS},
    summary="เริ่มรายงานของรอบ / Start a project's report for a round",
)
def report_new(request, id: ThaiInt, payload: ReportCreateIn):
    """สร้างรายงานฉบับร่าง เติมข้อมูลจากรายงานก่อนหน้า / Start the project's report for `round`, pre-filled from its
    previous report (progress, narrative, KPI actuals, indicator values; not the monthly disbursements).

    409 `report_exists` when the project already has one in that round, `not_owed` when it does not report in it,
    `project_not_approved` before the project is approved, `round_closed` for a closed round.
    """
    user = current_user(request)
    project = for_write(project_get, Project, user=user, pk=id)
    round_ = referenced("round", round_get, user=user, pk=payload.round)
    report = report_create(actor=user, project=project, round=round_)
    return Status(201, report_detail(user, report))


@router.get(
    "/reports/{id}",
    response={200: ReportOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="รายงานความก้าวหน้า / A progress report",
)
def report(request, id: ThaiInt):
    """รายงานพร้อมการเบิกจ่ายรายเดือน ผลตัวชี้วัด และหลักฐาน / A report with its monthly disbursements (and the
    cumulative figures derived from them), KPI actuals, indicator values and evidence."""
    user = current_user(request)
    return report_detail(user, report_get(user=user, pk=id))


@router.patch(
    "/reports/{id}",
    auth=SIGNED_IN,
    response={200: ReportOut, **WRITE_ERRORS},
    summary="แก้ไขรายงาน / Change a report",
)
def report_change(request, id: ThaiInt, payload: ReportUpdateIn):
    """แก้ไขรายงานฉบับร่าง / Change a draft report: only the fields sent change, a list sent replaces the stored one.

    `version` must be the version you read: otherwise 409 `stale_version` and nothing changes. Disbursement months
    must lie in the round's period. A report of a closed round answers 409 `round_closed`, an accepted one `locked`.
    """
    user = current_user(request)
    item = for_write(report_get, ProgressReport, user=user, pk=id)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    report_update(actor=user, report=item, version=version, **changes)
    return report_detail(user, item)


@router.post(
    "/reports/{id}/attachments",
    auth=SIGNED_IN,
    response={201: AttachmentOut, **WRITE_ERRORS},
    summary="แนบหลักฐานกับรายงาน / Attach evidence to a report",
)
def report_attach(request, id: ThaiInt, file: File[UploadedFile], is_public: Form[bool] = False):
    """แนบหลักฐาน (multipart/form-data) / Attach an evidence file to a draft report (the rules of project files)."""
    user = current_user(request)
    item = for_write(report_get, ProgressReport, user=user, pk=id)
    attached = attachment_add(actor=user, project=item.project, report=item, uploaded_file=file, is_public=is_public)
    return Status(201, attached)
