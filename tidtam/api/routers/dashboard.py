"""The national dashboard as JSON: a framework's node tree with roll-up figures, status distribution and gaps.

Public: anyone gets figures from accepted data. `basis=review` (including approved items not yet accepted) is honoured
for reviewers and oversight only; anyone else silently gets the public figures, and `basis` in the answer says which
were used. The figures come from the summary tables, so the number of queries does not grow with the data.
"""

from typing import Annotated, Literal

from ninja import Query, Router

from tidtam.api.auth import current_user
from tidtam.api.schemas import MAX_ID, DashboardOut, ErrorOut, ThaiInt, figures_dict
from tidtam.core.errors import NotFound, bilingual
from tidtam.core.models import Province
from tidtam.core.thaicalendar import to_arabic_digits
from tidtam.evaluation.selectors import DashboardRow, dashboard, dashboard_basis, gap_counts
from tidtam.organisations.selectors import organisation_get
from tidtam.plans.models import Node
from tidtam.plans.selectors import framework_get, framework_version_get, node_get
from tidtam.projects.services import FISCAL_YEAR_MAX, FISCAL_YEAR_MIN

router = Router(tags=["dashboards"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut}
MAX_DEPTH = 6


def _found(field: str, load, **kwargs):
    """`load(**kwargs)`; its NotFound (404) names the query parameter that pointed at nothing."""
    try:
        return load(**kwargs)
    except NotFound as error:
        raise NotFound(error.code, error.message, {field: [error.message]}) from None


def _province(code: str) -> Province:
    province = Province.objects.filter(code=to_arabic_digits(code.strip())).first()
    if province is None:
        message = bilingual(f"ไม่พบจังหวัด '{code}'", f"No province '{code}'")
        raise NotFound("province_not_found", message, {"province": [message]})
    return province


def _node_in(framework, *, user, pk: int) -> Node:
    node = _found("node", node_get, user=user, pk=pk)
    if node.framework_version.framework_id != framework.pk:
        message = bilingual(
            f"ไม่พบโหนด {pk} ในกรอบแผน '{framework.code}'", f"No plan node {pk} in framework '{framework.code}'"
        )
        raise NotFound("node_not_found", message, {"node": [message]})
    return node


def _row(row: DashboardRow) -> dict:
    return {
        "node": row.node,
        "figures": figures_dict(row.figures),
        "gaps": row.gaps,
        "children": [_row(child) for child in row.children],
    }


@router.get(
    "/dashboard",
    response={200: DashboardOut, **ERRORS},
    summary="แดชบอร์ดกรอบแผน / The dashboard of a framework",
)
def dashboard_view(
    request,
    framework: Annotated[str, Query(min_length=1, max_length=50, description="รหัสกรอบแผน / Framework code, e.g. `ns`")],
    fy: Annotated[
        ThaiInt,
        Query(ge=FISCAL_YEAR_MIN, le=FISCAL_YEAR_MAX, description="ปีงบประมาณ (พ.ศ.) / Fiscal year (BE), e.g. 2568"),
    ],
    node: Annotated[
        ThaiInt | None,
        Query(ge=1, le=MAX_ID, description="เริ่มที่โหนดนี้ (id) / Start at this node id (default: the whole framework)"),
    ] = None,
    organisation: Annotated[
        str | None,
        Query(
            max_length=50,
            description="เฉพาะโครงการของหน่วยงานนี้และในสังกัด / Only projects of this organisation code and its subtree",
        ),
    ] = None,
    province: Annotated[
        str | None, Query(max_length=10, description="เฉพาะโครงการในจังหวัดนี้ / Only projects in this province, e.g. `57`")
    ] = None,
    basis: Annotated[
        Literal["public", "review"] | None,
        Query(
            description="review = รวมที่อนุมัติแล้วแต่ยังไม่ตรวจรับ (เฉพาะผู้ตรวจรับและผู้กำกับดูแล) / review = including "
            "approved, not yet accepted (reviewers and oversight only)"
        ),
    ] = None,
    depth: Annotated[
        ThaiInt, Query(ge=1, le=MAX_DEPTH, description="จำนวนระดับของแถว (1–6) / Levels of rows below the start (1–6)")
    ] = 3,
):
    """ตัวเลขสรุปตามโหนดของกรอบแผน / Roll-up figures per plan node for one fiscal year.

    Rows nest `children` down to `depth` levels below the start (the framework's current version, or the version of
    `node`). Each row's figures cover the node's whole subtree: projects (each once), budget, disbursed, disbursement
    %, average physical progress, the status distribution of its indicators and the worst level — never an average of
    levels. `organisation` and `province` slice the project figures; the status distribution stays the plan's.
    """
    user = current_user(request)
    fw = _found("framework", framework_get, user=user, code=framework)
    start = _node_in(fw, user=user, pk=node) if node is not None else None
    version = (
        start.framework_version
        if start is not None
        else _found("framework", framework_version_get, user=user, framework=fw)
    )
    owner = _found("organisation", organisation_get, user=user, code=organisation) if organisation else None
    place = _province(province) if province else None
    used = dashboard_basis(user, basis)
    board = dashboard(
        user=user,
        version=version,
        fiscal_year=fy,
        basis=used,
        node=start,
        depth=depth,
        organisation=owner,
        province=place,
    )
    return {
        "framework": fw.code,
        "version": version.label,
        "fiscal_year": fy,
        "basis": used.value,
        "basis_label": str(used.label),
        "depth": depth,
        "node": start,
        "organisation": owner,
        "province": place,
        "total": figures_dict(board.total),
        "rows": [_row(row) for row in board.rows],
        "gaps_summary": gap_counts(board),
    }
