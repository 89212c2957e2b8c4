"""The query parameters of the dashboard pages, parsed once for every page.

`?framework=<code>&fy=<BE year>&organisation=<code>&province=<code>&basis=review`. A bad value never breaks a page: it
becomes a Thai / English message naming the parameter, and the page falls back to the default for it. An unknown
framework is the one exception (`NotFound`, a 404): there is nothing sensible to show instead. Fiscal years are BE
years and may be typed in Thai digits (๒๕๖๘) or as "พ.ศ. 2568"; a bare year below 2400 is taken as CE.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.http import QueryDict
from django.utils import timezone

from tidtam.core import thaicalendar
from tidtam.core.errors import NotFound, bilingual
from tidtam.core.models import Province
from tidtam.core.permissions import Action, can
from tidtam.evaluation.models import Basis, NodeSummary, ProjectFact
from tidtam.evaluation.selectors import ReviewFigures, dashboard_basis
from tidtam.organisations.models import Organisation
from tidtam.plans.choices import FrameworkKind
from tidtam.plans.models import Framework, FrameworkVersion
from tidtam.plans.selectors import current_version, framework_list

# Fiscal years a dashboard accepts: wide enough for the National Strategy (2561–2580) and any history before it.
FIRST_YEAR, LAST_YEAR = 2500, 2700
BASIS_VALUES = {b.value for b in Basis}


@dataclass
class DashboardFilters:
    """What a dashboard page shows: a framework version (for the plan pages), a fiscal year, slices and a basis.

    `fiscal_year` is None until `settle_year` picks the default; `errors` holds a message per bad parameter;
    `basis_refused` is true when review figures were asked for by a user who may not see them."""

    framework: Framework | None = None
    version: FrameworkVersion | None = None
    frameworks: list[Framework] = field(default_factory=list)
    fiscal_year: int | None = None
    year_given: bool = False
    organisation: Organisation | None = None
    province: Province | None = None
    basis: Basis = Basis.PUBLIC
    basis_refused: bool = False
    may_review: bool = False
    errors: list[str] = field(default_factory=list)

    def settle_year(self, years: list[int]) -> int:
        """The fiscal year asked for, or the default: the current fiscal year if it has data, else the latest year
        that has, else the current one."""
        if self.fiscal_year is None:
            self.fiscal_year = default_year(years)
        return self.fiscal_year

    def query(self, *, framework: bool = True, **override) -> str:
        """The query string of these filters (for links that keep them), with `override` replacing values."""
        values = {
            "framework": self.framework.code if framework and self.framework else None,
            "fy": self.fiscal_year,
            "organisation": self.organisation.code if self.organisation else None,
            "province": self.province.code if self.province else None,
            "basis": self.basis.value if self.basis == Basis.REVIEW else None,
        }
        values.update(override)
        query = QueryDict(mutable=True)
        for key, value in values.items():
            if value not in (None, ""):
                query[key] = str(value)
        return query.urlencode()


def current_fiscal_year() -> int:
    return thaicalendar.fiscal_year(timezone.localdate())


def default_year(years: list[int]) -> int:
    current = current_fiscal_year()
    if current in years or not years:
        return current
    return max(years)


def parse_fiscal_year(raw: str) -> int:
    """A BE fiscal year from what a person typed ("2568", "๒๕๖๘", "พ.ศ. 2568", "2025"); ValueError with a Thai /
    English message otherwise."""
    try:
        year = thaicalendar.parse_be_year(raw)
    except ValueError:
        raise ValueError(
            bilingual(
                f"ปีงบประมาณ (fy) ไม่ถูกต้อง: '{raw}' ต้องเป็นปี พ.ศ. เช่น 2568",
                f"Invalid fiscal year (fy): '{raw}' must be a Buddhist Era year such as 2568",
            )
        ) from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            bilingual(
                f"ปีงบประมาณ (fy) {year} อยู่นอกช่วง {FIRST_YEAR}–{LAST_YEAR}",
                f"Fiscal year (fy) {year} is outside {FIRST_YEAR}–{LAST_YEAR}",
            )
        )
    return year


def _frameworks(user) -> list[Framework]:
    """Frameworks the user may see with their versions (two queries), the national strategy first."""
    frameworks = framework_list(user=user).prefetch_related(
        Prefetch("versions", queryset=FrameworkVersion.objects.order_by("label"))
    )
    return sorted(frameworks, key=lambda f: (f.kind != FrameworkKind.NATIONAL_STRATEGY, f.code))


def _param(params: QueryDict, name: str) -> str:
    return (params.get(name) or "").strip()


def dashboard_filters(*, user, params: QueryDict, with_framework: bool = True) -> DashboardFilters:
    """Parse a dashboard page's query parameters for `user`. Raises NotFound for an unknown framework code."""
    filters = DashboardFilters(may_review=can(user, Action.VIEW, ReviewFigures))
    if with_framework:
        filters.frameworks = _frameworks(user)
        code = _param(params, "framework")
        if code:
            filters.framework = next((f for f in filters.frameworks if f.code == code), None)
            if filters.framework is None:
                raise NotFound(
                    "framework_not_found", f"ไม่พบกรอบแผน '{code}' / No framework '{code}'", {"framework": code}
                )
        else:
            # the first framework that has a version: the national strategy when there is one
            filters.framework = next((f for f in filters.frameworks if f.versions.all()), None)
        if filters.framework is not None:
            filters.version = current_version(filters.framework.versions.all())

    raw_year = _param(params, "fy")
    if raw_year:
        try:
            filters.fiscal_year = parse_fiscal_year(raw_year)
            filters.year_given = True
        except ValueError as error:
            filters.errors.append(str(error))

    code = _param(params, "organisation")
    if code:
        filters.organisation = Organisation.objects.filter(code=code).first()
        if filters.organisation is None:
            filters.errors.append(
                bilingual(f"ไม่พบหน่วยงาน (organisation) '{code}'", f"No organisation (organisation) '{code}'")
            )

    code = _param(params, "province")
    if code:
        filters.province = Province.objects.filter(code=thaicalendar.to_arabic_digits(code)).first()
        if filters.province is None:
            filters.errors.append(
                bilingual(f"ไม่พบจังหวัด (province) รหัส '{code}'", f"No province (province) with code '{code}'")
            )

    requested = _param(params, "basis")
    if requested and requested not in BASIS_VALUES:
        filters.errors.append(
            bilingual(
                f"ฐานข้อมูลตัวเลข (basis) '{requested}' ไม่ถูกต้อง ใช้ public หรือ review",
                f"Invalid basis '{requested}': use public or review",
            )
        )
    filters.basis = dashboard_basis(user, requested or None)
    filters.basis_refused = requested == Basis.REVIEW and filters.basis != Basis.REVIEW
    return filters


# ------------------------------------------------------------------------------------------------ years with data


def summary_years(*, version: FrameworkVersion | None, basis: Basis) -> list[int]:
    """Fiscal years in which `version` has figures on `basis`: counted projects or an indicator with a status other
    than "no data" (one query on the framework-total rows)."""
    if version is None:
        return []
    has_data = Q(projects__gt=0) | Q(green__gt=0) | Q(yellow__gt=0) | Q(orange__gt=0) | Q(red__gt=0)
    rows = NodeSummary.objects.filter(framework_version=version, node__isnull=True, basis=basis).filter(has_data)
    return sorted(set(rows.values_list("fiscal_year", flat=True)))


def fact_years(*, basis: Basis) -> list[int]:
    """Fiscal years with counted projects on `basis`."""
    years = ProjectFact.objects.filter(basis=basis).values_list("fiscal_year", flat=True).distinct().order_by()
    return sorted(set(years))


def year_options(years: list[int], selected: int) -> list[int]:
    """The years a picker offers: those with data, the current fiscal year and the selected one, newest first."""
    return sorted({*years, current_fiscal_year(), selected}, reverse=True)
