"""Public portal pages of the open-data app: the downloads page.

The downloads page lists every bulk file of PRODUCT.md §5 under `/api/v1/exports/`, with a filter form (plain GET, no
JavaScript) that rebuilds every link with the chosen filters, the licence, the API documentation and the DCAT
catalogue for data portals. The filters are checked with `ProjectFilters`, the one filter definition the exports use.
"""

from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from tidtam.core.errors import ValidationFailed
from tidtam.core.models import Province
from tidtam.organisations.models import Organisation
from tidtam.plans.selectors import framework_list
from tidtam.projects.filters import ProjectFilters

EXPORTS_PATH = "/api/v1/exports/"
CATALOG_FILE = "catalog.jsonld"
# The filters the form offers; the names are ProjectFilters' (and the exports') parameters.
FORM_FILTERS = ("q", "fiscal_year", "organisation", "province", "framework")
DEFAULT_LICENCE_NAME = "CC BY 4.0"
DEFAULT_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


@dataclass(frozen=True)
class Dataset:
    """One bulk file: its name under /api/v1/exports/, its format, what one row (or record) holds, and the name of its
    column dictionary in `tidtam.opendata.exports` (empty when it has none, or shares another file's)."""

    file: str
    title: Promise
    format: str
    description: Promise
    columns: str = ""


DATASETS = (
    Dataset(
        "projects.csv",
        _("Projects"),
        "CSV",
        _(
            "One row per accepted project: code, Thai and English names, type, owner organisation, fiscal years, "
            "dates, lifecycle status, the plan targets it serves, provinces and countries, partners, budget and money "
            "disbursed. UTF-8 with a byte order mark, so Excel shows Thai correctly."
        ),
        "PROJECT_COLUMNS",
    ),
    Dataset(
        "projects.xlsx",
        _("Projects"),
        "Excel (XLSX)",
        _("The same rows and columns as projects.csv, as an Excel workbook."),
    ),
    Dataset(
        "projects.jsonl",
        _("Projects"),
        "JSON Lines",
        _("One JSON object per line for each accepted project, with the columns of projects.csv as its fields."),
    ),
    Dataset(
        "reports.csv",
        _("Progress reports"),
        "CSV",
        _(
            "One row per accepted quarterly progress report: project, reporting round (fiscal year and quarter), "
            "physical progress (%), money disbursed in the round and the narrative of results."
        ),
        "REPORT_COLUMNS",
    ),
    Dataset(
        "indicator-values.csv",
        _("Indicator values and statuses"),
        "CSV",
        _(
            "One row per plan indicator and period: the node it measures, unit, direction, target, actual value, and "
            "the computed status with its level and the reason for it."
        ),
        "INDICATOR_VALUE_COLUMNS",
    ),
    Dataset(
        "iati-activities.xml",
        _("Projects as IATI activities"),
        "IATI 2.03 XML",
        _(
            "Accepted projects in the International Aid Transparency Initiative standard, version 2.03: partners, "
            "budgets, planned and actual disbursements and results, with Thai and English narratives."
        ),
    ),
)


def _column_dictionary(name: str) -> list[dict]:
    """The columns of a download (key and name in the active language), from the exports' own definitions so the
    page cannot drift from the files; empty when the exports module does not define them."""
    if not name:
        return []
    try:
        exports = import_module("tidtam.opendata.exports")
    except ImportError:
        return []
    english = get_language() == "en"
    return [{"key": c.key, "name": c.en if english else c.th} for c in getattr(exports, name, ())]


def _filter_options(user, organisation_code: str) -> dict:
    """The choices of the filter form: a few small queries, whatever the number of projects. Ministries and their
    departments are offered; a deeper organisation asked for (an organisation page links here) is added."""
    organisations = list(Organisation.objects.filter(is_active=True, depth__lte=2).order_by("path"))
    if organisation_code and all(o.code != organisation_code for o in organisations):
        organisations += list(Organisation.objects.filter(code=organisation_code))
    return {
        "frameworks": list(framework_list(user=user).order_by("code")),
        "organisations": organisations,
        "provinces": list(Province.objects.order_by("name_th")),
    }


def _query_string(filters: ProjectFilters) -> str:
    chosen = {name: value for name, value in filters.as_query().items() if name in FORM_FILTERS}
    query = QueryDict(mutable=True)
    for name in FORM_FILTERS:  # a stable order: the same filters always give the same links
        if name in chosen:
            query[name] = chosen[name]
    return query.urlencode()


@require_GET
def downloads(request: HttpRequest) -> HttpResponse:
    """Every download with links that carry the chosen filters; a bad filter is named, with 400 and plain links."""
    raw = {name: request.GET.get(name, "").strip() for name in FORM_FILTERS}
    error = None
    try:
        filters = ProjectFilters.from_query(raw)
    except ValidationFailed as failed:
        filters, error = ProjectFilters(), failed
    query = _query_string(filters)
    suffix = f"?{query}" if query else ""
    datasets = [
        {"dataset": d, "url": f"{EXPORTS_PATH}{d.file}{suffix}", "columns": _column_dictionary(d.columns)}
        for d in DATASETS
    ]
    context = {
        "raw": raw,
        "filter_error": error,
        "field_errors": error.details if error is not None and isinstance(error.details, dict) else {},
        "query": query,
        "datasets": datasets,
        "catalog_url": f"{EXPORTS_PATH}{CATALOG_FILE}",
        "api_projects_url": f"/api/v1/projects{suffix}",
        "licence_name": getattr(settings, "OPEN_DATA_LICENCE_NAME", DEFAULT_LICENCE_NAME) or DEFAULT_LICENCE_NAME,
        "licence_url": getattr(settings, "OPEN_DATA_LICENCE_URL", DEFAULT_LICENCE_URL) or DEFAULT_LICENCE_URL,
        **_filter_options(request.user, raw["organisation"]),
    }
    return render(request, "opendata/downloads.html", context, status=400 if error else 200)
