"""The public page that explains the status rules, with worked examples and a form to try the rule (no sign-in); the
reviewers' queue of accepted projects that fit their primary link poorly (`evaluation.alignment`)."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from tidtam.core.permissions import Action, can
from tidtam.evaluation.alignment import MISFIT_RANK, last_scan, misfit_list, reason_parts
from tidtam.evaluation.forms import FIELD_NAMES, TryRuleForm
from tidtam.evaluation.models import StatusRule
from tidtam.evaluation.rules import DEFAULT_BANDS, RULE_VERSION, Bands, Status, StatusLevel, evaluate
from tidtam.plans.choices import Direction
from tidtam.plans.models import Framework, Indicator
from tidtam.projects.models import Project

D = Decimal
LEVELS = (StatusLevel.GREEN, StatusLevel.YELLOW, StatusLevel.ORANGE, StatusLevel.RED, StatusLevel.GREY)


@dataclass(frozen=True)
class Example:
    """A worked example: what it shows, the inputs and the status `evaluate` gives (computed when the page renders,
    so the page can never disagree with the rule)."""

    title: str
    direction: str
    target: Decimal | None
    target_max: Decimal | None
    actual: Decimal | None
    status: Status

    @property
    def direction_label(self) -> str:
        return str(Direction(self.direction).label)

    @property
    def target_text(self) -> str:
        if self.target is None:
            return "—"
        return _num(self.target) + (f"–{_num(self.target_max)}" if self.target_max is not None else "")

    @property
    def actual_text(self) -> str:
        return "—" if self.actual is None else _num(self.actual)


def _num(value: Decimal) -> str:
    """12.50 → "12.5", 80 → "80" (as the why text writes numbers)."""
    return format(value.normalize(), "f")


def _example(title, direction: str, target, actual, target_max=None) -> Example:
    status = evaluate(direction=direction, target=target, actual=actual, target_max=target_max)
    return Example(str(title), direction, target, target_max, actual, status)


def worked_examples() -> list[Example]:
    return [
        _example(_("Higher is better, a little below the target"), Direction.HIGHER, D(80), D(72)),
        _example(_("Lower is better, above the target"), Direction.LOWER, D(10), D("12.5")),
        _example(_("Lower is better, an actual of 0"), Direction.LOWER, D(5), D(0)),
        _example(_("A target range, inside it"), Direction.RANGE, D(3), D(4), D(5)),
        _example(_("A target range, above it"), Direction.RANGE, D(3), D(8), D(5)),
        _example(_("A target range, below it"), Direction.RANGE, D(3), D("1.2"), D(5)),
        _example(_("A target of 0: compared directly"), Direction.LOWER, D(0), D(3)),
        _example(_("No actual for the period"), Direction.HIGHER, D(80), None),
        _example(_("No target for the period"), Direction.HIGHER, None, D(72)),
    ]


@dataclass(frozen=True)
class RuleRow:
    code: str
    bands: Bands
    note: str
    frameworks: list[str]
    indicators: int
    is_default: bool

    @property
    def cells(self) -> list[str]:
        """The band of green, yellow, orange and red, e.g. "≥75%, <100%"."""
        return [self.bands.text(level) for level in LEVELS[:4]]


def rule_rows(rules: list[StatusRule]) -> list[RuleRow]:
    """The default rule first, then every other stored version, with the frameworks and how many indicators use it."""
    frameworks: dict[int | None, list[str]] = {}
    for rule_id, code in Framework.objects.order_by("code").values_list("status_rule_id", "code"):
        frameworks.setdefault(rule_id, []).append(code)
    indicators: dict[int, int] = {}
    for rule_id in Indicator.objects.filter(status_rule__isnull=False).values_list("status_rule_id", flat=True):
        indicators[rule_id] = indicators.get(rule_id, 0) + 1
    rows = [
        RuleRow(
            rule.code,
            rule.bands,
            rule.note,
            frameworks.get(rule.pk, []) + (frameworks.get(None, []) if rule.code == RULE_VERSION else []),
            indicators.get(rule.pk, 0),
            rule.code == RULE_VERSION,
        )
        for rule in rules
    ]
    if not any(row.is_default for row in rows):
        rows.append(RuleRow(RULE_VERSION, DEFAULT_BANDS, "", frameworks.get(None, []), 0, True))
    return sorted(rows, key=lambda row: not row.is_default)


@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    """How a status is computed (ratios, bands, grey and direct cases, roll-ups, which data counts), the bands of every
    rule version, worked examples and the "try it" form (`?direction=…&target=…&actual=…`)."""
    stored = list(StatusRule.objects.order_by("name", "version"))
    rows = rule_rows(stored)
    submitted = any(name in request.GET for name in FIELD_NAMES)
    form = TryRuleForm(request.GET if submitted else None, rules=stored)
    result = None
    if submitted and form.is_valid():
        data = form.cleaned_data
        result = evaluate(
            direction=data["direction"],
            target=data["target"],
            actual=data["actual"],
            target_max=data["target_max"] if data["direction"] == Direction.RANGE else None,
            bands=data["rule"],
        )
    context = {
        "levels": LEVELS,
        "level_bands": [(level, DEFAULT_BANDS.text(level)) for level in LEVELS[:4]],
        "default": DEFAULT_BANDS,
        "rule_version": RULE_VERSION,
        "rule_rows": rows,
        "examples": worked_examples(),
        "form": form,
        "submitted": submitted,
        "result": result,
        "directions": Direction.choices,
    }
    return render(request, "evaluation/rules.html", context)


# ---------------------------------------------------------------------------------------------- alignment queue

ALIGNMENT_PAGE_SIZE = 25


@require_GET
def alignment_queue(request: HttpRequest) -> HttpResponse:
    """Reviewers' queue of accepted projects whose name and objectives fit their primary link poorly (precomputed by
    `tidtam align scan`, `evaluation.alignment`), the worst first, 25 a page."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can(request.user, Action.ACCEPT, Project):
        raise PermissionDenied
    page = Paginator(misfit_list(user=request.user), ALIGNMENT_PAGE_SIZE).get_page(request.GET.get("page"))
    for fit in page:
        fit.reason_items = [reason_parts(reason) for reason in fit.anchor_reasons]
        for suggestion in fit.suggestions:
            suggestion["reason_items"] = [reason_parts(reason) for reason in suggestion.get("reasons", [])]
    context = {"page": page, "scanned_at": last_scan(), "misfit_rank": MISFIT_RANK}
    return render(request, "evaluation/alignment_queue.html", context)
