"""Documents in the search index (`tidtam.search`): one entry per document, visible as projects are — a confirmed
document counts as accepted (anyone finds it), a pending one as a draft (its organisation chain and reviewers)."""

from collections.abc import Iterable

from tidtam.documents.choices import DocumentStatus
from tidtam.documents.extract import redact_contacts
from tidtam.documents.models import Document
from tidtam.workflow.choices import WorkflowStatus

INDEXED_CHARS = 20_000  # the part of a document's text that is indexed and shown in snippets


def document_entries(ids: Iterable[int]) -> list:
    """Search entries of these documents (missing ids are skipped): the title, the file name as the code, the
    leading text with contact data hidden (snippets are shown to the public). One query."""
    from tidtam.search.choices import EntryKind
    from tidtam.search.indexing import _entry  # imported late: indexing imports this module for its BUILDERS

    documents = Document.objects.filter(pk__in=list(ids)).order_by("pk")
    return [
        _entry(
            kind=EntryKind.DOCUMENT,
            obj=document,
            code=document.file_name[:60],
            title_th=document.title,
            title_en="",
            text=redact_contacts(document.text[:INDEXED_CHARS]),
            organisation_id=document.organisation_id,
            status=WorkflowStatus.ACCEPTED if document.status == DocumentStatus.CONFIRMED else WorkflowStatus.DRAFT,
        )
        for document in documents
    ]
