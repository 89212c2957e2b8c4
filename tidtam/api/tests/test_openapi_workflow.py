"""The OpenAPI document stays valid with issue 3's endpoints and describes them fully."""

import pytest
from django.test import Client
from openapi_spec_validator import validate

from tidtam.api.tests.helpers import API, ISSUE3_OPERATIONS

pytestmark = pytest.mark.django_db

ERROR = {"$ref": "#/components/schemas/ErrorOut"}


@pytest.fixture
def spec(db):
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(spec) -> dict:
    return {(method, path): operation for path, item in spec["paths"].items() for method, operation in item.items()}


def test_valid_and_lists_the_new_operations(spec):
    validate(spec)
    assert ISSUE3_OPERATIONS <= set(_operations(spec))


def test_writes_need_a_sign_in_and_reads_are_public(spec):
    operations = _operations(spec)
    signed_in = [{"BearerToken": []}, {"SessionAuth": []}]
    for (method, path), operation in operations.items():
        if (method, path) not in ISSUE3_OPERATIONS:
            continue
        if method == "get" and not path.endswith("/completeness"):
            assert operation["security"] == [*signed_in, {}], path
        else:
            assert operation["security"] == signed_in, (method, path)


def test_errors_are_documented_and_never_422(spec):
    for key, operation in _operations(spec).items():
        if key not in ISSUE3_OPERATIONS:
            continue
        responses = operation["responses"]
        assert "422" not in responses, key
        assert responses["401"]["content"]["application/json"]["schema"] == ERROR, key
        if key[0] != "get":
            for status in ("400", "403"):
                assert responses[status]["content"]["application/json"]["schema"] == ERROR, (key, status)
    patch = _operations(spec)["patch", "/api/v1/reports/{id}"]["responses"]
    assert patch["409"]["content"]["application/json"]["schema"] == ERROR


def test_creates_answer_201_and_bodies_are_described(spec):
    operations = _operations(spec)
    for path in ("/api/v1/projects", "/api/v1/projects/{id}/reports", "/api/v1/rounds"):
        assert "201" in operations["post", path]["responses"], path
    body = operations["post", "/api/v1/projects/{id}/approve"]["requestBody"]["content"]["application/json"]
    schema = spec["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert schema["required"] == ["version"] and set(schema["properties"]) == {"version", "reason"}
    upload = operations["post", "/api/v1/projects/{id}/attachments"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
    project = spec["components"]["schemas"]["ProjectOut"]["properties"]
    assert {"version", "status", "return_reason", "approvals", "links", "actions", "responsible_email"} <= set(project)
    download = operations["get", "/api/v1/attachments/{id}"]["responses"]["200"]["content"]
    assert download == {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
