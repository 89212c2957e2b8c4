"""Writes to reporting rounds and progress reports, and reminders to the people who owe reports.

Rounds are managed by reviewers. A report is created once per project and round (pre-filled from the project's
previous report) and updated with its parts — monthly disbursements, KPI actuals and indicator values — in one
versioned write with one audit entry. Workflow moves (submit, approve, …) belong to `tidtam.workflow.services`.
"""

import calendar
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from tidtam.accounts.choices import Role
from tidtam.accounts.models import Membership
from tidtam.core import thaicalendar
from tidtam.core.audit import audit_record, snapshot
from tidtam.core.errors import Conflict, FieldErrors, ValidationFailed, bilingual
from tidtam.core.permissions import Action, require
from tidtam.core.services import create_audited, save_if_current, stale_version, validate, versioned_update
from tidtam.organisations.models import Organisation
from tidtam.projects.models import Project
from tidtam.reporting import selectors
from tidtam.reporting.choices import RoundStatus
from tidtam.reporting.models import KpiActual, ProgressReport, ReportDisbursement, ReportIndicatorValue, ReportingRound
from tidtam.workflow.choices import WorkflowErrorCode, WorkflowStatus
from tidtam.workflow.services import ensure_editable, refusal

S = WorkflowStatus
TEXT_FIELDS = ("results", "problems", "recommendations")
PART_KEYS = ("disbursements", "kpi_actuals", "indicator_values")
REPORT_KEYS = frozenset({"physical_progress", *TEXT_FIELDS, *PART_KEYS})
ROUND_KEYS = frozenset({"opens_on", "deadline"})
CENT = Decimal("0.01")
TEN_THOUSANDTH = Decimal("0.0001")


# --------------------------------------------------------------------------- parsing helpers


def _number(value: Any) -> Decimal:
    """A Decimal from a Decimal, int, float or typed text (Thai digits and thousands separators allowed)."""
    if isinstance(value, bool) or value is None:
        raise ValueError("not a number")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float):
        number = Decimal(str(value))
    elif isinstance(value, str):
        number = thaicalendar.parse_number(value)
    else:
        raise ValueError("not a number")
    if not number.is_finite():
        raise ValueError("not a number")
    return number


def _month(value: Any) -> date:
    """The first day of the month named by a date or an ISO text ("2024-10" or "2024-10-15")."""
    if isinstance(value, date):
        return value.replace(day=1)
    if isinstance(value, str):
        text = thaicalendar.to_arabic_digits(value.strip())
        try:
            parts = [int(p) for p in text.split("-")]
            return date(parts[0], parts[1], 1)
        except (ValueError, IndexError):
            pass
    raise ValueError("not a month")


def _date(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(thaicalendar.to_arabic_digits(str(value).strip()))
    except ValueError:
        raise ValidationFailed(
            "invalid", bilingual("วันที่ไม่ถูกต้อง", "Invalid date"), {field: [bilingual("วันที่ไม่ถูกต้อง", "invalid date")]}
        ) from None


def _quantize(number: Decimal, step: Decimal, max_digits: int) -> Decimal:
    try:
        value = number.quantize(step, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError("too large") from None
    if len(value.as_tuple().digits) > max_digits:
        raise ValueError("too large")
    return value


class _Errors(FieldErrors):
    def add(self, path: str, th: str, en: str) -> None:
        super().add(path, bilingual(th, en))


def _amount(errors: _Errors, path: str, value: Any, *, step: Decimal, max_digits: int, minimum=None, maximum=None):
    """Parse one number at `path`; record the error and return None when it is not acceptable."""
    try:
        number = _quantize(_number(value), step, max_digits)
    except ValueError:
        errors.add(path, "ต้องเป็นตัวเลข", "must be a number")
        return None
    if minimum is not None and number < minimum:
        errors.add(path, f"ต้องไม่น้อยกว่า {minimum}", f"must be at least {minimum}")
        return None
    if maximum is not None and number > maximum:
        errors.add(path, f"ต้องไม่เกิน {maximum}", f"must be at most {maximum}")
        return None
    return number


def _rows(errors: _Errors, key: str, value: Any) -> list[dict]:
    if not isinstance(value, list | tuple) or not all(isinstance(row, dict) for row in value):
        errors.add(key, "ต้องเป็นรายการ", "must be a list of objects")
        return []
    return list(value)


# --------------------------------------------------------------------------- rounds


def _period(fiscal_year: int, quarter: int | None, month: int | None) -> tuple[date, date]:
    """The first and last day of a quarter or of a month of the fiscal year (1 = October)."""
    if (quarter is None) == (month is None):
        raise ValidationFailed(
            "round_period",
            bilingual("ระบุไตรมาสหรือเดือนอย่างใดอย่างหนึ่ง", "Give either a quarter or a month"),
            {"quarter": [bilingual("ระบุไตรมาสหรือเดือน", "quarter or month")]},
        )
    try:
        if quarter is not None:
            return thaicalendar.quarter_bounds(fiscal_year, quarter)
        if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
            raise ValueError("month")
        year, calendar_month = thaicalendar.fiscal_months(fiscal_year)[month - 1]
    except ValueError:
        field = "quarter" if quarter is not None else "month"
        raise ValidationFailed(
            "round_period",
            bilingual("ไตรมาสต้องเป็น 1–4 และเดือนต้องเป็น 1–12", "The quarter must be 1-4 and the month 1-12"),
            {field: [bilingual("ค่าไม่ถูกต้อง", "out of range")]},
        ) from None
    last = calendar.monthrange(year, calendar_month)[1]
    return date(year, calendar_month, 1), date(year, calendar_month, last)


def _check_dates(opens_on: date, deadline: date) -> None:
    if deadline < opens_on:
        raise ValidationFailed(
            "deadline_before_opening",
            bilingual("กำหนดส่งต้องไม่ก่อนวันเปิดรับรายงาน", "The deadline cannot be before the opening day"),
            {"deadline": [bilingual("ต้องไม่ก่อนวันเปิดรับรายงาน", "must not be before the opening day")]},
        )


@transaction.atomic
def round_open(
    *,
    actor,
    fiscal_year: int,
    quarter: int | None = None,
    month: int | None = None,
    opens_on: date,
    deadline: date,
) -> ReportingRound:
    """Open a round for a quarter (or a month) of a BE fiscal year; its period comes from the Thai calendar."""
    require(actor, Action.CREATE, ReportingRound)
    try:
        fiscal_year = thaicalendar.parse_be_year(fiscal_year)
    except ValueError:
        raise ValidationFailed(
            "invalid", bilingual("ปีงบประมาณไม่ถูกต้อง", "Invalid fiscal year"), {"fiscal_year": ["invalid"]}
        ) from None
    period_start, period_end = _period(fiscal_year, quarter, month)
    opens_on, deadline = _date(opens_on, "opens_on"), _date(deadline, "deadline")
    _check_dates(opens_on, deadline)
    existing = ReportingRound.objects.filter(fiscal_year=fiscal_year, quarter=quarter, month=month).first()
    if existing is not None:
        raise Conflict(
            "round_exists",
            bilingual("มีรอบการรายงานนี้อยู่แล้ว", "This reporting round already exists"),
            {"round": existing.pk},
        )
    new = ReportingRound(
        fiscal_year=fiscal_year,
        quarter=quarter,
        month=month,
        period_start=period_start,
        period_end=period_end,
        opens_on=opens_on,
        deadline=deadline,
    )
    return create_audited(actor=actor, obj=new)


@transaction.atomic
def round_update(*, actor, round: ReportingRound, version: int, **changes) -> ReportingRound:
    """Move the opening day or the deadline."""
    require(actor, Action.EDIT, round)
    unknown = set(changes) - ROUND_KEYS
    if unknown:
        raise ValidationFailed(
            "unknown_field",
            bilingual("แก้ไขได้เฉพาะวันเปิดรับและกำหนดส่ง", "Only the opening day and the deadline can change"),
            {name: ["unknown"] for name in sorted(unknown)},
        )
    cleaned = {name: _date(value, name) for name, value in changes.items()}
    _check_dates(cleaned.get("opens_on", round.opens_on), cleaned.get("deadline", round.deadline))
    return versioned_update(actor=actor, obj=round, version=version, changes=cleaned)


@transaction.atomic
def round_close(*, actor, round: ReportingRound, version: int, reason: str = "") -> ReportingRound:
    """Close the round: its reports are locked until a reviewer lifts the lock from one of them."""
    require(actor, Action.MANAGE, round)
    if round.is_closed:
        raise Conflict("round_already_closed", bilingual("รอบการรายงานนี้ปิดแล้ว", "This round is already closed"))
    changes = {"status": RoundStatus.CLOSED, "closed_at": timezone.now()}
    return versioned_update(actor=actor, obj=round, version=version, changes=changes, action="close", reason=reason)


@transaction.atomic
def round_reopen(*, actor, round: ReportingRound, version: int, reason: str) -> ReportingRound:
    require(actor, Action.MANAGE, round)
    if not (reason or "").strip():
        raise refusal(WorkflowErrorCode.REASON_REQUIRED, status=400, field="reason")
    if not round.is_closed:
        raise Conflict("round_not_closed", bilingual("รอบการรายงานนี้ยังเปิดอยู่", "This round is not closed"))
    changes = {"status": RoundStatus.OPEN, "closed_at": None}
    return versioned_update(actor=actor, obj=round, version=version, changes=changes, action="reopen", reason=reason)


# --------------------------------------------------------------------------- reports


def _part_rows(key: str, rows) -> list[dict[str, Any]]:
    """Part rows (stored or not) as JSON for the audit log, in a stable order."""
    if key == "disbursements":
        found = [{"month": r.month.isoformat(), "amount": snapshot(r)["amount"]} for r in rows]
        return sorted(found, key=lambda r: r["month"])
    if key == "kpi_actuals":
        return sorted(({"kpi": r.kpi_id, "value": snapshot(r)["value"]} for r in rows), key=lambda r: r["kpi"])
    found = [{"indicator": r.indicator_id, "value": snapshot(r)["value"], "note": r.note} for r in rows]
    return sorted(found, key=lambda r: r["indicator"])


def _with_counts(parts: dict[str, list]) -> dict[str, Any]:
    return {"counts": {key: len(parts[key]) for key in PART_KEYS}, **{key: parts[key] for key in PART_KEYS}}


def report_parts(report: ProgressReport) -> dict[str, Any]:
    """The report's parts as JSON for the audit log: counts and the rows."""
    return _with_counts({key: _part_rows(key, getattr(report, key).all()) for key in PART_KEYS})


def _state(report: ProgressReport) -> dict[str, Any]:
    return {**snapshot(report), "parts": report_parts(report)}


@transaction.atomic
def report_create(*, actor, project: Project, round: ReportingRound) -> ProgressReport:
    """Start the project's report for the round, pre-filled from its latest earlier report (progress, narrative, KPI
    actuals and indicator values; not the monthly disbursements, which belong to their own months)."""
    report = ProgressReport(project=project, round=round)
    require(actor, Action.CREATE, report)
    if round.is_closed:
        raise refusal(WorkflowErrorCode.ROUND_CLOSED, round=round.pk)
    existing = ProgressReport.objects.filter(project=project, round=round).values_list("pk", flat=True).first()
    if existing is not None:
        raise Conflict(
            "report_exists",
            bilingual("โครงการนี้มีรายงานในรอบนี้แล้ว", "This project already has a report in this round"),
            {"report": existing},
        )
    if project.status not in selectors.OWING_PROJECT_STATUSES:
        raise Conflict(
            "project_not_approved",
            bilingual("รายงานได้เฉพาะโครงการที่อนุมัติแล้ว", "Only an approved or accepted project reports progress"),
            {"project": project.pk, "status_now": project.status},
        )
    if not selectors.owes_report(project=project, round=round):
        raise Conflict(
            "not_owed",
            bilingual("โครงการนี้ไม่ต้องรายงานในรอบนี้", "This project does not owe a report in this round"),
            {"project": project.pk, "round": round.pk},
        )
    previous = selectors.previous_report(project=project, round=round)
    if previous is not None:
        report.physical_progress = previous.physical_progress
        for name in TEXT_FIELDS:
            setattr(report, name, getattr(previous, name))
    validate(report, exclude=["project", "round"])
    try:
        with transaction.atomic():
            report.save(force_insert=True)
    except IntegrityError:  # another request created it a moment ago
        raise Conflict(
            "report_exists",
            bilingual("โครงการนี้มีรายงานในรอบนี้แล้ว", "This project already has a report in this round"),
        ) from None
    if previous is not None:
        KpiActual.objects.bulk_create(
            KpiActual(report=report, kpi_id=a.kpi_id, value=a.value) for a in previous.kpi_actuals.all()
        )
        allowed = selectors.indicators_for_project(project).values("pk")  # the project's links may have changed
        ReportIndicatorValue.objects.bulk_create(
            ReportIndicatorValue(report=report, indicator_id=v.indicator_id, value=v.value, note=v.note)
            for v in previous.indicator_values.filter(indicator__in=allowed)
        )
    after = {**_state(report), "prefilled_from": previous.pk if previous is not None else None}
    audit_record(actor=actor, action="create", obj=report, after=after)
    return report


def _clean_fields(errors: _Errors, changes: dict) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if "physical_progress" in changes:
        value = changes["physical_progress"]
        if value is None or (isinstance(value, str) and not value.strip()):
            fields["physical_progress"] = None
        else:
            number = _amount(
                errors, "physical_progress", value, step=CENT, max_digits=5, minimum=Decimal(0), maximum=Decimal(100)
            )
            if number is not None:
                fields["physical_progress"] = number
    for name in TEXT_FIELDS:
        if name in changes:
            value = changes[name]
            if value is not None and not isinstance(value, str):
                errors.add(name, "ต้องเป็นข้อความ", "must be text")
            else:
                fields[name] = (value or "").strip()
    return fields


def _clean_disbursements(errors: _Errors, report: ProgressReport, value: Any) -> list[ReportDisbursement]:
    round_ = report.round
    period = (
        f"{thaicalendar.format_thai_date(round_.period_start, abbr=True)} – "
        f"{thaicalendar.format_thai_date(round_.period_end, abbr=True)}"
    )
    rows, seen = [], set()
    for index, row in enumerate(_rows(errors, "disbursements", value)):
        path = f"disbursements[{index}]"
        try:
            month = _month(row.get("month"))
        except ValueError:
            errors.add(f"{path}.month", "ต้องระบุเดือน", "a month is required")
            month = None
        if month is not None and not round_.period_start <= month <= round_.period_end:
            errors.add(
                f"{path}.month",
                f"แถวที่ {index + 1}: เดือนอยู่นอกช่วงของรอบการรายงาน ({period})",
                f"row {index + 1}: the month {month:%Y-%m} lies outside the round's period "
                f"({round_.period_start:%Y-%m-%d} to {round_.period_end:%Y-%m-%d})",
            )
            month = None
        elif month is not None and month in seen:
            errors.add(f"{path}.month", f"แถวที่ {index + 1}: เดือนซ้ำ", f"row {index + 1}: the month is repeated")
            month = None
        amount = _amount(errors, f"{path}.amount", row.get("amount"), step=CENT, max_digits=18, minimum=Decimal(0))
        if month is not None and amount is not None:
            seen.add(month)
            rows.append(ReportDisbursement(report=report, month=month, amount=amount))
    return rows


def _linked_id(errors: _Errors, path: str, value: Any, allowed: set[int], seen: set[int], th: str, en: str):
    """The id of a KPI or indicator row (an id, a numeric text or an object), if allowed and not repeated."""
    try:
        pk = int(thaicalendar.to_arabic_digits(str(getattr(value, "pk", value))))
    except ValueError:
        pk = None
    if pk not in allowed:
        errors.add(path, th, en)
        return None
    if pk in seen:
        errors.add(path, "รายการซ้ำ", "repeated")
        return None
    return pk


def _clean_kpi_actuals(errors: _Errors, report: ProgressReport, value: Any) -> list[KpiActual]:
    allowed = set(report.project.kpis.values_list("pk", flat=True))
    rows, seen = [], set()
    for index, row in enumerate(_rows(errors, "kpi_actuals", value)):
        path = f"kpi_actuals[{index}]"
        kpi = _linked_id(
            errors, f"{path}.kpi", row.get("kpi"), allowed, seen, "ไม่ใช่ตัวชี้วัดของโครงการนี้", "not a KPI of this project"
        )
        number = _amount(errors, f"{path}.value", row.get("value"), step=TEN_THOUSANDTH, max_digits=20)
        if kpi is not None and number is not None:
            seen.add(kpi)
            rows.append(KpiActual(report=report, kpi_id=kpi, value=number))
    return rows


def _clean_indicator_values(errors: _Errors, report: ProgressReport, value: Any) -> list[ReportIndicatorValue]:
    allowed = set(selectors.indicators_for_project(report.project).values_list("pk", flat=True))
    rows, seen = [], set()
    for index, row in enumerate(_rows(errors, "indicator_values", value)):
        path = f"indicator_values[{index}]"
        indicator = _linked_id(
            errors,
            f"{path}.indicator",
            row.get("indicator"),
            allowed,
            seen,
            "ตัวชี้วัดนี้ไม่อยู่ในเป้าหมายที่โครงการสนับสนุน",
            "the indicator is not on a plan node this project contributes to",
        )
        number = _amount(errors, f"{path}.value", row.get("value"), step=TEN_THOUSANDTH, max_digits=20)
        note = row.get("note") or ""
        if not isinstance(note, str):
            errors.add(f"{path}.note", "ต้องเป็นข้อความ", "must be text")
            note = None
        if indicator is not None and number is not None and note is not None:
            seen.add(indicator)
            rows.append(ReportIndicatorValue(report=report, indicator_id=indicator, value=number, note=note.strip()))
    return rows


_PART_CLEANERS = {
    "disbursements": (_clean_disbursements, ReportDisbursement),
    "kpi_actuals": (_clean_kpi_actuals, KpiActual),
    "indicator_values": (_clean_indicator_values, ReportIndicatorValue),
}


@transaction.atomic
def report_update(*, actor, report: ProgressReport, version: int, **changes) -> ProgressReport:
    """Change a draft report: `physical_progress` (0–100), `results`, `problems`, `recommendations`, and the parts
    `disbursements` [{month, amount}] (months within the round's period), `kpi_actuals` [{kpi, value}] (the project's
    KPIs) and `indicator_values` [{indicator, value, note}] (indicators on the nodes the project contributes to and
    their ancestors). A part given replaces the stored one wholesale. Numbers may be typed text with Thai digits.

    One audit entry per call, whose before/after carry a `parts` summary; a stale `version` changes nothing.
    """
    unknown = set(changes) - REPORT_KEYS
    if unknown:
        raise ValidationFailed(
            "unknown_field",
            bilingual("มีช่องข้อมูลที่ไม่รู้จัก", "Unknown fields"),
            {name: ["unknown"] for name in sorted(unknown)},
        )
    ensure_editable(actor=actor, item=report)
    if version != report.version:
        raise stale_version(report, version)
    errors = _Errors()
    fields = _clean_fields(errors, changes)
    new_parts = {
        key: cleaner(errors, report, changes[key])
        for key, (cleaner, _model) in _PART_CLEANERS.items()
        if key in changes
    }
    errors.raise_if_any()

    before = _state(report)
    parts = _with_counts({**before["parts"], **{key: _part_rows(key, rows) for key, rows in new_parts.items()}})
    if {**before, **_field_snapshot(report, fields), "parts": parts} == before:
        return report  # nothing changes: no new version, no audit entry

    for name, value in fields.items():
        setattr(report, name, value)
    save_if_current(report, version=version)
    for key, rows in new_parts.items():
        model = _PART_CLEANERS[key][1]
        model.objects.filter(report=report).delete()
        model.objects.bulk_create(rows)
    if hasattr(report, "_prefetched_objects_cache"):
        report._prefetched_objects_cache.clear()
    audit_record(actor=actor, action="update", obj=report, before=before, after=_state(report))
    return report


def _field_snapshot(report: ProgressReport, fields: dict[str, Any]) -> dict[str, Any]:
    """How `fields` would look in the report's snapshot once applied (without touching the report)."""
    saved = {name: getattr(report, name) for name in fields}
    try:
        for name, value in fields.items():
            setattr(report, name, value)
        current = snapshot(report)
        return {name: current[name] for name in fields}
    finally:
        for name, value in saved.items():
            setattr(report, name, value)


# --------------------------------------------------------------------------- reminders


def _reminder(round: ReportingRound, user, projects: list[Project]) -> tuple[str, str, str, list[str]]:
    label = selectors.round_label(round, lang="th")
    deadline = thaicalendar.format_thai_date(round.deadline)
    subject = f"แจ้งเตือนรายงานความก้าวหน้า {label} ครบกำหนด {deadline}"
    lines = "\n".join(f"- {p.code} {p.name_th}" for p in projects)
    body = (
        f"เรียน {user.get_full_name() or user.username}\n\n"
        f"โครงการต่อไปนี้ยังไม่ได้ส่งรายงานความก้าวหน้า {label} "
        f"ซึ่งครบกำหนดส่งวันที่ {deadline}\n\n{lines}\n\n"
        "โปรดเข้าสู่ระบบ tidtam (ติดตาม) เพื่อกรอกและส่งรายงาน\n\n"
        f"Reminder: {len(projects)} progress report(s) for {selectors.round_label(round, lang='en')} "
        f"are due on {round.deadline:%d %B %Y}.\n"
    )
    return subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]


@transaction.atomic
def reminders_send(*, actor, round: ReportingRound, organisation: Organisation | None = None) -> int:
    """E-mail every reporter (a user with the reporter role over a project's owner) the list of their projects that
    owe a report in `round` and have not submitted it (no report yet, or a draft). Coordinators may remind their
    subtree (`organisation` within it), reviewers everyone. Returns the number of messages sent."""
    require(actor, Action.REMIND, ProgressReport, scope=organisation)
    if round.is_closed:
        raise refusal(WorkflowErrorCode.ROUND_CLOSED, round=round.pk)
    submitted = ProgressReport.objects.filter(round=round).exclude(status=S.DRAFT).values("project_id")
    projects = list(
        selectors.reports_owed(round=round, organisation=organisation)
        .exclude(pk__in=submitted)
        .select_related("owner")
        .order_by("code")
    )
    memberships = Membership.objects.filter(
        role=Role.REPORTER, user__is_active=True, organisation__code__in=_ancestors({p.owner for p in projects})
    ).select_related("user", "organisation")
    owed_by: dict[Any, list[Project]] = defaultdict(list)
    for membership in memberships.order_by("user_id"):
        user = membership.user
        if not user.email:
            continue
        for project in projects:
            if project.owner.is_within(membership.organisation) and project not in owed_by[user]:
                owed_by[user].append(project)
    messages = [_reminder(round, user, sorted(owed, key=lambda p: p.code)) for user, owed in owed_by.items() if owed]
    sent = send_mass_mail(messages, fail_silently=False) if messages else 0
    audit_record(
        actor=actor,
        action="remind",
        obj=round,
        before=None,
        after={
            "organisation": organisation.code if organisation is not None else None,
            "messages": sent,
            "recipients": sorted(user.pk for user in owed_by if owed_by[user]),
            "projects": [p.code for p in projects],
        },
    )
    return sent


def _ancestors(organisations: set[Organisation]) -> list[str]:
    """The codes of `organisations` and of every organisation above them."""
    return sorted({code for organisation in organisations for code in organisation.ancestor_codes()})
