import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from openapi_spec_validator import validate

from tidtam.api.tests.helpers import API, ISSUE3_OPERATIONS

EXPECTED = {
    ("post", "/api/v1/auth/token"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/frameworks"),
    ("get", "/api/v1/frameworks/{code}"),
    ("get", "/api/v1/frameworks/{code}/nodes"),
    ("get", "/api/v1/nodes/{id}"),
    ("get", "/api/v1/indicators/{id}"),
    ("get", "/api/v1/organisations"),
    ("get", "/api/v1/organisations/{code}"),
    ("get", "/api/v1/audit"),
    ("get", "/api/v1/dashboard"),
    ("get", "/api/v1/exports/projects.csv"),
    ("get", "/api/v1/exports/projects.xlsx"),
    ("get", "/api/v1/exports/projects.jsonl"),
    ("get", "/api/v1/exports/reports.csv"),
    ("get", "/api/v1/exports/indicator-values.csv"),
    ("get", "/api/v1/exports/iati-activities.xml"),
    ("get", "/api/v1/exports/catalog.jsonld"),
    ("get", "/api/v1/search"),
    ("get", "/api/v1/projects/{id}/similar"),
    ("get", "/api/v1/documents"),
    ("get", "/api/v1/documents/{id}"),
    ("post", "/api/v1/align"),
}


@pytest.fixture
def spec(db):
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_openapi_document_is_valid_and_lists_every_endpoint(spec):
    validate(spec)
    operations = {(method, path) for path, item in spec["paths"].items() for method in item}
    assert operations == EXPECTED | ISSUE3_OPERATIONS
    assert spec["info"]["title"] == "tidtam API"
    assert "ข้อมูลสาธารณะ" in spec["info"]["description"] and "Public data" in spec["info"]["description"]


def test_security_is_documented_per_operation(spec):
    paths = spec["paths"]
    # Public reads: bearer or session, or nothing at all ({}).
    assert paths["/api/v1/frameworks"]["get"]["security"] == [{"BearerToken": []}, {"SessionAuth": []}, {}]
    # /me needs a sign-in; the token endpoint takes none.
    assert paths["/api/v1/me"]["get"]["security"] == [{"BearerToken": []}, {"SessionAuth": []}]
    assert "security" not in paths["/api/v1/auth/token"]["post"]
    assert spec["components"]["securitySchemes"]["BearerToken"] == {"type": "http", "scheme": "bearer"}


def test_error_responses_are_documented(spec):
    responses = spec["paths"]["/api/v1/frameworks/{code}/nodes"]["get"]["responses"]
    assert responses["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
    assert "422" not in responses


def test_docs_page_uses_only_local_assets(db):
    response = Client().get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"https?://", html), "the docs page must not reference another host"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(url.startswith("/static/") for url in assets)
    for url in assets:
        assert finders.find(url.removeprefix("/static/")), f"{url} is not served by the app"
    assert '"validatorUrl": null' in html  # Swagger UI would otherwise load a badge from validator.swagger.io


def test_api_root_points_to_the_docs(db):
    body = Client().get(f"{API}/").json()
    assert body == {"title": "tidtam API", "version": "1", "docs": "/api/v1/docs", "openapi": "/api/v1/openapi.json"}
