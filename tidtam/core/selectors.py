"""Reads of the audit log: an object's timeline, shown to whoever may see the object."""

from django.db import models
from django.db.models import QuerySet

from tidtam.core.audit import object_type
from tidtam.core.models import AuditEntry
from tidtam.core.permissions import Action, can


def audit_timeline(*, user, obj: models.Model) -> QuerySet[AuditEntry]:
    """The audit entries of `obj`, newest first; empty when the user may not see the object."""
    if not can(user, Action.VIEW, obj):
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(object_type=object_type(obj), object_id=str(obj.pk)).select_related("actor")


def may_see_actors(user) -> bool:
    """Actor names are personal data: shown to signed-in staff whose role grants audit viewing, never to the public."""
    return can(user, Action.VIEW, AuditEntry)
