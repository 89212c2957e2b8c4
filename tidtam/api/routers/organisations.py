"""The organisation directory. Public data: anyone may read it; no personal data is exposed."""

from typing import Annotated

from ninja import Query, Router

from tidtam.api.auth import current_user
from tidtam.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_page
from tidtam.api.schemas import ErrorOut, OrganisationOut, OrganisationPageOut, ThaiInt
from tidtam.organisations.selectors import organisation_get, organisation_list

router = Router(tags=["organisations"])


@router.get(
    "/organisations",
    response={200: OrganisationPageOut, 400: ErrorOut, 401: ErrorOut},
    summary="หน่วยงาน / Organisations",
)
def organisations(
    request,
    kind: Annotated[str | None, Query(description="ประเภท / Kind, e.g. `ministry`")] = None,
    parent: Annotated[
        str | None, Query(description="เฉพาะหน่วยงานนี้และหน่วยงานในสังกัด / This organisation's subtree")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="ค้นชื่อ ชื่อย่อ หรือรหัส / Search names, abbreviations, codes")
    ] = None,
    limit: Annotated[ThaiInt, Query(ge=1, le=MAX_LIMIT, description="จำนวนต่อหน้า / Page size")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=2000, description="ค่า `next` ของหน้าก่อน / `next` of the previous page")
    ] = None,
):
    """หน่วยงานเรียงตามโครงสร้าง แบ่งหน้าด้วย cursor / Organisations in tree order, paged with an opaque cursor."""
    queryset = organisation_list(user=current_user(request), kind=kind, parent_code=parent, q=q)
    results, next_cursor = keyset_page(queryset, key="path", cursor=cursor, limit=limit)
    return {"results": results, "next": next_cursor}


@router.get(
    "/organisations/{code}",
    response={200: OrganisationOut, 401: ErrorOut, 404: ErrorOut},
    summary="หน่วยงาน / An organisation",
)
def organisation(request, code: str):
    return organisation_get(user=current_user(request), code=code)
