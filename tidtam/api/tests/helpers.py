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


def token_client(username: str, password: str) -> Client:
    """A client carrying the bearer token that `POST /api/v1/auth/token` gives for these credentials."""
    response = Client().post(
        f"{API}/auth/token", {"username": username, "password": password}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return Client(headers={"Authorization": f"Bearer {response.json()['token']}"})


def send(client: Client, method: str, url: str, data=None, **headers):
    """A JSON request to `API + url` (`data` sent as the JSON body)."""
    call = getattr(client, method.lower())
    if data is None:
        return call(f"{API}{url}", headers=headers or None)
    return call(f"{API}{url}", data, content_type="application/json", headers=headers or None)


# The operations issue 3 added (projects, reports, rounds, workflow moves, attachments). test_openapi.EXPECTED and the
# GET harness in test_permissions.py take them from here.
WORKFLOW_ACTIONS = ("submit", "approve", "return", "accept", "unlock")
ISSUE3_GET_PATHS = {
    "/api/v1/projects",
    "/api/v1/projects/{id}",
    "/api/v1/projects/{id}/reports",
    "/api/v1/reports",
    "/api/v1/reports/{id}",
    "/api/v1/rounds",
    "/api/v1/rounds/{id}",
    "/api/v1/rounds/{id}/completeness",
    "/api/v1/attachments/{id}",
}
ISSUE3_OPERATIONS = {
    *(("get", path) for path in ISSUE3_GET_PATHS),
    ("post", "/api/v1/projects"),
    ("patch", "/api/v1/projects/{id}"),
    ("post", "/api/v1/projects/{id}/attachments"),
    ("post", "/api/v1/projects/{id}/reports"),
    ("patch", "/api/v1/reports/{id}"),
    ("post", "/api/v1/reports/{id}/attachments"),
    ("delete", "/api/v1/attachments/{id}"),
    ("post", "/api/v1/rounds"),
    ("patch", "/api/v1/rounds/{id}"),
    ("post", "/api/v1/rounds/{id}/close"),
    ("post", "/api/v1/rounds/{id}/reopen"),
    ("post", "/api/v1/rounds/{id}/reminders"),
    ("post", "/api/v1/projects/bulk-approve"),
    ("post", "/api/v1/reports/bulk-approve"),
    *(("post", f"/api/v1/{kind}/{{id}}/{action}") for kind in ("projects", "reports") for action in WORKFLOW_ACTIONS),
}
