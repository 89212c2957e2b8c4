"""A NUL character in a parameter is a 400 that names the problem on every engine, never a server error."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", [reverse("dashboards:national"), reverse("projects:list"), reverse("organisations:list")]
)
def test_pages_refuse_nul_in_a_query_parameter(client, path):
    response = client.get(path, {"province": "\x00", "q": "ก\x00"})
    assert response.status_code == 400 and "NUL" in response.content.decode()


def test_api_refuses_nul_with_a_json_error(client):
    response = client.get("/api/v1/projects", {"q": "\x00"})
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error" and response.json()["details"] == {"q": ["NUL character"]}


def test_forms_refuse_nul(client):
    response = client.post(reverse("accounts:login"), {"username": "a\x00", "password": "x"})
    assert response.status_code == 400
