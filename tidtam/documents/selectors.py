"""Reads of documents, restricted to what the user may see: the public and oversight see confirmed documents only;
members of the owner's organisation chain and reviewers also see pending ones. Contact data (the uploader, e-mail
addresses and telephone numbers in the text) and suggested links are for those who may see pending documents."""

from django.db.models import Prefetch, Q, QuerySet

from tidtam.core.errors import FieldErrors, NotFound, bilingual
from tidtam.core.permissions import Action, can, restrict
from tidtam.documents.choices import DocumentStatus, LinkStatus, SourceType
from tidtam.documents.extract import redact_contacts
from tidtam.documents.models import Document, DocumentLink
from tidtam.organisations.models import Organisation
from tidtam.projects.selectors import project_list

FILTERS = ("status", "organisation", "source_type", "q")


def _visible(user) -> QuerySet[Document]:
    return restrict(user, Action.VIEW, Document.objects.all(), organisation_field="organisation", status_field="status")


def document_list(*, user, filters: dict | None = None) -> QuerySet[Document]:
    """Documents the user may see, newest first, with their organisation, mentioned organisations and countries
    loaded. `filters`: `status`, `organisation` (a code: that organisation's subtree), `source_type`, `q` (words in
    the title or file name). An unknown value raises `ValidationFailed` naming the filter."""
    documents = (
        _visible(user)
        .select_related("organisation")
        .prefetch_related(Prefetch("organisations", queryset=Organisation.objects.order_by("path")), "countries")
    )
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    errors = FieldErrors()
    if "status" in filters:
        if filters["status"] in DocumentStatus.values:
            documents = documents.filter(status=filters["status"])
        else:
            errors.add("status", bilingual("สถานะไม่ถูกต้อง", "unknown status"))
    if "source_type" in filters:
        if filters["source_type"] in SourceType.values:
            documents = documents.filter(source_type=filters["source_type"])
        else:
            errors.add("source_type", bilingual("ชนิดไฟล์ไม่ถูกต้อง", "unknown source type"))
    if "organisation" in filters:
        found = Organisation.objects.filter(code=filters["organisation"]).values_list("path", flat=True).first()
        if found is None:
            errors.add("organisation", bilingual("ไม่พบหน่วยงาน", "no such organisation"))
        else:
            documents = documents.filter(organisation__path__startswith=found)
    if "q" in filters:
        words = str(filters["q"])[:200].split()
        for word in words:
            documents = documents.filter(Q(title__icontains=word) | Q(file_name__icontains=word))
    errors.raise_if_any()
    return documents.order_by("-id")


def document_get(*, user, pk) -> Document:
    """One document the user may see; `NotFound` otherwise (also for a malformed id)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    document = document_list(user=user).filter(pk=pk).first() if pk is not None else None
    if document is None:
        raise NotFound("document_not_found", bilingual("ไม่พบเอกสาร", "No such document"), {"id": pk})
    return document


def may_see_pending(*, user, document: Document) -> bool:
    """Whether a role the user holds covers this document's pending state (its organisation chain, reviewers): the
    test for contact data and suggested links. Never true for anonymous visitors."""
    if not getattr(user, "is_authenticated", False):
        return False
    return can(user, Action.VIEW, Document(organisation=document.organisation, status=DocumentStatus.PENDING))


def may_review(*, user, document: Document) -> bool:
    return can(user, Action.ACCEPT, document)


def document_text(*, user, document: Document) -> str:
    """The text as the user may read it: e-mail addresses and telephone numbers hidden from the public."""
    return document.text if may_see_pending(user=user, document=document) else redact_contacts(document.text)


def document_links(*, user, document: Document) -> list[DocumentLink]:
    """The document's links the user may see, best first: reviewers see all, including rejected ones; others with
    pending access the suggested and confirmed ones; the public confirmed ones only. A link to a project the user
    may not see is left out."""
    links = document.links.select_related("project__owner", "node__framework_version__framework")
    if not may_review(user=user, document=document):
        links = links.exclude(status=LinkStatus.REJECTED)
        if not may_see_pending(user=user, document=document):
            links = links.filter(status=LinkStatus.CONFIRMED)
    links = links.filter(Q(project__isnull=True) | Q(project__in=project_list(user=user).values("pk")))
    return sorted(links, key=lambda link: (link.project_id is not None, -link.score, link.pk))
