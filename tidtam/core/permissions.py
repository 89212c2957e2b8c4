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
    """What one role may do: actions per object kind, over a reach. `statuses` limits which workflow statuses of a
    kind the role may see at all (oversight and the public never see drafts)."""

    reach: Reach
    actions: dict[str, frozenset[Action]] = field(default_factory=dict)
    statuses: dict[str, frozenset[str]] = field(default_factory=dict)

    def allows(self, kind: str, action: Action) -> bool:
        return action in self.actions.get(kind, frozenset())

    def sees_status(self, kind: str, status: str | None) -> bool:
        allowed = self.statuses.get(kind)
        return allowed is None or status in allowed


def _actions(*actions: Action) -> frozenset[Action]:
    return frozenset(actions)


A = Action
APPROVED_OR_ACCEPTED = frozenset({"approved", "accepted"})
ACCEPTED_ONLY = frozenset({"accepted"})
CONFIRMED_ONLY = frozenset({"confirmed"})  # documents: what the public and oversight see (documents.DocumentStatus)
# The published grant table. Object kinds: framework (everything in a plan tree), organisation, user, membership,
# audit, project (and its parts), report (and its parts), round, completeness (who reported what in a round),
# review_figures (dashboard figures that include approved items not yet accepted), document (ingested documents and
# their suggested links: reporters upload for their subtree, reviewers confirm).
GRANTS: dict[Role, Grant] = {
    Role.REPORTER: Grant(
        Reach.SUBTREE,
        {
            "project": _actions(A.VIEW, A.CREATE, A.EDIT, A.DELETE, A.SUBMIT),
            "report": _actions(A.VIEW, A.CREATE, A.EDIT, A.SUBMIT),
            "document": _actions(A.VIEW, A.CREATE),
            "audit": _actions(A.VIEW),
        },
    ),
    Role.APPROVER: Grant(
        Reach.SUBTREE,
        {
            "project": _actions(A.VIEW, A.APPROVE, A.RETURN),
            "report": _actions(A.VIEW, A.APPROVE, A.RETURN),
            "document": _actions(A.VIEW),
            "audit": _actions(A.VIEW),
        },
    ),
    Role.COORDINATOR: Grant(
        Reach.SUBTREE,
        {
            "completeness": _actions(A.VIEW),
            "project": _actions(A.VIEW, A.REMIND),
            "report": _actions(A.VIEW, A.REMIND),
            "document": _actions(A.VIEW),
            "audit": _actions(A.VIEW),
            "membership": _actions(A.VIEW),
        },
    ),
    Role.REVIEWER: Grant(
        Reach.ALL,
        {
            "framework": _actions(A.VIEW, A.CREATE, A.EDIT, A.DELETE, A.MANAGE),
            "project": _actions(A.VIEW, A.RETURN, A.ACCEPT, A.UNLOCK, A.REMIND),
            "report": _actions(A.VIEW, A.RETURN, A.ACCEPT, A.UNLOCK, A.REMIND),
            "document": _actions(A.VIEW, A.CREATE, A.ACCEPT),
            "round": _actions(A.VIEW, A.CREATE, A.EDIT, A.MANAGE),
            "completeness": _actions(A.VIEW),
            "review_figures": _actions(A.VIEW),
            "audit": _actions(A.VIEW),
            "duplicate": _actions(A.VIEW, A.EDIT),  # the candidate-duplicate queue and its verdicts
        },
    ),
    Role.OVERSIGHT: Grant(
        Reach.ALL,
        {
            "project": _actions(A.VIEW),
            "report": _actions(A.VIEW),
            "document": _actions(A.VIEW),
            "completeness": _actions(A.VIEW),
            "review_figures": _actions(A.VIEW),
            "audit": _actions(A.VIEW),
        },
        statuses={"project": APPROVED_OR_ACCEPTED, "report": APPROVED_OR_ACCEPTED, "document": CONFIRMED_ONLY},
    ),
    Role.ADMIN: Grant(
        Reach.ALL,
        {
            "organisation": _actions(A.VIEW, A.CREATE, A.EDIT, A.DELETE, A.MANAGE),
            "user": _actions(A.VIEW, A.CREATE, A.EDIT, A.MANAGE),
            "membership": _actions(A.VIEW, A.CREATE, A.DELETE, A.MANAGE),
            "audit": _actions(A.VIEW),
        },
    ),
}
# What anyone, signed in or not, may do: plans, the organisation directory, rounds, and accepted projects and reports.
PUBLIC = Grant(
    Reach.ALL,
    {
        "framework": _actions(A.VIEW),
        "organisation": _actions(A.VIEW),
        "round": _actions(A.VIEW),
        "project": _actions(A.VIEW),
        "report": _actions(A.VIEW),
        "document": _actions(A.VIEW),
    },
    statuses={"project": ACCEPTED_ONLY, "report": ACCEPTED_ONLY, "document": CONFIRMED_ONLY},
)


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


def _grants(user):
    """(grant, membership organisation) pairs that apply to the user, the public grant first."""
    yield PUBLIC, None
    for membership in _memberships(user):
        yield GRANTS[Role(membership.role)], membership.organisation


def _workflow_status(obj, kind: str) -> str | None:
    """The status that decides visibility: a part of a project or report follows its parent."""
    if not isinstance(obj, models.Model):
        return None
    for holder in (obj, getattr(obj, "report", None), getattr(obj, "project", None)):
        status = getattr(holder, "status", None)
        if isinstance(status, str) and holder is not None and getattr(holder, "PERMISSION_KIND", "") == kind:
            return status
    return None


def can(user, action: Action, obj, *, scope=None) -> bool:
    """May `user` do `action` to `obj` (an instance, or a model class for "any object of this kind")?

    `scope` replaces the object's owning organisation in the subtree test — used for approvals, where the approver
    must cover the organisation at the item's current approval level rather than the owner.
    """
    kind = permission_kind(obj)
    is_instance = isinstance(obj, models.Model)
    status = _workflow_status(obj, kind) if is_instance else None
    owner = scope if scope is not None else (obj.owning_organisation() if is_instance else None)
    for grant, organisation in _grants(user):
        if not grant.allows(kind, action) or (is_instance and not grant.sees_status(kind, status)):
            continue
        if grant.reach is Reach.ALL:
            return True
        if owner is not None and owner.is_within(organisation):
            return True
    return False


def require(user, action: Action, obj, *, scope=None) -> None:
    """Raise `Forbidden` unless `can(user, action, obj, scope=scope)`."""
    if not can(user, action, obj, scope=scope):
        raise forbidden(action.value, obj if isinstance(obj, models.Model) else None)


def restrict(
    user, action: Action, queryset: models.QuerySet, *, organisation_field: str | None, status_field: str | None = None
) -> models.QuerySet:
    """Narrow `queryset` to the objects `user` may do `action` to.

    `organisation_field` is the lookup from the queryset's model to its owning organisation (None when objects have
    no owner, as in plan trees); `status_field` the lookup to the workflow status that limits visibility.
    """
    kind = permission_kind(queryset.model)
    condition = models.Q(pk__in=[])
    for grant, organisation in _grants(user):
        if not grant.allows(kind, action):
            continue
        allowed_statuses = grant.statuses.get(kind)
        scope = models.Q()
        if allowed_statuses is not None and status_field is not None:
            scope &= models.Q(**{f"{status_field}__in": sorted(allowed_statuses)})
        if grant.reach is Reach.SUBTREE:
            if organisation_field is None:
                continue
            scope &= models.Q(**{f"{organisation_field}__path__startswith": organisation.path})
        if not scope:
            return queryset
        condition |= scope
    return queryset.filter(condition)


def scopes_of(user, action: Action, kind: str) -> list | None:
    """The organisations over whose subtrees `user` may do `action` to `kind`: None means everywhere, [] nowhere."""
    scopes = []
    for grant, organisation in _grants(user):
        if grant.allows(kind, action):
            if grant.reach is Reach.ALL:
                return None
            scopes.append(organisation)
    return scopes


def roles_of(user) -> set[Role]:
    return {Role(m.role) for m in _memberships(user)}
