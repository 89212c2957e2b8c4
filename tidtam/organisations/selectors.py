"""Reads of the organisation tree."""

from django.db.models import Q, QuerySet

from tidtam.core.errors import NotFound
from tidtam.core.permissions import Action, restrict
from tidtam.organisations.models import Organisation


def organisation_list(
    *,
    user,
    kind: str | None = None,
    parent_code: str | None = None,
    q: str | None = None,
    include_inactive: bool = False,
) -> QuerySet[Organisation]:
    """Organisations in tree order; `parent_code` keeps that organisation's subtree."""
    organisations = restrict(user, Action.VIEW, Organisation.objects.all(), organisation_field=None)
    if not include_inactive:
        organisations = organisations.filter(is_active=True)
    if parent_code:
        parent = organisations.filter(code=parent_code).first()
        organisations = organisations.filter(path__startswith=parent.path) if parent else organisations.none()
    if kind:
        organisations = organisations.filter(kind=kind)
    if q:
        organisations = organisations.filter(
            Q(name_th__icontains=q)
            | Q(name_en__icontains=q)
            | Q(abbreviation_th__icontains=q)
            | Q(abbreviation_en__icontains=q)
            | Q(code__icontains=q)
        )
    return organisations.select_related("parent").order_by("path")


def organisation_get(*, user, code: str) -> Organisation:
    organisation = organisation_list(user=user, include_inactive=True).filter(code=code).first()
    if organisation is None:
        raise NotFound("organisation_not_found", f"ไม่พบหน่วยงาน '{code}' / No organisation '{code}'", {"code": code})
    return organisation
