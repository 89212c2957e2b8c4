"""Writes to the organisation tree."""

from django.db import transaction

from tidtam.core.errors import ValidationFailed
from tidtam.core.permissions import Action, require
from tidtam.core.services import create_audited, versioned_update
from tidtam.organisations.models import Organisation


def _placement(code: str, parent: Organisation | None) -> tuple[str, int]:
    if parent is None:
        return f"/{code}/", 1
    return f"{parent.path}{code}/", parent.depth + 1


@transaction.atomic
def organisation_create(
    *, actor, code: str, name_th: str, kind: str, parent: Organisation | None = None, **fields
) -> Organisation:
    if actor is not None:
        require(actor, Action.CREATE, Organisation)
    path, depth = _placement(code, parent)
    organisation = Organisation(code=code, name_th=name_th, kind=kind, parent=parent, path=path, depth=depth, **fields)
    return create_audited(actor=actor, obj=organisation)


@transaction.atomic
def organisation_update(*, actor, organisation: Organisation, version: int, **changes) -> Organisation:
    """Change an organisation; moving it (a new `parent`) re-paths its whole subtree."""
    if actor is not None:
        require(actor, Action.EDIT, organisation)
    if "code" in changes and changes["code"] != organisation.code:
        raise ValidationFailed(
            "code_immutable", "รหัสหน่วยงานแก้ไขไม่ได้ / An organisation's code cannot change", {"code": ["immutable"]}
        )
    old_path = organisation.path
    parent = changes.get("parent", organisation.parent)
    if parent is not None and parent.is_within(organisation):
        raise ValidationFailed(
            "cycle", "ย้ายหน่วยงานไปอยู่ใต้ตัวเองไม่ได้ / Cannot move an organisation below itself", {"parent": ["cycle"]}
        )
    changes["path"], changes["depth"] = _placement(organisation.code, parent)
    organisation = versioned_update(actor=actor, obj=organisation, version=version, changes=changes)
    if organisation.path != old_path:
        for descendant in Organisation.objects.filter(path__startswith=old_path).exclude(pk=organisation.pk):
            new_path = organisation.path + descendant.path[len(old_path) :]
            versioned_update(
                actor=actor,
                obj=descendant,
                version=descendant.version,
                changes={"path": new_path, "depth": new_path.count("/") - 1},
                action="move",
            )
    return organisation
