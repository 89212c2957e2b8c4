"""Document pages: who sees and does what (anonymous / wrong organisation / wrong role / right role), the upload
page with good and bad files, the document page's findings in Thai (BE dates), link decisions with htmx, and the
list's query budget."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tidtam.core.testing import client_for
from tidtam.documents.choices import DocumentStatus, LinkStatus
from tidtam.documents.models import Document
from tidtam.documents.services import document_ingest
from tidtam.documents.tests.conftest import fixture_bytes
from tidtam.documents.tests.factories import make_document

pytestmark = pytest.mark.django_db
USERS = ("anonymous", "wrong_org", "reporter", "approver", "oversight", "reviewer")
SEES_PENDING = {"reporter", "approver", "reviewer"}


def user_of(world, who):
    return {
        "anonymous": None,
        "wrong_org": world.other_reporter,
        "reporter": world.reporter,
        "approver": world.approver,
        "oversight": world.oversight,
        "reviewer": world.reviewer,
    }[who]


@pytest.fixture
def docs(world) -> dict:
    pending = document_ingest(
        actor=world.reporter,
        organisation=world.org["division"],
        file_name="thai.html",
        content=fixture_bytes("thai.html"),
    )
    confirmed = make_document(world.org["division"], status=DocumentStatus.CONFIRMED, title="เอกสารยืนยันแล้ว")
    return {"pending": pending, "confirmed": confirmed}


@pytest.mark.parametrize("who", USERS)
def test_list_page_shows_pending_documents_only_to_the_owners_chain_and_reviewers(world, docs, who):
    response = client_for(user_of(world, who)).get("/documents/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-document="{docs["confirmed"].pk}"' in html
    assert (f'data-document="{docs["pending"].pk}"' in html) == (who in SEES_PENDING)


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("state", ["pending", "confirmed"])
def test_detail_page_permission_matrix(world, docs, who, state):
    response = client_for(user_of(world, who)).get(f"/documents/{docs[state].pk}/")
    expected = 200 if state == "confirmed" or who in SEES_PENDING else 404
    assert response.status_code == expected


def test_detail_page_shows_what_was_found_in_thai(world, docs):
    html = client_for(world.reporter).get(f"/documents/{docs['pending'].pk}/").content.decode()
    assert "รายงานการประชุมความร่วมมือด้านความมั่นคงทางไซเบอร์" in html
    assert "9 พฤษภาคม 2565" in html and "10 พฤษภาคม 2565" in html  # BE in the Thai UI
    assert "กระทรวงการต่างประเทศ" in html and 'data-country="JP"' in html
    assert "ความมั่นคงทางไซเบอร์" in html and "<mark>" in html  # suggested links with their matched terms
    assert "somchai@example.go.th" in html  # the owner's chain reads the contact line
    assert "/confirm/" not in html  # a reporter cannot confirm
    reviewer_html = client_for(world.reviewer).get(f"/documents/{docs['pending'].pk}/").content.decode()
    assert "/links/" in reviewer_html and f"/documents/{docs['pending'].pk}/confirm/" in reviewer_html


def test_public_page_hides_contacts_suggestions_and_the_uploader(world, docs):
    document = docs["pending"]
    assert document.links.filter(node=world.cyber).update(status=LinkStatus.CONFIRMED) == 1
    Document.objects.filter(pk=document.pk).update(status=DocumentStatus.CONFIRMED)
    html = client_for(None).get(f"/documents/{document.pk}/").content.decode()
    assert "somchai@example.go.th" not in html and "02-123-4567" not in html
    assert world.reporter.username not in html and "/file/" not in html
    assert 'data-status="confirmed"' in html and 'data-status="suggested"' not in html


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("wrong_org", 200),
        ("approver", 403),
        ("oversight", 403),
        ("reporter", 200),
        ("reviewer", 200),
    ],
)
def test_upload_page_permissions(world, who, status):
    # wrong_org is a reporter too: the page opens, offering only its own organisations
    response = client_for(user_of(world, who)).get("/documents/upload/")
    assert response.status_code == status
    if status == 200 and who == "wrong_org":
        html = response.content.decode()
        assert 'value="mod-div"' in html and 'value="mfa-div"' not in html


def _upload(client, name, content, organisation="mfa-div"):
    return client.post(
        "/documents/upload/", {"organisation": organisation, "file": SimpleUploadedFile(name, content), "title": ""}
    )


def test_upload_ingests_and_opens_the_document(world, settings):
    response = _upload(client_for(world.reporter), "thai.pdf", fixture_bytes("thai.pdf"))
    document = Document.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/documents/{document.pk}/"
    assert document.organisation == world.org["division"] and document.source_type == "pdf"


def test_upload_errors_name_the_file_and_write_nothing(world):
    client = client_for(world.reporter)
    response = _upload(client, "scan.pdf", b"%PDF-1.4 not really")
    assert response.status_code == 400 and "scan.pdf" in response.content.decode()
    assert not Document.objects.exists()
    # another ministry's organisation is not offered, and posting it anyway is refused
    assert _upload(client, "thai.html", fixture_bytes("thai.html"), organisation="mod-div").status_code == 400
    assert not Document.objects.exists()
    assert _upload(client, "thai.html", fixture_bytes("thai.html")).status_code == 302
    again = _upload(client, "thai.html", fixture_bytes("thai.html"))
    assert again.status_code == 409 and f"/documents/{Document.objects.get().pk}/" in again.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("wrong_org", 403), ("oversight", 403), ("reporter", 200), ("reviewer", 200)],
)
def test_download_is_for_those_who_may_see_pending_documents(world, docs, who, status):
    Document.objects.filter(pk=docs["pending"].pk).update(status=DocumentStatus.CONFIRMED)
    response = client_for(user_of(world, who)).get(f"/documents/{docs['pending'].pk}/file/")
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == fixture_bytes("thai.html")
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("wrong_org", 404), ("reporter", 403), ("approver", 403), ("reviewer", 302)],
)
def test_confirm_document_permissions(world, docs, who, status):
    document = docs["pending"]
    response = client_for(user_of(world, who)).post(f"/documents/{document.pk}/confirm/", {"version": 1})
    assert response.status_code == status
    document.refresh_from_db()
    assert (document.status == DocumentStatus.CONFIRMED) == (who == "reviewer")


def test_confirm_with_a_stale_version_shows_the_message(world, docs):
    response = client_for(world.reviewer).post(f"/documents/{docs['pending'].pk}/confirm/", {"version": 7})
    assert response.status_code == 409 and "ถูกแก้ไขโดยผู้อื่น" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("wrong_org", 404), ("reporter", 403), ("approver", 403), ("reviewer", 200)],
)
def test_link_confirmation_by_a_reviewer_with_htmx(world, docs, who, status):
    link = docs["pending"].links.get(node=world.cyber)
    response = client_for(user_of(world, who)).post(f"/documents/links/{link.pk}/confirm/", HTTP_HX_REQUEST="true")
    assert response.status_code == status
    link.refresh_from_db()
    assert (link.status == LinkStatus.CONFIRMED) == (who == "reviewer")
    if who == "reviewer":
        html = response.content.decode()
        assert f'id="link-{link.pk}"' in html and 'data-status="confirmed"' in html and "<html" not in html


def test_link_rejection_without_htmx_returns_to_the_document(world, docs):
    link = docs["pending"].links.get(node=world.cyber)
    response = client_for(world.reviewer).post(f"/documents/links/{link.pk}/reject/")
    assert response.status_code == 302 and response["Location"] == f"/documents/{docs['pending'].pk}/#links"
    link.refresh_from_db()
    assert link.status == LinkStatus.REJECTED
    assert client_for(world.reviewer).post(f"/documents/links/{link.pk}/delete/").status_code == 404


def test_list_filters_and_htmx_partial(world, docs):
    client = client_for(world.reviewer)
    html = client.get("/documents/?status=confirmed", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html and f'data-document="{docs["confirmed"].pk}"' in html
    assert f'data-document="{docs["pending"].pk}"' not in html
    assert client.get("/documents/?status=bogus").status_code == 400


def _list_queries(user) -> int:
    client = client_for(user)
    client.get("/documents/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/documents/").status_code == 200
    return len(queries)


def test_list_page_query_budget_does_not_grow_with_documents(world):
    for _ in range(3):
        make_document(world.org["division"])
    few = _list_queries(world.reviewer)
    for _ in range(20):
        make_document(world.org["division"], status=DocumentStatus.CONFIRMED)
    many = _list_queries(world.reviewer)
    assert many == few and many <= 10
    assert _list_queries(None) <= 8
