"""`GET /api/v1/documents` and `/documents/{id}`: who sees what, cursor pages, filters, the query budget."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tidtam.api.tests.helpers import API, assert_error, bearer_client
from tidtam.documents.choices import DocumentStatus, LinkStatus
from tidtam.documents.models import Document
from tidtam.documents.services import document_ingest
from tidtam.documents.tests.conftest import fixture_bytes
from tidtam.documents.tests.factories import make_document

pytestmark = pytest.mark.django_db


def client(world, who) -> Client:
    users = {
        "wrong_org": world.other_reporter,
        "reporter": world.reporter,
        "approver": world.approver,
        "oversight": world.oversight,
        "reviewer": world.reviewer,
    }
    return Client() if who == "anonymous" else bearer_client(users[who])


@pytest.fixture
def docs(world) -> dict:
    pending = document_ingest(
        actor=world.reporter,
        organisation=world.org["division"],
        file_name="thai.html",
        content=fixture_bytes("thai.html"),
    )
    confirmed = make_document(world.org["other_division"], status=DocumentStatus.CONFIRMED, title="เอกสารยืนยันแล้ว")
    return {"pending": pending, "confirmed": confirmed}


@pytest.mark.parametrize(
    ("who", "sees_pending"),
    [
        ("anonymous", False),
        ("wrong_org", False),
        ("oversight", False),
        ("approver", True),
        ("reporter", True),
        ("reviewer", True),
    ],
)
def test_list_and_detail_per_user(world, docs, who, sees_pending):
    api = client(world, who)
    body = api.get(f"{API}/documents").json()
    ids = {row["id"] for row in body["results"]}
    assert docs["confirmed"].pk in ids
    assert (docs["pending"].pk in ids) == sees_pending
    detail = api.get(f"{API}/documents/{docs['pending'].pk}")
    if sees_pending:
        assert detail.status_code == 200
        data = detail.json()
        assert data["status"] == "pending" and data["organisations"] == ["mfa"]
        assert data["countries"] == ["JP", "SG", "VN"]
        assert data["dates"][0]["start"] == "2022-05-09" and data["dates"][0]["end"] == "2022-05-10"
        assert any(link["target"] == "node" and link["code"] == "102" and link["reasons"] for link in data["links"])
        assert "somchai@example.go.th" in data["text"]
    else:
        assert_error(detail, 404, "document_not_found")


def test_anonymous_detail_of_a_confirmed_document_hides_contacts_and_suggestions(world, docs):
    document = docs["pending"]
    document.links.filter(node=world.cyber).update(status=LinkStatus.CONFIRMED)
    Document.objects.filter(pk=document.pk).update(status=DocumentStatus.CONFIRMED)
    data = Client().get(f"{API}/documents/{document.pk}").json()
    assert "somchai" not in data["text"] and "02-123-4567" not in data["text"]
    assert [(link["target"], link["code"], link["status"]) for link in data["links"]] == [("node", "102", "confirmed")]
    assert "uploaded_by" not in data


def test_cursor_pages_and_filters(world, docs):
    for _ in range(4):
        make_document(world.org["division"], status=DocumentStatus.CONFIRMED)
    api = client(world, "reviewer")
    seen, cursor = [], None
    while True:
        body = api.get(f"{API}/documents", {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [row["id"] for row in body["results"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 6
    pending = api.get(f"{API}/documents", {"status": "pending"}).json()["results"]
    assert [row["id"] for row in pending] == [docs["pending"].pk]
    mod = api.get(f"{API}/documents", {"organisation": "mod"}).json()["results"]
    assert [row["id"] for row in mod] == [docs["confirmed"].pk]
    assert_error(api.get(f"{API}/documents", {"status": "bogus"}), 400)
    assert_error(api.get(f"{API}/documents", {"cursor": "!!"}), 400)


def _queries(api) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(f"{API}/documents").status_code == 200
    return len(queries)


def test_list_query_budget(world, docs):
    api = client(world, "reviewer")
    api.get(f"{API}/documents")
    few = _queries(api)
    for _ in range(15):
        make_document(world.org["division"], status=DocumentStatus.CONFIRMED)
    assert _queries(api) == few <= 10
