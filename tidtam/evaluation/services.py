"""Writes to status rules: a new version of a rule (versions are never changed), and which rule a framework or an
indicator uses.

Only users who may edit plan frameworks (reviewers) may write; `actor=None` is the system (commands run by an
operator). Assigning a rule goes through the plan services, which refresh the stored statuses and roll-ups.

Reviewers also mark candidate duplicate pairs of projects (`duplicate_mark`, docs/duplicates.md).
"""

import re
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from tidtam.core.errors import Conflict, FieldErrors, NotFound, ValidationFailed, bilingual
from tidtam.core.permissions import Action, can, require
from tidtam.core.services import create_audited, versioned_update
from tidtam.core.thaicalendar import parse_number
from tidtam.evaluation.models import VERDICT_REASON_MAX, DuplicateReview, StatusRule, Verdict
from tidtam.evaluation.rules import RULE_VERSION
from tidtam.plans.models import Framework, Indicator
from tidtam.plans.services import framework_update, indicator_update
from tidtam.projects.models import Project

DEFAULT_NAME = RULE_VERSION.split("/")[0]
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
# The bands as stored: DecimalField(max_digits=6, decimal_places=3).
BAND_MAX = Decimal("999.999")
BAND_PLACES = 3
# field → (Thai name, English name), in band order: each must not be above the one before it.
BANDS = {
    "green_from": ("เกณฑ์ต่ำสุดของสีเขียว", "green from"),
    "yellow_from": ("เกณฑ์ต่ำสุดของสีเหลือง", "yellow from"),
    "orange_from": ("เกณฑ์ต่ำสุดของสีส้ม", "orange from"),
}


def _band(value) -> Decimal:
    """A band as a Decimal: Decimals and ints as they are, text parsed (Thai digits accepted); ValueError if not a
    finite number."""
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, str):
        number = parse_number(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        try:
            number = Decimal(value)
        except (InvalidOperation, TypeError, ValueError) as error:
            raise ValueError("not a number") from error
    if not number.is_finite():
        raise ValueError("not a number")
    return number


def _check_bands(values: dict) -> dict[str, Decimal]:
    """The three bands as Decimals, or `ValidationFailed` naming every bad field: each a number from 0 to 999.999
    with at most three decimals, and green ≥ yellow ≥ orange."""
    errors = FieldErrors()
    bands: dict[str, Decimal] = {}
    for name, (th, en) in BANDS.items():
        try:
            number = _band(values[name])
        except ValueError:
            errors.add(name, bilingual(f"{th} ต้องเป็นตัวเลข", f"{en} must be a number"))
            continue
        if number < 0:
            errors.add(name, bilingual(f"{th} ต้องไม่ติดลบ", f"{en} must not be negative"))
        elif number > BAND_MAX:
            errors.add(name, bilingual(f"{th} ต้องไม่เกิน {BAND_MAX}", f"{en} must be at most {BAND_MAX}"))
        elif number != number.quantize(Decimal(1).scaleb(-BAND_PLACES)):
            errors.add(name, bilingual(f"{th} มีทศนิยมได้ไม่เกิน 3 ตำแหน่ง", f"{en} has more than 3 decimal places"))
        else:
            bands[name] = number
    names = list(BANDS)
    for upper, lower in zip(names, names[1:], strict=False):
        if upper in bands and lower in bands and bands[lower] > bands[upper]:
            (upper_th, upper_en), (lower_th, lower_en) = BANDS[upper], BANDS[lower]
            errors.add(
                lower,
                bilingual(
                    f"{lower_th} ({bands[lower]}) ต้องไม่มากกว่า{upper_th} ({bands[upper]}): "
                    "ต้องเรียง เขียว ≥ เหลือง ≥ ส้ม ≥ 0",
                    f"{lower_en} ({bands[lower]}) must not be above {upper_en} ({bands[upper]}): bands are ordered "
                    "green ≥ yellow ≥ orange ≥ 0",
                ),
            )
    errors.raise_if_any()
    return bands


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not NAME_PATTERN.fullmatch(name):
        raise ValidationFailed(
            "invalid",
            bilingual(
                "ชื่อกฎต้องเป็นอักษรอังกฤษตัวเล็ก ตัวเลข - หรือ _ ไม่เกิน 40 ตัว",
                "A rule name is 1–40 lower-case letters, digits, '-' or '_'",
            ),
            {"name": [bilingual("ชื่อกฎไม่ถูกต้อง", "invalid rule name")]},
        )
    if name == DEFAULT_NAME:
        raise ValidationFailed(
            "invalid",
            bilingual(
                f"กฎ {RULE_VERSION} คือกฎตั้งต้นที่เผยแพร่และใช้เมื่อไม่ได้กำหนดกฎ จึงไม่มีฉบับใหม่ โปรดตั้งชื่อกฎใหม่",
                f"Rule {RULE_VERSION} is the published default used wherever no rule is set; it gets no new version. "
                "Give the new rule its own name",
            ),
            {"name": [bilingual("ชื่อนี้สงวนไว้", "reserved name")]},
        )
    return name


@transaction.atomic
def status_rule_create(
    *,
    actor,
    name: str,
    green_from: Decimal | str | int,
    yellow_from: Decimal | str | int,
    orange_from: Decimal | str | int,
    note: str = "",
) -> StatusRule:
    """Create the next version of rule `name` (version 1 for a new name). Stored versions never change: a changed rule
    is a new version, and statuses name the version that computed them."""
    if actor is not None:
        require(actor, Action.EDIT, StatusRule)
    name = _check_name(name)
    if "\x00" in note:
        raise ValidationFailed(
            "invalid",
            bilingual("หมายเหตุมีอักขระที่ใช้ไม่ได้", "The note contains a NUL character"),
            {"note": ["NUL"]},
        )
    bands = _check_bands({"green_from": green_from, "yellow_from": yellow_from, "orange_from": orange_from})
    latest = StatusRule.objects.filter(name=name).aggregate(latest=Max("version"))["latest"] or 0
    rule = StatusRule(name=name, version=latest + 1, note=note.strip(), **bands)
    try:
        with transaction.atomic():  # a savepoint: a concurrent creation of the same version fails cleanly
            return create_audited(actor=actor, obj=rule)
    except IntegrityError as error:
        raise Conflict(
            "rule_version_taken",
            bilingual(
                f"มีผู้สร้างกฎ {rule.code} พร้อมกัน โปรดลองใหม่", f"Rule {rule.code} was created at the same time; try again"
            ),
            {"name": [name]},
        ) from error


@transaction.atomic
def status_rule_assign(*, actor, target: Framework | Indicator, rule: StatusRule | None) -> Framework | Indicator:
    """Make `target` (a framework or an indicator) use `rule`; None inherits: an indicator then uses its framework's
    rule, a framework the published default. Its indicators' statuses and the roll-ups are recomputed at once."""
    if rule is not None and rule.pk is None:
        raise ValidationFailed("invalid", bilingual("กฎยังไม่ได้บันทึก", "The rule is not stored"), {"rule": ["not stored"]})
    if isinstance(target, Framework):
        if actor is not None:
            require(actor, Action.EDIT, target)
        return framework_update(actor=actor, framework=target, version=target.version, status_rule=rule)
    if isinstance(target, Indicator):
        if actor is not None:
            require(actor, Action.EDIT, target)
        return indicator_update(actor=actor, indicator=target, version=target.version, status_rule=rule)
    raise ValidationFailed(
        "invalid",
        bilingual("กำหนดกฎได้เฉพาะกรอบแผนหรือตัวชี้วัด", "A rule is assigned to a framework or an indicator"),
        {"target": [type(target).__name__]},
    )


# ------------------------------------------------------------------------------------------------------ duplicates


def _check_pair(actor, project_a: Project, project_b: Project, verdict: str, reason: str) -> None:
    errors = FieldErrors()
    if verdict not in Verdict.values:
        choices = ", ".join(Verdict.values)
        errors.add("verdict", bilingual(f"ผลการพิจารณาต้องเป็นหนึ่งใน {choices}", f"verdict must be one of {choices}"))
    if "\x00" in reason:
        errors.add("reason", bilingual("เหตุผลมีอักขระที่ใช้ไม่ได้", "reason contains a NUL character"))
    elif len(reason) > VERDICT_REASON_MAX:
        errors.add(
            "reason",
            bilingual(
                f"เหตุผลยาวได้ไม่เกิน {VERDICT_REASON_MAX} ตัวอักษร", f"reason is at most {VERDICT_REASON_MAX} characters"
            ),
        )
    if project_a.pk == project_b.pk:
        errors.add("project_b", bilingual("ต้องเป็นโครงการคนละโครงการ", "the two projects must differ"))
    elif project_a.owner_id == project_b.owner_id:
        errors.add(
            "project_b",
            bilingual("โครงการของหน่วยงานเดียวกันไม่นับเป็นคู่ซ้ำซ้อน", "projects of the same organisation are not a pair"),
        )
    errors.raise_if_any()
    if actor is not None:
        for project in (project_a, project_b):
            if not can(actor, Action.VIEW, project):
                raise NotFound("project_not_found", "ไม่พบโครงการ / Project not found", {"id": str(project.pk)})


@transaction.atomic
def duplicate_mark(
    *, actor, project_a: Project, project_b: Project, verdict: str, reason: str = "", version: int | None = None
) -> DuplicateReview:
    """Record a reviewer's verdict on a pair of projects of different organisations (duplicate, related, distinct).

    The pair is stored once, lower id first, whichever order it comes in; marking it again is a versioned update
    (`version`, when given, must be the one the reviewer saw: 409 otherwise) with its own audit entry. A pair marked
    distinct leaves the reviewers' queue. Only those the grant table lets edit `duplicate` (reviewers) may mark."""
    if actor is not None:
        require(actor, Action.EDIT, DuplicateReview)
    reason = (reason or "").strip()
    _check_pair(actor, project_a, project_b, verdict, reason)
    first, second = sorted((project_a, project_b), key=lambda project: project.pk)
    changes = {"verdict": verdict, "reason": reason, "reviewer": actor if actor is not None else None}
    existing = DuplicateReview.objects.select_for_update().filter(project_a=first, project_b=second).first()
    if existing is not None:
        return versioned_update(
            actor=actor,
            obj=existing,
            version=existing.version if version is None else version,
            changes={**changes, "reviewed_at": timezone.now()},
            reason=reason,
        )
    if version not in (None, 0):
        raise Conflict(
            "stale_version",
            bilingual("ยังไม่มีผลการพิจารณาของคู่นี้ โปรดโหลดใหม่", "This pair has no verdict yet; reload it"),
            {"expected_version": version, "current_version": None},
        )
    review = DuplicateReview(project_a=first, project_b=second, reviewed_at=timezone.now(), **changes)
    try:
        with transaction.atomic():  # a savepoint: a concurrent first verdict on the same pair fails cleanly
            return create_audited(actor=actor, obj=review, reason=reason)
    except IntegrityError as error:
        raise Conflict(
            "stale_version",
            bilingual("มีผู้พิจารณาคู่นี้พร้อมกัน โปรดโหลดใหม่", "Someone marked this pair at the same time; reload it"),
            {"pair": [first.pk, second.pk]},
        ) from error
