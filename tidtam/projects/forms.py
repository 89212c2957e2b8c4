"""The project form: plain Django forms and formsets that only parse what was typed (Thai digits, BE years and dates);
every business rule stays in `project_create` / `project_update`, whose errors are put back next to the right field.
"""

import re
from datetime import date
from decimal import Decimal

from django import forms
from django.db.models import Q
from django.forms import formset_factory
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tidtam.core.models import Country, Province
from tidtam.core.thaicalendar import (
    THAI_MONTHS,
    THAI_MONTHS_ABBR,
    be_to_ce,
    ce_to_be,
    parse_be_year,
    parse_number,
    to_arabic_digits,
)
from tidtam.organisations.models import Organisation
from tidtam.plans.models import FrameworkVersion, Node
from tidtam.projects.choices import BudgetSource, Lifecycle, ProjectKind
from tidtam.workflow.templatetags.workflow import language_part

TITLE_LENGTH = 110


# --------------------------------------------------------------------------- fields that read Thai input


class ThaiNumberField(forms.CharField):
    """A number typed with Thai or Arabic digits and optional thousands separators ("๑,๒๕๐.๕๐")."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def clean(self, value) -> Decimal | None:
        text = super().clean(value)
        if text in ("", None):
            return None
        try:
            return parse_number(text)
        except ValueError:
            raise forms.ValidationError(_("Enter a number, e.g. 1,250.50 or ๑,๒๕๐.๕๐."), code="invalid") from None

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
        return value


class ThaiYearField(forms.CharField):
    """A Buddhist Era year ("2568", "๒๕๖๘", "พ.ศ. 2568"); a CE year is converted (thaicalendar.parse_be_year)."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 6})

    def clean(self, value) -> int | None:
        text = super().clean(value)
        if text in ("", None):
            return None
        try:
            return parse_be_year(text)
        except ValueError:
            raise forms.ValidationError(_("Enter a Buddhist Era year, e.g. 2568."), code="invalid") from None


_MONTH_NAMES = {name: index + 1 for index, name in enumerate(THAI_MONTHS)} | {
    abbr.replace(".", ""): index + 1 for index, abbr in enumerate(THAI_MONTHS_ABBR)
}


def _year_to_ce(year: int) -> int:
    """Years typed from 2400 up are BE; smaller ones are CE."""
    return be_to_ce(year) if year >= 2400 else year


def _parse_day_month_year(text: str) -> tuple[int, int, int] | None:
    """(day or 1, month, CE year) from "1/10/2567", "1 ต.ค. 2567", "ตุลาคม 2567", "10/2567" or ISO "2024-10-01"."""
    text = to_arabic_digits(text.strip())
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?", text):
        return int(m[3] or 1), int(m[2]), int(m[1])
    if m := re.fullmatch(r"(?:(\d{1,2})\s*/\s*)?(\d{1,2})\s*/\s*(\d{4})", text):
        return int(m[1] or 1), int(m[2]), _year_to_ce(int(m[3]))
    if m := re.fullmatch(r"(?:(\d{1,2})\s+)?([^\d\s]+)\s*(?:พ\.?\s*ศ\.?)?\s*(\d{4})", text):
        month = _MONTH_NAMES.get(m[2].replace(".", ""))
        if month:
            return int(m[1] or 1), month, _year_to_ce(int(m[3]))
    return None


class ThaiDateField(forms.CharField):
    """A date typed as day/month/BE year ("1/10/2567", "๑/๑๐/๒๕๖๗", "1 ต.ค. 2567") or ISO (CE); shown as d/m/BE."""

    widget = forms.TextInput(attrs={"autocomplete": "off", "size": 12, "placeholder": "วว/ดด/ปปปป"})

    def clean(self, value) -> date | None:
        text = super().clean(value)
        if text in ("", None):
            return None
        parts = _parse_day_month_year(text)
        try:
            if parts is not None:
                return date(parts[2], parts[1], parts[0])
        except ValueError:
            pass
        raise forms.ValidationError(_("Enter a date as day/month/year (BE), e.g. 1/10/2567."), code="invalid")

    def prepare_value(self, value):
        if isinstance(value, date):
            return f"{value.day}/{value.month}/{ce_to_be(value.year)}"
        return value


class ThaiMonthField(forms.CharField):
    """A month typed as month/BE year ("10/2567", "ต.ค. 2567", "ตุลาคม ๒๕๖๗"); stored as its first day."""

    widget = forms.TextInput(attrs={"autocomplete": "off", "size": 10, "placeholder": "ดด/ปปปป"})

    def clean(self, value) -> date | None:
        text = super().clean(value)
        if text in ("", None):
            return None
        parts = _parse_day_month_year(text)
        if parts is None or not 1 <= parts[1] <= 12 or not 1 <= parts[2] <= 9999:
            raise forms.ValidationError(_("Enter a month as month/year (BE), e.g. 10/2567."), code="invalid")
        return date(parts[2], parts[1], 1)

    def prepare_value(self, value):
        if isinstance(value, date):
            return f"{value.month}/{ce_to_be(value.year)}"
        return value


# --------------------------------------------------------------------------- choices


def _title(node: Node) -> str:
    title = node.title_en if get_language() == "en" and node.title_en else node.title_th
    text = f"{node.code} {title}"
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "…"


def _current_versions() -> list[FrameworkVersion]:
    """Current framework versions, the National Strategy (`ns`) first."""
    versions = FrameworkVersion.objects.filter(is_current=True).select_related("framework")
    return sorted(versions, key=lambda v: (v.framework.code != "ns", v.framework.code))


def _target_depths(version: FrameworkVersion) -> set[int]:
    """The depths whose nodes are targets or factors (`Node.is_target_or_factor`, decided once per version)."""
    keys = [level.get("key", "") for level in version.levels]
    if {"target", "factor"} & set(keys):
        return {depth for depth, key in enumerate(keys, start=1) if key in {"target", "factor"}}
    return {len(keys)}


def _grouped(versions: list[FrameworkVersion], nodes, extra: list[Node]) -> list:
    by_version: dict[int, list[Node]] = {}
    for node in [*nodes, *extra]:
        by_version.setdefault(node.framework_version_id, []).append(node)
    groups = []
    extra_versions = [n.framework_version for n in extra if n.framework_version_id not in {v.pk for v in versions}]
    for version in [*versions, *extra_versions]:
        items = by_version.pop(version.pk, [])
        if items:
            label = version.framework.title_en if get_language() == "en" and version.framework.title_en else None
            name = f"{label or version.framework.title_th} ({version.label})"
            groups.append((name, [(str(n.pk), _title(n)) for n in sorted(items, key=lambda n: n.tree_path)]))
    return groups


def primary_node_choices(selected: list[int] = ()) -> list:
    """Targets and factors of every current framework, grouped by framework with `ns` first (two queries), plus the
    nodes already linked even when their version is no longer current."""
    versions = _current_versions()
    condition = Q(pk__in=[])
    for version in versions:
        condition |= Q(framework_version=version, depth__in=_target_depths(version))
    nodes = list(
        Node.objects.filter(condition).only("pk", "code", "title_th", "title_en", "tree_path", "framework_version")
    )
    known = {n.pk for n in nodes}
    extra = [
        n
        for n in Node.objects.filter(pk__in=[s for s in selected if s and s not in known]).select_related(
            "framework_version__framework"
        )
    ]
    return [("", _("— choose a target or factor —")), *_grouped(versions, nodes, extra)]


def any_node_choices(selected: list[int] = ()) -> list:
    """Every node of every current framework, grouped by framework, for secondary links."""
    versions = _current_versions()
    nodes = list(
        Node.objects.filter(framework_version__in=versions).only(
            "pk", "code", "title_th", "title_en", "tree_path", "framework_version"
        )
    )
    known = {n.pk for n in nodes}
    extra = list(
        Node.objects.filter(pk__in=[s for s in selected if s and s not in known]).select_related(
            "framework_version__framework"
        )
    )
    return [("", _("— choose a plan item —")), *_grouped(versions, nodes, extra)]


def _choices(choices) -> list[tuple[str, str]]:
    """A TextChoices' options in the active language (their labels are "ไทย / English")."""
    return [(value, language_part(label)) for value, label in choices.choices]


def _name(obj) -> str:
    return obj.name_en if get_language() == "en" and getattr(obj, "name_en", "") else obj.name_th


# --------------------------------------------------------------------------- forms

# The fields the alignment assistant reads; typing in them refreshes the suggestions panel (htmx, debounced).
ALIGN_FIELDS = ("name_th", "name_en", "objectives")


def align_attrs() -> dict[str, str]:
    """htmx attributes of a field the assistant reads: after a pause in typing, fetch the suggestions panel."""
    return {
        "hx-get": reverse("projects:align_suggestions"),
        "hx-trigger": "input changed delay:600ms",
        "hx-include": ", ".join(f"#id_{name}" for name in ALIGN_FIELDS),
        "hx-target": "#align-suggestions",
        "hx-select": "#align-suggestions",
        "hx-swap": "outerHTML",
    }


class ProjectForm(forms.Form):
    """The project's own fields, locations, partners and primary link. `owner` and `code` only when creating."""

    owner = forms.ChoiceField(label=_("Owner organisation"))
    code = forms.CharField(
        label=_("Project code"),
        required=False,
        max_length=40,
        help_text=_("Leave blank to number it automatically."),
    )
    name_th = forms.CharField(label=_("Name (Thai)"), max_length=500)
    name_en = forms.CharField(label=_("Name (English)"), max_length=500, required=False)
    kind = forms.ChoiceField(label=_("Type"))
    lifecycle = forms.ChoiceField(label=_("Lifecycle status"))
    fiscal_year_start = ThaiYearField(label=_("First fiscal year (BE)"))
    fiscal_year_end = ThaiYearField(
        label=_("Last fiscal year (BE)"), required=False, help_text=_("Blank for a one-year project.")
    )
    start_date = ThaiDateField(label=_("Start date"), required=False)
    end_date = ThaiDateField(label=_("End date"), required=False)
    rationale = forms.CharField(label=_("Rationale"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    objectives = forms.CharField(label=_("Objectives"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    output_target = forms.CharField(label=_("Output target"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    outcome_target = forms.CharField(
        label=_("Outcome target"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    responsible_name = forms.CharField(label=_("Responsible person"), max_length=200, required=False)
    responsible_position = forms.CharField(label=_("Position"), max_length=200, required=False)
    responsible_email = forms.EmailField(label=_("E-mail"), required=False)
    responsible_phone = forms.CharField(label=_("Telephone"), max_length=40, required=False)
    provinces = forms.MultipleChoiceField(
        label=_("Provinces"), required=False, widget=forms.SelectMultiple(attrs={"size": 8})
    )
    countries = forms.MultipleChoiceField(
        label=_("Countries"), required=False, widget=forms.SelectMultiple(attrs={"size": 8})
    )
    partners = forms.MultipleChoiceField(
        label=_("Partners"), required=False, widget=forms.SelectMultiple(attrs={"size": 8})
    )
    primary_node = forms.ChoiceField(label=_("Primary target or factor"), required=False)
    is_illustrative = forms.BooleanField(label=_("Illustrative (sample) data"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    SERVICE_FIELDS = (
        "name_th",
        "name_en",
        "kind",
        "lifecycle",
        "fiscal_year_start",
        "fiscal_year_end",
        "start_date",
        "end_date",
        "rationale",
        "objectives",
        "output_target",
        "outcome_target",
        "responsible_name",
        "responsible_position",
        "responsible_email",
        "responsible_phone",
        "provinces",
        "countries",
        "partners",
        "is_illustrative",
    )

    def __init__(self, *args, owners=None, creating: bool = True, selected_nodes=(), **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            self.fields["owner"].choices = [(o.code, _name(o)) for o in owners or []]
            del self.fields["version"]
        else:
            del self.fields["owner"]
            del self.fields["code"]
            self.fields["version"].required = True
        self.fields["kind"].choices = _choices(ProjectKind)
        self.fields["lifecycle"].choices = _choices(Lifecycle)
        self.fields["provinces"].choices = [(p.code, _name(p)) for p in Province.objects.order_by("name_th")]
        self.fields["countries"].choices = [(c.alpha2, _name(c)) for c in Country.objects.order_by("name_th")]
        self.fields["partners"].choices = [
            (o.code, _name(o)) for o in Organisation.objects.filter(is_active=True).order_by("path")
        ]
        self.fields["primary_node"].choices = primary_node_choices(list(selected_nodes))
        for name in ALIGN_FIELDS:
            self.fields[name].widget.attrs.update(align_attrs())

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("fiscal_year_start")
            and not cleaned.get("fiscal_year_end")
            and "fiscal_year_end" not in self.errors
        ):
            cleaned["fiscal_year_end"] = cleaned["fiscal_year_start"]
        return cleaned

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.SERVICE_FIELDS}
        primary = self.cleaned_data.get("primary_node")
        data["primary_node"] = int(primary) if primary else None
        return data


class PartForm(forms.Form):
    """A row of a part table; blank extra rows are skipped (the formset marks them empty_permitted)."""

    FIELDS: tuple[str, ...] = ()

    def item(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.FIELDS}


class KpiForm(PartForm):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("KPI"), max_length=500)
    unit = forms.CharField(label=_("Unit"), max_length=60)
    target_value = ThaiNumberField(label=_("Target value"))
    FIELDS = ("id", "name", "unit", "target_value")


class ActivityForm(PartForm):
    name = forms.CharField(label=_("Activity"), max_length=500)
    start_date = ThaiDateField(label=_("Start date"), required=False)
    end_date = ThaiDateField(label=_("End date"), required=False)
    FIELDS = ("name", "start_date", "end_date")


class BudgetLineForm(PartForm):
    fiscal_year = ThaiYearField(label=_("Fiscal year (BE)"))
    # The select always posts a value; as the initial value it leaves a blank extra row "unchanged" (skipped).
    source = forms.ChoiceField(label=_("Source"), initial=BudgetSource.STATE_BUDGET)
    amount = ThaiNumberField(label=_("Amount (THB)"))
    FIELDS = ("fiscal_year", "source", "amount")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = _choices(BudgetSource)


class PlannedDisbursementForm(PartForm):
    month = ThaiMonthField(label=_("Month (month/BE year)"))
    amount = ThaiNumberField(label=_("Planned amount (THB)"))
    FIELDS = ("month", "amount")


class SecondaryNodeForm(PartForm):
    node = forms.ChoiceField(label=_("Plan item"))
    FIELDS = ("node",)

    def __init__(self, *args, node_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = node_choices


# Part name (as the service calls it) → (formset prefix, form class).
PARTS = {
    "kpis": ("kpis", KpiForm),
    "activities": ("activities", ActivityForm),
    "budget_lines": ("budget", BudgetLineForm),
    "planned_disbursements": ("planned", PlannedDisbursementForm),
    "secondary_nodes": ("secondary", SecondaryNodeForm),
}
MAX_ROWS = 200


def part_formset(part: str, *, data=None, initial=None, extra: int = 0, **form_kwargs):
    prefix, form_class = PARTS[part]
    formset_class = formset_factory(
        form_class, extra=extra, can_delete=True, max_num=MAX_ROWS, validate_max=True, absolute_max=MAX_ROWS
    )
    return formset_class(data=data, initial=initial, prefix=prefix, form_kwargs=form_kwargs)


def formset_items(formset) -> tuple[list, list]:
    """The rows to send to the service (skipping deleted and untouched blank rows) and, in the same order, their
    forms, so an error on item i of the service's list can be shown on the right row."""
    items, forms_ = [], []
    for form in formset.forms:
        if not form.has_changed() and form.empty_permitted:
            continue
        if formset.can_delete and formset._should_delete_form(form):
            continue
        items.append(form.item())
        forms_.append(form)
    return items, forms_


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))
    is_public = forms.BooleanField(label=_("Publish with the open data once the project is accepted"), required=False)
