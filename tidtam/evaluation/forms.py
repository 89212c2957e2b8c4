"""The "try it" form of the public rules page: a direction, a target (or range), an actual and a rule version; the
filters of the candidate-duplicate queue and a reviewer's verdict on a pair."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from tidtam.core.errors import bilingual
from tidtam.core.thaicalendar import parse_number, to_arabic_digits
from tidtam.evaluation.models import VERDICT_REASON_MAX, StatusRule, Verdict
from tidtam.evaluation.rules import DEFAULT_BANDS, RULE_VERSION, Bands
from tidtam.organisations.choices import OrganisationKind
from tidtam.organisations.models import Organisation
from tidtam.plans.choices import Direction

# field → (Thai name, English name), for messages that name the field.
FIELD_NAMES = {
    "target": ("ค่าเป้าหมาย", "Target"),
    "target_max": ("ค่าบนของช่วงเป้าหมาย", "Upper target"),
    "actual": ("ค่าจริง", "Actual"),
    "direction": ("ทิศทาง", "Direction"),
    "rule": ("กฎ", "Rule"),
}
MAX_ABS = Decimal("1e15")  # indicator values are stored with 20 digits, 4 of them decimals


def _named(field: str, th: str, en: str) -> str:
    name_th, name_en = FIELD_NAMES[field]
    return bilingual(f"{name_th}: {th}", f"{name_en}: {en}")


class TryRuleForm(forms.Form):
    """All values are typed text (Thai digits and thousands separators accepted); empty target or actual is allowed
    and shows the grey case."""

    direction = forms.ChoiceField(choices=Direction.choices, initial=Direction.HIGHER)
    target = forms.CharField(required=False, max_length=40)
    target_max = forms.CharField(required=False, max_length=40)
    actual = forms.CharField(required=False, max_length=40)
    rule = forms.ChoiceField(required=False)

    def __init__(self, *args, rules: list[StatusRule], **kwargs):
        super().__init__(*args, **kwargs)
        self.rules = {rule.code: rule.bands for rule in rules}
        self.rules.setdefault(RULE_VERSION, DEFAULT_BANDS)
        self.fields["rule"].choices = [(code, code) for code in sorted(self.rules, key=lambda c: c != RULE_VERSION)]
        for name, field in self.fields.items():
            field.error_messages = {
                "required": _named(name, "ต้องระบุ", "required"),
                "invalid_choice": _named(name, "ไม่มีตัวเลือกนี้", "not one of the choices"),
                "max_length": _named(name, "ยาวเกินไป", "too long"),
            }

    def _number(self, name: str) -> Decimal | None:
        text = self.cleaned_data.get(name, "").strip()
        if not text:
            return None
        try:
            number = parse_number(text)
        except ValueError:
            raise forms.ValidationError(_named(name, f"'{text}' ไม่ใช่ตัวเลข", f"'{text}' is not a number")) from None
        if abs(number) >= MAX_ABS:
            raise forms.ValidationError(_named(name, "ตัวเลขใหญ่เกินไป", "the number is too large"))
        return number

    def clean_target(self) -> Decimal | None:
        return self._number("target")

    def clean_target_max(self) -> Decimal | None:
        return self._number("target_max")

    def clean_actual(self) -> Decimal | None:
        return self._number("actual")

    def clean_rule(self) -> Bands:
        return self.rules[self.cleaned_data.get("rule") or RULE_VERSION]

    def clean(self):
        data = super().clean()
        low, high = data.get("target"), data.get("target_max")
        if data.get("direction") == Direction.RANGE and low is not None and high is not None and high < low:
            self.add_error("target_max", _named("target_max", "ต้องไม่น้อยกว่าค่าเป้าหมาย", "must not be below the target"))
        return data


# ------------------------------------------------------------------------------------------------------ duplicates


class ThaiIntegerField(forms.IntegerField):
    """An integer typed with Thai or Arabic digits."""

    def to_python(self, value):
        if isinstance(value, str):
            value = to_arabic_digits(value.strip())
        return super().to_python(value)


class DuplicateFilterForm(forms.Form):
    """Filters of the candidate-duplicate queue, by GET: a fiscal year (BE) and an organisation (its subtree)."""

    fiscal_year = ThaiIntegerField(
        label=_("Fiscal year (BE)"),
        required=False,
        min_value=2400,
        max_value=2800,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),  # text: Thai digits are accepted
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("All organisations"),
    )

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        # Ministries and departments (a division is found through its department): the list stays short at scale.
        self.fields["organisation"].queryset = (
            Organisation.objects.filter(is_active=True, depth__lte=2)
            .exclude(kind__in=[OrganisationKind.EXTERNAL_PARTNER, OrganisationKind.LEGISLATURE])
            .order_by("path")
        )

    def filters(self) -> dict:
        """The selector keywords; an invalid form filters nothing (its errors show on the page)."""
        if not self.is_valid():
            return {}
        return {"fiscal_year": self.cleaned_data["fiscal_year"], "organisation": self.cleaned_data["organisation"]}

    def query(self) -> dict[str, str]:
        """The filters as query parameters, for the page links."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        pairs = {
            "fiscal_year": str(data["fiscal_year"]) if data["fiscal_year"] else "",
            "organisation": data["organisation"].code if data["organisation"] else "",
        }
        return {key: value for key, value in pairs.items() if value}


class DuplicateMarkForm(forms.Form):
    """A reviewer's verdict on a pair (POST): the two project ids, the verdict, a reason, the version seen (empty for
    a pair not reviewed yet) and where to go back to."""

    project_a = ThaiIntegerField(min_value=1)
    project_b = ThaiIntegerField(min_value=1)
    verdict = forms.ChoiceField(choices=Verdict.choices)
    reason = forms.CharField(required=False, max_length=VERDICT_REASON_MAX)
    version = ThaiIntegerField(required=False, min_value=1)
    next = forms.CharField(required=False, max_length=2000)
