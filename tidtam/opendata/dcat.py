"""The DCAT catalogue (JSON-LD) of tidtam's open data, for portals such as data.go.th (CKAN with ckanext-dcat).

One `dcat:Dataset` per download of PRODUCT.md §5 (projects, progress reports, indicator values and statuses, IATI
activities), each with a `dcat:Distribution` per format, and the HTTP API as a `dcat:DataService`. Dates, temporal
coverage and the rows behind them are public figures: computed from what an anonymous visitor may see (accepted
data), whoever asks. The organisational contact comes from settings; no person's details ever appear.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Max, Min
from django.urls import reverse

from tidtam.core.thaicalendar import fiscal_year_bounds
from tidtam.evaluation.models import Basis, IndicatorStatus
from tidtam.plans.models import Indicator, IndicatorTarget, IndicatorValue
from tidtam.projects.filters import ProjectFilters
from tidtam.reporting.selectors import report_list

PUBLIC_VIEWER = AnonymousUser()


def licence_note() -> str:
    """The licence as one line, for the head of a download."""
    return f"licence: {settings.OPEN_DATA_LICENCE_NAME} {settings.OPEN_DATA_LICENCE_URL}"


CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
THAILAND = "http://publications.europa.eu/resource/authority/country/THA"
LANGUAGES = ("http://id.loc.gov/vocabulary/iso639-1/th", "http://id.loc.gov/vocabulary/iso639-1/en")
IATI_STANDARD = "https://iatistandard.org/en/iati-standard/203/activity-standard/"
OPENAPI_STANDARD = "https://spec.openapis.org/oas/v3.1.0"
JSONLD_MEDIA_TYPE = "application/ld+json"


@dataclass(frozen=True)
class Distribution:
    """One download: its file under /api/v1/exports/, format label and media type."""

    file: str
    format: str
    media_type: str


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset of the catalogue. `project_filters`: its downloads take the project list filters, which the
    catalogue passes on to their links."""

    key: str
    title_th: str
    title_en: str
    description_th: str
    description_en: str
    keywords_th: tuple[str, ...]
    keywords_en: tuple[str, ...]
    distributions: tuple[Distribution, ...]
    project_filters: bool = False
    conforms_to: str = ""


CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSONL = "application/x-ndjson"
XML = "application/xml"

DATASETS: tuple[DatasetSpec, ...] = (
    DatasetSpec(
        "projects",
        "โครงการที่ตรวจรับแล้ว",
        "Accepted projects",
        "โครงการและการดำเนินงานประจำที่ตรวจรับแล้ว: หน่วยงานเจ้าของ ปีงบประมาณ วันเริ่มและสิ้นสุด สถานะ งบประมาณ "
        "การเบิกจ่าย เป้าหมายของแผนที่เชื่อมโยง จังหวัด ประเทศ และหน่วยงานร่วม",
        "Accepted projects and routine operations: owner organisation, fiscal years, dates, status, budget, "
        "disbursement, linked plan targets, provinces, countries and partners.",
        ("โครงการ", "งบประมาณ", "ยุทธศาสตร์ชาติ", "การติดตามและประเมินผล"),
        ("projects", "budget", "national strategy", "monitoring and evaluation"),
        (
            Distribution("projects.csv", "CSV", CSV),
            Distribution("projects.xlsx", "XLSX", XLSX),
            Distribution("projects.jsonl", "JSONL", JSONL),
        ),
        project_filters=True,
    ),
    DatasetSpec(
        "reports",
        "รายงานความก้าวหน้าที่ตรวจรับแล้ว",
        "Accepted progress reports",
        "รายงานความก้าวหน้ารายไตรมาสของโครงการที่ตรวจรับแล้ว: ความก้าวหน้า (ร้อยละ) การเบิกจ่ายรายเดือน "
        "ผลการดำเนินงาน ปัญหาอุปสรรค และข้อเสนอแนะ",
        "Accepted quarterly progress reports of projects: physical progress, monthly disbursement, results, problems "
        "and recommendations.",
        ("รายงานความก้าวหน้า", "การเบิกจ่าย", "การติดตามและประเมินผล"),
        ("progress reports", "disbursement", "monitoring and evaluation"),
        (Distribution("reports.csv", "CSV", CSV),),
    ),
    DatasetSpec(
        "indicator-values",
        "ค่าและสถานะของตัวชี้วัดตามแผน",
        "Plan indicator values and statuses",
        "ค่าเป้าหมาย ค่าจริง และสถานะ (พร้อมเหตุผล) ของตัวชี้วัดในกรอบแผน เช่น ยุทธศาสตร์ชาติและแผนแม่บท",
        "Targets, actual values and statuses (with the reason) of the indicators of plan frameworks such as the "
        "National Strategy and its master plans.",
        ("ตัวชี้วัด", "ยุทธศาสตร์ชาติ", "แผนแม่บท"),
        ("indicators", "national strategy", "master plans"),
        (Distribution("indicator-values.csv", "CSV", CSV),),
    ),
    DatasetSpec(
        "iati-activities",
        "โครงการตามมาตรฐาน IATI 2.03",
        "Projects as IATI 2.03 activities",
        "โครงการที่ตรวจรับแล้วในรูปแบบ XML ตามมาตรฐาน IATI 2.03: หน่วยงาน งบประมาณรายปี แผนการเบิกจ่าย "
        "การเบิกจ่ายจริง และผลลัพธ์ (ตัวชี้วัด เป้าหมาย ค่าจริง)",
        "Accepted projects as IATI 2.03 activity XML: organisations, annual budgets, planned and actual "
        "disbursements, and results (indicators with targets and actuals).",
        ("IATI", "ความโปร่งใส", "งบประมาณ"),
        ("IATI", "aid transparency", "budget"),
        (Distribution("iati-activities.xml", "XML", XML),),
        project_filters=True,
        conforms_to=IATI_STANDARD,
    ),
)


def _literals(th: str, en: str) -> list[dict]:
    return [{"@language": "th", "@value": th}, {"@language": "en", "@value": en}]


def _datetime(moment: datetime) -> dict:
    return {"@value": moment.astimezone(UTC).isoformat(timespec="seconds"), "@type": "xsd:dateTime"}


def _date(day: date) -> dict:
    return {"@value": day.isoformat(), "@type": "xsd:date"}


def _latest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


def _years(*pairs: tuple[int | None, int | None]) -> tuple[int, int] | None:
    firsts = [first for first, _ in pairs if first is not None]
    lasts = [last for _, last in pairs if last is not None]
    return (min(firsts), max(lasts)) if firsts and lasts else None


@dataclass(frozen=True)
class DatasetStats:
    """When a dataset last changed and which fiscal years (BE) it covers; None when it has no rows."""

    modified: datetime | None
    years: tuple[int, int] | None


def dataset_stats(*, filters: ProjectFilters | None = None) -> dict[str, DatasetStats]:
    """The public rows' latest change and fiscal years of every dataset: a handful of aggregate queries."""
    from tidtam.opendata.iati import iati_projects

    projects = iati_projects(user=PUBLIC_VIEWER, filters=filters).aggregate(
        updated=Max("updated_at"),
        accepted=Max("accepted_at"),
        first=Min("fiscal_year_start"),
        last=Max("fiscal_year_end"),
    )
    reports = report_list(user=PUBLIC_VIEWER).aggregate(
        updated=Max("updated_at"),
        accepted=Max("accepted_at"),
        first=Min("round__fiscal_year"),
        last=Max("round__fiscal_year"),
    )
    values = IndicatorValue.objects.aggregate(
        updated=Max("updated_at"), first=Min("period_start"), last=Max("period_end")
    )
    targets = IndicatorTarget.objects.aggregate(updated=Max("updated_at"))
    indicators = Indicator.objects.aggregate(updated=Max("updated_at"))
    statuses = IndicatorStatus.objects.filter(basis=Basis.PUBLIC).aggregate(
        first=Min("fiscal_year"), last=Max("fiscal_year")
    )
    project_stats = DatasetStats(
        _latest(projects["updated"], projects["accepted"]), _years((projects["first"], projects["last"]))
    )
    report_stats = DatasetStats(
        _latest(reports["updated"], reports["accepted"]), _years((reports["first"], reports["last"]))
    )
    indicator_stats = DatasetStats(
        # statuses follow accepted reports, so their latest acceptance is a change of this dataset too
        _latest(values["updated"], targets["updated"], indicators["updated"], reports["accepted"]),
        _years((values["first"], values["last"]), (statuses["first"], statuses["last"])),
    )
    return {
        "projects": project_stats,
        "reports": report_stats,
        "indicator-values": indicator_stats,
        # activities carry transactions and results from accepted reports: both dates count
        "iati-activities": DatasetStats(_latest(project_stats.modified, report_stats.modified), project_stats.years),
    }


def _temporal(years: tuple[int, int] | None) -> dict | None:
    if years is None:
        return None
    return {
        "@type": "dct:PeriodOfTime",
        "dcat:startDate": _date(fiscal_year_bounds(years[0])[0]),
        "dcat:endDate": _date(fiscal_year_bounds(years[1])[1]),
    }


def export_path(file: str) -> str:
    """`/api/v1/exports/<file>`, the fixed download paths of PRODUCT.md §5."""
    return f"{reverse('api:api-root')}exports/{file}"


def dcat_catalog(*, absolute: Callable[[str], str], filters: ProjectFilters | None = None) -> dict:
    """The catalogue as a JSON-LD document. `absolute(path)` makes a path absolute (`request.build_absolute_uri`).
    Project `filters` are passed on to the links of the downloads that take them, and narrow their figures."""
    query = urlencode(filters.as_query()) if filters is not None else ""
    catalog_url = absolute(export_path("catalog.jsonld"))
    api_root = absolute(reverse("api:api-root"))
    home = absolute("/")
    stats = dataset_stats(filters=filters)
    licence = {"@id": settings.OPEN_DATA_LICENCE_URL}
    publisher = {
        "@id": f"{home}#publisher",
        "@type": "foaf:Organization",
        "foaf:name": _literals(settings.OPEN_DATA_PUBLISHER_TH, settings.OPEN_DATA_PUBLISHER_EN),
        "foaf:homepage": {"@id": home},
    }
    contact: dict = {
        "@type": "vcard:Organization",
        "vcard:fn": settings.OPEN_DATA_PUBLISHER_EN or settings.OPEN_DATA_PUBLISHER_TH,
        "vcard:hasURL": {"@id": home},
    }
    if settings.OPEN_DATA_CONTACT_EMAIL:
        contact["vcard:hasEmail"] = {"@id": f"mailto:{settings.OPEN_DATA_CONTACT_EMAIL}"}
    spatial = {"@id": THAILAND, "@type": "dct:Location", "skos:prefLabel": _literals("ประเทศไทย", "Thailand")}
    languages = [{"@id": language} for language in LANGUAGES]

    datasets = []
    for spec in DATASETS:
        dataset_id = f"{catalog_url}#{spec.key}"
        figures = stats[spec.key]
        distributions = []
        for distribution in spec.distributions:
            url = absolute(export_path(distribution.file))
            if spec.project_filters and query:
                url = f"{url}?{query}"
            item = {
                "@id": f"{dataset_id}/{distribution.format.lower()}",
                "@type": "dcat:Distribution",
                "dct:title": _literals(
                    f"{spec.title_th} ({distribution.format})", f"{spec.title_en} ({distribution.format})"
                ),
                "dcat:downloadURL": {"@id": url},
                "dcat:accessURL": {"@id": url},
                "dcat:mediaType": distribution.media_type,
                "dct:format": distribution.format,
                "dct:license": licence,
            }
            if figures.modified is not None:
                item["dct:modified"] = _datetime(figures.modified)
            if spec.conforms_to:
                item["dct:conformsTo"] = {"@id": spec.conforms_to}
            distributions.append(item)
        dataset = {
            "@id": dataset_id,
            "@type": "dcat:Dataset",
            "dct:identifier": f"tidtam-{spec.key}",
            "dct:title": _literals(spec.title_th, spec.title_en),
            "dct:description": _literals(spec.description_th, spec.description_en),
            "dcat:keyword": [{"@language": "th", "@value": k} for k in spec.keywords_th]
            + [{"@language": "en", "@value": k} for k in spec.keywords_en],
            "dct:publisher": {"@id": publisher["@id"]},
            "dcat:contactPoint": contact,
            "dct:license": licence,
            "dct:language": languages,
            "dct:spatial": spatial,
            "dcat:landingPage": {"@id": catalog_url},
            "dcat:distribution": distributions,
        }
        if figures.modified is not None:
            dataset["dct:modified"] = _datetime(figures.modified)
        temporal = _temporal(figures.years)
        if temporal is not None:
            dataset["dct:temporal"] = temporal
        datasets.append(dataset)

    service = {
        "@id": api_root,
        "@type": "dcat:DataService",
        "dct:title": _literals("API ข้อมูลเปิดของ tidtam", "tidtam open-data API"),
        "dct:description": _literals(
            "API แบบ JSON สำหรับกรอบแผน ตัวชี้วัด หน่วยงาน โครงการ และรายงานที่ตรวจรับแล้ว อ่านได้โดยไม่ต้องเข้าสู่ระบบ",
            "JSON API for plan frameworks, indicators, organisations, accepted projects and reports; no sign-in "
            "needed to read public data.",
        ),
        "dcat:endpointURL": {"@id": api_root},
        "dcat:endpointDescription": {"@id": absolute(f"{reverse('api:api-root')}openapi.json")},
        "dcat:landingPage": {"@id": absolute(f"{reverse('api:api-root')}docs")},
        "dct:conformsTo": {"@id": OPENAPI_STANDARD},
        "dcat:servesDataset": [{"@id": dataset["@id"]} for dataset in datasets],
        "dct:publisher": {"@id": publisher["@id"]},
        "dcat:contactPoint": contact,
        "dct:license": licence,
    }
    catalog = {
        "@context": CONTEXT,
        "@id": catalog_url,
        "@type": "dcat:Catalog",
        "dct:title": _literals("แคตตาล็อกข้อมูลเปิดของ tidtam", "tidtam open data catalogue"),
        "dct:description": _literals(
            "ข้อมูลเปิดจากระบบติดตามและประเมินผล tidtam: โครงการ รายงานความก้าวหน้า ตัวชี้วัด และกิจกรรมตามมาตรฐาน "
            "IATI เฉพาะข้อมูลที่ตรวจรับแล้ว ไม่มีข้อมูลส่วนบุคคล",
            "Open data from the tidtam monitoring and evaluation platform: projects, progress reports, indicators and "
            "IATI activities; accepted data only, no personal data.",
        ),
        "dct:publisher": publisher,
        "dct:license": {**licence, "@type": "dct:LicenseDocument", "dct:title": settings.OPEN_DATA_LICENCE_NAME},
        "dct:language": languages,
        "dct:spatial": spatial,
        "foaf:homepage": {"@id": home},
        "dcat:dataset": datasets,
        "dcat:service": [service],
    }
    modified = _latest(*(figures.modified for figures in stats.values()))
    if modified is not None:
        catalog["dct:modified"] = _datetime(modified)
    return catalog
