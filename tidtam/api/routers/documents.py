"""Documents (`tidtam.documents`, docs/documents.md): read-only. The public sees confirmed documents only, with
their confirmed links and contact data hidden in the text; members of the owner's organisation chain and reviewers
also see pending documents and suggested links."""

from datetime import date, datetime
from typing import Annotated

from ninja import Field, Query, Router, Schema

from tidtam.api.auth import current_user
from tidtam.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_page
from tidtam.api.schemas import ErrorOut, ThaiInt
from tidtam.documents.models import Document
from tidtam.documents.selectors import document_get, document_links, document_list, document_text

router = Router(tags=["documents"])


class DocumentDateOut(Schema):
    kind: str = Field(description="day, range, month, fiscal_year, quarter, year")
    start: date | None = Field(description="วันเริ่ม (ค.ศ.) / First day (CE)")
    end: date | None = Field(description="วันสุดท้าย (ค.ศ.) / Last day (CE)")
    text: str = Field(description="ข้อความที่พบ / The text as found")
    fiscal_year: int | None = Field(description="ปีงบประมาณ (พ.ศ.) / Fiscal year (BE)")
    quarter: int | None = Field(description="ไตรมาส / Quarter")


class DocumentLinkOut(Schema):
    target: str = Field(description="project หรือ node / What the document is linked to")
    id: int = Field(description="รหัสภายในของโครงการหรือโหนด / The project's or node's id")
    code: str
    title: str
    status: str = Field(description="suggested, confirmed, rejected")
    score: float = Field(description="คะแนน มากกว่าดีกว่า / Higher is better (nodes and projects scored apart)")
    reasons: list[str] = Field(description="คำที่ตรงกัน / The matched terms")


class DocumentOut(Schema):
    id: int
    title: str
    file_name: str
    source_type: str = Field(description="text, html, pdf")
    language: str = Field(description="th, en")
    status: str = Field(description="pending (รอตรวจสอบ), confirmed (ยืนยันแล้ว)")
    organisation: str = Field(description="รหัสหน่วยงานเจ้าของ / Owner organisation code")
    created_at: datetime
    dates: list[DocumentDateOut] = Field(description="วันที่ที่พบในเอกสาร / Dates found in the text")
    organisations: list[str] = Field(description="รหัสหน่วยงานที่กล่าวถึง / Codes of the organisations mentioned")
    countries: list[str] = Field(description="ประเทศที่กล่าวถึง (ISO alpha-2) / Countries mentioned")


class DocumentDetailOut(DocumentOut):
    text: str = Field(description="ข้อความที่อ่านได้ (สาธารณะซ่อนข้อมูลติดต่อ) / Extracted text (contacts hidden for the public)")
    links: list[DocumentLinkOut]


class DocumentPageOut(Schema):
    results: list[DocumentOut]
    next: str | None = Field(description="cursor ของหน้าถัดไป (null = หน้าสุดท้าย) / Cursor of the next page, or null")


def _out(document: Document) -> dict:
    return {
        "id": document.pk,
        "title": document.title,
        "file_name": document.file_name,
        "source_type": document.source_type,
        "language": document.language,
        "status": document.status,
        "organisation": document.organisation.code,
        "created_at": document.created_at,
        "dates": document.dates,
        "organisations": [o.code for o in document.organisations.all()],
        "countries": sorted(c.alpha2 for c in document.countries.all()),
    }


def _link_out(link) -> dict:
    if link.project_id:
        target, obj, code, title = "project", link.project, link.project.code, link.project.name_th
    else:
        target, obj, code, title = "node", link.node, link.node.code, link.node.title_th
    return {
        "target": target,
        "id": obj.pk,
        "code": code,
        "title": title,
        "status": link.status,
        "score": link.score,
        "reasons": link.reasons,
    }


@router.get(
    "/documents",
    response={200: DocumentPageOut, 400: ErrorOut, 401: ErrorOut},
    summary="เอกสาร / Documents",
)
def documents(
    request,
    status: Annotated[str | None, Query(description="pending หรือ confirmed / Only this status")] = None,
    organisation: Annotated[
        str | None, Query(max_length=60, description="เฉพาะหน่วยงานนี้และในสังกัด / This organisation's subtree")
    ] = None,
    source_type: Annotated[str | None, Query(description="text, html, pdf")] = None,
    q: Annotated[str | None, Query(max_length=200, description="คำในชื่อเรื่องหรือชื่อไฟล์ / Words in the title")] = None,
    limit: Annotated[ThaiInt, Query(ge=1, le=MAX_LIMIT, description="จำนวนต่อหน้า / Page size")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=2000, description="ค่า `next` ของหน้าก่อน / `next` of the previous page")
    ] = None,
):
    """เอกสารที่ผู้ใช้เห็นได้ เรียงตามรหัส แบ่งหน้าด้วย cursor / Documents the user may see, by id, paged with a cursor.

    The public sees confirmed documents only."""
    filters = {"status": status, "organisation": organisation, "source_type": source_type, "q": q}
    queryset = document_list(user=current_user(request), filters=filters)
    results, next_cursor = keyset_page(queryset, key="id", cursor=cursor, limit=limit)
    return {"results": [_out(document) for document in results], "next": next_cursor}


@router.get(
    "/documents/{id}",
    response={200: DocumentDetailOut, 401: ErrorOut, 404: ErrorOut},
    summary="เอกสาร / A document",
)
def document(request, id: int):
    """เอกสารหนึ่งฉบับพร้อมข้อความและการเชื่อมโยง / One document with its text and links."""
    user = current_user(request)
    found = document_get(user=user, pk=id)
    return {
        **_out(found),
        "text": document_text(user=user, document=found),
        "links": [_link_out(link) for link in document_links(user=user, document=found)],
    }
