"""Writing the audit log. Services call `audit_record` next to every change they make."""

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

from tidtam.core.datachange import data_changed_on_commit
from tidtam.core.middleware import current_request_id
from tidtam.core.models import AuditEntry

_SKIPPED_FIELDS = {"created_at", "updated_at", "password"}
# Called with each audited object, inside the writing transaction. Apps that keep derived data current register here
# in `AppConfig.ready` (the search index collects what was touched and reindexes it after COMMIT); core knows none.
_WRITE_LISTENERS: list[Callable[[str, models.Model], None]] = []


def on_audited_write(listener: Callable[[str, models.Model], None]) -> Callable[[str, models.Model], None]:
    """Register `listener(action, obj)` to be called for every audited write (once per object)."""
    if listener not in _WRITE_LISTENERS:
        _WRITE_LISTENERS.append(listener)
    return listener


def _notify(action: str, objects: Iterable[models.Model]) -> None:
    for listener in _WRITE_LISTENERS:
        for obj in objects:
            listener(action, obj)


def object_type(obj: models.Model | type[models.Model]) -> str:
    """The short type name used in the audit log and the API (`node`, `organisation`, …)."""
    return obj._meta.model_name


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 80 and 80.0000 are the same value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """A JSON-safe copy of an object's own fields (foreign keys as ids), for before/after."""
    return {
        field.attname: _json_value(getattr(obj, field.attname))
        for field in obj._meta.concrete_fields
        if field.attname not in _SKIPPED_FIELDS and not field.primary_key
    }


def _entry(*, actor, action: str, obj: models.Model, before, after, reason: str) -> AuditEntry:
    return AuditEntry(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        request_id=current_request_id.get(),
        object_type=object_type(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        action=action,
        before=before,
        after=after,
        reason=reason,
    )


def audit_record(
    *, actor, action: str, obj: models.Model, before: dict | None = None, after: dict | None = None, reason: str = ""
) -> AuditEntry:
    """Append one entry. `after` defaults to the object's current state unless the action deleted it."""
    if after is None and action != "delete":
        after = snapshot(obj)
    entry = _entry(actor=actor, action=action, obj=obj, before=before, after=after, reason=reason)
    entry.save()
    _notify(action, (obj,))  # first: derived data is brought up to date before the data version moves
    data_changed_on_commit()
    return entry


def audit_record_many(*, actor, action: str, objects: Iterable[models.Model], reason: str = "") -> int:
    """Append one `action` entry per object (their current state as `after`) in a single insert."""
    objects = list(objects)
    entries = [
        _entry(actor=actor, action=action, obj=obj, before=None, after=snapshot(obj), reason=reason) for obj in objects
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=500)
    if entries:
        _notify(action, objects)
        data_changed_on_commit()
    return len(entries)
