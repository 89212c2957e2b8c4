"""Template tags for the approval chain, for any page that shows a project or a report.

{% load workflow %}
{% status_badge item %}            the status as text and colour (never colour alone), and "returned" when it was
{% workflow_actions item %}        the buttons of the actions the signed-in user may take now (a reason is asked
                                   for return and unlock); `next=` sets where to come back to (default: this page)
{{ item|item_url }}                the item's page; `item_edit_url` its form
{% user_roles as roles %}          the signed-in user's role codes, for menus ("approver" in roles)
"""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from tidtam.core.permissions import Action
from tidtam.workflow.choices import WorkflowAction, WorkflowStatus
from tidtam.workflow.selectors import available_actions, holds_action

register = template.Library()

_DETAIL = {"project": "projects:detail", "report": "reporting:report_detail"}
_EDIT = {"project": "projects:edit", "report": "reporting:report_edit"}
_REASON_ACTIONS = {WorkflowAction.RETURN, WorkflowAction.UNLOCK}


def language_part(label: str) -> str:
    """One side of a bilingual "ไทย / English" label: the English side in the English UI, the Thai side otherwise."""
    thai, _, english = str(label).partition(" / ")
    return english if translation.get_language() == "en" and english else thai


def _reverse(name: str, *args) -> str:
    """The address of a named page, or "" while the app that serves it is not installed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.filter
def item_url(item) -> str:
    return _reverse(_DETAIL[item.PERMISSION_KIND], item.pk)


@register.filter
def item_edit_url(item) -> str:
    return _reverse(_EDIT[item.PERMISSION_KIND], item.pk)


@register.filter
def kind_label(item) -> str:
    return language_part("โครงการ / Project" if item.PERMISSION_KIND == "project" else "รายงานความก้าวหน้า / Report")


@register.filter
def bilingual(label) -> str:
    """`{{ choice_label|bilingual }}`: the side of a "ไทย / English" label for the current language."""
    return language_part(label)


@register.inclusion_tag("workflow/_status_badge.html")
def status_badge(item) -> dict:
    status = WorkflowStatus(item.status)
    return {
        "status": status.value,
        "label": language_part(status.label),
        "colour": status.colour,
        "returned": status == WorkflowStatus.DRAFT and bool(item.return_reason),
        "step": item.approvals_done + 1 if status == WorkflowStatus.SUBMITTED and item.approvals_required > 1 else None,
        "steps": item.approvals_required,
    }


@register.inclusion_tag("workflow/_actions.html", takes_context=True)
def workflow_actions(context, item, next=None) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    kind = item.PERMISSION_KIND
    actions = [
        {
            "value": action.value,
            "label": language_part(action.label),
            "url": reverse("workflow:transition", kwargs={"kind": kind, "pk": item.pk, "action": action.value}),
            "needs_reason": action in _REASON_ACTIONS,
        }
        for action in (available_actions(user, item) if user is not None else [])
    ]
    return {
        "item": item,
        "kind": kind,
        "actions": actions,
        "next": next or (request.get_full_path() if request is not None else ""),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag(takes_context=True)
def workflow_menu(context) -> dict[str, bool]:
    """Which workflow pages the signed-in user's roles open: `approve` (the inbox) and `review` (the queue)."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return {
        "approve": holds_action(user, Action.APPROVE),
        "review": holds_action(user, Action.ACCEPT),
    }


@register.filter
def audit_action(code: str) -> str:
    """An audit entry's action in words: the workflow actions by their label, other codes as they are."""
    return language_part(WorkflowAction(code).label) if code in WorkflowAction.values else code
