from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone
from ninja.errors import HttpError

from tidtam.accounts.models import ApiToken
from tidtam.accounts.services import token_issue, token_revoke
from tidtam.api.auth import session
from tidtam.api.tests.helpers import API, assert_error
from tidtam.core.testing import PASSWORD, UserFactory, client_for

pytestmark = pytest.mark.django_db


def _get_token(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(
        f"{API}/auth/token", {"username": username, "password": password, **extra}, content_type="application/json"
    )


def test_token_issue_and_use():
    user = UserFactory(username="somchai", first_name="สมชาย")
    response = _get_token(Client(), "somchai", name="my script")
    assert response.status_code == 200
    body = response.json()
    assert body["token"].startswith("tdt_")
    token = ApiToken.objects.get(user=user)
    assert token.name == "my script" and token.key_hash != body["token"]  # only a hash is stored
    assert abs((token.expires_at - timezone.now()) - timedelta(days=settings.API_TOKEN_TTL_DAYS)) < timedelta(minutes=1)
    me = Client().get(f"{API}/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "somchai"


def test_wrong_password_is_401():
    UserFactory(username="somchai")
    body = assert_error(_get_token(Client(), "somchai", "wrong-password"), 401, "invalid_credentials")
    assert "token" not in body
    assert_error(_get_token(Client(), "nobody"), 401, "invalid_credentials")


def test_token_request_is_validated():
    body = assert_error(
        Client().post(f"{API}/auth/token", {"username": "x"}, content_type="application/json"), 400, "validation_error"
    )
    assert list(body["details"]) == ["password"]
    body = assert_error(
        Client().post(f"{API}/auth/token", "{not json", content_type="application/json"), 400, "validation_error"
    )
    assert "body" in body["details"]


@pytest.mark.parametrize("header", ["Bearer garbage", "Bearer tdt_not-a-real-token", "Bearer ", "bearer  x"])
def test_invalid_bearer_token_is_401_never_anonymous(header):
    # /frameworks is public, yet a bad token must be refused rather than treated as anonymous.
    response = Client().get(f"{API}/frameworks", headers={"Authorization": header})
    assert_error(response, 401, "invalid_token")


def test_expired_token_is_401():
    user = UserFactory()
    token, secret = token_issue(user=user)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(Client().get(f"{API}/me", headers={"Authorization": f"Bearer {secret}"}), 401, "invalid_token")


def test_revoked_token_is_401():
    user = UserFactory()
    token, secret = token_issue(user=user)
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert client.get(f"{API}/me").status_code == 200
    token_revoke(actor=user, token=token)
    assert_error(client.get(f"{API}/me"), 401, "invalid_token")


def test_inactive_users_token_is_401():
    user = UserFactory()
    _, secret = token_issue(user=user)
    user.is_active = False
    user.save()
    assert_error(Client().get(f"{API}/me", headers={"Authorization": f"Bearer {secret}"}), 401, "invalid_token")


def test_other_authorization_schemes_are_left_alone():
    # e.g. a proxy's Basic auth in front of a staging site: not a bearer token, so the request is anonymous.
    response = Client().get(f"{API}/frameworks", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 200
    assert_error(Client().get(f"{API}/me", headers={"Authorization": "Basic dXNlcjpwYXNz"}), 401, "not_authenticated")


def test_bearer_token_wins_over_the_session():
    session_user, token_user = UserFactory(username="session-user"), UserFactory(username="token-user")
    _, secret = token_issue(user=token_user)
    client = client_for(session_user)
    assert client.get(f"{API}/me").json()["username"] == "session-user"
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {secret}"}).json()["username"] == "token-user"


def test_token_endpoint_needs_no_csrf_even_with_a_session():
    user = UserFactory(username="somchai")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert _get_token(client, "somchai").status_code == 200


@override_settings(LOGIN_MAX_FAILURES=3, LOGIN_FAILURE_WINDOW=120)
def test_too_many_failures_give_429_with_retry_after():
    UserFactory(username="somchai")
    client = Client()
    for _ in range(3):
        assert_error(_get_token(client, "somchai", "wrong-password"), 401, "invalid_credentials")
    response = _get_token(client, "somchai", "wrong-password")
    assert_error(response, 429, "login_throttled")
    assert response["Retry-After"] == "120"
    # Even the right password is refused while throttled.
    response = _get_token(client, "somchai")
    assert_error(response, 429, "login_throttled")
    assert response["Retry-After"] == "120"


@override_settings(LOGIN_MAX_FAILURES=3)
def test_throttling_counts_per_client_address():
    UserFactory(username="a")
    UserFactory(username="b")
    client = Client(REMOTE_ADDR="203.0.113.9")
    for name in ["a", "b", "c"]:
        assert _get_token(client, name, "wrong-password").status_code == 401
    assert _get_token(client, "b").status_code == 429  # this address spent its failures
    assert _get_token(Client(REMOTE_ADDR="203.0.113.10"), "b").status_code == 200


def test_session_sign_in_works_for_the_interactive_docs():
    user = UserFactory(username="somchai")
    assert client_for(user).get(f"{API}/me").json()["username"] == "somchai"


def test_session_writes_need_csrf_but_anonymous_requests_are_not_refused_for_it():
    user = UserFactory()
    request = RequestFactory().post("/api/v1/anything")
    request.user = user
    with pytest.raises(HttpError) as refused:
        session(request)
    assert refused.value.status_code == 403
    request = RequestFactory().get("/api/v1/anything")
    request.user = user
    assert session(request) == user  # safe methods need no CSRF token
    request = RequestFactory().post("/api/v1/anything")
    request.user = AnonymousUser()
    assert session(request) is None  # falls through to anonymous (or 401), never a CSRF 403
