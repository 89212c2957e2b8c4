"""Reads of accounts."""

from django.db.models import QuerySet

from tidtam.accounts.models import Membership


def user_memberships(*, user) -> QuerySet[Membership]:
    """The signed-in user's own memberships, with their organisations, in tree order."""
    return Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__path", "role")
