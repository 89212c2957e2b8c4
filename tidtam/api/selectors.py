"""Reads the API needs that the apps' selectors do not offer (yet). Same rules: take the user, start restricted.

`node_crosswalks` and `nodes_with_child_counts` belong in `tidtam.plans.selectors` and `user_memberships` in an
accounts selector module; they live here until those exist.
"""

from django.db.models import Count, Model, Q, QuerySet

from tidtam.accounts.models import Membership
from tidtam.core.errors import NotFound, forbidden
from tidtam.core.permissions import Action, restrict
from tidtam.organisations.selectors import organisation_list
from tidtam.plans.models import (
    CrossLink,
    Crosswalk,
    Framework,
    FrameworkVersion,
    IndicatorTarget,
    IndicatorValue,
    Node,
)
from tidtam.plans.selectors import framework_list, indicator_get, node_get
from tidtam.projects.selectors import attachment_get, project_get
from tidtam.reporting.selectors import report_get, round_get


def current_version_of(framework: Framework) -> FrameworkVersion | None:
    """The current version among the framework's (prefetched) versions; the newest when none is marked current.

    The same rule as `plans.selectors.framework_version_get`, applied in memory so a list needs no query per item.
    """
    versions = list(framework.versions.all())
    return next((v for v in versions if v.is_current), None) or max(versions, key=lambda v: v.label, default=None)


def nodes_with_child_counts(*, user, ids: set[int]) -> dict[int, Node]:
    """The nodes with these ids (those the user may see), with framework, version and child count, in one query."""
    nodes = restrict(user, Action.VIEW, Node.objects.filter(pk__in=ids), organisation_field=None)
    nodes = nodes.select_related("framework_version__framework").annotate(child_count=Count("children"))
    return {node.pk: node for node in nodes}


def node_crosswalks(*, user, node: Node) -> QuerySet[Crosswalk]:
    """Crosswalks from this node to a newer version's node, and from an older version's node to this one."""
    crosswalks = restrict(user, Action.VIEW, Crosswalk.objects.all(), organisation_field=None)
    return crosswalks.filter(Q(from_node=node) | Q(to_node=node)).order_by("id")


def user_memberships(*, user) -> QuerySet[Membership]:
    """The signed-in user's own memberships, with their organisations, in tree order."""
    return Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__path", "role")


def _plan_object(model: type[Model]):
    def load(*, user, pk: int):
        return restrict(user, Action.VIEW, model.objects.filter(pk=pk), organisation_field=None).first()

    return load


def _by_selector(selector):
    def load(*, user, pk: int):
        try:
            return selector(user=user, pk=pk)
        except NotFound:
            return None

    return load


# The object types whose audit timeline the API shows, by their audit `object_type`. Users, memberships and tokens
# are left out: their timelines are personal data.
AUDIT_SUBJECTS = {
    "framework": lambda *, user, pk: framework_list(user=user).filter(pk=pk).first(),
    "frameworkversion": _plan_object(FrameworkVersion),
    "node": _by_selector(node_get),
    "indicator": _by_selector(indicator_get),
    "indicatortarget": _plan_object(IndicatorTarget),
    "indicatorvalue": _plan_object(IndicatorValue),
    "crosslink": _plan_object(CrossLink),
    "crosswalk": _plan_object(Crosswalk),
    "organisation": lambda *, user, pk: organisation_list(user=user, include_inactive=True).filter(pk=pk).first(),
    "project": _by_selector(project_get),
    "report": _by_selector(report_get),
    "progressreport": _by_selector(report_get),  # the type name audit entries carry for reports
    "round": _by_selector(round_get),
    "reportinground": _by_selector(round_get),  # the type name audit entries carry for rounds
    "attachment": _by_selector(attachment_get),
}


def audit_subject(*, user, object_type: str, pk: int) -> Model:
    """The object whose audit timeline is asked for. Missing and not viewable are the same answer: 404."""
    obj = AUDIT_SUBJECTS[object_type](user=user, pk=pk)
    if obj is None:
        raise NotFound(
            "object_not_found", f"ไม่พบ {object_type}:{pk} / No {object_type}:{pk}", {"object": f"{object_type}:{pk}"}
        )
    return obj


def for_write(load, model: type[Model], *, user, pk: int) -> Model:
    """The item a write names. A signed-in caller who may not see it (another organisation's draft) gets 403, as for
    any other object outside their organisation; reads keep answering 404. Writes need a signed-in caller, so this
    tells nothing to the public."""
    try:
        return load(user=user, pk=pk)
    except NotFound as not_found:
        if model.objects.filter(pk=pk).exists():
            raise forbidden("write", None) from not_found
        raise
