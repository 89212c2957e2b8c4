"""Documents made directly (no file reading or analysis), for permission and query-count tests."""

import hashlib
import itertools

from tidtam.documents.models import Document, DocumentLink

_counter = itertools.count()


def make_document(organisation, *, status="pending", title=None, text="ข้อความเอกสารทดสอบ", **fields) -> Document:
    n = next(_counter)
    return Document.objects.create(
        title=title or f"เอกสารทดสอบ {n}",
        file=f"documents/test/{n}",
        file_name=f"doc-{n}.txt",
        source_type="text",
        size=len(text.encode()),
        sha256=hashlib.sha256(f"{n}".encode()).hexdigest(),
        text=text,
        language="th",
        organisation=organisation,
        status=status,
        dates=[
            {
                "kind": "day",
                "start": "2022-05-09",
                "end": "2022-05-09",
                "text": "9 พ.ค. 2565",
                "fiscal_year": None,
                "quarter": None,
            }
        ],
        **fields,
    )


def make_link(document, *, project=None, node=None, status="suggested", score=0.5, reasons=("ทดสอบ",)) -> DocumentLink:
    return DocumentLink.objects.create(
        document=document, project=project, node=node, status=status, score=score, reasons=list(reasons)
    )
