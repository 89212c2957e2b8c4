"""Forms of the reporting pages. They collect what was typed; the services validate it (one set of rules and
messages for pages and API), and the forms put the services' errors back next to the right field."""

from datetime import date
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from tidtam.core import thaicalendar
from tidtam.reporting.models import ProgressReport
from tidtam.reporting.selectors import month_label

NUMBER_ATTRS = {"inputmode": "decimal", "autocomplete": "off", "class": "number-input"}
TEXT_MAX_LENGTH = 20000


def date_widget() -> forms.DateInput:
    """A browser date picker; it reads and writes ISO dates whatever the language."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def number_text(value: Decimal | None) -> str:
    """`1234.5` for Decimal("1234.5000"): what the number fields show (no grouping, so it reads back as typed)."""
    return "" if value is None else format(value.normalize(), "f")


def _number_field(label, *, help_text: str = "") -> forms.CharField:
    """A number typed as text: Thai digits (๐–๙) and thousands separators are welcome; the service parses it."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=40,
        help_text=help_text,
        widget=forms.TextInput(attrs=NUMBER_ATTRS),
    )


class ThaiIntegerField(forms.IntegerField):
    """An integer typed with Thai or Arabic digits."""

    def to_python(self, value):
        if isinstance(value, str):
            value = thaicalendar.to_arabic_digits(value.strip())
        return super().to_python(value)


class ReportForm(forms.Form):
    """The report form: progress, one amount per month of the round, KPI actuals, indicator values and narrative.

    Built for one report with its round's `months`, the project's `kpis` and the `indicators` it may report on.
    `changes()` gives the keyword arguments of `report_update`; `add_service_errors()` maps the service's error paths
    (`disbursements[1].amount`) back to the fields.
    """

    version = ThaiIntegerField(widget=forms.HiddenInput, min_value=1)
    physical_progress = _number_field(_("Physical progress (%)"), help_text=_("0 to 100; Thai digits are accepted."))
    results = forms.CharField(
        label=_("Results (ผลการดำเนินงาน)"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    problems = forms.CharField(
        label=_("Problems and obstacles (ปัญหาอุปสรรค)"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    recommendations = forms.CharField(
        label=_("Recommendations (ข้อเสนอแนะ)"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, data=None, *, report: ProgressReport, months: list[date], kpis: list, indicators: list):
        self.report, self.months, self.kpis, self.indicators = report, months, kpis, indicators
        super().__init__(data, initial=self._initial(report) if data is None else None)
        for month in months:
            self.fields[self.month_field(month)] = _number_field(month_label(month))
        for kpi in kpis:
            self.fields[f"kpi_{kpi.pk}"] = _number_field(kpi.name)
        for indicator in indicators:
            self.fields[f"indicator_{indicator.pk}"] = _number_field(f"{indicator.code} {indicator.name_th}")
            self.fields[f"indicator_{indicator.pk}_note"] = forms.CharField(
                label=_("Note"), required=False, max_length=2000
            )
        self.paths: dict[str, str] = {}

    @staticmethod
    def month_field(month: date) -> str:
        return f"month_{month:%Y_%m}"

    def _initial(self, report: ProgressReport) -> dict:
        initial = {
            "version": report.version,
            "physical_progress": number_text(report.physical_progress),
            "results": report.results,
            "problems": report.problems,
            "recommendations": report.recommendations,
        }
        for row in report.disbursements.all():
            initial[self.month_field(row.month)] = number_text(row.amount)
        for row in report.kpi_actuals.all():
            initial[f"kpi_{row.kpi_id}"] = number_text(row.value)
        for row in report.indicator_values.all():
            initial[f"indicator_{row.indicator_id}"] = number_text(row.value)
            initial[f"indicator_{row.indicator_id}_note"] = row.note
        return initial

    def month_fields(self):
        return [(month, self[self.month_field(month)]) for month in self.months]

    def kpi_fields(self):
        return [(kpi, self[f"kpi_{kpi.pk}"]) for kpi in self.kpis]

    def indicator_fields(self):
        return [
            (indicator, self[f"indicator_{indicator.pk}"], self[f"indicator_{indicator.pk}_note"])
            for indicator in self.indicators
        ]

    def changes(self) -> dict:
        """The `report_update` keywords: every field and every part (blank amounts leave their row out)."""
        data = self.cleaned_data
        changes = {name: data[name] for name in ("physical_progress", "results", "problems", "recommendations")}
        self.paths = {name: name for name in changes}
        disbursements = []
        for month in self.months:
            name = self.month_field(month)
            if data.get(name, "").strip():
                index = len(disbursements)
                self.paths[f"disbursements[{index}].amount"] = self.paths[f"disbursements[{index}].month"] = name
                disbursements.append({"month": month, "amount": data[name]})
        kpi_actuals = []
        for kpi in self.kpis:
            name = f"kpi_{kpi.pk}"
            if data.get(name, "").strip():
                index = len(kpi_actuals)
                self.paths[f"kpi_actuals[{index}].value"] = self.paths[f"kpi_actuals[{index}].kpi"] = name
                kpi_actuals.append({"kpi": kpi.pk, "value": data[name]})
        indicator_values = []
        for indicator in self.indicators:
            name = f"indicator_{indicator.pk}"
            if data.get(name, "").strip():
                index = len(indicator_values)
                self.paths[f"indicator_values[{index}].value"] = name
                self.paths[f"indicator_values[{index}].indicator"] = name
                self.paths[f"indicator_values[{index}].note"] = f"{name}_note"
                indicator_values.append({"indicator": indicator.pk, "value": data[name], "note": data[f"{name}_note"]})
        return {
            **changes,
            "disbursements": disbursements,
            "kpi_actuals": kpi_actuals,
            "indicator_values": indicator_values,
        }

    def add_service_errors(self, details: dict) -> None:
        for path, messages in details.items():
            field = self.paths.get(path)
            for message in messages if isinstance(messages, list) else [messages]:
                self.add_error(field if field in self.fields else None, str(message))


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence file"), help_text=_("PDF, PNG, JPEG, DOCX, XLSX, CSV or text."))
    is_public = forms.BooleanField(label=_("Publish with the report once it is accepted"), required=False)


def _period_choices() -> list[tuple[str, str]]:
    quarters = [(f"q{q}", _("Quarter %(quarter)s") % {"quarter": q}) for q in range(1, 5)]
    months = [
        (f"m{index}", thaicalendar.thai_month_name(month))
        for index, month in enumerate((10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9), start=1)
    ]
    return [(_("Quarter"), quarters), (_("Month"), months)]


class RoundOpenForm(forms.Form):
    """Open a round: a BE fiscal year (Thai digits welcome) and a quarter or a month, its opening day and deadline."""

    fiscal_year = forms.CharField(
        label=_("Fiscal year (BE)"), max_length=12, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    period = forms.ChoiceField(label=_("Quarter or month"), choices=_period_choices)
    opens_on = forms.DateField(label=_("Opens on"), widget=date_widget())
    deadline = forms.DateField(label=_("Deadline"), widget=date_widget())

    def clean_fiscal_year(self) -> int:
        try:
            return thaicalendar.parse_be_year(self.cleaned_data["fiscal_year"])
        except ValueError:
            raise forms.ValidationError(_("Enter a Buddhist Era year such as 2568.")) from None

    def period_arguments(self) -> dict:
        period = self.cleaned_data["period"]
        return {"quarter": int(period[1:])} if period.startswith("q") else {"month": int(period[1:])}


class RoundUpdateForm(forms.Form):
    version = ThaiIntegerField(widget=forms.HiddenInput, min_value=1)
    opens_on = forms.DateField(label=_("Opens on"), widget=date_widget())
    deadline = forms.DateField(label=_("Deadline"), widget=date_widget())


class RoundStateForm(forms.Form):
    """Close or reopen a round (a reason is required to reopen; the service says so)."""

    version = ThaiIntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class RemindForm(forms.Form):
    organisation = forms.CharField(required=False, max_length=60)
