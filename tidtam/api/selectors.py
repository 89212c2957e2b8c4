"""Reads only the API needs: the objects an audit query or a write names. Same rules: take the user, start
restricted."""

from django.db.models import Model

from tidtam.core.errors import NotFound, forbidden
from tidtam.core.permissions import Action, restrict
from tidtam.organisations.selectors import organisation_list
from tidtam.plans.models import (
    CrossLink,
    Crosswalk,
    FrameworkVersion,
    IndicatorTarget,
    IndicatorValue,
)
from tidtam.plans.selectors import framework_list, indicator_get, node_get
from tidtam.projects.selectors import attachment_get, project_get
from tidtam.reporting.selectors import report_get, round_get


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
