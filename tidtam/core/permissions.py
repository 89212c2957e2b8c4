"""Permissions as data: each role grants actions on kinds of object, over an organisation subtree or everywhere.

`can(user, action, obj)` is the one answer to "may this user do this to this object", used by pages, the API and
exports alike. `restrict(user, action, queryset)` narrows a queryset to what the user may act on.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from django.db import models

from tidtam.accounts.choices import Role
from tidtam.core.errors import forbidden


class Action(StrEnum):
    VIEW = "view"
    CREATE = "create"
    EDIT = "edit"
    DELETE = "delete"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    ACCEPT = "accept"
    UNLOCK = "unlock"
    REMIND = "remind"
    MANAGE = "manage"


class Reach(StrEnum):
    SUBTREE = "subtree"  # the membership's organisation and everything below it
    ALL = "all"  # every organisation


@dataclass(frozen=True)
class Grant:
    reach: Reach
    actions: dict[str, frozenset[Action]] = field(default_factory=dict)

    def allows(self, kind: str, action: Action) -> bool:
        return action in self.actions.get(kind, frozenset())


def _actions(*actions: Action) -> frozenset[Action]:
    return frozenset(actions)


A = Action
# The published grant table. Object kinds: framework (and everything in a plan tree), organisation, user, membership,
# audit. Later capabilities add project, report and round.
GRANTS: dict[Role, Grant] = {
    Role.REPORTER: Grant(Reach.SUBTREE, {"audit": _actions(A.VIEW)}),
    Role.APPROVER: Grant(Reach.SUBTREE, {"audit": _actions(A.VIEW)}),
    Role.COORDINATOR: Grant(Reach.SUBTREE, {"audit": _actions(A.VIEW), "membership": _actions(A.VIEW)}),
    Role.REVIEWER: Grant(Reach.ALL, {"framework": _actions(A.VIEW, A.CREATE, A.EDIT, A.DELETE, A.MANAGE),
                                     "audit": _actions(A.VIEW)}),
    Role.OVERSIGHT: Grant(Reach.ALL, {"audit": _actions(A.VIEW)}),
    Role.ADMIN: Grant(Reach.ALL, {
        "organisation": _actions(A.VIEW, A.CREATE, A.EDIT, A.DELETE, A.MANAGE),
        "user": _actions(A.VIEW, A.CREATE, A.EDIT, A.MANAGE),
        "membership": _actions(A.VIEW, A.CREATE, A.DELETE, A.MANAGE),
        "audit": _actions(A.VIEW),
    }),
}
# What anyone, signed in or not, may do: plans and the organisation directory are public.
PUBLIC: dict[str, frozenset[Action]] = {"framework": _actions(A.VIEW), "organisation": _actions(A.VIEW)}


def permission_kind(obj_or_model) -> str:
    return obj_or_model.PERMISSION_KIND


def _memberships(user) -> list:
    """The user's memberships with their organisations, loaded once per user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_tidtam_memberships", None)
    if cached is None:
        cached = list(user.memberships.select_related("organisation"))
        user._tidtam_memberships = cached
    return cached


def can(user, action: Action, obj) -> bool:
    """May `user` do `action` to `obj` (an instance, or a model class for "any object of this kind")?"""
    kind = permission_kind(obj)
    if action in PUBLIC.get(kind, ()):
        return True
    owner = obj.owning_organisation() if isinstance(obj, models.Model) else None
    for membership in _memberships(user):
        grant = GRANTS[Role(membership.role)]
        if not grant.allows(kind, action):
            continue
        if grant.reach is Reach.ALL:
            return True
        if owner is not None and owner.is_within(membership.organisation):
            return True
    return False


def require(user, action: Action, obj) -> None:
    """Raise `Forbidden` unless `can(user, action, obj)`."""
    if not can(user, action, obj):
        raise forbidden(action.value, obj if isinstance(obj, models.Model) else None)


def restrict(user, action: Action, queryset: models.QuerySet, *, organisation_field: str | None) -> models.QuerySet:
    """Narrow `queryset` to the objects `user` may do `action` to.

    `organisation_field` is the lookup from the queryset's model to its owning organisation (None when objects have
    no owner, as in plan trees: only public or everywhere-reaching grants apply then).
    """
    kind = permission_kind(queryset.model)
    if action in PUBLIC.get(kind, ()):
        return queryset
    paths = []
    for membership in _memberships(user):
        grant = GRANTS[Role(membership.role)]
        if not grant.allows(kind, action):
            continue
        if grant.reach is Reach.ALL:
            return queryset
        paths.append(membership.organisation.path)
    if not paths or organisation_field is None:
        return queryset.none()
    condition = models.Q()
    for path in paths:
        condition |= models.Q(**{f"{organisation_field}__path__startswith": path})
    return queryset.filter(condition)


def roles_of(user) -> set[Role]:
    return {Role(m.role) for m in _memberships(user)}
