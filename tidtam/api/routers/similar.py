"""Projects like a given one: candidate duplicates across organisations (`evaluation.selectors.similar_projects`,
docs/duplicates.md).

Anyone may ask about a project they may see (404 otherwise); the answer lists only projects they may see too — the
public, accepted projects only.
"""

from typing import Annotated, Literal

from ninja import Field, Query, Router, Schema

from tidtam.api.auth import current_user
from tidtam.api.schemas import ErrorOut, OrganisationRefOut, ThaiInt
from tidtam.evaluation.duplicates import MIN_SCORE, WEIGHTS
from tidtam.evaluation.selectors import similar_projects

router = Router(tags=["projects"])
MAX_LIMIT = 50


class SimilarProjectRefOut(Schema):
    id: int
    code: str
    name: str = Field(description="ชื่อภาษาไทย / Thai name")
    name_en: str
    organisation: OrganisationRefOut = Field(description="หน่วยงานเจ้าของ / Owner organisation")
    fiscal_year_start: int = Field(description="ปีงบประมาณแรก (พ.ศ.) / First fiscal year (BE)")
    fiscal_year_end: int = Field(description="ปีงบประมาณสุดท้าย (พ.ศ.) / Last fiscal year (BE)")

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.name_th

    @staticmethod
    def resolve_organisation(obj):
        return obj.owner


class SimilarPartsOut(Schema):
    """Each part's similarity, 0–1; the score is their weighted sum."""

    name: float = Field(description=f"ชื่อ / Names (weight {WEIGHTS['name']})")
    text: float = Field(
        description=f"หลักการ วัตถุประสงค์ เป้าหมาย / Rationale, objectives, targets (weight {WEIGHTS['text']})"
    )
    places: float = Field(description=f"จังหวัดและประเทศ / Provinces and countries (weight {WEIGHTS['places']})")
    partners: float = Field(description=f"หน่วยงานร่วม / Partner organisations (weight {WEIGHTS['partners']})")
    budget: float = Field(description=f"งบประมาณต่อปี / Yearly budget (weight {WEIGHTS['budget']})")


class SimilarOut(Schema):
    project: SimilarProjectRefOut
    score: float = Field(description="คะแนน 0–1 ตามเกณฑ์ที่เผยแพร่ / Score 0–1 by the published rule (docs/duplicates.md)")
    parts: SimilarPartsOut
    reasons: list[str] = Field(description="เหตุผล เรียงจากน้ำหนักมากไปน้อย / Reasons in Thai, strongest first")
    verdict: Literal["duplicate", "related", "distinct"] | None = Field(
        description="ผลการพิจารณาของผู้ตรวจ (null = ยังไม่พิจารณา) / The reviewers' verdict on the pair (null: not reviewed)"
    )


@router.get(
    "/projects/{id}/similar",
    response={200: list[SimilarOut], 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="โครงการที่อาจซ้ำซ้อน / Projects like this one",
)
def project_similar(
    request,
    id: ThaiInt,
    limit: Annotated[ThaiInt, Query(ge=1, le=MAX_LIMIT, description="จำนวนผลลัพธ์ / How many results")] = 10,
    min_score: Annotated[
        float, Query(ge=0, le=1, description=f"คะแนนต่ำสุด / Lowest score shown (default {MIN_SCORE})")
    ] = MIN_SCORE,
):
    """โครงการของหน่วยงานอื่นในปีงบประมาณเดียวกันที่อาจซ้ำซ้อน / Projects of other organisations, sharing a fiscal
    year, that look like the same work: best first, each with its score, the similarity of each part and the
    reasons. Only projects the caller may see are compared (the public: accepted projects)."""
    user = current_user(request)
    return [
        {
            "project": item.project,
            "score": item.score,
            "parts": item.parts,
            "reasons": item.reasons,
            "verdict": item.verdict,
        }
        for item in similar_projects(user=user, project=id, limit=limit, min_score=min_score)
    ]
