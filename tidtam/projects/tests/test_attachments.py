"""Attachments: size and type limits, content sniffing, storage outside the web root, and who may download."""

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from tidtam.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tidtam.core.models import AuditEntry
from tidtam.core.testing import ReportFactory, RoundFactory, client_for
from tidtam.projects.models import Attachment
from tidtam.projects.selectors import attachment_get
from tidtam.projects.services import attachment_add, attachment_remove
from tidtam.projects.tests.factories import make_project, move, project_in_state
from tidtam.workflow.choices import WorkflowAction

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ooxml(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}/document.xml", "<document/>")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def draft(orgs, people, plan):
    return make_project(orgs.division, people["reporter"], plan)


@pytest.mark.parametrize(
    ("name", "content", "content_type", "stored_type"),
    [
        ("รายงาน.pdf", PDF, "application/pdf", "application/pdf"),
        ("photo.png", PNG, "image/png", "image/png"),
        ("photo.JPEG", JPEG, "image/jpeg", "image/jpeg"),
        ("notes.txt", "บันทึกการประชุม\n".encode(), "text/plain", "text/plain"),
        ("table.csv", "รหัส,ชื่อ\n1,ก\n".encode("cp874"), "text/csv", "text/csv"),
        ("minutes.docx", ooxml("word"), DOCX_TYPE, DOCX_TYPE),
        ("budget.xlsx", ooxml("xl"), XLSX_TYPE, XLSX_TYPE),
        ("scan.pdf", PDF, "application/octet-stream", "application/pdf"),  # a browser that did not know the type
    ],
)
def test_accepted_types_are_stored_with_hash_and_audit(draft, people, name, content, content_type, stored_type):
    attachment = attachment_add(
        actor=people["reporter"], project=draft, uploaded_file=upload(name, content, content_type)
    )
    assert attachment.content_type == stored_type and attachment.size == len(content)
    assert attachment.original_name == name
    import hashlib

    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert Path(attachment.file.path).read_bytes() == content
    entry = AuditEntry.objects.get(object_type="project", object_id=str(draft.pk), action="attach")
    assert entry.after["attachment"]["sha256"] == attachment.sha256 and entry.actor == people["reporter"]


@pytest.mark.parametrize(
    ("name", "content", "content_type", "code"),
    [
        ("fake.pdf", b"MZ\x90\x00 this is a windows program", "application/pdf", "content_mismatch"),
        ("fake.png", PDF, "image/png", "content_mismatch"),
        ("fake.jpg", PNG, "image/jpeg", "content_mismatch"),
        ("fake.docx", ooxml("xl"), DOCX_TYPE, "content_mismatch"),  # a workbook renamed to a document
        ("fake.xlsx", b"PK\x03\x04 not really a zip", XLSX_TYPE, "content_mismatch"),
        ("binary.txt", b"text\x00with NUL", "text/plain", "content_mismatch"),
        ("disguised.txt", PDF, "text/plain", "content_mismatch"),
        ("report.png", PDF, "application/pdf", "extension_mismatch"),
        ("page.html", b"<script>alert(1)</script>", "text/html", "unsupported_type"),
        ("tool.exe", b"MZ\x90\x00", "application/octet-stream", "unsupported_type"),
        ("noextension", PDF, "application/octet-stream", "unsupported_type"),
        ("empty.pdf", b"", "application/pdf", "file_empty"),
    ],
)
def test_wrong_or_spoofed_types_are_refused_and_nothing_is_stored(draft, people, name, content, content_type, code):
    with pytest.raises(ValidationFailed) as raised:
        attachment_add(actor=people["reporter"], project=draft, uploaded_file=upload(name, content, content_type))
    assert raised.value.code == code and "file" in raised.value.details
    assert Attachment.objects.count() == 0
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_size_limit(draft, people, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    attachment_add(
        actor=people["reporter"], project=draft, uploaded_file=upload("ok.pdf", PDF.ljust(100, b" "), "application/pdf")
    )
    with pytest.raises(ValidationFailed) as raised:
        attachment_add(
            actor=people["reporter"],
            project=draft,
            uploaded_file=upload("big.pdf", PDF.ljust(101, b" "), "application/pdf"),
        )
    assert raised.value.code == "file_too_large" and raised.value.details["max_bytes"] == 100
    assert Attachment.objects.count() == 1


def test_files_live_under_media_root_not_the_web_root(draft, people):
    attachment = attachment_add(
        actor=people["reporter"], project=draft, uploaded_file=upload("a.pdf", PDF, "application/pdf")
    )
    path = Path(attachment.file.path).resolve()
    assert path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    web_roots = [Path(settings.STATIC_ROOT), *map(Path, settings.STATICFILES_DIRS), Path(settings.BASE_DIR) / "static"]
    assert not any(path.is_relative_to(root.resolve()) for root in web_roots)
    assert not attachment.file.name.endswith(".pdf")  # stored by hash: nothing to execute or render by name
    # No URL serves the media folder directly.
    for url in (f"/media/{attachment.file.name}", f"/static/{attachment.file.name}", f"/{attachment.file.name}"):
        assert client_for(people["reporter"]).get(url).status_code == 404


def test_only_editors_of_a_draft_may_attach(orgs, people, plan, draft):
    for who in ("wrong_org", "approver", "reviewer", "oversight", "coordinator"):
        with pytest.raises(Forbidden):
            attachment_add(actor=people[who], project=draft, uploaded_file=upload("a.pdf", PDF, "application/pdf"))
    accepted = project_in_state("accepted", owner=orgs.division, people=people, plan=plan)
    with pytest.raises(Conflict) as raised:
        attachment_add(
            actor=people["reporter"], project=accepted, uploaded_file=upload("a.pdf", PDF, "application/pdf")
        )
    assert raised.value.code == "locked"
    assert Attachment.objects.count() == 0


def test_report_evidence_must_belong_to_the_project(orgs, people, plan, draft):
    other = make_project(orgs.division, people["reporter"], plan)
    report = ReportFactory(project=other, round=RoundFactory())
    with pytest.raises(ValidationFailed) as raised:
        attachment_add(
            actor=people["reporter"],
            project=draft,
            report=report,
            uploaded_file=upload("a.pdf", PDF, "application/pdf"),
        )
    assert "report" in raised.value.details
    evidence = attachment_add(
        actor=people["reporter"], project=other, report=report, uploaded_file=upload("e.pdf", PDF, "application/pdf")
    )
    assert evidence.report == report
    assert AuditEntry.objects.filter(object_type="progressreport", object_id=str(report.pk), action="attach").exists()


def test_remove_checks_the_version_and_deletes_the_file(draft, people, django_capture_on_commit_callbacks):
    attachment = attachment_add(
        actor=people["reporter"], project=draft, uploaded_file=upload("a.pdf", PDF, "application/pdf")
    )
    path = Path(attachment.file.path)
    with pytest.raises(Conflict) as raised:
        attachment_remove(actor=people["reporter"], attachment=attachment, version=draft.version + 1)
    assert raised.value.code == "stale_version" and Attachment.objects.filter(pk=attachment.pk).exists()
    with pytest.raises(Forbidden):
        attachment_remove(actor=people["wrong_org"], attachment=attachment, version=draft.version)
    with django_capture_on_commit_callbacks(execute=True):
        attachment_remove(actor=people["reporter"], attachment=attachment, version=draft.version)
    assert not Attachment.objects.filter(pk=attachment.pk).exists() and not path.exists()
    entry = AuditEntry.objects.get(object_type="project", object_id=str(draft.pk), action="detach")
    assert entry.before["attachment"]["name"] == "a.pdf" and entry.after == {"attachment": None}


# --------------------------------------------------------------------------- who may download


@pytest.fixture
def files(orgs, people, plan):
    """A private file on a draft; a private and a public file on a project that is then accepted."""
    draft = make_project(orgs.division, people["reporter"], plan)
    draft_file = attachment_add(
        actor=people["reporter"], project=draft, uploaded_file=upload("d.pdf", PDF, "application/pdf")
    )
    accepted = make_project(orgs.division, people["reporter"], plan)
    private = attachment_add(
        actor=people["reporter"], project=accepted, uploaded_file=upload("p.pdf", PDF, "application/pdf")
    )
    public = attachment_add(
        actor=people["reporter"],
        project=accepted,
        uploaded_file=upload("สาธารณะ.pdf", PDF, "application/pdf"),
        is_public=True,
    )
    move(accepted, people["reporter"], WorkflowAction.SUBMIT)
    move(accepted, people["approver"], WorkflowAction.APPROVE)
    move(accepted, people["reviewer"], WorkflowAction.ACCEPT)
    return {"draft": draft_file, "private": private, "public": public}


# who → the files they may download
MAY_DOWNLOAD = {
    "anonymous": {"public"},
    "wrong_org": {"public"},
    "oversight": {"public", "private"},
    "reporter": {"draft", "private", "public"},
    "approver": {"draft", "private", "public"},
    "reviewer": {"draft", "private", "public"},
}


@pytest.mark.parametrize("who", sorted(MAY_DOWNLOAD))
def test_download_permission_matrix(files, people, who):
    c = client_for(None if who == "anonymous" else people[who])
    for key, attachment in files.items():
        response = c.get(f"/attachments/{attachment.pk}/")
        if key in MAY_DOWNLOAD[who]:
            assert response.status_code == 200, (who, key)
            assert b"".join(response.streaming_content) == PDF
            assert response["Content-Disposition"].startswith("attachment;")
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["Content-Type"] == "application/pdf"
        else:
            assert response.status_code == 404, (who, key)
        user = None if who == "anonymous" else people[who]
        if key in MAY_DOWNLOAD[who]:
            assert attachment_get(user=user, pk=attachment.pk) == attachment
        else:
            with pytest.raises(NotFound):
                attachment_get(user=user, pk=attachment.pk)


def test_download_names_the_file_in_thai(files):
    response = client_for(None).get(f"/attachments/{files['public'].pk}/")
    assert "filename*=utf-8''%E0%B8%AA" in response["Content-Disposition"]


def test_unknown_or_malformed_ids_are_404(people):
    assert client_for(people["reviewer"]).get("/attachments/999999/").status_code == 404
    with pytest.raises(NotFound):
        attachment_get(user=people["reviewer"], pk="abc")


def test_detail_page_lists_only_downloadable_files(files, people):
    accepted = files["public"].project
    anonymous = client_for(None).get(f"/projects/{accepted.pk}/").content.decode()
    assert (
        f"/attachments/{files['public'].pk}/" in anonymous and f"/attachments/{files['private'].pk}/" not in anonymous
    )
    staff = client_for(people["reporter"]).get(f"/projects/{accepted.pk}/").content.decode()
    assert f"/attachments/{files['private'].pk}/" in staff


# --------------------------------------------------------------------------- upload and remove pages


def test_upload_page_flow(draft, people):
    c = client_for(people["reporter"])
    response = c.post(f"/projects/{draft.pk}/attachments/", {"file": upload("a.pdf", PDF, "application/pdf")})
    assert response.status_code == 302 and Attachment.objects.count() == 1
    spoofed = c.post(f"/projects/{draft.pk}/attachments/", {"file": upload("b.pdf", b"GIF89a....", "application/pdf")})
    assert spoofed.status_code == 400 and "ไม่ตรงกับชนิดที่ระบุ" in spoofed.content.decode()
    assert Attachment.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 302), ("wrong_org", 404), ("approver", 403), ("reviewer", 403)]
)
def test_upload_page_refuses_others(draft, people, who, status):
    c = client_for(None if who == "anonymous" else people[who])
    response = c.post(f"/projects/{draft.pk}/attachments/", {"file": upload("a.pdf", PDF, "application/pdf")})
    assert response.status_code == status and Attachment.objects.count() == 0


def test_remove_page_with_stale_and_current_version(draft, people):
    attachment = attachment_add(
        actor=people["reporter"], project=draft, uploaded_file=upload("a.pdf", PDF, "application/pdf")
    )
    c = client_for(people["reporter"])
    stale = c.post(f"/attachments/{attachment.pk}/remove/", {"version": draft.version + 5})
    assert stale.status_code == 409 and Attachment.objects.filter(pk=attachment.pk).exists()
    assert (
        client_for(people["approver"])
        .post(f"/attachments/{attachment.pk}/remove/", {"version": draft.version})
        .status_code
        == 403
    )
    done = c.post(f"/attachments/{attachment.pk}/remove/", {"version": draft.version})
    assert done.status_code == 302 and not Attachment.objects.filter(pk=attachment.pk).exists()
