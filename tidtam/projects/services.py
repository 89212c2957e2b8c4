"""Writes to projects: create and update a project with all its parts, and add or remove its attachments.

Every service takes `actor` (None only for system commands such as `tidtam demo`), checks the permission, validates
everything before writing anything, and writes one audit entry. A project's parts (KPIs, activities, budget lines,
planned disbursements, contributions, provinces, countries, partners) share its `version` and workflow status: a
project update that changes only parts still moves the version on, and its audit entry carries a `parts` summary in
before/after so part changes show in the timeline.
"""

import hashlib
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from tidtam.core.audit import audit_record, snapshot
from tidtam.core.errors import Conflict, FieldErrors, ValidationFailed, bilingual
from tidtam.core.models import Country, Province
from tidtam.core.permissions import Action, require
from tidtam.core.services import save_if_current, stale_version
from tidtam.core.thaicalendar import fiscal_year_bounds, parse_number
from tidtam.organisations.models import Organisation
from tidtam.plans.models import CODE_PATTERN, Node
from tidtam.projects.choices import BudgetSource, Lifecycle, ProjectKind
from tidtam.projects.models import (
    Activity,
    Attachment,
    BudgetLine,
    Contribution,
    PlannedDisbursement,
    Project,
    ProjectKpi,
)
from tidtam.reporting.models import KpiActual, ProgressReport
from tidtam.workflow.models import WorkflowItem
from tidtam.workflow.services import ensure_editable, lock_reason, refusal

# Fiscal years are BE years; anything outside this range is a typo (or a CE year) rather than a plan.
FISCAL_YEAR_MIN, FISCAL_YEAR_MAX = 2500, 2700
TEXT_FIELDS = (
    "name_th",
    "name_en",
    "rationale",
    "objectives",
    "output_target",
    "outcome_target",
    "responsible_name",
    "responsible_position",
    "responsible_email",
    "responsible_phone",
)
FIELDS = frozenset(
    {
        *TEXT_FIELDS,
        "kind",
        "fiscal_year_start",
        "fiscal_year_end",
        "start_date",
        "end_date",
        "lifecycle",
        "is_illustrative",
    }
)
PART_KEYS = frozenset(
    {
        "provinces",
        "countries",
        "partners",
        "kpis",
        "activities",
        "budget_lines",
        "planned_disbursements",
        "primary_node",
        "secondary_nodes",
    }
)
ITEM_KEYS = {
    "kpis": ({"name", "unit", "target_value"}, {"id"}),
    "activities": ({"name"}, {"start_date", "end_date"}),
    "budget_lines": ({"fiscal_year", "source", "amount"}, set()),
    "planned_disbursements": ({"month", "amount"}, set()),
}
CODE_RE = re.compile(CODE_PATTERN)
CODE_MAX_LENGTH = Project._meta.get_field("code").max_length


# --------------------------------------------------------------------------- validation helpers


class _Invalid(ValueError):
    """One bad value; the message is Thai / English."""


class _Errors(FieldErrors):
    def run(self, key: str, function, *args, **kwargs):
        """Call a coercion; on `_Invalid`, record its message under `key` and return None."""
        try:
            return function(*args, **kwargs)
        except _Invalid as error:
            self.add(key, str(error))
            return None


def _decimal(value: Any, *, max_digits: int, places: int, minimum: Decimal | None = None) -> Decimal:
    """A number from a Decimal, int or typed text (Thai digits and thousands separators allowed)."""
    if isinstance(value, bool) or value is None:
        raise _Invalid(bilingual("ต้องระบุตัวเลข", "a number is required"))
    try:
        if isinstance(value, str):
            number = parse_number(value)
        elif isinstance(value, int | Decimal):
            number = Decimal(value)
        elif isinstance(value, float):
            number = Decimal(str(value))
        else:
            raise _Invalid(bilingual("ต้องเป็นตัวเลข", "must be a number"))
    except (ValueError, InvalidOperation) as error:
        raise _Invalid(bilingual("ต้องเป็นตัวเลข", "must be a number")) from error
    if not number.is_finite():
        raise _Invalid(bilingual("ต้องเป็นตัวเลข", "must be a number"))
    if number != number.quantize(Decimal(1).scaleb(-places), rounding="ROUND_DOWN"):
        raise _Invalid(bilingual(f"ทศนิยมได้ไม่เกิน {places} ตำแหน่ง", f"at most {places} decimal places"))
    if abs(number) >= Decimal(10) ** (max_digits - places):
        raise _Invalid(bilingual("ตัวเลขมากเกินไป", "number too large"))
    if minimum is not None and number < minimum:
        raise _Invalid(bilingual(f"ต้องไม่น้อยกว่า {minimum}", f"must be at least {minimum}"))
    return number


def _money(value: Any) -> Decimal:
    return _decimal(value, max_digits=18, places=2, minimum=Decimal(0))


def _fiscal_year(value: Any) -> int:
    number = _decimal(value, max_digits=6, places=0)
    if not FISCAL_YEAR_MIN <= number <= FISCAL_YEAR_MAX:
        raise _Invalid(
            bilingual(
                f"ต้องเป็นปีงบประมาณ พ.ศ. ({FISCAL_YEAR_MIN}–{FISCAL_YEAR_MAX})",
                f"must be a Buddhist Era fiscal year ({FISCAL_YEAR_MIN}-{FISCAL_YEAR_MAX})",
            )
        )
    return int(number)


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError as error:
            raise _Invalid(bilingual("วันที่ไม่ถูกต้อง (ปปปป-ดด-วว ค.ศ.)", "invalid date (YYYY-MM-DD)")) from error
    raise _Invalid(bilingual("วันที่ไม่ถูกต้อง", "invalid date"))


def _month(value: Any) -> date:
    """A month as its first day; `2024-10` and any day of the month are accepted."""
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{2}\s*", value):
        value = f"{value.strip()}-01"
    month = _date(value)
    if month is None:
        raise _Invalid(bilingual("ต้องระบุเดือน", "a month is required"))
    return month.replace(day=1)


def _text(value: Any, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _Invalid(bilingual("ต้องเป็นข้อความ", "must be text"))
    if "\x00" in value:
        raise _Invalid(bilingual("มีอักขระที่ไม่อนุญาต", "contains a forbidden character"))
    value = value.strip()
    if required and not value:
        raise _Invalid(bilingual("ต้องระบุ", "this field is required"))
    return value


def _choice(value: Any, choices) -> str:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise _Invalid(bilingual(f"ค่าไม่ถูกต้อง เลือกได้: {allowed}", f"invalid value; one of: {allowed}"))
    return value


MAX_ITEMS = 1000  # per list: far more than any project has, few enough to validate quickly


def _list(value: Any) -> list:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise _Invalid(bilingual("ต้องเป็นรายการ", "must be a list"))
    items = list(value)
    if len(items) > MAX_ITEMS:
        raise _Invalid(bilingual(f"ได้ไม่เกิน {MAX_ITEMS} รายการ", f"at most {MAX_ITEMS} items"))
    return items


def _node_id(value: Any) -> int:
    if isinstance(value, Node):
        return value.pk
    if isinstance(value, bool) or value in (None, ""):
        raise _Invalid(bilingual("ต้องระบุรหัสโหนด", "a node id is required"))
    number = _decimal(value, max_digits=19, places=0, minimum=Decimal(1))
    return int(number)


# --------------------------------------------------------------------------- parts


@dataclass
class _Parts:
    """The validated replacement for each part list that was given (None: keep the stored one)."""

    provinces: list[str] | None = None
    countries: list[str] | None = None
    partners: list[Organisation] | None = None
    kpis: list[dict] | None = None
    activities: list[dict] | None = None
    budget_lines: list[dict] | None = None
    planned_disbursements: list[dict] | None = None
    primary_node: Node | None = None
    primary_given: bool = False
    secondary_nodes: list[Node] | None = None


def _items(errors: _Errors, key: str, value: Any) -> list[tuple[int, dict]]:
    """The items of a part list as (index, mapping), with unknown or missing keys reported."""
    rows = errors.run(key, _list, value)
    if rows is None:
        return []
    required, optional = ITEM_KEYS[key]
    result = []
    for index, row in enumerate(rows):
        path = f"{key}[{index}]"
        if not isinstance(row, Mapping):
            errors.add(path, bilingual("ต้องเป็นออบเจกต์", "must be an object"))
            continue
        for name in sorted(set(row) - required - optional):
            errors.add(f"{path}.{name}", bilingual("ไม่รู้จักช่องนี้", "unknown field"))
        for name in sorted(required - set(row)):
            errors.add(f"{path}.{name}", bilingual("ต้องระบุ", "this field is required"))
        result.append((index, row))
    return result


def _check_limit(errors: _Errors, key: str, value: str | None, model, name: str) -> None:
    limit = model._meta.get_field(name).max_length
    if value is not None and limit and len(value) > limit:
        errors.add(key, bilingual(f"ยาวได้ไม่เกิน {limit} ตัวอักษร", f"at most {limit} characters"))


def _clean_kpis(errors: _Errors, value: Any) -> list[dict]:
    kpis = []
    for index, row in _items(errors, "kpis", value):
        path = f"kpis[{index}]"
        kpi = {
            "given_id": row.get("id"),
            "id": None,  # set by _match_kpis to a stored KPI of the same project, never taken from the input
            "name": errors.run(f"{path}.name", _text, row.get("name"), required=True),
            "unit": errors.run(f"{path}.unit", _text, row.get("unit"), required=True),
            "target_value": errors.run(
                f"{path}.target_value", _decimal, row.get("target_value"), max_digits=20, places=4
            ),
        }
        _check_limit(errors, f"{path}.name", kpi["name"], ProjectKpi, "name")
        _check_limit(errors, f"{path}.unit", kpi["unit"], ProjectKpi, "unit")
        kpis.append(kpi)
    return kpis


def _clean_activities(errors: _Errors, value: Any) -> list[dict]:
    activities = []
    for index, row in _items(errors, "activities", value):
        path = f"activities[{index}]"
        activity = {
            "name": errors.run(f"{path}.name", _text, row.get("name"), required=True),
            "start_date": errors.run(f"{path}.start_date", _date, row.get("start_date")),
            "end_date": errors.run(f"{path}.end_date", _date, row.get("end_date")),
        }
        _check_limit(errors, f"{path}.name", activity["name"], Activity, "name")
        if activity["start_date"] and activity["end_date"] and activity["end_date"] < activity["start_date"]:
            errors.add(f"{path}.end_date", bilingual("วันสิ้นสุดต้องไม่ก่อนวันเริ่มต้น", "the end date is before the start date"))
        activities.append(activity)
    return activities


def _clean_budget_lines(errors: _Errors, value: Any) -> list[dict]:
    lines, seen = [], set()
    for index, row in _items(errors, "budget_lines", value):
        path = f"budget_lines[{index}]"
        line = {
            "fiscal_year": errors.run(f"{path}.fiscal_year", _fiscal_year, row.get("fiscal_year")),
            "source": errors.run(f"{path}.source", _choice, row.get("source"), BudgetSource),
            "amount": errors.run(f"{path}.amount", _money, row.get("amount")),
        }
        key = (line["fiscal_year"], line["source"])
        if None not in key and key in seen:
            errors.add(
                f"{path}.source",
                bilingual("มีแหล่งงบประมาณนี้ในปีนี้แล้ว", "this source already has a line for this fiscal year"),
            )
        seen.add(key)
        lines.append(line)
    return lines


def _clean_planned(errors: _Errors, value: Any) -> list[dict]:
    months, seen = [], set()
    for index, row in _items(errors, "planned_disbursements", value):
        path = f"planned_disbursements[{index}]"
        planned = {
            "month": errors.run(f"{path}.month", _month, row.get("month")),
            "amount": errors.run(f"{path}.amount", _money, row.get("amount")),
        }
        if planned["month"] is not None and planned["month"] in seen:
            errors.add(f"{path}.month", bilingual("เดือนนี้ซ้ำ", "this month appears twice"))
        seen.add(planned["month"])
        months.append(planned)
    return months


def _clean_codes(errors: _Errors, key: str, value: Any, *, normalise=str.strip) -> list[tuple[int, str]]:
    """(index in the given list, code) for each distinct code; blanks and repeats are reported at their index."""
    codes: list[tuple[int, str]] = []
    for index, code in enumerate(errors.run(key, _list, value) or []):
        if not isinstance(code, str) or not code.strip():
            errors.add(f"{key}[{index}]", bilingual("ต้องเป็นรหัส", "must be a code"))
            continue
        code = normalise(code)
        if code in (c for _, c in codes):
            errors.add(f"{key}[{index}]", bilingual("ซ้ำ", "duplicate"))
            continue
        codes.append((index, code))
    return codes


def _report_unknown(errors: _Errors, key: str, given: list[tuple[int, str]], found: Iterable[str]) -> list[str]:
    """Report the codes not in `found`; return the given codes."""
    found = set(found)
    for index, code in given:
        if code not in found:
            errors.add(f"{key}[{index}]", bilingual(f"ไม่พบรหัส '{code}'", f"unknown code '{code}'"))
    return [code for _, code in given]


def _clean_parts(errors: _Errors, data: dict, project: Project) -> _Parts:
    """Validate the part lists given in `data` (reads only)."""
    parts = _Parts()
    if "provinces" in data:
        given = _clean_codes(errors, "provinces", data["provinces"])
        found = Province.objects.filter(code__in=[c for _, c in given]).values_list("code", flat=True)
        parts.provinces = _report_unknown(errors, "provinces", given, found)
    if "countries" in data:
        given = _clean_codes(errors, "countries", data["countries"], normalise=lambda c: c.strip().upper())
        found = Country.objects.filter(alpha2__in=[c for _, c in given]).values_list("alpha2", flat=True)
        parts.countries = _report_unknown(errors, "countries", given, found)
    if "partners" in data:
        given = _clean_codes(errors, "partners", data["partners"])
        organisations = {o.code: o for o in Organisation.objects.filter(code__in=[c for _, c in given])}
        _report_unknown(errors, "partners", given, organisations)
        for index, code in given:
            if code == project.owner.code:
                errors.add(
                    f"partners[{index}]", bilingual("หน่วยงานเจ้าของเป็นหุ้นส่วนไม่ได้", "the owner cannot be a partner")
                )
        parts.partners = [organisations[c] for _, c in given if c in organisations]
    if "kpis" in data:
        parts.kpis = _clean_kpis(errors, data["kpis"])
    if "activities" in data:
        parts.activities = _clean_activities(errors, data["activities"])
    if "budget_lines" in data:
        parts.budget_lines = _clean_budget_lines(errors, data["budget_lines"])
    if "planned_disbursements" in data:
        parts.planned_disbursements = _clean_planned(errors, data["planned_disbursements"])
    _clean_contributions(errors, data, project, parts)
    return parts


def _clean_contributions(errors: _Errors, data: dict, project: Project, parts: _Parts) -> None:
    primary_id, secondary_ids = None, []
    if "primary_node" in data:
        parts.primary_given = True
        if data["primary_node"] not in (None, ""):
            primary_id = errors.run("primary_node", _node_id, data["primary_node"])
    if "secondary_nodes" in data:
        for index, value in enumerate(errors.run("secondary_nodes", _list, data["secondary_nodes"]) or []):
            node_id = errors.run(f"secondary_nodes[{index}]", _node_id, value)
            if node_id is not None and node_id in secondary_ids:
                errors.add(f"secondary_nodes[{index}]", bilingual("ซ้ำ", "duplicate"))
            secondary_ids.append(node_id)
    wanted = {i for i in [primary_id, *secondary_ids] if i is not None}
    nodes = {n.pk: n for n in Node.objects.filter(pk__in=wanted).select_related("framework_version")} if wanted else {}
    if primary_id is not None:
        node = nodes.get(primary_id)
        if node is None:
            errors.add("primary_node", bilingual("ไม่พบโหนดนี้", "no such plan node"))
        elif not node.is_target_or_factor():
            errors.add(
                "primary_node",
                bilingual("เป้าหมายหลักต้องเป็นเป้าหมายหรือปัจจัย", "the primary link must be a target or factor"),
            )
        parts.primary_node = node
    if "secondary_nodes" in data:
        if parts.primary_given:
            primary = primary_id
        else:
            primary = project.pk and next((c.node_id for c in project.contributions.all() if c.is_primary), None)
        parts.secondary_nodes = []
        for index, node_id in enumerate(secondary_ids):
            if node_id is None:
                continue
            if node_id not in nodes:
                errors.add(f"secondary_nodes[{index}]", bilingual("ไม่พบโหนดนี้", "no such plan node"))
            elif node_id == primary:
                errors.add(f"secondary_nodes[{index}]", bilingual("เป็นเป้าหมายหลักอยู่แล้ว", "already the primary link"))
            else:
                parts.secondary_nodes.append(nodes[node_id])


def _apply_fields(errors: _Errors, project: Project, data: dict) -> None:
    """Coerce and set the project's own fields from `data`."""
    for name in TEXT_FIELDS:
        if name in data:
            setattr(project, name, errors.run(name, _text, data[name], required=name == "name_th"))
    if "kind" in data:
        project.kind = errors.run("kind", _choice, data["kind"], ProjectKind)
    if "lifecycle" in data:
        project.lifecycle = errors.run("lifecycle", _choice, data["lifecycle"], Lifecycle)
    for name in ("fiscal_year_start", "fiscal_year_end"):
        if name in data:
            setattr(project, name, errors.run(name, _fiscal_year, data[name]))
    for name in ("start_date", "end_date"):
        if name in data:
            setattr(project, name, errors.run(name, _date, data[name]))
    if "is_illustrative" in data:
        if not isinstance(data["is_illustrative"], bool):
            errors.add("is_illustrative", bilingual("ต้องเป็นจริงหรือเท็จ", "must be true or false"))
        else:
            project.is_illustrative = data["is_illustrative"]


def _check_project(errors: _Errors, project: Project) -> None:
    """Rules across fields, then the model's own field validation (lengths, e-mail, unique code)."""
    start, end = project.fiscal_year_start, project.fiscal_year_end
    if start is not None and end is not None and end < start:
        errors.add(
            "fiscal_year_end",
            bilingual("ปีงบประมาณสิ้นสุดต้องไม่ก่อนปีเริ่มต้น", "the last fiscal year is before the first"),
        )
    if project.start_date and project.end_date and project.end_date < project.start_date:
        errors.add("end_date", bilingual("วันสิ้นสุดต้องไม่ก่อนวันเริ่มต้น", "the end date is before the start date"))
    bad = set(errors.details)
    try:
        project.full_clean(exclude=[f for f in ("owner", *FIELDS, "code") if f in bad], validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            if name not in bad:
                for message in messages:
                    errors.add(name, message)


def _check_years(errors: _Errors, project: Project, parts: _Parts) -> None:
    """Budget lines and planned months must lie within the project's fiscal years (stored ones too, when the
    years change and the lists are not replaced)."""
    start, end = project.fiscal_year_start, project.fiscal_year_end
    if not (isinstance(start, int) and isinstance(end, int)) or end < start:
        return
    first_day, last_day = fiscal_year_bounds(start)[0], fiscal_year_bounds(end)[1]
    outside_years = bilingual(
        f"ต้องอยู่ในปีงบประมาณของโครงการ ({start}–{end})", f"must lie within the project's fiscal years ({start}-{end})"
    )
    lines = parts.budget_lines
    if lines is None and project.pk:
        lines = list(project.budget_lines.values("fiscal_year"))
    for index, line in enumerate(lines or []):
        if line["fiscal_year"] is not None and not start <= line["fiscal_year"] <= end:
            errors.add(f"budget_lines[{index}].fiscal_year", outside_years)
    months = parts.planned_disbursements
    if months is None and project.pk:
        months = list(project.planned_disbursements.values("month"))
    for index, planned in enumerate(months or []):
        if planned["month"] is not None and not first_day <= planned["month"] <= last_day:
            errors.add(f"planned_disbursements[{index}].month", outside_years)


def _match_kpis(errors: _Errors, project: Project, kpis: list[dict] | None) -> None:
    """Match the given KPIs to stored ones by `id` (or else by name) so their reported actuals survive; a KPI with
    actuals cannot be dropped."""
    if kpis is None or not project.pk:
        return
    stored = {k.pk: k for k in project.kpis.all()}
    by_name = {k.name: k.pk for k in stored.values()}
    kept = set()
    for index, kpi in enumerate(kpis):
        kpi_id = kpi["given_id"]
        if kpi_id not in (None, ""):
            try:
                kpi_id = int(kpi_id)
            except (TypeError, ValueError):
                kpi_id = -1
            if kpi_id not in stored:
                errors.add(f"kpis[{index}].id", bilingual("ไม่ใช่ตัวชี้วัดของโครงการนี้", "not a KPI of this project"))
                continue
        else:
            kpi_id = by_name.get(kpi["name"])
            if kpi_id in kept:
                kpi_id = None
        kpi["id"] = kpi_id
        kept.add(kpi_id)
    dropped = set(stored) - kept
    if dropped:
        used = set(KpiActual.objects.filter(kpi_id__in=dropped).values_list("kpi_id", flat=True))
        for kpi_id in sorted(used):
            errors.add(
                "kpis",
                bilingual(
                    f"ตัวชี้วัด '{stored[kpi_id].name}' มีผลการรายงานแล้ว ลบไม่ได้",
                    f"KPI '{stored[kpi_id].name}' has reported actuals and cannot be removed",
                ),
            )


# --------------------------------------------------------------------------- summaries for the audit log


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _contribution_summary(primary: int | None, secondary: Iterable[int]) -> dict:
    return {"primary_node": primary, "secondary_nodes": sorted(secondary)}


def parts_summary(project: Project) -> dict:
    """Every part of a stored project in a JSON-safe form, with counts: what the audit log keeps as `parts`."""
    contributions = list(project.contributions.values_list("node_id", "is_primary"))
    summary = {
        "kpis": [
            {"name": k.name, "unit": k.unit, "target_value": _number(k.target_value)}
            for k in project.kpis.order_by("sort_order", "id")
        ],
        "activities": [
            {"name": a.name, "start_date": _iso(a.start_date), "end_date": _iso(a.end_date)}
            for a in project.activities.order_by("sort_order", "id")
        ],
        "budget_lines": [
            {"fiscal_year": b.fiscal_year, "source": b.source, "amount": _number(b.amount)}
            for b in project.budget_lines.order_by("fiscal_year", "source")
        ],
        "planned_disbursements": [
            {"month": _iso(p.month), "amount": _number(p.amount)}
            for p in project.planned_disbursements.order_by("month")
        ],
        **_contribution_summary(
            next((n for n, primary in contributions if primary), None),
            [n for n, primary in contributions if not primary],
        ),
        "provinces": sorted(project.provinces.values_list("code", flat=True)),
        "countries": sorted(project.countries.values_list("alpha2", flat=True)),
        "partners": sorted(project.partners.values_list("code", flat=True)),
    }
    return _with_counts(summary)


def _with_counts(summary: dict) -> dict:
    summary = {k: v for k, v in summary.items() if k != "counts"}
    counts = {k: len(v) for k, v in summary.items() if isinstance(v, list)}
    counts["contributions"] = len(summary["secondary_nodes"]) + (summary["primary_node"] is not None)
    return {"counts": counts, **summary}


def _summary_after(before: dict, parts: _Parts) -> dict:
    """The parts summary once `parts` is applied, built from the validated input (no query)."""
    after = dict(before)
    if parts.kpis is not None:
        after["kpis"] = [
            {"name": k["name"], "unit": k["unit"], "target_value": _number(k["target_value"])} for k in parts.kpis
        ]
    if parts.activities is not None:
        after["activities"] = [
            {"name": a["name"], "start_date": _iso(a["start_date"]), "end_date": _iso(a["end_date"])}
            for a in parts.activities
        ]
    if parts.budget_lines is not None:
        after["budget_lines"] = [
            {"fiscal_year": b["fiscal_year"], "source": b["source"], "amount": _number(b["amount"])}
            for b in sorted(parts.budget_lines, key=lambda b: (b["fiscal_year"], b["source"]))
        ]
    if parts.planned_disbursements is not None:
        after["planned_disbursements"] = [
            {"month": _iso(p["month"]), "amount": _number(p["amount"])}
            for p in sorted(parts.planned_disbursements, key=lambda p: p["month"])
        ]
    primary = after["primary_node"]
    if parts.primary_given:
        primary = parts.primary_node.pk if parts.primary_node is not None else None
    secondary = after["secondary_nodes"]
    if parts.secondary_nodes is not None:
        secondary = [n.pk for n in parts.secondary_nodes]
    elif parts.primary_given:
        secondary = [n for n in secondary if n != primary]  # a secondary link promoted to primary
    after.update(_contribution_summary(primary, secondary))
    if parts.provinces is not None:
        after["provinces"] = sorted(parts.provinces)
    if parts.countries is not None:
        after["countries"] = sorted(parts.countries)
    if parts.partners is not None:
        after["partners"] = sorted(o.code for o in parts.partners)
    return _with_counts(after)


# --------------------------------------------------------------------------- writing parts


def _write_parts(project: Project, parts: _Parts) -> None:
    """Replace the parts that were given. KPIs are updated in place where matched so report actuals survive."""
    if parts.provinces is not None:
        project.provinces.set(parts.provinces)
    if parts.countries is not None:
        project.countries.set(parts.countries)
    if parts.partners is not None:
        project.partners.set(parts.partners)
    if parts.kpis is not None:
        keep = {k["id"] for k in parts.kpis if k["id"] is not None}
        project.kpis.exclude(pk__in=keep).delete()
        new = []
        for order, kpi in enumerate(parts.kpis):
            values = {
                "name": kpi["name"],
                "unit": kpi["unit"],
                "target_value": kpi["target_value"],
                "sort_order": order,
            }
            if kpi["id"] is not None:
                project.kpis.filter(pk=kpi["id"]).update(**values, updated_at=timezone.now())
            else:
                new.append(ProjectKpi(project=project, **values))
        ProjectKpi.objects.bulk_create(new)
    if parts.activities is not None:
        project.activities.all().delete()
        Activity.objects.bulk_create(
            Activity(project=project, sort_order=order, **activity) for order, activity in enumerate(parts.activities)
        )
    if parts.budget_lines is not None:
        project.budget_lines.all().delete()
        BudgetLine.objects.bulk_create(BudgetLine(project=project, **line) for line in parts.budget_lines)
    if parts.planned_disbursements is not None:
        project.planned_disbursements.all().delete()
        PlannedDisbursement.objects.bulk_create(
            PlannedDisbursement(project=project, **planned) for planned in parts.planned_disbursements
        )
    if parts.primary_given:
        project.contributions.filter(is_primary=True).delete()
        if parts.primary_node is not None:
            project.contributions.filter(node=parts.primary_node).delete()  # promoted from secondary
            Contribution.objects.create(project=project, node=parts.primary_node, is_primary=True)
    if parts.secondary_nodes is not None:
        project.contributions.filter(is_primary=False).delete()
        Contribution.objects.bulk_create(
            Contribution(project=project, node=node, is_primary=False) for node in parts.secondary_nodes
        )


def _unknown_keys(data: dict) -> None:
    unknown = sorted(set(data) - FIELDS - PART_KEYS)
    if unknown:
        names = ", ".join(unknown)
        raise ValidationFailed(
            "invalid",
            bilingual(f"ไม่รู้จักช่อง: {names}", f"Unknown fields: {names}"),
            {name: [bilingual("ไม่รู้จักช่องนี้", "unknown field")] for name in unknown},
        )


def _next_code(owner: Organisation, fiscal_year: int) -> str:
    """`<owner code>-<first fiscal year>-<NNNN>`, one more than the highest number used with that prefix."""
    prefix = f"{owner.code[: CODE_MAX_LENGTH - 10]}-{fiscal_year}-"
    numbers = [
        int(code[len(prefix) :])
        for code in Project.objects.filter(code__startswith=prefix).values_list("code", flat=True)
        if code[len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


# --------------------------------------------------------------------------- services


@transaction.atomic
def project_create(*, actor, owner: Organisation, code: str = "", **data) -> Project:
    """Create a draft project of `owner` with its parts. A blank `code` is generated (`<owner>-<FY>-<NNNN>`)."""
    _unknown_keys(data)
    project = Project(owner=owner)
    if actor is not None:
        require(actor, Action.CREATE, project)
    errors = _Errors()
    for name in ("name_th", "fiscal_year_start"):
        if name not in data:
            errors.add(name, bilingual("ต้องระบุ", "this field is required"))
    if "fiscal_year_end" not in data and "fiscal_year_start" in data:
        data = {**data, "fiscal_year_end": data["fiscal_year_start"]}  # a one-year project
    code = errors.run("code", _text, code) or ""
    if code and not CODE_RE.match(code):
        errors.add("code", bilingual("ใช้ได้เฉพาะ A–Z a–z 0–9 . _ -", "only letters, digits, '.', '_' and '-'"))
    _apply_fields(errors, project, data)
    parts = _clean_parts(errors, data, project)
    project.code = code or "-"  # placeholder so field validation passes; the real code is generated below
    _check_project(errors, project)
    _check_years(errors, project, parts)
    errors.raise_if_any()

    for attempt in range(5):
        project.code = code or _next_code(owner, project.fiscal_year_start)
        try:
            with transaction.atomic():
                project.save(force_insert=True)
            break
        except IntegrityError:
            if code or attempt == 4:
                raise ValidationFailed(
                    "invalid",
                    bilingual("รหัสโครงการซ้ำ", "Duplicate project code"),
                    {"code": [bilingual("ซ้ำ", "duplicate")]},
                ) from None
            project.pk = None
    _write_parts(project, parts)
    after = {**snapshot(project), "parts": _summary_after(_empty_summary(), parts)}
    audit_record(actor=actor, action="create", obj=project, after=after)
    return project


def _empty_summary() -> dict:
    return _with_counts(
        {
            "kpis": [],
            "activities": [],
            "budget_lines": [],
            "planned_disbursements": [],
            **_contribution_summary(None, []),
            "provinces": [],
            "countries": [],
            "partners": [],
        }
    )


@transaction.atomic
def project_update(*, actor, project: Project, version: int, **changes) -> Project:
    """Change a draft project's fields and parts (lists replace the stored parts wholesale when given).

    Nothing is written unless everything validates and `version` is still current (else 409 `stale_version`).
    A call that changes nothing writes nothing. One audit entry with the `parts` summary in before/after.
    """
    _unknown_keys(changes)
    if actor is not None:
        ensure_editable(actor=actor, item=project)
    elif (reason := lock_reason(project)) is not None:
        raise refusal(reason, status_now=project.status)
    if version != project.version:
        raise stale_version(project, version)
    original = {f.attname: getattr(project, f.attname) for f in project._meta.concrete_fields}
    try:
        before = snapshot(project)
        before_parts = parts_summary(project)
        errors = _Errors()
        _apply_fields(errors, project, changes)
        parts = _clean_parts(errors, changes, project)
        _match_kpis(errors, project, parts.kpis)
        _check_project(errors, project)
        _check_years(errors, project, parts)
        errors.raise_if_any()
    except ValidationFailed:
        for name, value in original.items():  # leave the caller's instance as it was
            setattr(project, name, value)
        raise
    after_parts = _summary_after(before_parts, parts)
    if snapshot(project) == before and after_parts == before_parts:
        return project
    try:  # the conditional UPDATE comes first: a concurrent writer on the same version waits, then finds 0 rows
        save_if_current(project, version=version)
    except Conflict:
        for name, value in original.items():
            setattr(project, name, value)
        raise
    _write_parts(project, parts)
    audit_record(
        actor=actor,
        action="update",
        obj=project,
        before={**before, "parts": before_parts},
        after={**snapshot(project), "parts": after_parts},
    )
    return project


# --------------------------------------------------------------------------- attachments

_EXTENSIONS = {".jpeg": "image/jpeg", ".jpe": "image/jpeg"}
_MAGIC = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
_OOXML = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "word/",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xl/",
}
_BINARY_MAGIC = (b"%PDF-", b"\x89PNG", b"\xff\xd8\xff", b"PK\x03\x04", b"GIF8", b"MZ", b"\x7fELF", b"\xd0\xcf\x11\xe0")
READ_CHUNK = 64 * 1024


def _extension_types() -> dict[str, str]:
    types = {extension: content_type for content_type, extension in settings.ATTACHMENT_TYPES.items()}
    types.update({ext: t for ext, t in _EXTENSIONS.items() if t in settings.ATTACHMENT_TYPES})
    return types


def _file_error(code: str, th: str, en: str, **details) -> ValidationFailed:
    return ValidationFailed(code, bilingual(th, en), {"file": [bilingual(th, en)], **details})


def _looks_like_text(content: bytes) -> bool:
    """UTF-8 (or Thai Windows-874) text without NUL or other control characters, and not a known binary format."""
    if content.startswith(_BINARY_MAGIC) or b"\x00" in content:
        return False
    for encoding in ("utf-8-sig", "cp874"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return not any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f" for ch in text)
    return False


def _looks_like_ooxml(handle, folder: str) -> bool:
    """A zip with an OOXML content-types part and the main folder of the declared kind (word/ or xl/)."""
    try:
        handle.seek(0)
        with zipfile.ZipFile(handle) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    return "[Content_Types].xml" in names and any(name.startswith(folder) for name in names)


def _content_matches(content_type: str, uploaded_file, head: bytes, content: bytes | None) -> bool:
    if content_type in _MAGIC:
        return head.startswith(_MAGIC[content_type])
    if content_type in _OOXML:
        return head.startswith(b"PK\x03\x04") and _looks_like_ooxml(uploaded_file, _OOXML[content_type])
    if content_type in ("text/plain", "text/csv"):
        return content is not None and _looks_like_text(content)
    return False  # a type added to the settings without a sniffer is refused rather than trusted


def _clean_name(name: str) -> str:
    """The base name without path parts or control characters, at most 255 characters keeping the extension."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip() or "file"
    stem, extension = os.path.splitext(name)
    return stem[: 255 - len(extension[:20])] + extension[:20]


def _check_upload(uploaded_file) -> tuple[str, str, int, str]:
    """Check size, declared type, extension and content. Returns (clean name, content type, size, sha256)."""
    name = _clean_name(getattr(uploaded_file, "name", "") or "")
    size = uploaded_file.size or 0
    limit = settings.ATTACHMENT_MAX_BYTES
    if size <= 0:
        raise _file_error("file_empty", "ไฟล์ว่างเปล่า", "The file is empty")
    if size > limit:
        raise _file_error(
            "file_too_large",
            f"ไฟล์ใหญ่เกิน {limit:,} ไบต์",
            f"The file is larger than {limit:,} bytes",
            max_bytes=limit,
            size=size,
        )
    by_extension = _extension_types()
    extension_type = by_extension.get(os.path.splitext(name)[1].lower())
    declared = (getattr(uploaded_file, "content_type", "") or "").split(";")[0].strip().lower()
    if declared not in settings.ATTACHMENT_TYPES:
        if declared not in ("", "application/octet-stream") or extension_type is None:
            allowed = ", ".join(sorted(by_extension))
            raise _file_error(
                "unsupported_type",
                f"ไม่รองรับไฟล์ชนิดนี้ (รองรับ {allowed})",
                f"This file type is not accepted (accepted: {allowed})",
            )
        declared = extension_type
    if extension_type != declared:
        raise _file_error(
            "extension_mismatch",
            "นามสกุลไฟล์ไม่ตรงกับชนิดของไฟล์",
            "The file name extension does not match the file type",
        )
    digest, head, chunks, total = hashlib.sha256(), b"", [], 0
    keep_all = declared in ("text/plain", "text/csv")
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks(READ_CHUNK):
        digest.update(chunk)
        total += len(chunk)
        if len(head) < 16:
            head += chunk[: 16 - len(head)]
        if keep_all:
            chunks.append(chunk)
    if total != size or total > limit:
        raise _file_error("file_too_large", f"ไฟล์ใหญ่เกิน {limit:,} ไบต์", f"The file is larger than {limit:,} bytes")
    if not _content_matches(declared, uploaded_file, head, b"".join(chunks) if keep_all else None):
        raise _file_error(
            "content_mismatch",
            "เนื้อหาของไฟล์ไม่ตรงกับชนิดที่ระบุ",
            "The file's content does not match its declared type",
        )
    uploaded_file.seek(0)
    return name, declared, size, digest.hexdigest()


def _holder(project: Project, report: ProgressReport | None) -> WorkflowItem:
    if report is not None and report.project_id != project.pk:
        raise ValidationFailed(
            "invalid",
            bilingual("รายงานนี้ไม่ใช่ของโครงการนี้", "The report does not belong to this project"),
            {"report": [bilingual("ไม่ใช่รายงานของโครงการนี้", "not a report of this project")]},
        )
    return report if report is not None else project


def _check_editable(actor, item: WorkflowItem) -> None:
    if actor is not None:
        ensure_editable(actor=actor, item=item)
    elif (reason := lock_reason(item)) is not None:
        raise refusal(reason, status_now=item.status)


def _attachment_entry(attachment: Attachment) -> dict:
    return {
        "attachment": {
            "id": attachment.pk,
            "name": attachment.original_name,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "is_public": attachment.is_public,
        }
    }


@transaction.atomic
def attachment_add(
    *, actor, project: Project, uploaded_file, report: ProgressReport | None = None, is_public: bool = False
) -> Attachment:
    """Attach a file to a draft project (or, with `report`, evidence to a draft report of it).

    The size, the declared type, the name's extension and the content's signature are checked; the file is stored
    under MEDIA_ROOT (outside the web root) by its SHA-256 and served only by the download view. The audit entry
    ("attach") goes on the project or report, so it shows in that object's timeline.
    """
    holder = _holder(project, report)
    _check_editable(actor, holder)
    name, content_type, size, sha256 = _check_upload(uploaded_file)
    attachment = Attachment(
        project=project,
        report=report,
        original_name=name,
        content_type=content_type,
        size=size,
        sha256=sha256,
        is_public=bool(is_public),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # The file is written first and deleted again if the row cannot be saved. (If a caller's outer transaction rolls
    # back later, an unreferenced file remains under MEDIA_ROOT; it is never served, since downloads go by row.)
    attachment.file.save(name, uploaded_file, save=False)
    try:
        attachment.save(force_insert=True)
        audit_record(
            actor=actor, action="attach", obj=holder, before={"attachment": None}, after=_attachment_entry(attachment)
        )
    except BaseException:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


@transaction.atomic
def attachment_remove(*, actor, attachment: Attachment, version: int) -> None:
    """Remove an attachment of a draft project or report; `version` is that project's or report's current version."""
    holder = attachment.report if attachment.report_id else attachment.project
    _check_editable(actor, holder)
    current = type(holder).objects.select_for_update().filter(pk=holder.pk).values_list("version", flat=True).first()
    if version != current:
        raise stale_version(holder, version)
    audit_record(
        actor=actor, action="detach", obj=holder, before=_attachment_entry(attachment), after={"attachment": None}
    )
    name = attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: default_storage.delete(name))
