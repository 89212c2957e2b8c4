"""Open-data publications: the IATI 2.03 activity file and the DCAT catalogue of every download.

Both take the project list filters (`ProjectFilters`, the one definition the list page, the API and the other exports
use); a bad one is `400 invalid_filter` naming it, before anything is sent. See docs/open-data.md.
"""

import json
from urllib.parse import urlencode

from django.http import HttpResponse, StreamingHttpResponse
from ninja import Field, Query, Router, Schema

from tidtam.api.auth import current_user
from tidtam.api.schemas import ErrorOut
from tidtam.opendata.dcat import JSONLD_MEDIA_TYPE, dcat_catalog, licence_note
from tidtam.opendata.exports import ExportInfo
from tidtam.opendata.iati import iati_activities_xml
from tidtam.projects.filters import ProjectFilters

router = Router(tags=["open data: IATI and DCAT"])


class ProjectFilterQuery(Schema):
    """The project list filters, as query parameters (validated by `ProjectFilters`)."""

    q: str | None = Field(None, max_length=100, description="ค้นรหัสหรือชื่อ / Text in the code or a name")
    organisation: str | None = Field(
        None, description="รหัสหน่วยงานเจ้าของ รวมหน่วยงานในสังกัด / Owner code, with its subtree"
    )
    framework: str | None = Field(None, description="เชื่อมโยงกับกรอบแผนนี้ / Linked to this framework (code)")
    node: str | None = Field(None, description="เชื่อมโยงกับโหนดนี้หรือลูกหลาน / Linked to this node id or below it")
    fiscal_year: str | None = Field(
        None, description="ดำเนินการในปีงบประมาณนี้ (พ.ศ.) / Active in this fiscal year (BE), e.g. 2568"
    )
    province: str | None = Field(None, description="รหัสจังหวัด / Province code, e.g. `57`")
    status: str | None = Field(
        None,
        description="ค่าเริ่มต้น: ตรวจรับแล้ว / Default `accepted`; signed-in staff may ask for another status they may "
        "see (draft, submitted, approved)",
    )
    lifecycle: str | None = Field(None, description="planned, ongoing, completed, cancelled")
    kind: str | None = Field(None, description="project, routine")


def _filters(params: ProjectFilterQuery) -> ProjectFilters:
    return ProjectFilters.from_query(params.model_dump(exclude_none=True))


def _content(media_type: str, description: str) -> dict:
    return {"responses": {"200": {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}}}


@router.get(
    "/exports/iati-activities.xml",
    response={400: ErrorOut, 401: ErrorOut},
    url_name="export-iati-activities",
    summary="โครงการตามมาตรฐาน IATI 2.03 / Projects as IATI 2.03 activity XML",
    openapi_extra=_content("application/xml", "IATI 2.03 `<iati-activities>` (UTF-8, streamed)"),
)
def iati_activities(request, filters: Query[ProjectFilterQuery]):
    """ไฟล์ XML ตามมาตรฐาน IATI 2.03 หนึ่งกิจกรรมต่อหนึ่งโครงการที่ตรวจรับแล้ว / One `<iati-activity>` per accepted
    project, valid against the official IATI 2.03 activity schema.

    Each activity carries the project's organisations, dates, countries and provinces, linked plan targets (as
    sectors), budgets per Thai fiscal year, planned monthly disbursements, disbursements from accepted progress
    reports, and results (project KPIs and plan indicators with targets and actual values). Streamed: any size.
    """
    project_filters = _filters(filters)  # a bad filter is a 400 before the first byte
    user = current_user(request)
    info = ExportInfo.now(source_url=request.build_absolute_uri(), public=not user.is_authenticated)
    chunks = iati_activities_xml(
        user=user,
        filters=project_filters,
        base_url=request.build_absolute_uri("/"),
        licence=licence_note(),
        generated=info.generated_at,
    )
    response = StreamingHttpResponse(chunks, content_type="application/xml; charset=utf-8")
    # The same labels as the other downloads: a time-stamped name, the licence, the time and the filter.
    response["Content-Disposition"] = f'attachment; filename="tidtam-iati-activities-{info.stamp}.xml"'
    response["X-Tidtam-Licence"] = info.licence_name
    response["Link"] = f'<{info.licence_url}>; rel="license"'
    response["X-Tidtam-Generated-At"] = info.generated_iso
    response["X-Tidtam-Filter"] = urlencode(sorted(project_filters.as_query().items()))
    return response


@router.get(
    "/exports/catalog.jsonld",
    response={400: ErrorOut, 401: ErrorOut},
    url_name="export-catalog",
    summary="แคตตาล็อกข้อมูลเปิด (DCAT) / The open data catalogue (DCAT, JSON-LD)",
    openapi_extra=_content(JSONLD_MEDIA_TYPE, "DCAT catalogue as JSON-LD"),
)
def catalog(request, filters: Query[ProjectFilterQuery]):
    """แคตตาล็อก DCAT ของชุดข้อมูลเปิดทั้งหมด / Every open dataset and download as a DCAT catalogue (JSON-LD), for
    portals such as data.go.th (CKAN with ckanext-dcat) to harvest.

    Filters given here are passed on to the download links of the project datasets (projects and IATI) and narrow
    their dates and fiscal years.
    """
    catalogue = dcat_catalog(absolute=request.build_absolute_uri, filters=_filters(filters))
    body = json.dumps(catalogue, ensure_ascii=False, indent=1)
    return HttpResponse(body, content_type=f"{JSONLD_MEDIA_TYPE}; charset=utf-8")
