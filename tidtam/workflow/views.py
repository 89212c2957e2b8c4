"""Workflow pages: the agency workspace, the approval inbox with bulk approval, the reviewer queue, and the one POST
endpoint every project and report page uses to move an item along the chain.

Views read through the selectors with `user=request.user`, write through the workflow services, and show a refused
transition with the engine's own Thai / English message (the API shows the same one).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tidtam.core.errors import Conflict, Forbidden, ServiceError
from tidtam.core.permissions import Action, restrict
from tidtam.core.selectors import audit_timeline, may_see_actors
from tidtam.projects.models import Project
from tidtam.reporting.models import ProgressReport
from tidtam.reporting.selectors import round_list
from tidtam.workflow import selectors
from tidtam.workflow.choices import WorkflowAction
from tidtam.workflow.forms import QueueFilterForm, TransitionForm
from tidtam.workflow.services import bulk_approve, workflow_transition
from tidtam.workflow.templatetags.workflow import item_edit_url, item_url, language_part

CONFLICT_TIMELINE_LIMIT = 10
BULK_MAX_ITEMS = 500


# ---------------------------------------------------------------------------------------------------- helpers


def _items_of_kind(user, kind: str) -> QuerySet:
    """The items of `kind` that `user` may see, with what the pages show of them."""
    if kind == "project":
        queryset = Project.objects.select_related("owner")
        return restrict(user, Action.VIEW, queryset, organisation_field="owner", status_field="status")
    queryset = ProgressReport.objects.select_related("project__owner", "round")
    return restrict(user, Action.VIEW, queryset, organisation_field="project__owner", status_field="status")


def _item_or_404(user, kind: str, pk: int):
    if kind not in selectors.KINDS:
        raise Http404("unknown kind")
    item = _items_of_kind(user, kind).filter(pk=pk).first()
    if item is None:
        raise Http404("not found")
    return item


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    """`candidate` when it is an address on this site, else an empty string."""
    candidate = candidate or ""
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if allowed else ""


def _message(error: ServiceError) -> str:
    """The engine's message, followed by what is missing when it names fields (an incomplete submission)."""
    fields = error.details.get("fields") if isinstance(error.details, dict) else None
    if isinstance(fields, dict):
        problems = [text for texts in fields.values() for text in texts]
        if problems:
            return f"{error.message}: {'; '.join(problems)}"
    return error.message


def _refused(request: HttpRequest, error: ServiceError, *, back: str = "") -> HttpResponse:
    """A page saying why the request was refused, with the error's status (403 and such)."""
    context = {"message": _message(error), "code": error.code, "back": back}
    return render(request, "workflow/refused.html", context, status=error.status)


def _forbidden(request: HttpRequest) -> HttpResponse:
    error = Forbidden("forbidden", "คุณไม่มีสิทธิ์ดำเนินการนี้ / You are not allowed to do this")
    return _refused(request, error)


def _reverse(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _filter_form(request: HttpRequest, data, action: Action) -> QueueFilterForm:
    organisations = selectors.filter_organisations(user=request.user, action=action)
    return QueueFilterForm(data, organisations=organisations, rounds=round_list(user=request.user))


def _render_list(request: HttpRequest, full: str, partial: str, context: dict, status: int = 200) -> HttpResponse:
    """The whole page, or only the list for an htmx request (the filters and bulk approval swap the list)."""
    use_partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, partial if use_partial else full, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


# ---------------------------------------------------------------------------------------------------- workspace


@login_required
@require_GET
def workspace(request: HttpRequest) -> HttpResponse:
    """My tasks: reports due in open rounds, items returned to me, items waiting for my approval."""
    tasks = selectors.my_tasks(user=request.user)
    due = []
    for entry in tasks["reports_due"]:
        if entry.report is not None:
            url = item_edit_url(entry.report) or item_url(entry.report)
        else:
            create = _reverse("reporting:report_create", entry.project.pk)
            url = f"{create}?round={entry.round.pk}" if create else ""
        due.append({"entry": entry, "url": url})
    context = {
        "due": due,
        "returned": tasks["returned_to_me"],
        "awaiting": tasks["awaiting_my_approval"],
        "may_approve": selectors.holds_action(request.user, Action.APPROVE),
        "may_review": selectors.holds_action(request.user, Action.ACCEPT),
    }
    return render(request, "workflow/workspace.html", context)


# ---------------------------------------------------------------------------------------------------- inbox


def _inbox_context(request: HttpRequest, form: QueueFilterForm, results=None) -> dict:
    items = selectors.approval_inbox(user=request.user, **form.filters())
    return {"form": form, "items": items, "results": results, "query": form.query()}


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """Submitted items waiting for the user's approval at their level, filtered by type, organisation and round."""
    if not selectors.holds_action(request.user, Action.APPROVE):
        return _forbidden(request)
    form = _filter_form(request, request.GET, Action.APPROVE)
    return _render_list(request, "workflow/inbox.html", "workflow/_inbox_list.html", _inbox_context(request, form))


def _selected(user, values: list[str]) -> tuple[list[tuple], list[dict]]:
    """Parse `kind:pk:version` values into (item, version) pairs the user may see; the rest become failures."""
    wanted: dict[str, dict[int, int]] = {kind: {} for kind in selectors.KINDS}
    failures = []
    for value in values[:BULK_MAX_ITEMS]:
        kind, _sep, rest = value.partition(":")
        pk, _sep, version = rest.partition(":")
        if kind in wanted and pk.isdigit() and version.isdigit():
            wanted[kind][int(pk)] = int(version)
    pairs = []
    for kind, versions in wanted.items():
        if not versions:
            continue
        found = {item.pk: item for item in _items_of_kind(user, kind).filter(pk__in=list(versions))}
        for pk, version in versions.items():
            if pk in found:
                pairs.append((found[pk], version))
            else:
                failures.append({"label": f"{kind} {pk}", "ok": False, "message": _("Not found")})
    return pairs, failures


@login_required
@require_POST
def inbox_approve(request: HttpRequest) -> HttpResponse:
    """Approve the selected items (`item` = `kind:pk:version`, each with the version the user saw); each succeeds or
    fails on its own and the page lists every result with its reason."""
    if not selectors.holds_action(request.user, Action.APPROVE):
        return _forbidden(request)
    form = _filter_form(request, request.POST, Action.APPROVE)
    values = request.POST.getlist("item")
    results, error, status = None, "", 200
    if not values:
        # htmx swaps only 2xx answers: the list with the error comes back as 200 there, as 400 to a plain POST.
        error, status = _("Select at least one item to approve."), 200 if request.htmx else 400
    else:
        pairs, results = _selected(request.user, values)
        for result in bulk_approve(actor=request.user, items=pairs):
            results.append(
                {
                    "item": result.item,
                    "ok": result.ok,
                    "message": _message(result.error) if result.error else "",
                }
            )
    context = {**_inbox_context(request, form, results), "error": error}
    if results is not None:
        context["approved_count"] = sum(1 for r in results if r["ok"])
        context["failed_count"] = len(results) - context["approved_count"]
    return _render_list(request, "workflow/inbox.html", "workflow/_inbox_list.html", context, status=status)


# ---------------------------------------------------------------------------------------------------- review


@login_required
@require_GET
def review(request: HttpRequest) -> HttpResponse:
    """Approved items waiting for a reviewer to accept or return them."""
    if not selectors.holds_action(request.user, Action.ACCEPT):
        return _forbidden(request)
    form = _filter_form(request, request.GET, Action.ACCEPT)
    items = selectors.reviewer_queue(user=request.user, **form.filters())
    context = {"form": form, "items": items, "query": form.query()}
    return _render_list(request, "workflow/review.html", "workflow/_review_list.html", context)


# ---------------------------------------------------------------------------------------------------- transition


@login_required
@require_POST
def transition(request: HttpRequest, kind: str, pk: int, action: str) -> HttpResponse:
    """Move one project or report by `action`; the form sends the `version` the user saw, a `reason` and `next`.

    Success and refusals by state or missing data come back as a message on the `next` page; a stale version gets
    the 409 conflict page (what changed since, and a reload link); a permission refusal gets a 403 page.
    """
    if action not in WorkflowAction.values:
        raise Http404("unknown action")
    item = _item_or_404(request.user, kind, pk)
    back = _safe_next(request, request.POST.get("next")) or item_url(item) or reverse("workflow:workspace")
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was not complete. Reload the page and try again."))
        return redirect(back)
    seen_version = form.cleaned_data["version"]
    action = WorkflowAction(action)
    try:
        workflow_transition(
            actor=request.user, item=item, action=action, version=seen_version, reason=form.cleaned_data["reason"]
        )
    except Conflict as error:
        if error.code == "stale_version":
            return _conflict(request, kind, pk, error, seen_version=seen_version, back=back)
        messages.error(request, _message(error))
        return redirect(back)
    except Forbidden as error:
        return _refused(request, error, back=back)
    except ServiceError as error:
        messages.error(request, _message(error))
        return redirect(back)
    messages.success(
        request, _("%(action)s: done for %(item)s") % {"action": language_part(action.label), "item": str(item)}
    )
    return redirect(back)


def _conflict(request: HttpRequest, kind: str, pk: int, error: ServiceError, *, seen_version: int, back: str):
    """The 409 page: the engine's message, the item as it is now, and the changes made since the version seen."""
    item = _item_or_404(request.user, kind, pk)
    since = [
        entry
        for entry in audit_timeline(user=request.user, obj=item)[:CONFLICT_TIMELINE_LIMIT]
        if (entry.after or {}).get("version", 0) > seen_version
    ]
    context = {
        "message": error.message,
        "item": item,
        "seen_version": seen_version,
        "changes": since,
        "show_actors": may_see_actors(request.user),
        "back": back,
    }
    return render(request, "workflow/conflict.html", context, status=409)
