"""The one filter definition for projects, shared by the list page, the API and the exports.

`ProjectFilters.from_query(request.GET)` (or a plain dict) checks every parameter and raises `ValidationFailed` whose
details name each bad one; `apply(queryset)` narrows a queryset that the selectors already restricted to what the user
may see. Unknown parameters (such as `page`) are ignored.
"""

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from tidtam.core.errors import ValidationFailed, bilingual
from tidtam.core.models import Province
from tidtam.core.thaicalendar import parse_be_year, to_arabic_digits
from tidtam.organisations.models import Organisation
from tidtam.plans.models import Framework, Node
from tidtam.projects.choices import Lifecycle, ProjectKind
from tidtam.projects.models import Contribution, Project
from tidtam.workflow.choices import WorkflowStatus

Q_MAX_LENGTH = 100


def invalid_filter(errors: dict[str, list[str]]) -> ValidationFailed:
    """The error of a list's filters: `invalid_filter`, naming every bad parameter."""
    names = ", ".join(sorted(errors))
    return ValidationFailed("invalid_filter", bilingual(f"ตัวกรองไม่ถูกต้อง: {names}", f"Invalid filter: {names}"), errors)


def read_shared_filters(raw: Mapping[str, str], values: dict[str, Any], bad: Callable[[str, str], None]) -> None:
    """Check the filters several lists share — `fiscal_year`, `organisation`, `framework`, `node`, those of them in
    `raw` and not blank — into `values`, with the organisation's path (`_organisation_path`) and the node's
    (version id, tree path) (`_node_scope`) resolved once; report each bad one with `bad(name, message)`."""
    if raw.get("fiscal_year"):
        try:
            values["fiscal_year"] = parse_be_year(raw["fiscal_year"])
        except ValueError:
            bad("fiscal_year", bilingual("ปีงบประมาณไม่ถูกต้อง (เช่น 2568)", "invalid fiscal year (e.g. 2568)"))
    if raw.get("organisation"):
        path = Organisation.objects.filter(code=raw["organisation"]).values_list("path", flat=True).first()
        if path is None:
            bad("organisation", bilingual("ไม่พบหน่วยงานนี้", "no such organisation"))
        else:
            values["organisation"], values["_organisation_path"] = raw["organisation"], path
    if raw.get("framework"):
        if not Framework.objects.filter(code=raw["framework"]).exists():
            bad("framework", bilingual("ไม่พบกรอบแผนนี้", "no such plan framework"))
        else:
            values["framework"] = raw["framework"]
    if raw.get("node"):
        digits = to_arabic_digits(raw["node"])
        scope = None
        if digits.isascii() and digits.isdigit() and len(digits) < 19:
            scope = Node.objects.filter(pk=int(digits)).values_list("framework_version_id", "tree_path").first()
        if scope is None:
            bad("node", bilingual("ไม่พบโหนดนี้", "no such plan node"))
        else:
            values["node"], values["_node_scope"] = int(digits), scope


@dataclass(frozen=True)
class ProjectFilters:
    """Project filters. `organisation` and `node` include their subtrees; `fiscal_year` (BE) keeps projects whose
    fiscal years include it."""

    q: str = ""
    organisation: str = ""
    framework: str = ""
    node: int | None = None
    fiscal_year: int | None = None
    province: str = ""
    status: str = ""
    lifecycle: str = ""
    kind: str = ""
    # Resolved by from_query so apply() needs no extra query.
    _organisation_path: str | None = field(default=None, compare=False, repr=False)
    _node_scope: tuple[int, str] | None = field(default=None, compare=False, repr=False)

    PARAMETERS = ("q", "organisation", "framework", "node", "fiscal_year", "province", "status", "lifecycle", "kind")

    @classmethod
    def from_query(cls, query: Any) -> "ProjectFilters":
        """Read and check the parameters of a QueryDict or dict; blank values mean "no filter"."""
        raw = {}
        for name in cls.PARAMETERS:
            value = query.get(name)
            raw[name] = "" if value is None else str(value).strip()
        errors: dict[str, list[str]] = {}
        values: dict[str, Any] = {}

        def bad(name: str, message: str) -> None:
            errors.setdefault(name, []).append(message)

        q = raw["q"]
        if len(q) > Q_MAX_LENGTH or "\x00" in q:
            bad("q", bilingual(f"ข้อความค้นหายาวได้ไม่เกิน {Q_MAX_LENGTH} ตัวอักษร", f"at most {Q_MAX_LENGTH} characters"))
        else:
            values["q"] = q
        for name, choices in (("status", WorkflowStatus), ("lifecycle", Lifecycle), ("kind", ProjectKind)):
            if raw[name] and raw[name] not in choices.values:
                allowed = ", ".join(choices.values)
                bad(name, bilingual(f"ค่าไม่ถูกต้อง เลือกได้: {allowed}", f"invalid value; one of: {allowed}"))
            else:
                values[name] = raw[name]
        read_shared_filters(raw, values, bad)
        if raw["province"]:
            code = to_arabic_digits(raw["province"])
            if not Province.objects.filter(code=code).exists():
                bad("province", bilingual("ไม่พบจังหวัดนี้", "no such province"))
            else:
                values["province"] = code
        if errors:
            raise invalid_filter(errors)
        return cls(**values)

    def apply(self, queryset: QuerySet[Project]) -> QuerySet[Project]:
        """Narrow `queryset`. Links to plan nodes and provinces are tested with EXISTS, so no project repeats."""
        if self.q:
            queryset = queryset.filter(
                Q(code__icontains=self.q) | Q(name_th__icontains=self.q) | Q(name_en__icontains=self.q)
            )
        if self.organisation:
            path = self._organisation_path
            if path is None:
                path = Organisation.objects.filter(code=self.organisation).values_list("path", flat=True).first()
            queryset = queryset.filter(owner__path__startswith=path) if path else queryset.none()
        if self.framework:
            queryset = queryset.filter(
                Exists(
                    Contribution.objects.filter(
                        project=OuterRef("pk"), node__framework_version__framework__code=self.framework
                    )
                )
            )
        if self.node is not None:
            scope = (
                self._node_scope
                or Node.objects.filter(pk=self.node).values_list("framework_version_id", "tree_path").first()
            )
            if scope is None:
                return queryset.none()
            version_id, tree_path = scope
            queryset = queryset.filter(
                Exists(
                    Contribution.objects.filter(
                        project=OuterRef("pk"),
                        node__framework_version_id=version_id,
                        node__tree_path__startswith=tree_path,
                    )
                )
            )
        if self.fiscal_year is not None:
            queryset = queryset.filter(fiscal_year_start__lte=self.fiscal_year, fiscal_year_end__gte=self.fiscal_year)
        if self.province:
            through = Project.provinces.through
            queryset = queryset.filter(
                Exists(through.objects.filter(project_id=OuterRef("pk"), province_id=self.province))
            )
        for name in ("status", "lifecycle", "kind"):
            value = getattr(self, name)
            if value:
                queryset = queryset.filter(**{name: value})
        return queryset

    def as_query(self) -> dict[str, str]:
        """The non-empty parameters, as strings, for links (pagination, exports) that keep the same filters."""
        data = asdict(self)
        return {
            f.name: str(data[f.name])
            for f in fields(self)
            if f.name in self.PARAMETERS and data[f.name] not in ("", None)
        }

    @property
    def is_empty(self) -> bool:
        return not self.as_query()
