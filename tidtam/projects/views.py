"""Project pages: the list (filters, htmx-updated results, pagination), the detail page, the create/edit form, and
attachments (upload, removal, download).

Views read through the selectors with `user=request.user`, write only through the services, and turn service errors
into the same Thai / English messages the API shows, with the service's HTTP status.
"""

import re
from datetime import date
from decimal import Decimal

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db.models import DecimalField, OuterRef, Prefetch, Q, Subquery, Sum, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tidtam.core.errors import Conflict, Forbidden, ServiceError, ValidationFailed
from tidtam.core.models import Province
from tidtam.core.permissions import Action, can
from tidtam.core.selectors import audit_timeline, may_see_actors
from tidtam.core.templatetags.thai import be_date
from tidtam.core.thaicalendar import ce_to_be, fiscal_year, thai_month_name
from tidtam.core.views import or_404, posted_version
from tidtam.evaluation.alignment import form_suggestions, form_text
from tidtam.opendata.selectors import project_reports
from tidtam.organisations.models import Organisation
from tidtam.plans.models import Node
from tidtam.plans.selectors import framework_list
from tidtam.projects import selectors
from tidtam.projects.choices import BudgetSource, Lifecycle, ProjectKind
from tidtam.projects.filters import ProjectFilters
from tidtam.projects.forms import (
    ALIGN_FIELDS,
    MAX_ROWS,
    PARTS,
    AttachmentForm,
    ProjectForm,
    any_node_choices,
    formset_items,
    part_formset,
)
from tidtam.projects.models import BudgetLine, Contribution, Project
from tidtam.projects.services import attachment_add, attachment_remove, parts_summary, project_create, project_update
from tidtam.workflow.choices import WorkflowErrorCode, WorkflowStatus
from tidtam.workflow.services import approval_level_organisation, lock_reason
from tidtam.workflow.templatetags.workflow import language_part

PAGE_SIZE = 25
TIMELINE_LIMIT = 50
ERROR_KEY = re.compile(r"^(?P<name>\w+)(?:\[(?P<index>\d+)\])?(?:\.(?P<field>\w+))?$")


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _plain(value: Decimal | None) -> str:
    """`1,234.5` for Decimal("1234.5000"): grouped, without trailing zeros."""
    return "" if value is None else f"{value.normalize():,f}"


def _month_label(month) -> str:
    """ "ต.ค. 2567" in Thai (BE), "Oct 2024" in English."""
    if get_language() == "en":
        return f"{month:%b %Y}"
    return f"{thai_month_name(month.month, abbr=True)} {ce_to_be(month.year)}"


# --------------------------------------------------------------------------- list


def _filter_options(user) -> dict:
    """The choices of the filter form (a few small queries, independent of the number of projects)."""
    return {
        "frameworks": list(framework_list(user=user).order_by("code")),
        "provinces": list(Province.objects.order_by("name_th")),
        "organisations": list(Organisation.objects.filter(is_active=True, depth__lte=2).order_by("path")),
        "statuses": WorkflowStatus.choices,
        "lifecycles": Lifecycle.choices,
        "kinds": ProjectKind.choices,
    }


@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    """Projects the user may see, filtered by `ProjectFilters`; an htmx request gets only the results partial."""
    error = None
    try:
        filters = ProjectFilters.from_query(request.GET)
    except ValidationFailed as failed:
        filters, error = ProjectFilters(), failed
    projects = selectors.project_list(user=request.user, filters=filters)
    if error is not None:
        projects = projects.none()
    budget = (
        BudgetLine.objects.filter(project=OuterRef("pk"))
        .values("project")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    projects = projects.annotate(
        budget_total=Subquery(budget, output_field=DecimalField(max_digits=20, decimal_places=2))
    )
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    for project in page.object_list:
        project.budget_display = _money(project.budget_total)
    query = filters.as_query()
    context = {
        "page": page,
        "filters": filters,
        "query": query,
        "filter_error": error,
        "filtered": bool(query),
        "raw": {name: request.GET.get(name, "") for name in ProjectFilters.PARAMETERS},
        "may_create": request.user.is_authenticated and bool(_creatable_owners(request.user)),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    if partial:
        response = render(request, "projects/_project_results.html", context)
    else:
        context.update(_filter_options(request.user))
        # htmx does not swap 4xx responses, so only the full page reports a bad filter with 400.
        response = render(request, "projects/project_list.html", context, status=400 if error else 200)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --------------------------------------------------------------------------- detail


def _load_parts(project: Project) -> None:
    prefetch_related_objects(
        [project],
        "kpis",
        "activities",
        "budget_lines",
        "planned_disbursements",
        "provinces",
        "countries",
        "partners",
        Prefetch(
            "contributions",
            queryset=Contribution.objects.select_related("node__framework_version__framework").order_by(
                "-is_primary", "node__tree_path"
            ),
        ),
    )


def _contribution_rows(project: Project) -> list[dict]:
    """Each link with the path of its node from the framework's root, every step a link (one query for all)."""
    contributions = list(project.contributions.all())
    versions = {c.node.framework_version_id for c in contributions}
    codes = {code for c in contributions for code in c.node.path_codes}
    steps = {
        (n.framework_version_id, n.code): n
        for n in Node.objects.filter(framework_version_id__in=versions, code__in=codes).only(
            "pk", "code", "title_th", "title_en", "framework_version_id"
        )
    }
    rows = []
    for contribution in contributions:
        node = contribution.node
        path = [steps.get((node.framework_version_id, code)) for code in node.path_codes]
        rows.append(
            {
                "contribution": contribution,
                "node": node,
                "framework": node.framework_version.framework,
                "path": [step for step in path if step is not None],
            }
        )
    return rows


def _budget_table(project: Project) -> dict:
    """Budget by source (rows) and fiscal year (columns), with totals."""
    lines = list(project.budget_lines.all())
    years = sorted(
        {*range(project.fiscal_year_start, project.fiscal_year_end + 1), *(line.fiscal_year for line in lines)}
    )
    amounts = {(line.source, line.fiscal_year): line.amount for line in lines}
    rows = []
    for source in BudgetSource:
        if not any(key[0] == source.value for key in amounts):
            continue
        cells = [amounts.get((source.value, year)) for year in years]
        rows.append(
            {
                "label": source.label,
                "cells": [_money(cell) if cell is not None else "" for cell in cells],
                "total": _money(sum((c for c in cells if c is not None), Decimal(0))),
            }
        )
    year_totals = [sum((amounts.get((s.value, y), Decimal(0)) for s in BudgetSource), Decimal(0)) for y in years]
    return {
        "years": years,
        "rows": rows,
        "totals": [_money(total) for total in year_totals],
        "grand_total": _money(sum(year_totals, Decimal(0))),
    }


def _disbursement_plan(project: Project) -> list[dict]:
    """Planned disbursement by month, grouped by fiscal year, with the running total."""
    groups: list[dict] = []
    running = Decimal(0)
    for planned in project.planned_disbursements.all():
        year = fiscal_year(planned.month)
        if not groups or groups[-1]["fiscal_year"] != year:
            groups.append({"fiscal_year": year, "months": [], "total": Decimal(0)})
        running += planned.amount
        groups[-1]["total"] += planned.amount
        groups[-1]["months"].append(
            {
                "label": _month_label(planned.month),
                "month": planned.month,
                "amount": _money(planned.amount),
                "cumulative": _money(running),
            }
        )
    for group in groups:
        group["total"] = _money(group["total"])
    return groups


def _detail_context(request: HttpRequest, project: Project, **extra) -> dict:
    user = request.user
    _load_parts(project)
    editable_by_user = can(user, Action.EDIT, project)
    locked = lock_reason(project)
    staff = selectors.may_see_drafts(user=user, item=project)
    context = {
        "project": project,
        "kpis": [{"name": k.name, "unit": k.unit, "target": _plain(k.target_value)} for k in project.kpis.all()],
        "show_return_reason": project.status == WorkflowStatus.DRAFT and bool(project.return_reason),
        "approval_level": approval_level_organisation(project) if project.status == WorkflowStatus.SUBMITTED else None,
        "show_contact": staff,
        "contributions": _contribution_rows(project),
        "budget": _budget_table(project),
        "disbursement_plan": _disbursement_plan(project),
        "attachments": selectors.attachment_list(user=user, project=project),
        "reports": project_reports(user=user, project=project),
        "can_edit": editable_by_user and locked is None,
        "lock_message": WorkflowErrorCode(locked).label if editable_by_user and locked is not None else "",
        "attachment_form": extra.pop("attachment_form", None) or AttachmentForm(),
        "timeline": selectors.workflow_timeline(user=user, item=project, limit=TIMELINE_LIMIT),
        "show_actors": may_see_actors(user),
    }
    context.update(extra)
    return context


@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = or_404(selectors.project_get, user=request.user, pk=pk)
    return render(request, "projects/project_detail.html", _detail_context(request, project))


# --------------------------------------------------------------------------- create and edit


def _creatable_owners(user) -> list[Organisation]:
    """Organisations in which the user may create projects (the subtrees of their memberships, checked with `can`)."""
    if not user.is_authenticated:
        return []
    paths = [m.organisation.path for m in user.memberships.select_related("organisation")]
    if not paths:
        return []
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    candidates = Organisation.objects.filter(condition, is_active=True).order_by("path")
    return [o for o in candidates if can(user, Action.CREATE, Project(owner=o))]


def _initial(project: Project) -> tuple[dict, dict]:
    """Form and formset initial data from a stored project."""
    _load_parts(project)
    contributions = list(project.contributions.all())
    primary = next((c.node_id for c in contributions if c.is_primary), None)
    form = {name: getattr(project, name) for name in ProjectForm.SERVICE_FIELDS if hasattr(project, name)}
    form.update(
        provinces=[p.code for p in project.provinces.all()],
        countries=[c.alpha2 for c in project.countries.all()],
        partners=[o.code for o in project.partners.all()],
        primary_node=str(primary) if primary else "",
        version=project.version,
    )
    parts = {
        "kpis": [
            {"id": k.pk, "name": k.name, "unit": k.unit, "target_value": k.target_value} for k in project.kpis.all()
        ],
        "activities": [
            {"name": a.name, "start_date": a.start_date, "end_date": a.end_date} for a in project.activities.all()
        ],
        "budget_lines": [
            {"fiscal_year": b.fiscal_year, "source": b.source, "amount": b.amount} for b in project.budget_lines.all()
        ],
        "planned_disbursements": [{"month": p.month, "amount": p.amount} for p in project.planned_disbursements.all()],
        "secondary_nodes": [{"node": str(c.node_id)} for c in contributions if not c.is_primary],
    }
    return form, parts


def _bound_data(request: HttpRequest):
    """The posted data, and whether to show the form again without saving: an "add row" press adds one blank row to
    that table; "suggest plans" (`suggest_nodes`) only asks for the assistant's suggestions; a suggestion's "use as
    the primary link" (`pick_node`) puts that node in the primary link field. Every typed value is kept."""
    data = request.POST
    add = request.POST.get("add_row", "")
    pick = request.POST.get("pick_node", "")
    if add in PARTS:
        data = data.copy()
        key = f"{PARTS[add][0]}-TOTAL_FORMS"
        try:
            total = int(data.get(key, 0))
        except ValueError:
            total = 0
        data[key] = str(min(max(total, 0) + 1, MAX_ROWS))
    if pick.isdigit():
        data = data.copy()
        data["primary_node"] = pick
    return data, add in PARTS or pick.isdigit() or "suggest_nodes" in request.POST


def _build_forms(request: HttpRequest, project: Project | None, owners: list[Organisation]):
    creating = project is None
    selected = []
    if project is not None:
        selected = list(project.contributions.values_list("node_id", flat=True))
    if request.method == "POST":
        data, adding = _bound_data(request)
        form = ProjectForm(data, owners=owners, creating=creating, selected_nodes=selected)
        initial_parts = {}
    else:
        data, adding = None, False
        form_initial, initial_parts = _initial(project) if project is not None else ({}, {})
        if creating:
            form_initial = {"kind": ProjectKind.PROJECT, "lifecycle": Lifecycle.PLANNED}
            if len(owners) == 1:
                form_initial["owner"] = owners[0].code
        form = ProjectForm(initial=form_initial, owners=owners, creating=creating, selected_nodes=selected)
    node_choices = any_node_choices(selected)
    formsets = {}
    for part in PARTS:
        rows = initial_parts.get(part) or None
        kwargs = {"node_choices": node_choices} if part == "secondary_nodes" else {}
        formsets[part] = part_formset(part, data=data, initial=rows, extra=0 if rows else 1, **kwargs)
    return form, formsets, adding


def _put_errors(error: ValidationFailed, form: ProjectForm, formsets: dict, rows: dict) -> dict[str, list[str]]:
    """Show each service error next to its field: `kpis[1].target_value` on row 2 of the KPI table, `provinces[0]`
    on the provinces field. Returns the errors that belong to a whole table (`kpis`)."""
    table_errors: dict[str, list[str]] = {}
    details = error.details if isinstance(error.details, dict) else {}
    for key, messages in details.items():
        messages = messages if isinstance(messages, list) else [str(messages)]
        match = ERROR_KEY.match(str(key))
        name = match["name"] if match else ""
        for message in messages:
            if name in rows and match["index"] is not None and int(match["index"]) < len(rows[name]):
                row = rows[name][int(match["index"])]
                field = match["field"] or ("node" if name == "secondary_nodes" else None)
                visible = field in row.fields and not row.fields[field].widget.is_hidden
                row.add_error(field if visible else None, message)
            elif name in PARTS:
                table_errors.setdefault(name, []).append(message)
            elif name in form.fields and name not in form.errors:
                form.add_error(name, message)
            elif name in form.fields:
                form.errors[name].append(message)
            else:
                form.add_error(None, message)
    return table_errors


FIELD_LABELS = {"parts": "Project parts (KPIs, activities, budget, disbursement plan, links, places, partners)"}
IGNORED_CHANGES = {"version", "updated_at", "approvals_required", "approvals_done"}


def _changes_since(user, project: Project, version: int) -> list[dict]:
    """What others changed after `version`: the fields named in later audit entries, with their current values."""
    entries = [
        e
        for e in audit_timeline(user=user, obj=project)[:TIMELINE_LIMIT]
        if (e.after or {}).get("version", 0) > version
    ]
    names = sorted(set().union(*(set(e.changed_fields) for e in entries)) - IGNORED_CHANGES)
    current = Project.objects.select_related("owner").get(pk=project.pk)
    rows = []
    for name in names:
        if name == "parts":
            counts = parts_summary(current)["counts"]
            value = ", ".join(f"{key}: {count}" for key, count in counts.items())
            rows.append({"label": _(FIELD_LABELS["parts"]), "value": value})
            continue
        try:
            model_field = Project._meta.get_field(name.removesuffix("_id"))
        except FieldDoesNotExist:  # a field since removed from the model
            continue
        display = getattr(current, f"get_{model_field.name}_display", None)
        value = language_part(display()) if display else getattr(current, model_field.name)
        if isinstance(value, date):
            value = be_date(value)
        rows.append({"label": str(model_field.verbose_name), "value": value if value not in (None, "") else "—"})
    return rows


def _form_page(request: HttpRequest, project: Project | None) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    creating = project is None
    owners = _creatable_owners(user) if creating else []
    if creating and not owners:
        raise PermissionDenied
    if not creating:
        if not can(user, Action.EDIT, project):
            raise PermissionDenied
        locked = lock_reason(project)
        if locked is not None:
            context = {"project": project, "lock_message": WorkflowErrorCode(locked).label}
            return render(request, "projects/project_locked.html", context, status=409)
    form, formsets, adding = _build_forms(request, project, owners)
    context = {"project": project, "creating": creating, "form": form, "formsets": formsets, "show_errors": True}
    status = 200
    if request.method == "POST" and adding:
        context["show_errors"] = False
    elif request.method == "POST":
        valid = form.is_valid() & all([fs.is_valid() for fs in formsets.values()])
        if valid:
            data = form.service_data()
            rows = {}
            for part, formset in formsets.items():
                items, rows[part] = formset_items(formset)
                data[part] = [int(item["node"]) for item in items] if part == "secondary_nodes" else items
            try:
                if creating:
                    owner = next(o for o in owners if o.code == form.cleaned_data["owner"])
                    saved = project_create(actor=user, owner=owner, code=form.cleaned_data["code"], **data)
                else:
                    saved = project_update(actor=user, project=project, version=form.cleaned_data["version"], **data)
                return redirect("projects:detail", saved.pk)
            except ValidationFailed as error:
                context["service_error"] = error
                context["has_errors"] = True
                context["table_errors"] = _put_errors(error, form, formsets, rows)
                status = 400
            except Forbidden as error:
                raise PermissionDenied(error.message) from error
            except Conflict as error:
                context["service_error"] = error
                status = 409
                if error.code == "stale_version":
                    context["changes"] = _changes_since(user, project, form.cleaned_data["version"])
                    context["reload_url"] = reverse("projects:edit", args=[project.pk])
        else:
            context["has_errors"] = True
            status = 400
    context["align"] = form_suggestions(user=user, text=_align_text(form))
    return render(request, "projects/project_form.html", context, status=status)


def _align_text(form: ProjectForm) -> str:
    """The name and objectives typed in the form (or, unbound, the project's), for the alignment assistant."""
    source = form.data if form.is_bound else form.initial
    return form_text(*(str(source.get(name) or "") for name in ALIGN_FIELDS))


@require_GET
def align_suggestions(request: HttpRequest) -> HttpResponse:
    """The suggestions panel of the project form for the name and objectives in the query (htmx, as the officer
    types). Plans are public and the assistant learns only from accepted projects; a sign-in is asked because the
    panel belongs to the project form."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("projects:create"))
    text = form_text(*(request.GET.get(name, "") for name in ALIGN_FIELDS))
    context = {"align": form_suggestions(user=request.user, text=text)}
    return render(request, "projects/_align_suggestions.html", context)


@require_http_methods(["GET", "POST"])
def project_create_view(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    project = or_404(selectors.project_get, user=request.user, pk=pk)
    return _form_page(request, project)


# --------------------------------------------------------------------------- attachments


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a file to a draft project; errors are shown on the project page with the service's status."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("projects:detail", args=[pk]))
    project = or_404(selectors.project_get, user=request.user, pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        try:
            attachment_add(
                actor=request.user,
                project=project,
                uploaded_file=form.cleaned_data["file"],
                is_public=form.cleaned_data["is_public"],
            )
            return redirect(reverse("projects:detail", args=[pk]) + "#attachments")
        except Forbidden as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            form.add_error("file", error.message)
            status = error.status
    project.refresh_from_db()
    context = _detail_context(request, project, attachment_form=form)
    return render(request, "projects/project_detail.html", context, status=status)


@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove an attachment (field `version`: its project's or report's version)."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("projects:list"))
    attachment = or_404(selectors.attachment_get, user=request.user, pk=pk)
    project = attachment.project
    default = reverse("projects:detail", args=[project.pk]) + "#attachments"
    version = posted_version(request)
    try:
        attachment_remove(actor=request.user, attachment=attachment, version=version)
    except Forbidden as error:
        raise PermissionDenied(error.message) from error
    except ServiceError as error:
        project.refresh_from_db()
        context = _detail_context(request, project, attachment_error=error)
        return render(request, "projects/project_detail.html", context, status=error.status)
    return redirect(_next_url(request, default))


@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Stream a file the user may see, always as a download, never sniffed or rendered by the browser."""
    attachment = or_404(selectors.attachment_get, user=request.user, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404("file missing") from error
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    patch_vary_headers(response, ("Cookie",))
    return response
