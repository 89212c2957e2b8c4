"""The "try it" form of the public rules page: a direction, a target (or range), an actual and a rule version."""

from decimal import Decimal

from django import forms

from tidtam.core.errors import bilingual
from tidtam.core.thaicalendar import parse_number
from tidtam.evaluation.models import StatusRule
from tidtam.evaluation.rules import DEFAULT_BANDS, RULE_VERSION, Bands
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
