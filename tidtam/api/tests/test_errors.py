import pytest
from django.test import Client

from tidtam.api.tests.helpers import API, assert_error
from tidtam.core.errors import Conflict, forbidden

pytestmark = pytest.mark.django_db


def test_bad_query_parameter_is_400_with_the_field_named(plan):
    body = assert_error(Client().get(f"{API}/frameworks/ns/nodes?depth=abc"), 400, "validation_error")
    assert list(body["details"]) == ["depth"]
    assert "depth" in body["message"]
    body = assert_error(Client().get(f"{API}/frameworks/ns/nodes?depth=0&format=xml"), 400, "validation_error")
    assert sorted(body["details"]) == ["depth", "format"]


def test_bad_path_parameter_is_400():
    body = assert_error(Client().get(f"{API}/nodes/abc"), 400, "validation_error")
    assert list(body["details"]) == ["id"]


def test_service_not_found_keeps_its_code_and_details():
    body = assert_error(Client().get(f"{API}/frameworks/nope"), 404, "framework_not_found")
    assert body["details"] == {"code": "nope"}
    assert_error(Client().get(f"{API}/nodes/999999"), 404, "node_not_found")
    assert_error(Client().get(f"{API}/indicators/999999"), 404, "indicator_not_found")


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_route_is_json_404(method):
    response = getattr(Client(enforce_csrf_checks=True), method)(f"{API}/no/such/thing")
    assert_error(response, 404, "not_found")
    assert_error(Client().get(f"{API}/frameworks/"), 404, "not_found")  # no trailing slashes in this API


def test_wrong_method_is_json_405_with_allow():
    response = Client().post(f"{API}/frameworks")
    body = assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"
    assert body["details"] == {"allowed": ["GET"]}
    assert_error(Client().get(f"{API}/auth/token"), 405, "method_not_allowed")


def test_anonymous_me_is_401():
    assert_error(Client().get(f"{API}/me"), 401, "not_authenticated")


def test_unexpected_exception_is_500_without_a_traceback(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("tidtam.api.routers.plans.framework_list", broken)
    response = Client(raise_request_exception=True).get(f"{API}/frameworks", headers={"X-Request-ID": "req-12345678"})
    body = assert_error(response, 500, "server_error")
    text = response.content.decode()
    assert "secret internal detail" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert body["details"] == {"request_id": "req-12345678"}


@pytest.mark.parametrize(
    "url, field",
    [
        ("/frameworks/a%00b", "code"),
        ("/frameworks/ns/nodes?version=%00", "version"),
        ("/frameworks/ns/nodes?parent=1%00", "parent"),
        ("/organisations?q=%00", "q"),
        ("/organisations/a%00", "code"),
        ("/organisations?cursor=AA", "cursor"),  # decodes to a NUL byte
    ],
)
def test_nul_characters_are_400_not_a_database_error(plan, url, field):
    # PostgreSQL refuses NUL in text; the API must answer 400 before reaching the database.
    body = assert_error(Client().get(f"{API}{url}"), 400, "validation_error")
    assert list(body["details"]) == [field]


def test_nul_in_the_token_request_is_400(db):
    response = Client().post(
        f"{API}/auth/token", {"username": "a\x00", "password": "x"}, content_type="application/json"
    )
    assert list(assert_error(response, 400, "validation_error")["details"]) == ["username"]


@pytest.mark.parametrize(
    "error, status, code",
    [
        (forbidden("view"), 403, "forbidden"),
        (
            Conflict("stale_version", "ข้อมูลถูกแก้ไขแล้ว / Changed by someone else", {"current_version": 3}),
            409,
            "stale_version",
        ),
    ],
)
def test_service_errors_keep_their_status_code_and_details(monkeypatch, error, status, code):
    def refuse(**kwargs):
        raise error

    monkeypatch.setattr("tidtam.api.routers.plans.framework_get", refuse)
    body = assert_error(Client().get(f"{API}/frameworks/ns"), status, code)
    assert body["message"] == error.message and body["details"] == error.details
