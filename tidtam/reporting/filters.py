"""The one filter definition for progress reports, shared by pages, the API and exports."""

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from django.db.models import QuerySet

from tidtam.core import thaicalendar
from tidtam.core.errors import ValidationFailed
from tidtam.organisations.models import Organisation
from tidtam.workflow.choices import WorkflowStatus


def _bad(name: str, th: str, en: str) -> ValidationFailed:
    return ValidationFailed(
        "invalid_filter", f"ตัวกรอง {name} ไม่ถูกต้อง: {th} / Invalid filter {name}: {en}", {name: [f"{th} / {en}"]}
    )


def _integer(name: str, text: str) -> int:
    try:
        number = thaicalendar.parse_number(text)
    except ValueError:
        raise _bad(name, "ต้องเป็นตัวเลข", "must be a number") from None
    if number != number.to_integral_value() or number < 1:
        raise _bad(name, "ต้องเป็นจำนวนเต็มบวก", "must be a positive whole number")
    return int(number)


@dataclass(frozen=True)
class ReportFilters:
    """round (id), fiscal_year (BE), quarter (1–4), organisation (code; its subtree), project (id or code), status."""

    round: int | None = None
    fiscal_year: int | None = None
    quarter: int | None = None
    organisation: str | None = None
    project: str | None = None
    status: str | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> "ReportFilters":
        """Read the filters from a QueryDict or dict (Thai digits accepted); raise ValidationFailed naming the bad one.
        Empty values and unknown parameters are ignored."""
        values: dict[str, Any] = {}
        for field in fields(cls):
            raw = query.get(field.name)
            text = raw.strip() if isinstance(raw, str) else ("" if raw is None else str(raw))
            if text:
                values[field.name] = text
        if "round" in values:
            values["round"] = _integer("round", values["round"])
        if "fiscal_year" in values:
            try:
                values["fiscal_year"] = thaicalendar.parse_be_year(values["fiscal_year"])
            except ValueError:
                raise _bad("fiscal_year", "ต้องเป็นปี พ.ศ.", "must be a year (BE)") from None
        if "quarter" in values:
            values["quarter"] = _integer("quarter", values["quarter"])
            if values["quarter"] > 4:
                raise _bad("quarter", "ต้องเป็น 1–4", "must be 1-4")
        if "status" in values and values["status"] not in WorkflowStatus.values:
            raise _bad("status", "ไม่มีสถานะนี้", f"must be one of {', '.join(WorkflowStatus.values)}")
        if "project" in values:
            values["project"] = thaicalendar.to_arabic_digits(values["project"])
        return cls(**values)

    def apply(self, queryset: QuerySet) -> QuerySet:
        """Narrow a ProgressReport queryset."""
        if self.round is not None:
            queryset = queryset.filter(round_id=self.round)
        if self.fiscal_year is not None:
            queryset = queryset.filter(round__fiscal_year=self.fiscal_year)
        if self.quarter is not None:
            queryset = queryset.filter(round__quarter=self.quarter)
        if self.organisation:
            path = Organisation.objects.filter(code=self.organisation).values_list("path", flat=True).first()
            if path is None:
                return queryset.none()
            queryset = queryset.filter(project__owner__path__startswith=path)
        if self.project:
            if self.project.isdigit():
                queryset = queryset.filter(project_id=int(self.project))
            else:
                queryset = queryset.filter(project__code=self.project)
        if self.status:
            queryset = queryset.filter(status=self.status)
        return queryset
