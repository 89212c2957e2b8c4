"""One search over projects, plan nodes and organisations (`tidtam.search`, docs/search.md).

Anyone may search; the public finds plan nodes, organisations and accepted projects only, signed-in users what
`project_list` lets them see.
"""

from typing import Annotated, Literal

from ninja import Field, Query, Router, Schema
from pydantic import StringConstraints

from tidtam.api.auth import current_user
from tidtam.api.schemas import ErrorOut, ThaiInt
from tidtam.search.selectors import DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_CHARS, search, search_terms

router = Router(tags=["search"])


class SearchHitOut(Schema):
    """One result."""

    kind: Literal["project", "node", "organisation", "document"] = Field(description="ประเภท / What was found")
    id: int = Field(description="รหัสภายใน ใช้กับ `/projects/{id}` `/nodes/{id}` / The object's id")
    code: str = Field(description="รหัส / The object's code (an organisation is read by it: `/organisations/{code}`)")
    title: str = Field(description="ชื่อภาษาไทย / Thai title or name")
    title_en: str = Field(description="ชื่อภาษาอังกฤษ / English title or name")
    frameworks: list[str] = Field(description="กรอบแผนของโหนด หรือที่โครงการเชื่อมโยง / The node's or the linked frameworks")
    snippet: str = Field(
        description="ข้อความรอบคำที่พบ คำที่ตรงอยู่ใน `<mark>` / Text around the match, HTML-escaped, matches in `<mark>`"
    )
    score: float = Field(description="คะแนนความตรง มากกว่าดีกว่า / Relevance, higher is better (per database)")
    url: str = Field(description="หน้าเว็บของรายการ / The object's page")


class SearchOut(Schema):
    q: str = Field(description="คำค้นที่ได้รับ / The query as received")
    terms: list[str] = Field(description="คำที่ใช้ค้นหลังตัดคำ / The query's terms after word segmentation")
    results: list[SearchHitOut]


@router.get(
    "/search",
    response={200: SearchOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="ค้นหา / Search",
)
def search_everything(
    request,
    q: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUERY_CHARS),
        Query(description="คำค้นภาษาไทยหรืออังกฤษ 1–200 ตัวอักษร / Thai or English words, 1–200 characters"),
    ],
    kind: Annotated[
        Literal["project", "node", "organisation", "document"] | None,
        Query(description="เฉพาะประเภทนี้ / Only this kind"),
    ] = None,
    framework: Annotated[
        str | None,
        Query(
            max_length=60,
            description="โหนดของกรอบแผนนี้และโครงการที่เชื่อมโยง / Nodes of, and projects linked to, this framework (code)",
        ),
    ] = None,
    organisation: Annotated[
        str | None,
        Query(
            max_length=60,
            description="โครงการและหน่วยงานในสังกัดของหน่วยงานนี้ / Projects and organisations "
            "within this organisation's subtree (code)",
        ),
    ] = None,
    fiscal_year: Annotated[
        ThaiInt | None,
        Query(
            ge=2400,
            le=2800,
            description="โครงการที่ดำเนินการในปีงบประมาณนี้ (พ.ศ.) / Projects active in this fiscal year (BE)",
        ),
    ] = None,
    limit: Annotated[ThaiInt, Query(ge=1, le=MAX_LIMIT, description="จำนวนผลลัพธ์ / How many results")] = DEFAULT_LIMIT,
):
    """ค้นโครงการ โหนดแผน หน่วยงาน และเอกสาร ด้วยการตัดคำภาษาไทย / Search projects, plan nodes, organisations and
    documents.

    The query is cut into words as the index was (Thai word segmentation; a word also finds the compounds it is part
    of, e.g. `ความมั่นคง` finds `ความมั่นคงทางไซเบอร์`); a result holds every word. Best first, ranked by the
    database's full-text index (titles weigh more). The public finds accepted projects and confirmed documents only;
    signed-in users the projects they may see in `/projects` and the documents in `/documents`.
    """
    user = current_user(request)
    hits = search(
        user=user,
        q=q,
        kind=kind,
        framework=framework,
        organisation=organisation,
        fiscal_year=fiscal_year,
        limit=limit,
    )
    return {
        "q": q,
        "terms": search_terms(q),
        "results": [
            {
                "kind": hit.entry.kind,
                "id": hit.entry.object_id,
                "code": hit.entry.code,
                "title": hit.entry.title_th,
                "title_en": hit.entry.title_en,
                "frameworks": hit.frameworks,
                "snippet": str(hit.snippet),
                "score": hit.score,
                "url": hit.url,
            }
            for hit in hits
        ],
    }
