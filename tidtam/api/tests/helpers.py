"""Small helpers for API tests."""

from django.test import Client

from tidtam.accounts.services import token_issue

API = "/api/v1"

LEVELS = [
    {"key": "strategy", "th": "ยุทธศาสตร์", "en": "Strategy"},
    {"key": "master_plan", "th": "แผนแม่บท", "en": "Master plan"},
    {"key": "sub_plan", "th": "แผนย่อย", "en": "Sub-plan"},
]


def bearer_client(user) -> Client:
    """A client that sends a fresh bearer token of `user` with every request (no session)."""
    _, secret = token_issue(user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The response is the one JSON error shape with `status` (and `code`); returns the body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert " / " in body["message"]  # Thai / English
    if code is not None:
        assert body["code"] == code
    return body
