"""Writes to documents: ingest a file (extract, analyse, store, suggest links), confirm a document, and confirm or
reject a suggested link. Keyword-only, all-or-nothing, each with its audit entry."""

import hashlib
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from tidtam.core.audit import audit_record, snapshot
from tidtam.core.errors import Conflict, bilingual
from tidtam.core.models import Country
from tidtam.core.permissions import Action, require
from tidtam.core.services import save_if_current, stale_version, validate
from tidtam.documents.analysis import Analysis, analyse
from tidtam.documents.choices import DocumentStatus, LinkStatus
from tidtam.documents.extract import Extracted, clean_name, extract
from tidtam.documents.models import Document, DocumentLink
from tidtam.organisations.models import Organisation

# Kept out of audit entries: the file (its name and SHA-256 are there) and the text (its length is).
_NOT_AUDITED = ("file", "text")


@dataclass
class Preview:
    """What ingesting a file would store, without storing it (`--dry-run`); `duplicate_of` is the document already
    holding the same bytes for the organisation, if any."""

    file_name: str
    sha256: str
    extracted: Extracted
    analysis: Analysis
    duplicate_of: Document | None


def _check_may_upload(actor, organisation: Organisation) -> None:
    """Reporters upload for their subtree, reviewers anywhere; `actor=None` is a system command run by an
    operator."""
    if actor is not None:
        require(actor, Action.CREATE, Document(organisation=organisation, status=DocumentStatus.PENDING))


def _duplicate_error(name: str, existing: Document) -> Conflict:
    return Conflict(
        "document_exists",
        bilingual(
            f"ไฟล์ {name}: นำเข้าแล้วเป็นเอกสารหมายเลข {existing.pk}",
            f"File {name}: already ingested as document {existing.pk}",
        ),
        {"file_name": name, "document": existing.pk},
    )


def _audited(document: Document, **extra) -> dict:
    state = {k: v for k, v in snapshot(document).items() if k not in _NOT_AUDITED}
    return {**state, "file_name": document.file_name, "text_chars": len(document.text), **extra}


def document_preview(*, actor, organisation: Organisation, file_name: str, content: bytes) -> Preview:
    """Check, read and analyse a file as `document_ingest` would, writing nothing."""
    _check_may_upload(actor, organisation)
    name = clean_name(file_name)
    extracted = extract(name, content)
    sha256 = hashlib.sha256(content).hexdigest()
    duplicate = Document.objects.filter(organisation=organisation, sha256=sha256).first()
    analysis = analyse(user=actor, title=extracted.title, text=extracted.text)
    return Preview(name, sha256, extracted, analysis, duplicate)


@transaction.atomic
def document_ingest(*, actor, organisation: Organisation, file_name: str, content: bytes, title: str = "") -> Document:
    """Ingest one file for `organisation`: read it (text, HTML or PDF), find its dates, organisations and countries,
    suggest the plan nodes and projects it relates to, store the file outside the web root, and write the audit
    entry. The document starts pending review. All or nothing: a bad file or a file already ingested for the
    organisation (`document_exists`, 409) writes nothing."""
    _check_may_upload(actor, organisation)
    name = clean_name(file_name)
    extracted = extract(name, content)
    sha256 = hashlib.sha256(content).hexdigest()
    existing = Document.objects.filter(organisation=organisation, sha256=sha256).first()
    if existing is not None:
        raise _duplicate_error(name, existing)
    title = " ".join((title or "").split())[:300] or extracted.title
    analysis = analyse(user=actor, title=title, text=extracted.text)
    document = Document(
        title=title,
        file_name=name,
        source_type=extracted.source_type,
        size=len(content),
        sha256=sha256,
        text=extracted.text,
        language=extracted.language,
        organisation=organisation,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        status=DocumentStatus.PENDING,
        dates=analysis.dates,
    )
    validate(document, exclude=["file"])
    # The file is written first and deleted again if anything after it fails (as projects.Attachment does).
    document.file.save(name, ContentFile(content), save=False)
    try:
        try:
            with transaction.atomic():
                document.save(force_insert=True)
        except IntegrityError as error:  # another upload of the same bytes won the race
            raise _duplicate_error(
                name, Document.objects.filter(organisation=organisation, sha256=sha256).first() or document
            ) from error
        document.organisations.set(analysis.organisations)
        countries = list(Country.objects.filter(alpha2__in=analysis.countries))
        document.countries.set(countries)
        DocumentLink.objects.bulk_create(
            [
                DocumentLink(
                    document=document,
                    project=s.obj if s.target == "project" else None,
                    node=s.obj if s.target == "node" else None,
                    score=s.score,
                    reasons=s.reasons,
                )
                for s in analysis.links
            ]
        )
        audit_record(
            actor=actor,
            action="create",
            obj=document,
            after=_audited(
                document,
                organisations=[o.code for o in analysis.organisations],
                countries=[c.alpha2 for c in countries],
                links=[{"target": s.target, "id": s.obj.pk, "score": s.score} for s in analysis.links],
            ),
        )
    except BaseException:
        document.file.storage.delete(document.file.name)
        raise
    return document


@transaction.atomic
def document_confirm(*, actor, document: Document, version: int) -> Document:
    """A reviewer confirms the document: from now on the public and oversight see it (its confirmed links only)."""
    require(actor, Action.ACCEPT, document)
    if version != document.version:
        raise stale_version(document, version)
    if document.status == DocumentStatus.CONFIRMED:
        raise Conflict(
            "document_already_confirmed",
            bilingual("เอกสารนี้ยืนยันแล้ว", "This document is already confirmed"),
            {"status": document.status},
        )
    before = _audited(document)
    document.status = DocumentStatus.CONFIRMED
    document.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
    document.confirmed_at = timezone.now()
    save_if_current(document, version=version)
    audit_record(actor=actor, action="confirm", obj=document, before=before, after=_audited(document))
    return document


def _decide(*, actor, link: DocumentLink, status: LinkStatus, action: str) -> DocumentLink:
    link = DocumentLink.objects.select_for_update().select_related("document__organisation").get(pk=link.pk)
    require(actor, Action.ACCEPT, link.document)
    if link.status == status:
        return link
    before = snapshot(link)
    link.status = status
    link.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
    link.confirmed_at = timezone.now()
    link.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    audit_record(actor=actor, action=action, obj=link, before=before)
    return link


@transaction.atomic
def document_link_confirm(*, actor, link: DocumentLink) -> DocumentLink:
    """A reviewer confirms that the document relates to the link's project or plan node (also a rejected one)."""
    return _decide(actor=actor, link=link, status=LinkStatus.CONFIRMED, action="confirm")


@transaction.atomic
def document_link_reject(*, actor, link: DocumentLink) -> DocumentLink:
    """A reviewer rejects a suggested (or confirmed) link; it stays, marked rejected, so it is not suggested again."""
    return _decide(actor=actor, link=link, status=LinkStatus.REJECTED, action="reject")
