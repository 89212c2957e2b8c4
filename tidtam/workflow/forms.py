"""Forms of the workflow pages: one transition, and the filters of the inbox and the reviewer queue."""

from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from tidtam.core import thaicalendar
from tidtam.organisations.models import Organisation
from tidtam.reporting.models import ReportingRound

REASON_MAX_LENGTH = 2000


class ThaiIntegerField(forms.IntegerField):
    """An integer typed with Thai or Arabic digits."""

    def to_python(self, value):
        if isinstance(value, str):
            value = thaicalendar.to_arabic_digits(value.strip())
        return super().to_python(value)


class TransitionForm(forms.Form):
    """A POST to `workflow:transition`: the version the user saw, a reason (required by the engine for return and
    unlock) and where to go back to."""

    version = ThaiIntegerField(min_value=1)
    reason = forms.CharField(required=False, max_length=REASON_MAX_LENGTH)
    next = forms.CharField(required=False, max_length=2000)


KIND_CHOICES = [("", _("Projects and reports")), ("project", _("Projects")), ("report", _("Reports"))]


class QueueFilterForm(forms.Form):
    """Filters of the approval inbox and the reviewer queue, by GET; the choices are given by the view."""

    kind = forms.ChoiceField(label=_("Type"), choices=KIND_CHOICES, required=False)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("All organisations"),
    )
    round = forms.ModelChoiceField(
        label=_("Reporting round"), queryset=ReportingRound.objects.none(), required=False, empty_label=_("All rounds")
    )

    def __init__(self, data, *, organisations, rounds, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["round"].queryset = rounds

    def filters(self) -> dict:
        """The selector keywords; an invalid form filters nothing (its errors show on the page)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"kind": data["kind"] or None, "organisation": data["organisation"], "round": data["round"]}

    def query(self) -> str:
        """The filters as a query string, to keep them across a POST and its redirect."""
        if not self.is_valid():
            return ""
        data = self.cleaned_data
        pairs = {
            "kind": data["kind"],
            "organisation": data["organisation"].code if data["organisation"] else "",
            "round": data["round"].pk if data["round"] else "",
        }
        return urlencode({k: v for k, v in pairs.items() if v})
