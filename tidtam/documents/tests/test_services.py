"""Ingestion, confirmation and link decisions through the services; what the search index lets each user find."""

import pytest
from django.contrib.auth.models import AnonymousUser

from tidtam.core.errors import Conflict, Forbidden, ValidationFailed
from tidtam.core.models import AuditEntry
from tidtam.documents.choices import DocumentStatus, LinkStatus
from tidtam.documents.models import Document, DocumentLink
from tidtam.documents.selectors import document_links, document_list, document_text
from tidtam.documents.services import (
    document_confirm,
    document_ingest,
    document_link_confirm,
    document_link_reject,
    document_preview,
)
from tidtam.documents.tests.conftest import fixture_bytes
from tidtam.search.choices import EntryKind
from tidtam.search.selectors import search

ANONYMOUS = AnonymousUser()
pytestmark = pytest.mark.django_db


def ingest(world, name="thai.html", actor=None, organisation="division", **kwargs) -> Document:
    return document_ingest(
        actor=actor or world.reporter,
        organisation=world.org[organisation],
        file_name=name,
        content=kwargs.pop("content", None) or fixture_bytes(name),
        **kwargs,
    )


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_ingesting_a_thai_html_page(world, settings):
    document = ingest(world)
    assert document.status == DocumentStatus.PENDING and document.source_type == "html"
    assert document.title == "รายงานการประชุมความร่วมมือด้านความมั่นคงทางไซเบอร์ (ตัวอย่างสมมุติ)"
    assert document.language == "th" and document.uploaded_by == world.reporter
    assert "ความมั่นคงทางไซเบอร์ของหน่วยงานรัฐ" in document.text
    # the BE range ๙-๑๐ พฤษภาคม ๒๕๖๕ is stored in CE, with the text as found
    first = document.dates[0]
    assert (first["kind"], first["start"], first["end"]) == ("range", "2022-05-09", "2022-05-10")
    assert "2565" in first["text"]
    assert any(d["kind"] == "fiscal_year" and d["fiscal_year"] == 2568 for d in document.dates)
    assert [o.code for o in document.organisations.all()] == ["mfa"]
    assert sorted(c.alpha2 for c in document.countries.all()) == ["JP", "SG", "VN"]
    # the file is kept outside the web root, by its SHA-256
    assert document.file.name == f"documents/{document.sha256[:2]}/{document.sha256}"
    assert stored_files(settings)[0].read_bytes() == fixture_bytes("thai.html")
    entry = AuditEntry.objects.get(object_type="document", object_id=str(document.pk))
    assert entry.action == "create" and entry.after["organisations"] == ["mfa"] and "text" not in entry.after


def test_suggestions_have_reasons_and_respect_what_the_uploader_may_see(world):
    document = ingest(world)
    links = {(link.target, (link.project or link.node).code): link for link in document.links.all()}
    assert ("node", "102") in links  # ความมั่นคงทางไซเบอร์
    assert "ไซเบอร์" in " ".join(links[("node", "102")].reasons)
    assert ("project", "doc-cyber_accepted") in links
    assert links[("project", "doc-cyber_accepted")].reasons
    assert all(link.status == LinkStatus.SUGGESTED for link in links.values())
    # another ministry's draft project is not suggested to an mfa reporter
    assert ("project", "doc-cyber_draft") not in links


def test_ingesting_a_thai_pdf(world):
    document = ingest(world, "thai.pdf", actor=world.reviewer, organisation="other_division")
    assert document.source_type == "pdf"
    assert document.title == "แผนปฏิบัติการความมั่นคงทางทะเล (ตัวอย่างสมมุติ)"
    assert "กระทรวงกลาโหมร่วมกับกองกลาโหมจัดการฝึกซ้อมป้องกันการประมงผิดกฎหมาย" in document.text
    assert [(d["start"], d["text"]) for d in document.dates] == [("2019-03-01", "วันที่ 1 มีนาคม 2562")]
    assert {o.code for o in document.organisations.all()} == {"mod", "mod-div"}
    assert sorted(c.alpha2 for c in document.countries.all()) == ["JP", "VN"]
    targets = {(link.target, (link.project or link.node).code) for link in document.links.all()}
    assert ("node", "101") in targets  # ความมั่นคงทางทะเล


def test_ingesting_tis620_text(world):
    document = ingest(world, "tis620.txt")
    assert document.source_type == "text" and document.title == "บันทึกการประชุมคณะทำงาน (ตัวอย่างสมมุติ)"
    assert document.dates[0]["start"] == "2020-07-17"
    assert [o.code for o in document.organisations.all()] == ["mfa"]
    assert sorted(c.alpha2 for c in document.countries.all()) == ["KH", "LA"]


def test_a_given_title_replaces_the_extracted_one(world):
    assert ingest(world, title="  ชื่อที่กำหนดเอง  ").title == "ชื่อที่กำหนดเอง"


@pytest.mark.parametrize(
    ("name", "content"), [("broken.pdf", b"%PDF-1.4 nothing"), ("scan.png", b"\x89PNG...."), ("e.txt", b"")]
)
def test_a_bad_file_writes_nothing(world, settings, name, content):
    with pytest.raises(ValidationFailed) as caught:
        document_ingest(actor=world.reporter, organisation=world.org["division"], file_name=name, content=content)
    assert name in caught.value.message
    assert not Document.objects.exists() and not DocumentLink.objects.exists()
    assert not AuditEntry.objects.filter(object_type="document").exists()
    assert stored_files(settings) == []


def test_reingesting_the_same_file_is_refused_and_writes_nothing(world, settings):
    first = ingest(world)
    with pytest.raises(Conflict) as caught:
        ingest(world, "thai.html")
    assert caught.value.code == "document_exists" and caught.value.details["document"] == first.pk
    assert str(first.pk) in caught.value.message and "thai.html" in caught.value.message
    assert Document.objects.count() == 1 and len(stored_files(settings)) == 1
    # another organisation may hold the same bytes
    second = ingest(world, actor=world.reviewer, organisation="other")
    assert second.sha256 == first.sha256 and Document.objects.count() == 2


def test_preview_writes_nothing_and_spots_a_duplicate(world, settings):
    preview = document_preview(
        actor=world.reporter,
        organisation=world.org["division"],
        file_name="thai.pdf",
        content=fixture_bytes("thai.pdf"),
    )
    assert preview.extracted.title.startswith("แผนปฏิบัติการ") and preview.duplicate_of is None
    assert not Document.objects.exists() and stored_files(settings) == []
    document = ingest(world, "thai.pdf")
    again = document_preview(
        actor=None, organisation=world.org["division"], file_name="thai.pdf", content=fixture_bytes("thai.pdf")
    )
    assert again.duplicate_of == document


@pytest.mark.parametrize(
    ("who", "organisation", "allowed"),
    [
        ("reporter", "division", True),  # mfa reporter, within the subtree
        ("reporter", "ministry", True),
        ("division_reporter", "ministry", False),  # above the membership's organisation
        ("other_reporter", "division", False),  # another ministry
        ("approver", "division", False),  # wrong role
        ("oversight", "division", False),
        ("reviewer", "division", True),
    ],
)
def test_who_may_ingest(world, who, organisation, allowed):
    if allowed:
        assert ingest(world, actor=getattr(world, who), organisation=organisation).pk
    else:
        with pytest.raises(Forbidden):
            ingest(world, actor=getattr(world, who), organisation=organisation)
        assert not Document.objects.exists()


def test_confirming_a_document(world):
    document = ingest(world)
    for who in (world.reporter, world.approver, world.oversight):
        with pytest.raises(Forbidden):
            document_confirm(actor=who, document=document, version=document.version)
    with pytest.raises(Conflict):
        document_confirm(actor=world.reviewer, document=document, version=document.version + 5)
    document_confirm(actor=world.reviewer, document=document, version=document.version)
    document.refresh_from_db()
    assert document.status == DocumentStatus.CONFIRMED and document.confirmed_by == world.reviewer
    assert document.version == 2
    with pytest.raises(Conflict) as caught:
        document_confirm(actor=world.reviewer, document=document, version=document.version)
    assert caught.value.code == "document_already_confirmed"
    assert AuditEntry.objects.filter(object_type="document", action="confirm").count() == 1


def test_a_reviewer_confirms_and_rejects_links(world):
    document = ingest(world)
    node_link = document.links.get(node=world.cyber)
    project_link = document.links.get(project=world.projects["cyber_accepted"])
    with pytest.raises(Forbidden):
        document_link_confirm(actor=world.reporter, link=node_link)
    with pytest.raises(Forbidden):
        document_link_reject(actor=world.other_reporter, link=node_link)
    document_link_confirm(actor=world.reviewer, link=node_link)
    document_link_reject(actor=world.reviewer, link=project_link)
    node_link.refresh_from_db()
    project_link.refresh_from_db()
    assert node_link.status == LinkStatus.CONFIRMED and node_link.confirmed_by == world.reviewer
    assert node_link.confirmed_at is not None
    assert project_link.status == LinkStatus.REJECTED
    actions = set(AuditEntry.objects.filter(object_type="documentlink").values_list("action", flat=True))
    assert actions == {"confirm", "reject"}
    # what each user is shown: reviewers everything, the uploader's chain no rejected, the public confirmed only
    assert project_link in document_links(user=world.reviewer, document=document)
    assert project_link not in document_links(user=world.reporter, document=document)
    document_confirm(actor=world.reviewer, document=document, version=document.version)
    assert document_links(user=ANONYMOUS, document=document) == [node_link]


def test_visibility_of_pending_and_confirmed_documents(world):
    document = ingest(world)

    def visible(user) -> bool:
        return document_list(user=user).filter(pk=document.pk).exists()

    assert not visible(ANONYMOUS) and not visible(world.oversight) and not visible(world.other_reporter)
    assert visible(world.reporter) and visible(world.division_reporter) and visible(world.approver)
    assert visible(world.reviewer)
    document_confirm(actor=world.reviewer, document=document, version=document.version)
    assert visible(ANONYMOUS) and visible(world.oversight) and visible(world.other_reporter)
    # the public reads the text with contact data hidden; the owner's chain reads it all
    assert "somchai@example.go.th" not in document_text(user=ANONYMOUS, document=document)
    assert "02-123-4567" not in document_text(user=world.other_reporter, document=document)
    assert "somchai@example.go.th" in document_text(user=world.reporter, document=document)


def test_search_finds_documents_as_their_status_allows(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = ingest(world)

    def found(user) -> bool:
        hits = search(user=user, q="ประชุมความร่วมมือ", kind=EntryKind.DOCUMENT)
        return any(hit.entry.object_id == document.pk for hit in hits)

    assert not found(ANONYMOUS) and not found(world.other_reporter) and not found(world.oversight)
    assert found(world.reporter) and found(world.reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        document_confirm(actor=world.reviewer, document=document, version=document.version)
    assert found(ANONYMOUS) and found(world.oversight)
    hit = next(h for h in search(user=ANONYMOUS, q="ประชุมความร่วมมือ") if h.entry.kind == EntryKind.DOCUMENT)
    assert hit.url == f"/documents/{document.pk}/"
    assert "somchai" not in hit.entry.text  # snippets never show contact data
