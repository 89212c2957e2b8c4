"""The alignment assistant (`tidtam.evaluation.alignment`, `tidtam.textkit.align`, docs/textkit.md).

Anyone may ask: plans are public, and the assistant learns only from accepted projects. A POST because the text may
be long; it changes nothing. Anonymous callers are rate limited like every anonymous API request (`http_cache`).
"""

from typing import Annotated

from ninja import Field, Router
from pydantic import StringConstraints

from tidtam.api.auth import current_user
from tidtam.api.schemas import ErrorOut, NodeRefOut, Schema, StrictIn
from tidtam.evaluation.alignment import DEFAULT_LIMIT, MAX_LIMIT, MAX_TEXT_CHARS, align_suggest
from tidtam.textkit.align import DEFAULT_FRAMEWORK

router = Router(tags=["alignment"])


class AlignIn(StrictIn):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_CHARS)] = Field(
        description="ชื่อและวัตถุประสงค์ของโครงการ (ภาษาไทย อาจมีภาษาอังกฤษ) / The project's name and objectives, "
        "in Thai (English may be added), 1–5,000 characters"
    )
    framework: str = Field(
        DEFAULT_FRAMEWORK,
        min_length=1,
        max_length=60,
        pattern=r"^[^\x00]*$",
        description="รหัสกรอบแผน ค่าเริ่มต้น `ns` / Framework code (its current version is used), default `ns`",
    )
    level: int | Annotated[str, StringConstraints(max_length=40, pattern=r"^[^\x00]*$")] | None = Field(
        None,
        description="เฉพาะระดับนี้: คีย์ระดับ เช่น `master_plan` `sub_plan` `target` หรือความลึก (1 = บนสุด) / Only this "
        "level: a level key of the framework (`master_plan`, `sub_plan`, `target` in `ns`) or a depth (1 = top)",
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="จำนวนผลลัพธ์ / How many results (1–50)")


class AlignResultOut(Schema):
    node: NodeRefOut = Field(description="โหนดแผนที่แนะนำ / The suggested plan node")
    score: float = Field(description="คะแนนความเข้ากัน 0–1 มากกว่าดีกว่า / Fit, 0–1, higher is better")
    reasons: list[str] = Field(
        description="คำที่ตรงกัน สำคัญที่สุดก่อน: `คำ` ตรงทั้งคำ `คำ≈ราก` รากคำเดียวกัน `คำ⊃คำย่อย` มีคำนั้นอยู่ภายใน "
        "`คำ~คำพ้อง` คำพ้องความหมาย / The matched words, most informative first: `word` whole, `word≈stem` same stem, "
        "`word⊃part` a word inside it, `word~synonym` a Thai WordNet synonym"
    )


class AlignOut(Schema):
    results: list[AlignResultOut] = Field(description="โหนดที่น่าจะสนับสนุน ดีที่สุดก่อน / Best first")


@router.post(
    "/align",
    response={200: AlignOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    summary="แนะนำแผนที่โครงการสนับสนุน / Suggest the plan nodes a project serves",
)
def align(request, payload: AlignIn):
    """แนะนำโหนดแผน (แผนแม่บท แผนย่อย เป้าหมาย) ที่โครงการน่าจะสนับสนุน จากชื่อและวัตถุประสงค์ /
    Rank the nodes of a framework's current version by how well they fit a project's name and objectives.

    The ranking (BM25F over the node titles, descriptions, indicators, ancestor titles and the accepted projects
    already linked; Thai word segmentation with stems and synonyms) is explained in docs/textkit.md. A node scores at
    least as much as its best child, so a master plan reflects its best target. Text with no word to match gives
    400 `no_terms`; an unknown framework 404.
    """
    suggestions = align_suggest(
        user=current_user(request),
        text=payload.text,
        framework=payload.framework,
        level=payload.level,
        limit=payload.limit,
    )
    return {"results": [{"node": s.node, "score": s.score, "reasons": s.reasons} for s in suggestions]}
