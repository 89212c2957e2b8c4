"""The DCAT catalogue: valid JSON-LD a CKAN harvester (ckanext-dcat) can read, listing every download of PRODUCT.md §5
with links that work, dates and years from the public data, and no personal data."""

import json
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache

from tidtam.core.testing import (
    IndicatorFactory,
    OrganisationFactory,
    ProjectFactory,
    ReportFactory,
    RoundFactory,
    client_for,
)
from tidtam.plans.models import IndicatorValue
from tidtam.workflow.choices import WorkflowStatus as S

URL = "/api/v1/exports/catalog.jsonld"
# PRODUCT.md §5: the downloads under /api/v1/exports/.
DOWNLOADS = (
    "projects.csv",
    "projects.xlsx",
    "projects.jsonl",
    "reports.csv",
    "indicator-values.csv",
    "iati-activities.xml",
)
NAMESPACES = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # no answer or rate-limit count left over from another test


@pytest.fixture
def data(db):
    """Accepted projects of FY 2567–2569 with an accepted report; a draft of FY 2560 with personal data (not public)."""
    owner = OrganisationFactory(code="mfa")
    first = ProjectFactory(
        code="A-1",
        owner=owner,
        status=S.ACCEPTED,
        fiscal_year_start=2567,
        fiscal_year_end=2568,
        accepted_at=datetime(2024, 5, 1, tzinfo=UTC),
    )
    ProjectFactory(
        code="A-2",
        owner=OrganisationFactory(code="mod"),
        status=S.ACCEPTED,
        fiscal_year_start=2569,
        fiscal_year_end=2569,
    )
    ProjectFactory(
        code="D-1",
        owner=owner,
        status=S.DRAFT,
        fiscal_year_start=2560,
        fiscal_year_end=2560,
        responsible_name="นางสาวข้อมูล ส่วนบุคคล",
        responsible_email="private.person@example.go.th",
        responsible_phone="089-999-9999",
    )
    ReportFactory(project=first, status=S.ACCEPTED, round=RoundFactory(fiscal_year=2568, quarter=1))
    return first


def get_catalog(client, **params) -> dict:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/ld+json")
    return json.loads(response.content)


def distributions(catalog: dict) -> list[dict]:
    return [d for dataset in catalog["dcat:dataset"] for d in dataset["dcat:distribution"]]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def prefixes_used(node) -> set[str]:
    """Every `prefix:` of the compact IRIs used as keys or types anywhere in the document."""
    found = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if not key.startswith("@"):
                found.add(key.split(":", 1)[0])
            if key == "@type":
                found.add(value.split(":", 1)[0])
            found |= prefixes_used(value)
    elif isinstance(node, list):
        for item in node:
            found |= prefixes_used(item)
    return found


def test_the_catalogue_is_json_ld_with_the_dcat_vocabularies(data):
    catalog = get_catalog(client_for(None))
    context = catalog["@context"]
    for prefix, iri in NAMESPACES.items():
        assert context[prefix] == iri
    assert prefixes_used(catalog) <= set(context)  # no prefix a JSON-LD processor could not expand
    assert catalog["@type"] == "dcat:Catalog"
    assert catalog["@id"] == "http://testserver/api/v1/exports/catalog.jsonld"
    assert {t["@language"] for t in catalog["dct:title"]} == {"th", "en"}
    assert catalog["dct:license"]["@id"].startswith("https://")
    assert catalog["dct:publisher"]["@type"] == "foaf:Organization"
    for dataset in catalog["dcat:dataset"]:
        assert dataset["@type"] == "dcat:Dataset"
        assert dataset["@id"].startswith("http://testserver/")
        assert {t["@language"] for t in dataset["dct:title"]} == {"th", "en"}
        assert {k["@language"] for k in dataset["dcat:keyword"]} == {"th", "en"}
        assert dataset["dct:license"]["@id"] == catalog["dct:license"]["@id"]
        assert dataset["dct:spatial"]["@id"].endswith("/THA")
        assert dataset["dcat:distribution"]
        for distribution in dataset["dcat:distribution"]:
            assert distribution["@type"] == "dcat:Distribution"
            assert distribution["dcat:downloadURL"]["@id"].startswith("http://testserver/api/v1/exports/")
            assert "/" in distribution["dcat:mediaType"] and distribution["dct:format"]
            assert distribution["dct:license"]["@id"] == catalog["dct:license"]["@id"]
    service = catalog["dcat:service"][0]
    assert service["@type"] == "dcat:DataService"
    assert service["dcat:endpointURL"]["@id"] == "http://testserver/api/v1/"
    assert {s["@id"] for s in service["dcat:servesDataset"]} == {d["@id"] for d in catalog["dcat:dataset"]}


def test_every_download_is_listed_and_every_link_answers(data):
    client = client_for(None)
    catalog = get_catalog(client)
    listed = {path_of(d["dcat:downloadURL"]["@id"]): d for d in distributions(catalog)}
    assert set(listed) == {f"/api/v1/exports/{name}" for name in DOWNLOADS}
    assert path_of(catalog["@id"]) == "/api/v1/exports/catalog.jsonld"
    for path, distribution in listed.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith(distribution["dcat:mediaType"]), path
        if response.streaming:
            b"".join(response.streaming_content)
    service = catalog["dcat:service"][0]
    for key in ("dcat:endpointURL", "dcat:endpointDescription", "dcat:landingPage"):
        assert client.get(path_of(service[key]["@id"])).status_code == 200, key


def test_dates_and_years_come_from_the_public_rows(data):
    IndicatorValue.objects.create(
        indicator=IndicatorFactory(),
        period_start=2566,
        period_end=2570,
        value=1,
    )
    catalog = get_catalog(client_for(None))
    datasets = {d["dct:identifier"]: d for d in catalog["dcat:dataset"]}
    projects = datasets["tidtam-projects"]
    # FY 2567 starts on 1 October 2023; FY 2569 ends on 30 September 2026; the draft of FY 2560 does not count.
    assert projects["dct:temporal"]["dcat:startDate"]["@value"] == date(2023, 10, 1).isoformat()
    assert projects["dct:temporal"]["dcat:endDate"]["@value"] == date(2026, 9, 30).isoformat()
    assert datasets["tidtam-reports"]["dct:temporal"]["dcat:startDate"]["@value"] == "2024-10-01"
    assert datasets["tidtam-indicator-values"]["dct:temporal"]["dcat:startDate"]["@value"] == "2022-10-01"
    latest = max(data.updated_at, data.accepted_at, data.reports.get().updated_at)
    modified = datetime.fromisoformat(datasets["tidtam-iati-activities"]["dct:modified"]["@value"])
    assert modified == latest.replace(microsecond=0)
    assert datetime.fromisoformat(catalog["dct:modified"]["@value"]) >= modified


def test_contact_point_is_organisational_and_no_personal_data(data, settings):
    client = client_for(None)
    body = client.get(URL).content.decode()
    for secret in ("private.person@example.go.th", "นางสาวข้อมูล ส่วนบุคคล", "089-999-9999"):
        assert secret not in body
    contact = json.loads(body)["dcat:dataset"][0]["dcat:contactPoint"]
    assert contact["@type"] == "vcard:Organization"
    assert contact["vcard:hasEmail"]["@id"] == "mailto:opendata@example.org"
    settings.OPEN_DATA_CONTACT_EMAIL = ""
    cache.clear()
    contact = get_catalog(client)["dcat:dataset"][0]["dcat:contactPoint"]
    assert "vcard:hasEmail" not in contact and contact["vcard:fn"]


def test_filters_are_passed_on_to_the_project_downloads(data):
    client = client_for(None)
    catalog = get_catalog(client, organisation="mfa", fiscal_year="2567")
    urls = {urlsplit(url).path: url for url in (d["dcat:downloadURL"]["@id"] for d in distributions(catalog))}
    for name in ("projects.csv", "projects.xlsx", "projects.jsonl", "iati-activities.xml"):
        assert urls[f"/api/v1/exports/{name}"].endswith("?organisation=mfa&fiscal_year=2567"), name
    assert "?" not in urls["/api/v1/exports/reports.csv"]
    projects = next(d for d in catalog["dcat:dataset"] if d["dct:identifier"] == "tidtam-projects")
    assert projects["dct:temporal"]["dcat:endDate"]["@value"] == "2025-09-30"  # only A-1 (FY 2567–2568)
    response = client.get(urls["/api/v1/exports/iati-activities.xml"].removeprefix("http://testserver"))
    assert b"A-1" in b"".join(response.streaming_content)

    bad = client.get(URL, {"fiscal_year": "next year"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_filter" and "fiscal_year" in bad.json()["details"]
