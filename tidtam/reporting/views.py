"""Reporting pages: rounds (with completeness, timeliness and reminders), and the progress report's creation, form,
evidence and detail page.

Views read through the selectors with `user=request.user`, write through the services, and show a refusal with the
service's own Thai / English message and status. A signed-out visitor asked to do something is sent to sign in.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tidtam.core.audit import object_type
from tidtam.core.errors import Conflict, Forbidden, NotFound, ServiceError, forbidden
from tidtam.core.models import AuditEntry
from tidtam.core.permissions import Action, can
from tidtam.core.selectors import audit_timeline, may_see_actors
from tidtam.organisations.models import Organisation
from tidtam.projects import selectors as project_selectors
from tidtam.projects import services as project_services
from tidtam.projects.models import Attachment
from tidtam.reporting import selectors, services
from tidtam.reporting.forms import (
    EvidenceForm,
    RemindForm,
    ReportForm,
    RoundOpenForm,
    RoundStateForm,
    RoundUpdateForm,
    number_text,
)
from tidtam.reporting.models import ProgressReport, ReportingRound
from tidtam.workflow.choices import WorkflowAction
from tidtam.workflow.services import lock_reason, workflow_transition

TIMELINE_LIMIT = 50
CONFLICT_ENTRIES = 10
FIELD_LABELS = {
    "physical_progress": gettext_lazy("Physical progress (%)"),
    "results": gettext_lazy("Results (ผลการดำเนินงาน)"),
    "problems": gettext_lazy("Problems and obstacles (ปัญหาอุปสรรค)"),
    "recommendations": gettext_lazy("Recommendations (ข้อเสนอแนะ)"),
    "parts": gettext_lazy("Disbursements, KPI actuals or indicator values"),
    "status": gettext_lazy("Workflow status"),
    "return_reason": gettext_lazy("Reason for return"),
}


# ---------------------------------------------------------------------------------------------------- helpers


def _reverse(name: str, *args) -> str:
    """The address of a named page, or "" while the app that serves it is not installed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _refused(request: HttpRequest, error: ServiceError, *, back: str = "") -> HttpResponse:
    """Sign in first when signed out; otherwise a page with the service's message and status."""
    if not request.user.is_authenticated and isinstance(error, Forbidden | NotFound):
        return redirect_to_login(request.get_full_path())
    context = {"message": error.message, "code": error.code, "back": back}
    return render(request, "reporting/refused.html", context, status=error.status)


def _get(selector, request: HttpRequest, pk: int):
    """A `*_get` selector's object; its NotFound becomes the site's 404 page (or sign-in for visitors)."""
    try:
        return selector(user=request.user, pk=pk)
    except NotFound as error:
        if not request.user.is_authenticated:
            raise _SignIn from error
        raise Http404(error.message) from error


class _SignIn(Exception):
    pass


def _with_sign_in(view):
    """Send signed-out visitors to sign in when the object is not visible to them."""

    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _SignIn:
            return redirect_to_login(request.get_full_path())

    wrapper.__name__, wrapper.__doc__ = view.__name__, view.__doc__
    return wrapper


def _round_context(round: ReportingRound) -> dict:
    months = selectors.period_months(round)
    return {"round": round, "round_label": selectors.round_label(round), "months": months}


# ---------------------------------------------------------------------------------------------------- rounds


def _round_list_page(request: HttpRequest, form: RoundOpenForm | None = None, status: int = 200) -> HttpResponse:
    rounds = list(selectors.round_list(user=request.user))
    for round_ in rounds:
        round_.label = selectors.round_label(round_)
    may_open = can(request.user, Action.CREATE, ReportingRound)
    context = {
        "rounds": rounds,
        "may_open": may_open,
        "may_manage": can(request.user, Action.MANAGE, ReportingRound),
        "form": form or (RoundOpenForm() if may_open else None),
    }
    return render(request, "reporting/round_list.html", context, status=status)


@require_GET
def round_list(request: HttpRequest) -> HttpResponse:
    """All rounds, newest first; a reviewer also sees the form to open one and the close/reopen controls."""
    return _round_list_page(request)


@require_POST
def round_open(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.CREATE, ReportingRound):
        return _refused(request, forbidden("create"))
    form = RoundOpenForm(request.POST)
    if not form.is_valid():
        return _round_list_page(request, form, status=400)
    try:
        round_ = services.round_open(
            actor=request.user,
            fiscal_year=form.cleaned_data["fiscal_year"],
            opens_on=form.cleaned_data["opens_on"],
            deadline=form.cleaned_data["deadline"],
            **form.period_arguments(),
        )
    except ServiceError as error:
        form.add_error(None, error.message)
        return _round_list_page(request, form, status=error.status)
    messages.success(request, _("The reporting round %(round)s is open.") % {"round": selectors.round_label(round_)})
    return redirect("reporting:round_detail", pk=round_.pk)


def _remind_targets(user) -> list[Organisation | None]:
    """Where the user may send reminders: None (everyone) for a reviewer, else each coordinated organisation."""
    if can(user, Action.REMIND, ProgressReport):
        return [None]
    scopes = selectors.completeness_scopes(user) or []
    return [org for org in scopes if can(user, Action.REMIND, ProgressReport, scope=org)]


@_with_sign_in
@require_GET
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A round: its dates, the reports the user owes, and — for coordinators, reviewers and oversight — completeness
    and timeliness per organisation, with the reminder button for those who may send reminders."""
    round_ = _get(selectors.round_get, request, pk)
    context = _round_context(round_)
    rows = None
    if selectors.may_see_completeness(request.user):
        rows = selectors.completeness(user=request.user, round=round_)
        context["total"] = selectors.completeness_total(rows)
    owed = selectors.reports_owed_by(user=request.user, round=round_)
    for project in owed:
        report = project.round_report
        project.report_url = _reverse("reporting:report_detail", report.pk) if report else ""
        project.create_url = "" if report else f"{_reverse('reporting:report_create', project.pk)}?round={round_.pk}"
    may_manage = can(request.user, Action.MANAGE, round_)
    context.update(
        rows=rows,
        owed=owed,
        remind_targets=_remind_targets(request.user) if not round_.is_closed else [],
        may_manage=may_manage,
        may_edit=can(request.user, Action.EDIT, round_),
        update_form=RoundUpdateForm(
            initial={"version": round_.version, "opens_on": round_.opens_on, "deadline": round_.deadline}
        ),
        timeline=list(audit_timeline(user=request.user, obj=round_)[:TIMELINE_LIMIT]) if may_manage else [],
        show_actors=may_see_actors(request.user),
    )
    return render(request, "reporting/round_detail.html", context)


def _round_for_write(request: HttpRequest, pk: int) -> ReportingRound:
    return _get(selectors.round_get, request, pk)


@_with_sign_in
@require_POST
def round_update(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round_for_write(request, pk)
    back = reverse("reporting:round_detail", args=[round_.pk])
    form = RoundUpdateForm(request.POST)
    if not form.is_valid():
        if not can(request.user, Action.EDIT, round_):
            return _refused(request, forbidden("edit"))
        errors = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return _refused(request, ServiceError("invalid", errors), back=back)
    try:
        services.round_update(actor=request.user, round=round_, **form.cleaned_data)
    except ServiceError as error:
        return _refused(request, error, back=back)
    messages.success(request, _("The round's dates were saved."))
    return redirect(back)


def _round_state(request: HttpRequest, pk: int, service, done: str) -> HttpResponse:
    round_ = _round_for_write(request, pk)
    back = reverse("reporting:round_detail", args=[round_.pk])
    form = RoundStateForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else 0
    try:
        service(actor=request.user, round=round_, version=version, reason=form.cleaned_data.get("reason", ""))
    except ServiceError as error:
        return _refused(request, error, back=back)
    messages.success(request, done)
    return redirect(reverse("reporting:round_list") if request.POST.get("next") == "list" else back)


@_with_sign_in
@require_POST
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _round_state(request, pk, services.round_close, _("The round is closed; its reports are locked."))


@_with_sign_in
@require_POST
def round_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _round_state(request, pk, services.round_reopen, _("The round is open again."))


@_with_sign_in
@require_POST
def round_remind(request: HttpRequest, pk: int) -> HttpResponse:
    """Send reminders (to everyone for a reviewer, to an organisation's subtree for its coordinator). An htmx request
    gets only the result line."""
    round_ = _get(selectors.round_get, request, pk)
    back = reverse("reporting:round_detail", args=[round_.pk])
    form = RemindForm(request.POST)
    code = form.cleaned_data["organisation"] if form.is_valid() else ""
    organisation = Organisation.objects.filter(code=code).first() if code else None
    if code and organisation is None:
        return _refused(request, NotFound("organisation_not_found", f"ไม่พบหน่วยงาน '{code}' / No organisation"))
    try:
        sent = services.reminders_send(actor=request.user, round=round_, organisation=organisation)
    except ServiceError as error:
        if request.htmx and request.user.is_authenticated:
            context = {"message": error.message, "error": True}
            return render(request, "reporting/_remind_result.html", context, status=error.status)
        return _refused(request, error, back=back)
    message = _("Reminders sent: %(count)s message(s).") % {"count": sent}
    if request.htmx:
        return render(request, "reporting/_remind_result.html", {"message": message})
    messages.success(request, message)
    return redirect(back)


# ---------------------------------------------------------------------------------------------------- reports


def _project(request: HttpRequest, pk: int):
    try:
        return project_selectors.project_get(user=request.user, pk=pk)
    except NotFound as error:
        if not request.user.is_authenticated:
            raise _SignIn from error
        raise Http404(error.message) from error


@_with_sign_in
@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a project's report for a round (`?round=`): a confirmation page, then POST creates it pre-filled from the
    previous report. Without a round, the open rounds in which the project owes a report are offered."""
    project = _project(request, pk)
    if not can(request.user, Action.CREATE, ProgressReport(project=project)):
        return _refused(request, forbidden("create"))
    round_id = request.POST.get("round") or request.GET.get("round")
    round_ = None
    if round_id:
        try:
            round_ = _get(selectors.round_get, request, int(round_id))
        except ValueError:
            raise Http404("bad round") from None
    context = {"project": project, "round": round_, "project_url": _reverse("projects:detail", project.pk)}
    if round_ is None:
        rounds = selectors.open_rounds_owed(project=project)
        for option in rounds:
            option.label = selectors.round_label(option)
        context["rounds"] = rounds
        return render(request, "reporting/report_create.html", context)
    context["round_label"] = selectors.round_label(round_)
    existing = ProgressReport.objects.filter(project=project, round=round_).first()
    context["existing"] = existing
    if request.method == "POST":
        try:
            report = services.report_create(actor=request.user, project=project, round=round_)
        except ServiceError as error:
            context["error"] = error
            return render(request, "reporting/report_create.html", context, status=error.status)
        messages.success(request, _("The report was created. Fill it in and save."))
        return redirect("reporting:report_edit", pk=report.pk)
    context["previous"] = selectors.previous_report(project=project, round=round_)
    context["owed"] = selectors.owes_report(project=project, round=round_)
    return render(request, "reporting/report_create.html", context)


def _report_for_page(request: HttpRequest, pk: int) -> ProgressReport:
    report = _get(selectors.report_get, request, pk)
    kpis = list(report.project.kpis.all())
    report.kpi_list = kpis
    return report


def _evidence(request: HttpRequest, report: ProgressReport) -> list[Attachment]:
    """The report's evidence files the user may download, with their download addresses."""
    evidence = project_selectors.attachment_list(user=request.user, project=report.project, report=report)
    for attachment in evidence:
        attachment.url = _reverse("projects:attachment", attachment.pk)
    return evidence


def _money_rows(report: ProgressReport, months) -> list[dict]:
    amounts = {row.month: row.amount for row in report.disbursements.all()}
    return [{"month": month, "label": selectors.month_label(month), "amount": amounts.get(month)} for month in months]


@_with_sign_in
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything in the report: progress, money per month and cumulative, KPI actuals against targets, indicator
    values, narrative, evidence, workflow status and actions, return reason and the timeline."""
    report = _report_for_page(request, pk)
    if not project_selectors.may_see_reasons(user=request.user, item=report):
        report.return_reason = ""
    context = _round_context(report.round)
    actuals = {a.kpi_id: a.value for a in report.kpi_actuals.all()}
    indicator_values = list(report.indicator_values.select_related("indicator__node").order_by("indicator__code"))
    may_edit = can(request.user, Action.EDIT, report) and lock_reason(report) is None
    month_total = sum((row.amount for row in report.disbursements.all()), start=0)
    context.update(
        report=report,
        project=report.project,
        project_url=_reverse("projects:detail", report.project_id),
        money=_money_rows(report, context["months"]),
        month_total=month_total,
        cumulative=selectors.cumulative_disbursement(report, user=request.user),
        planned=selectors.disbursement_plan_to_date(report),
        kpis=[{"kpi": kpi, "actual": actuals.get(kpi.pk)} for kpi in report.kpi_list],
        indicator_values=indicator_values,
        evidence=_evidence(request, report),
        may_edit=may_edit,
        lock=lock_reason(report),
        timeline=project_selectors.workflow_timeline(user=request.user, item=report, limit=TIMELINE_LIMIT),
        show_actors=may_see_actors(request.user),
    )
    return render(request, "reporting/report_detail.html", context)


def _form_for(report: ProgressReport, data=None) -> ReportForm:
    months = selectors.period_months(report.round)
    indicators = list(selectors.indicators_for_project(report.project))
    return ReportForm(data, report=report, months=months, kpis=report.kpi_list, indicators=indicators)


def _conflict_context(request: HttpRequest, report: ProgressReport, expected: int) -> dict:
    """What changed since the version the user loaded: the newer audit entries and the current values."""
    current = ProgressReport.objects.select_related("round", "project").get(pk=report.pk)
    entries = AuditEntry.objects.filter(object_type=object_type(report), object_id=str(report.pk)).select_related(
        "actor"
    )[:CONFLICT_ENTRIES]
    newer = [e for e in entries if (e.after or {}).get("version", 0) > expected]
    for entry in newer:
        entry.labels = [str(FIELD_LABELS[name]) for name in entry.changed_fields if name in FIELD_LABELS]
    money = [
        {"label": selectors.month_label(row.month), "amount": number_text(row.amount)}
        for row in current.disbursements.order_by("month")
    ]
    return {
        "conflict": {
            "entries": newer,
            "current": current,
            "progress": number_text(current.physical_progress),
            "money": money,
            "reload": reverse("reporting:report_edit", args=[report.pk]),
        }
    }


def _edit_page(request: HttpRequest, report: ProgressReport, form: ReportForm, status: int = 200, **extra):
    context = _round_context(report.round)
    context.update(
        report=report,
        project=report.project,
        form=form,
        cumulative=selectors.cumulative_disbursement(report, user=request.user),
        planned=selectors.disbursement_plan_to_date(report),
        evidence=_evidence(request, report),
        evidence_form=extra.pop("evidence_form", None) or EvidenceForm(),
        show_actors=may_see_actors(request.user),
        **extra,
    )
    return render(request, "reporting/report_form.html", context, status=status)


def _editable_or_refusal(request: HttpRequest, report: ProgressReport) -> HttpResponse | None:
    if not can(request.user, Action.EDIT, report):
        return _refused(request, forbidden("edit"))
    reason = lock_reason(report)
    if reason is not None:
        back = reverse("reporting:report_detail", args=[report.pk])
        return _refused(request, Conflict(reason.value, str(reason.label)), back=back)
    return None


@_with_sign_in
@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The report form. Saving sends the version the user loaded; if someone saved in between, nothing is written and
    the page (409) shows what changed, keeps what the user typed and offers a reload. "Save and submit" also sends
    the report for approval."""
    report = _report_for_page(request, pk)
    refusal = _editable_or_refusal(request, report)
    if refusal is not None:
        return refusal
    if request.method == "GET":
        return _edit_page(request, report, _form_for(report))
    form = _form_for(report, request.POST)
    if not form.is_valid():
        return _edit_page(request, report, form, status=400)
    version = form.cleaned_data["version"]
    try:
        report = services.report_update(actor=request.user, report=report, version=version, **form.changes())
    except ServiceError as error:
        if error.code == "stale_version":
            context = _conflict_context(request, report, version)
            return _edit_page(request, report, form, status=409, error=error, **context)
        if isinstance(error.details, dict) and error.status == 400:
            form.add_service_errors(error.details)
        return _edit_page(request, report, form, status=error.status, error=error)
    if "submit" in request.POST:
        try:
            workflow_transition(actor=request.user, item=report, action=WorkflowAction.SUBMIT, version=report.version)
        except ServiceError as error:
            messages.error(request, _submission_message(error))
            return redirect("reporting:report_edit", pk=report.pk)
        messages.success(request, _("The report was saved and submitted for approval."))
        return redirect("reporting:report_detail", pk=report.pk)
    messages.success(request, _("The report was saved."))
    return redirect("reporting:report_edit", pk=report.pk)


def _submission_message(error: ServiceError) -> str:
    fields = error.details.get("fields") if isinstance(error.details, dict) else None
    if isinstance(fields, dict):
        return f"{error.message}: {'; '.join(text for texts in fields.values() for text in texts)}"
    return error.message


@_with_sign_in
@require_POST
def report_evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach an evidence file to the report (size and type are checked by the service)."""
    report = _report_for_page(request, pk)
    refusal = _editable_or_refusal(request, report)
    if refusal is not None:
        return refusal
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            project_services.attachment_add(
                actor=request.user,
                project=report.project,
                uploaded_file=form.cleaned_data["file"],
                report=report,
                is_public=form.cleaned_data["is_public"],
            )
        except ServiceError as error:
            form.add_error("file", error.message)
            return _edit_page(request, report, _form_for(report), status=error.status, evidence_form=form)
        messages.success(request, _("The evidence file was attached."))
        return redirect("reporting:report_edit", pk=report.pk)
    return _edit_page(request, report, _form_for(report), status=400, evidence_form=form)


@_with_sign_in
@require_POST
def report_evidence_remove(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    report = _report_for_page(request, pk)
    refusal = _editable_or_refusal(request, report)
    if refusal is not None:
        return refusal
    attachment = report.evidence.filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404("no such evidence")
    form = RoundStateForm(request.POST)  # only its version is used
    version = form.cleaned_data["version"] if form.is_valid() else 0
    try:
        project_services.attachment_remove(actor=request.user, attachment=attachment, version=version)
    except ServiceError as error:
        return _refused(request, error, back=reverse("reporting:report_edit", args=[report.pk]))
    messages.success(request, _("The evidence file was removed."))
    return redirect("reporting:report_edit", pk=report.pk)
