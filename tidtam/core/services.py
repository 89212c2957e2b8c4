"""Helpers every service uses: validation with field-named errors, and the optimistic-locking update."""

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from tidtam.core.audit import audit_record, snapshot
from tidtam.core.errors import Conflict, FieldErrors

M = TypeVar("M", bound=models.Model)


def validate(obj: models.Model, *, exclude: list[str] | None = None) -> None:
    """Run the model's validation; raise `ValidationFailed` whose details name each bad field."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as error:
        details = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        FieldErrors({name: list(messages) for name, messages in details.items()}).raise_if_any()


def stale_version(obj: models.Model, expected: int) -> Conflict:
    return Conflict(
        "stale_version",
        "ข้อมูลนี้ถูกแก้ไขโดยผู้อื่นแล้ว โปรดโหลดใหม่ / This item was changed by someone else; reload it",
        {
            "expected_version": expected,
            "current_version": type(obj).objects.filter(pk=obj.pk).values_list("version", flat=True).first(),
        },
    )


def save_if_current(obj: models.Model, *, version: int) -> None:
    """Write every field of `obj` if its row is still at `version` (UPDATE … WHERE version = N), as version N + 1;
    otherwise raise `Conflict` and write nothing. Two writers racing on the same version cannot both win."""
    obj.version = version + 1
    obj.updated_at = timezone.now()
    fields = {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if not f.primary_key and f.attname != "created_at"
    }
    if type(obj).objects.filter(pk=obj.pk, version=version).update(**fields) != 1:
        obj.version = version
        raise stale_version(obj, version)


def versioned_update(
    *, actor, obj: M, version: int, changes: dict[str, Any], action: str = "update", reason: str = ""
) -> M:
    """Apply `changes` to `obj` if it is still at `version`; otherwise raise `Conflict` and change nothing.

    The write is a conditional UPDATE (… WHERE version = N), so two writers racing on the same version cannot both
    win. Call inside a transaction; writes one audit entry when something changed.
    """
    if version != obj.version:
        raise stale_version(obj, version)
    before = snapshot(obj)
    for name, value in changes.items():
        setattr(obj, name, value)
    validate(obj)
    if snapshot(obj) == before:
        return obj
    save_if_current(obj, version=version)
    audit_record(actor=actor, action=action, obj=obj, before=before, reason=reason)
    return obj


def create_audited(*, actor, obj: M, reason: str = "") -> M:
    """Validate, insert and write the `create` audit entry."""
    validate(obj)
    obj.save(force_insert=True)
    audit_record(actor=actor, action="create", obj=obj, reason=reason)
    return obj


def delete_audited(*, actor, obj: models.Model, reason: str = "") -> None:
    before = snapshot(obj)
    audit_record(actor=actor, action="delete", obj=obj, before=before, reason=reason)
    obj.delete()
