"""Signing in through the throttled service, safe `next` redirects, and signing out by POST only."""

import pytest
from django.test import Client
from django.urls import reverse

from tidtam.accounts.choices import Role
from tidtam.core.testing import PASSWORD, OrganisationFactory, client_for, member

pytestmark = pytest.mark.django_db


LOGIN = "/accounts/login/"


@pytest.fixture
def user():
    return member(Role.REPORTER, OrganisationFactory(), username="somchai", first_name="สมชาย", last_name="ใจดี")


def _signed_in_as(client: Client):
    return client.session.get("_auth_user_id")


def test_login_page_renders_a_form_with_csrf(user):
    html = Client().get(LOGIN).content.decode()
    assert reverse("accounts:login") == LOGIN
    assert 'name="username"' in html and 'name="password"' in html and "csrfmiddlewaretoken" in html
    assert 'autocomplete="current-password"' in html


def test_login_success_redirects_home_and_shows_the_name(user):
    client = Client()
    response = client.post(LOGIN, {"username": "somchai", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert _signed_in_as(client) == str(user.pk)
    html = client.get("/").content.decode()
    assert "สมชาย ใจดี" in html and 'action="/accounts/logout/"' in html


def test_login_keeps_a_safe_next(user):
    client = Client()
    response = client.post(LOGIN + "?next=/organisations/", {"username": "somchai", "password": PASSWORD})
    assert response["Location"] == "/organisations/"
    page = Client().get(LOGIN + "?next=/frameworks/").content.decode()
    assert 'name="next" value="/frameworks/"' in page


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "http://testserver.evil.example/"]
)
def test_login_ignores_an_unsafe_next(user, unsafe):
    client = Client()
    response = client.post(LOGIN, {"username": "somchai", "password": PASSWORD, "next": unsafe})
    assert response.status_code == 302 and response["Location"] == "/"
    assert unsafe not in Client().get(LOGIN, {"next": unsafe}).content.decode()


def test_login_failure_shows_the_service_message(user):
    client = Client()
    response = client.post(LOGIN, {"username": "somchai", "password": "wrong-password"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง / Wrong username or password" in html
    assert 'value="somchai"' in html and "wrong-password" not in html
    assert _signed_in_as(client) is None


def test_login_with_empty_fields_is_a_form_error_not_a_failure_count(user, settings):
    settings.LOGIN_MAX_FAILURES = 1
    client = Client()
    response = client.post(LOGIN, {"username": "", "password": ""})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode()
    assert client.post(LOGIN, {"username": "somchai", "password": PASSWORD}).status_code == 302


def test_login_is_throttled_after_repeated_failures(user, settings):
    settings.LOGIN_MAX_FAILURES = 2
    client = Client()
    for _ in range(2):
        assert client.post(LOGIN, {"username": "somchai", "password": "nope"}).status_code == 200
    response = client.post(LOGIN, {"username": "somchai", "password": PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "เข้าสู่ระบบผิดพลาดหลายครั้งเกินไป" in response.content.decode()
    assert _signed_in_as(client) is None


def test_login_refuses_a_post_without_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "somchai", "password": PASSWORD})
    assert response.status_code == 403
    assert _signed_in_as(client) is None


def test_logout_requires_post(user):
    client = client_for(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert _signed_in_as(client) == str(user.pk)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == "/"
    assert _signed_in_as(client) is None
    assert "สมชาย" not in client.get("/").content.decode()
