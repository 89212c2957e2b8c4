"""Projects, their workflow moves and their attachments.

Reads start from `project_list` / `project_get`, so the public sees accepted projects, oversight approved and accepted
ones, and roles over the owner's subtree (and reviewers) everything; a project the caller may not see answers 404.
"""

import re
from contextlib import contextmanager
from typing import Annotated

from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from tidtam.api.auth import SIGNED_IN, current_user
from tidtam.api.errors import referenced
from tidtam.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_page
from tidtam.api.schemas import (
    MAX_ID,
    AttachmentOut,
    ErrorOut,
    ProjectCreateIn,
    ProjectOut,
    ProjectPageOut,
    ProjectSummaryOut,
    ProjectUpdateIn,
    ThaiInt,
)
from tidtam.api.selectors import for_write
from tidtam.api.transitions import WRITE_ERRORS, add_transition_endpoints
from tidtam.core.errors import ValidationFailed
from tidtam.organisations.selectors import organisation_get
from tidtam.plans.selectors import with_versions
from tidtam.projects.filters import ProjectFilters
from tidtam.projects.models import Attachment, Contribution, Project
from tidtam.projects.selectors import attachment_get, project_get, project_list
from tidtam.projects.services import attachment_add, attachment_remove, project_create, project_update

router = Router(tags=["projects"])

# API field name → service field name, where they differ (the API calls the Thai name `name`, as everywhere).
_TO_SERVICE = {"name": "name_th"}
_TO_API = {service: api for api, service in _TO_SERVICE.items()}

# A link as NodeRefOut shows it, without the columns it does not show; `with_versions` adds the framework version.
_NODES = Contribution.objects.select_related("node").only(
    "project_id",
    "is_primary",
    *(f"node__{name}" for name in ("code", "title_th", "title_en", "depth", "tree_path", "framework_version_id")),
)
# Columns only a project's detail shows (ProjectOut): a list leaves them unread.
_DETAIL_ONLY = tuple(
    (set(ProjectOut.model_fields) - set(ProjectSummaryOut.model_fields)) & {f.name for f in Project._meta.fields}
)
DETAIL_PREFETCH = (
    "provinces",
    "countries",
    "partners",
    "kpis",
    "activities",
    "budget_lines",
    "planned_disbursements",
    Prefetch("contributions", queryset=_NODES),
)


def project_detail(user, project: Project) -> Project:
    """The project read afresh (after a write) with everything its detail output shows."""
    project = project_get(user=user, pk=project.pk)
    prefetch_related_objects([project], *DETAIL_PREFETCH)
    with_versions(link.node for link in project.contributions.all())
    return project


def _service_data(data: dict) -> dict:
    return {_TO_SERVICE.get(name, name): value for name, value in data.items()}


def _api_key(key: str) -> str:
    """`name_th` → `name`, `kpis[1].name` unchanged."""
    head = re.split(r"[\[.]", key, maxsplit=1)[0]
    return _TO_API[head] + key[len(head) :] if head in _TO_API else key


@contextmanager
def _api_field_names():
    """Report a service's validation errors under the API's field names (`name`, not `name_th`)."""
    try:
        yield
    except ValidationFailed as error:
        if isinstance(error.details, dict):
            error.details = {_api_key(key): value for key, value in error.details.items()}
            error.message = error.message.replace("name_th", "name")
        raise


add_transition_endpoints(
    router,
    kind="projects",
    load=project_get,
    visible=project_list,
    detail=project_detail,
    out_schema=ProjectOut,
)


@router.get(
    "/projects",
    response={200: ProjectPageOut, 400: ErrorOut, 401: ErrorOut},
    summary="โครงการ / Projects",
)
def projects(
    request,
    q: Annotated[str | None, Query(max_length=100, description="ค้นรหัสหรือชื่อ / Text in the code or a name")] = None,
    organisation: Annotated[
        str | None, Query(description="รหัสหน่วยงานเจ้าของ รวมหน่วยงานในสังกัด / Owner code, with its subtree")
    ] = None,
    framework: Annotated[str | None, Query(description="เชื่อมโยงกับกรอบแผนนี้ / Linked to this framework (code)")] = None,
    node: Annotated[
        ThaiInt | None,
        Query(ge=1, le=MAX_ID, description="เชื่อมโยงกับโหนดนี้หรือลูกหลาน / Linked to this node id or below it"),
    ] = None,
    fiscal_year: Annotated[
        ThaiInt | None, Query(description="ดำเนินการในปีงบประมาณนี้ (พ.ศ.) / Active in this fiscal year (BE)")
    ] = None,
    province: Annotated[str | None, Query(description="รหัสจังหวัด / Province code, e.g. `57`")] = None,
    status: Annotated[str | None, Query(description="draft, submitted, approved, accepted")] = None,
    lifecycle: Annotated[str | None, Query(description="planned, ongoing, completed, cancelled")] = None,
    kind: Annotated[str | None, Query(description="project, routine")] = None,
    limit: Annotated[ThaiInt, Query(ge=1, le=MAX_LIMIT, description="จำนวนต่อหน้า / Page size")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=2000, description="ค่า `next` ของหน้าก่อน / `next` of the previous page")
    ] = None,
):
    """โครงการที่ผู้เรียกเห็นได้ เรียงตามรหัส แบ่งหน้าด้วย cursor / The projects the caller may see, by code, paged.

    The public sees accepted projects only; oversight approved and accepted ones; staff of the owner's organisation
    chain and reviewers see every status. The filters are the ones of the project list page and the exports.
    """
    query = {
        "q": q,
        "organisation": organisation,
        "framework": framework,
        "node": node,
        "fiscal_year": fiscal_year,
        "province": province,
        "status": status,
        "lifecycle": lifecycle,
        "kind": kind,
    }
    filters = ProjectFilters.from_query({name: str(value) for name, value in query.items() if value is not None})
    queryset = (
        project_list(user=current_user(request), filters=filters)
        .defer(*_DETAIL_ONLY)
        .prefetch_related(Prefetch("contributions", queryset=_NODES.filter(is_primary=True), to_attr="primary_links"))
    )
    results, next_cursor = keyset_page(queryset, key="code", cursor=cursor, limit=limit)
    with_versions(link.node for project in results for link in project.primary_links)
    return {"results": results, "next": next_cursor}


@router.post(
    "/projects",
    auth=SIGNED_IN,
    response={201: ProjectOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut},
    summary="สร้างโครงการ / Create a project",
)
def project_new(request, payload: ProjectCreateIn):
    """สร้างโครงการฉบับร่าง / Create a draft project of `owner` (an organisation code) with its parts.

    A reporter may create projects for their organisation and the ones below it. A blank `code` is generated as
    `<owner>-<first fiscal year>-<NNNN>`; `fiscal_year_end` defaults to `fiscal_year_start`.
    """
    user = current_user(request)
    data = payload.model_dump(exclude_unset=True)
    owner = referenced("owner", organisation_get, user=user, code=data.pop("owner"))
    with _api_field_names():
        project = project_create(actor=user, owner=owner, **_service_data(data))
    return Status(201, project_detail(user, project))


@router.get(
    "/projects/{id}",
    response={200: ProjectOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="โครงการ / A project",
)
def project(request, id: ThaiInt):
    """โครงการพร้อมรายละเอียดทั้งหมด / A project with all its parts.

    The responsible person's name and contact are shown only to those who may see the project's drafts (its
    organisation chain and reviewers); for everyone else they are null.
    """
    user = current_user(request)
    return project_detail(user, project_get(user=user, pk=id))


@router.patch(
    "/projects/{id}",
    auth=SIGNED_IN,
    response={200: ProjectOut, **WRITE_ERRORS},
    summary="แก้ไขโครงการ / Change a project",
)
def project_change(request, id: ThaiInt, payload: ProjectUpdateIn):
    """แก้ไขโครงการฉบับร่าง / Change a draft project: only the fields sent change, a list sent replaces the stored one.

    `version` must be the version you read: otherwise 409 `stale_version` and nothing changes. A submitted item
    answers 409 `not_editable`, an accepted one 409 `locked`.
    """
    user = current_user(request)
    item = for_write(project_get, Project, user=user, pk=id)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    with _api_field_names():
        project_update(actor=user, project=item, version=version, **_service_data(changes))
    return project_detail(user, item)


@router.post(
    "/projects/{id}/attachments",
    auth=SIGNED_IN,
    response={201: AttachmentOut, **WRITE_ERRORS},
    summary="แนบไฟล์กับโครงการ / Attach a file to a project",
)
def project_attach(
    request,
    id: ThaiInt,
    file: File[UploadedFile],
    is_public: Form[bool] = False,
):
    """แนบไฟล์ (multipart/form-data) / Attach a file to a draft project: PDF, PNG, JPEG, text, CSV, DOCX or XLSX up to
    the size limit; the content must match the declared type. `is_public` files are published once the project is
    accepted."""
    user = current_user(request)
    item = for_write(project_get, Project, user=user, pk=id)
    return Status(201, attachment_add(actor=user, project=item, uploaded_file=file, is_public=is_public))


@router.get(
    "/attachments/{id}",
    response={400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="ดาวน์โหลดไฟล์แนบ / Download an attachment",
    openapi_extra={
        "responses": {
            "200": {
                "description": "เนื้อหาไฟล์ / The file",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def attachment(request, id: ThaiInt):
    """ไฟล์แนบ / The file, if the caller may see its project (or report) and the file: the public gets only files
    marked public of accepted items; files not marked public go to the item's organisation chain, reviewers and
    oversight."""
    found = attachment_get(user=current_user(request), pk=id)
    return FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.original_name,
        content_type=found.content_type,
    )


@router.delete(
    "/attachments/{id}",
    auth=SIGNED_IN,
    response={204: None, **WRITE_ERRORS},
    summary="ลบไฟล์แนบ / Remove an attachment",
)
def attachment_delete(
    request,
    id: ThaiInt,
    version: Annotated[
        ThaiInt, Query(ge=1, le=MAX_ID, description="version ของโครงการหรือรายงาน / The project's or report's version")
    ],
):
    """ลบไฟล์แนบของร่าง / Remove a file from a draft project or report; `version` is that item's current version."""
    user = current_user(request)
    attachment_remove(actor=user, attachment=for_write(attachment_get, Attachment, user=user, pk=id), version=version)
    return Status(204, None)
