"""Bulk downloads under `/api/v1/exports/`: projects (CSV, XLSX, JSON Lines), reports (CSV) and indicator values with
their statuses (CSV).

Each endpoint takes the list filters of its model, checks them before anything is written (a bad one is `400
invalid_filter` naming it, in the API's error shape) and answers with a file streamed as its rows are read from the
database. The rows come from the export selectors in `tidtam.opendata.exports`, which start from the same selectors as
the lists: the public gets accepted data only, a signed-in caller what they may see. Every download names its licence,
the time it was made and the filter used, in headers (`X-Tidtam-Licence`, `Link: <…>; rel="license"`,
`X-Tidtam-Generated-At`, `X-Tidtam-Filter`, a time-stamped file name) and, in XLSX, on its "about" sheet.
"""

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Field, Query, Router, Schema

from tidtam.api.auth import current_user
from tidtam.api.schemas import ErrorOut
from tidtam.opendata.exports import (
    INDICATOR_VALUE_COLUMNS,
    PROJECT_COLUMNS,
    REPORT_COLUMNS,
    Dataset,
    ExportInfo,
    IndicatorValueFilters,
    csv_chunks,
    indicator_value_export,
    jsonl_chunks,
    project_export,
    report_export,
    xlsx_chunks,
)
from tidtam.projects.filters import ProjectFilters
from tidtam.reporting.filters import ReportFilters

router = Router(tags=["exports"])

CSV_TYPE = "text/csv; charset=utf-8"
JSONL_TYPE = "application/x-ndjson; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS = {400: ErrorOut, 401: ErrorOut}


class ProjectQuery(Schema):
    """The filters of `GET /api/v1/projects` (ProjectFilters); checked by ProjectFilters, not here."""

    q: str | None = Field(None, description="ค้นรหัสหรือชื่อ / Text in the code or a name")
    organisation: str | None = Field(None, description="รหัสหน่วยงานเจ้าของ รวมในสังกัด / Owner code, with its subtree")
    framework: str | None = Field(None, description="เชื่อมโยงกับกรอบแผนนี้ / Linked to this framework (code)")
    node: str | None = Field(None, description="เชื่อมโยงกับโหนดนี้หรือลูกหลาน / Linked to this node id or below it")
    fiscal_year: str | None = Field(None, description="ดำเนินการในปีงบประมาณนี้ (พ.ศ.) / Active in this fiscal year (BE)")
    province: str | None = Field(None, description="รหัสจังหวัด / Province code, e.g. `57`")
    status: str | None = Field(None, description="draft, submitted, approved, accepted")
    lifecycle: str | None = Field(None, description="planned, ongoing, completed, cancelled")
    kind: str | None = Field(None, description="project, routine")


class ReportQuery(Schema):
    """The filters of `GET /api/v1/reports` (ReportFilters)."""

    round: str | None = Field(None, description="id ของรอบการรายงาน / Reporting round id")
    fiscal_year: str | None = Field(None, description="ปีงบประมาณ (พ.ศ.) / Fiscal year (BE)")
    quarter: str | None = Field(None, description="ไตรมาส / Quarter, 1–4")
    organisation: str | None = Field(
        None, description="รหัสหน่วยงานเจ้าของโครงการ รวมในสังกัด / Owner code, with its subtree"
    )
    project: str | None = Field(None, description="id หรือรหัสโครงการ / Project id or code")
    status: str | None = Field(None, description="draft, submitted, approved, accepted")


class IndicatorValueQuery(Schema):
    """The filters of indicator values (IndicatorValueFilters)."""

    framework: str | None = Field(None, description="รหัสกรอบแผน / Framework code")
    node: str | None = Field(None, description="id ของโหนด รวมลูกหลาน / Node id, with its subtree")
    organisation: str | None = Field(
        None, description="หน่วยงานรับผิดชอบตัวชี้วัด รวมในสังกัด / Responsible organisation code, with its subtree"
    )
    fiscal_year: str | None = Field(None, description="ปีงบประมาณ (พ.ศ.) / Fiscal year (BE)")
    level: str | None = Field(None, description="green, yellow, orange, red, grey")


def _file(media_type: str) -> dict:
    """The OpenAPI description of a download's 200 answer."""
    return {
        "responses": {
            "200": {
                "description": "ไฟล์ข้อมูล พร้อมส่วนหัว X-Tidtam-Licence, X-Tidtam-Generated-At, X-Tidtam-Filter / The file, "
                "with the headers X-Tidtam-Licence, X-Tidtam-Generated-At, X-Tidtam-Filter and Link rel=license",
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


def _columns_doc(columns) -> str:
    lines = [f"- `{column.key}` — {column.th} / {column.en} ({column.kind})" for column in columns]
    return "\n\nคอลัมน์ / Columns:\n\n" + "\n".join(lines)


def _site(request: HttpRequest) -> str:
    """`https://host`: so the `api_url` column holds absolute links."""
    return request.build_absolute_uri("/").rstrip("/")


def _info(request: HttpRequest) -> ExportInfo:
    user = current_user(request)
    return ExportInfo.now(source_url=request.build_absolute_uri(), public=not user.is_authenticated)


def _label(response, dataset: Dataset, info: ExportInfo, extension: str):
    """The headers that say what the file is: a time-stamped name, the licence, the time and the filter."""
    response["Content-Disposition"] = f'attachment; filename="{info.filename(dataset, extension)}"'
    response["X-Tidtam-Licence"] = info.licence_name
    response["Link"] = f'<{info.licence_url}>; rel="license"'
    response["X-Tidtam-Generated-At"] = info.generated_iso
    response["X-Tidtam-Filter"] = dataset.query_string
    if not info.public:  # a signed-in caller's view may hold unpublished data: no shared cache may keep it
        response["Cache-Control"] = "private, no-store"
    return response


def _streamed(request: HttpRequest, dataset: Dataset, extension: str, chunks, content_type: str):
    info = _info(request)
    return _label(StreamingHttpResponse(chunks, content_type=content_type), dataset, info, extension)


def _csv(request: HttpRequest, dataset: Dataset):
    return _streamed(request, dataset, "csv", csv_chunks(dataset), CSV_TYPE)


def _xlsx(request: HttpRequest, dataset: Dataset):
    info = _info(request)
    return _label(StreamingHttpResponse(xlsx_chunks(dataset, info), content_type=XLSX_TYPE), dataset, info, "xlsx")


def _projects(request: HttpRequest, query: ProjectQuery) -> Dataset:
    filters = ProjectFilters.from_query(query.dict(exclude_none=True))
    return project_export(user=current_user(request), filters=filters, site=_site(request))


PROJECTS_DOC = (
    "โครงการที่ผู้เรียกเห็นได้ (สาธารณะ: ที่ตรวจรับแล้ว) เรียงตามรหัส ตัวกรองเดียวกับ `GET /api/v1/projects` / The projects the "
    "caller may see (the public: accepted ones), by code, with the filters of `GET /api/v1/projects`. Never the "
    "responsible person's contact."
)


@router.get(
    "/exports/projects.csv",
    response=ERRORS,
    summary="ดาวน์โหลดโครงการ CSV / Download projects as CSV",
    description=PROJECTS_DOC + " CSV: UTF-8 with BOM, header row of column keys." + _columns_doc(PROJECT_COLUMNS),
    openapi_extra=_file("text/csv"),
)
def projects_csv(request, filters: Query[ProjectQuery]):
    return _csv(request, _projects(request, filters))


@router.get(
    "/exports/projects.xlsx",
    response=ERRORS,
    summary="ดาวน์โหลดโครงการ XLSX / Download projects as XLSX",
    description=PROJECTS_DOC + " XLSX: a data sheet and an `about` sheet (licence, time, filter, columns).",
    openapi_extra=_file(XLSX_TYPE),
)
def projects_xlsx(request, filters: Query[ProjectQuery]):
    return _xlsx(request, _projects(request, filters))


@router.get(
    "/exports/projects.jsonl",
    response=ERRORS,
    summary="ดาวน์โหลดโครงการ JSON Lines / Download projects as JSON Lines",
    description=PROJECTS_DOC + " JSON Lines: one object per line, keys as the CSV columns; numbers, arrays, objects.",
    openapi_extra=_file("application/x-ndjson"),
)
def projects_jsonl(request, filters: Query[ProjectQuery]):
    dataset = _projects(request, filters)
    return _streamed(request, dataset, "jsonl", jsonl_chunks(dataset), JSONL_TYPE)


@router.get(
    "/exports/reports.csv",
    response=ERRORS,
    summary="ดาวน์โหลดรายงานความก้าวหน้า CSV / Download progress reports as CSV",
    description="รายงานที่ผู้เรียกเห็นได้ (สาธารณะ: ที่ตรวจรับแล้ว) เรียงตาม id ตัวกรองเดียวกับ `GET /api/v1/reports` / The "
    "reports the caller may see (the public: accepted ones), by id, with the filters of `GET /api/v1/reports`."
    + _columns_doc(REPORT_COLUMNS),
    openapi_extra=_file("text/csv"),
)
def reports_csv(request, filters: Query[ReportQuery]):
    parsed = ReportFilters.from_query(filters.dict(exclude_none=True))
    return _csv(request, report_export(user=current_user(request), filters=parsed, site=_site(request)))


@router.get(
    "/exports/indicator-values.csv",
    response=ERRORS,
    summary="ดาวน์โหลดค่าและสถานะตัวชี้วัด CSV / Download indicator values and statuses as CSV",
    description="ค่าเป้าหมาย ค่าจริง และสถานะของตัวชี้วัดรายปีงบประมาณ จากข้อมูลที่ตรวจรับแล้ว พร้อมเหตุผลและฉบับของเกณฑ์ / "
    "Each indicator's target, actual and status per fiscal year on the public basis (accepted data), with the why "
    "and the rule version." + _columns_doc(INDICATOR_VALUE_COLUMNS),
    openapi_extra=_file("text/csv"),
)
def indicator_values_csv(request, filters: Query[IndicatorValueQuery]):
    parsed = IndicatorValueFilters.from_query(filters.dict(exclude_none=True))
    dataset = indicator_value_export(user=current_user(request), filters=parsed, site=_site(request))
    return _csv(request, dataset)
