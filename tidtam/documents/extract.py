"""Reading a file into a title and plain text: UTF-8 or Thai (TIS-620 / Windows-874) text, HTML (the standard
library's parser: title from <title> or the first <h1>; script, style and navigation dropped) and PDF (pypdf).

Everything comes out through `tidtam.textkit.normalise.normalise` (Thai digits to ASCII, Thai marks in one order,
whitespace collapsed with line breaks kept). A file that cannot be read raises `ValidationFailed` with a Thai /
English message naming the file; nothing is written.
"""

import io
import os
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser

from django.conf import settings

from tidtam.core.errors import ValidationFailed, bilingual
from tidtam.documents.choices import SourceType
from tidtam.textkit.normalise import normalise

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_PDF_PAGES = 500
MAX_TEXT_CHARS = 2_000_000
TITLE_CHARS = 300

TEXT_EXTENSIONS = frozenset({".txt", ".text", ".md", ""})
HTML_EXTENSIONS = frozenset({".html", ".htm", ".xhtml"})
PDF_EXTENSIONS = frozenset({".pdf"})
_BINARY_MAGIC = (b"%PDF-", b"\x89PNG", b"\xff\xd8\xff", b"PK\x03\x04", b"GIF8", b"MZ", b"\x7fELF", b"\xd0\xcf\x11\xe0")
_HTML_START = re.compile(rb"^\s*(?:<!doctype\s+html|<html[\s>])", re.IGNORECASE)


@dataclass(frozen=True)
class Extracted:
    """What a file holds: its title, its normalised plain text (paragraphs on their own lines), the kind of file and
    the main language ("th" or "en")."""

    title: str
    text: str
    source_type: str
    language: str


def max_bytes() -> int:
    return int(getattr(settings, "DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def file_error(name: str, code: str, th: str, en: str) -> ValidationFailed:
    """The one error shape for a file that cannot be ingested: the message names the file."""
    message = bilingual(f"ไฟล์ {name}: {th}", f"File {name}: {en}")
    return ValidationFailed(code, message, {"file": [message], "file_name": name})


def clean_name(name: str) -> str:
    """The base name without path parts or control characters, at most 255 characters keeping the extension."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip() or "file"
    stem, extension = os.path.splitext(name)
    return stem[: 255 - len(extension[:20])] + extension[:20]


def _thai_letters(text: str) -> int:
    return sum(1 for ch in text if "\u0e01" <= ch <= "\u0e5b")


def _plausible_thai(text: str) -> bool:
    thai = _thai_letters(text)
    letters = sum(1 for ch in text if ch.isalpha())
    return thai * 2 >= letters > 0 and all(ch.isascii() or "\u0e01" <= ch <= "\u0e5b" for ch in text)


def decode_text(content: bytes) -> str | None:
    """UTF-8 (with or without BOM), else Thai TIS-620 / Windows-874; None for anything that is not text.

    TIS-620 text can also be valid UTF-8 ("ยก" is the bytes of "¡"): when the UTF-8 reading has no Thai while the
    Windows-874 reading is plausible Thai (every non-ASCII character Thai, at least half the letters Thai), the Thai
    reading wins; "café" stays UTF-8."""
    if content.startswith(_BINARY_MAGIC) or b"\x00" in content:
        return None
    readings = {}
    for encoding in ("utf-8-sig", "cp874"):
        try:
            readings[encoding] = content.decode(encoding)
        except UnicodeDecodeError:
            continue
    text = readings.get("utf-8-sig")
    thai = readings.get("cp874")
    if text is None or (thai is not None and not text.isascii() and not _thai_letters(text) and _plausible_thai(thai)):
        text = thai
    if text is None or any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f" for ch in text):
        return None
    return text


def detect_language(text: str) -> str:
    """ "th" when Thai letters are at least a fifth of the letters, "en" otherwise ("" without letters)."""
    thai = sum(1 for ch in text if "\u0e01" <= ch <= "\u0e5b")
    letters = sum(1 for ch in text if ch.isalpha())
    if not letters:
        return ""
    return "th" if thai * 5 >= letters else "en"


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


# --------------------------------------------------------------------------------------------------------- HTML


class _HtmlText(HTMLParser):
    """Collects the visible text of a page, one block element per line, and its <title> and first <h1>."""

    SKIPPED = frozenset({"script", "style", "nav", "noscript", "template", "svg", "head", "iframe", "object"})
    BLOCKS = frozenset(
        {
            "p",
            "div",
            "br",
            "li",
            "tr",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "section",
            "article",
            "header",
            "footer",
            "main",
            "aside",
            "table",
            "ul",
            "ol",
            "dl",
            "dt",
            "dd",
            "blockquote",
            "pre",
            "hr",
            "figcaption",
            "td",
            "th",
        }
    )

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self.h1_parts: list[str] = []
        self.skipping: list[str] = []
        self.in_title = False
        self.in_h1 = False
        self.h1_done = False

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self.in_title = True
        elif tag in self.SKIPPED:
            self.skipping.append(tag)
        elif tag == "h1" and not self.skipping and not self.h1_done:
            self.in_h1 = True
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        elif tag in self.SKIPPED and tag in self.skipping:
            while self.skipping and self.skipping.pop() != tag:
                pass
        elif tag == "h1" and self.in_h1:
            self.in_h1, self.h1_done = False, True
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if self.in_title:
            self.title_parts.append(data)
            return
        if self.skipping:
            return
        if self.in_h1:
            self.h1_parts.append(data)
        self.parts.append(data)


def _html(name: str, content: bytes) -> tuple[str, str]:
    source = decode_text(content)
    if source is None:
        raise file_error(
            name,
            "unreadable_html",
            "อ่านเป็นหน้าเว็บไม่ได้ (ไม่ใช่ข้อความ UTF-8 หรือ TIS-620)",
            "cannot be read as a web page (not UTF-8 or TIS-620 text)",
        )
    parser = _HtmlText()
    try:
        parser.feed(source)
        parser.close()
    except (AssertionError, ValueError) as error:  # html.parser raises these only on truly broken input
        raise file_error(name, "unreadable_html", "รูปแบบ HTML ไม่ถูกต้อง", "malformed HTML") from error
    title = normalise("".join(parser.title_parts)) or normalise("".join(parser.h1_parts))
    return title, "".join(parser.parts)


# ---------------------------------------------------------------------------------------------------------- PDF


# Thai glyph variants some PDF producers put in the Private Use Area (shifted marks, consonants without descender):
# read back as the characters they draw.
_THAI_PUA = str.maketrans(
    {
        0xF700: "\u0e10",
        0xF70F: "\u0e0d",
        0xF710: "\u0e31",
        0xF711: "\u0e4d",
        0xF712: "\u0e47",
        **{0xF701 + i: chr(0x0E34 + i) for i in range(4)},
        **{0xF705 + i: chr(0x0E48 + i) for i in range(5)},
        **{0xF70A + i: chr(0x0E48 + i) for i in range(5)},
        **{0xF713 + i: chr(0x0E48 + i) for i in range(5)},
        0xF718: "\u0e38",
        0xF719: "\u0e39",
        0xF71A: "\u0e3a",
    }
)


def _pdf(name: str, content: bytes) -> tuple[str, str]:
    from pypdf import PdfReader  # imported late: only PDFs need it

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted and not reader.decrypt(""):
            raise file_error(name, "pdf_encrypted", "PDF มีรหัสผ่าน", "the PDF is password-protected")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise file_error(
                name, "pdf_too_long", f"PDF ยาวเกิน {MAX_PDF_PAGES} หน้า", f"the PDF has more than {MAX_PDF_PAGES} pages"
            )
        pages = [page.extract_text() or "" for page in reader.pages]
        metadata_title = (reader.metadata.title if reader.metadata else None) or ""
    except ValidationFailed:
        raise
    except Exception as error:  # pypdf raises many kinds (PdfReadError, KeyError, ValueError …) on broken files
        raise file_error(
            name, "unreadable_pdf", "อ่าน PDF ไม่ได้ (ไฟล์เสียหรือไม่ใช่ PDF)", "cannot read the PDF (damaged or not a PDF)"
        ) from error
    return normalise(str(metadata_title).translate(_THAI_PUA)), "\n\n".join(pages).translate(_THAI_PUA)


# ------------------------------------------------------------------------------------------------------- public


def source_type_of(name: str, content: bytes) -> str:
    extension = os.path.splitext(name)[1].lower()
    if extension in PDF_EXTENSIONS:
        if not content.startswith(b"%PDF-"):
            raise file_error(
                name, "content_mismatch", "นามสกุลเป็น .pdf แต่เนื้อหาไม่ใช่ PDF", "named .pdf but the content is not a PDF"
            )
        return SourceType.PDF
    if extension in HTML_EXTENSIONS:
        return SourceType.HTML
    if extension in TEXT_EXTENSIONS:
        if content.startswith(b"%PDF-"):
            return SourceType.PDF
        return SourceType.HTML if _HTML_START.match(content[:1024]) else SourceType.TEXT
    raise file_error(
        name,
        "unsupported_type",
        "ไม่รองรับไฟล์ชนิดนี้ (รองรับ .txt .html .htm .pdf)",
        "this file type is not accepted (accepted: .txt .html .htm .pdf)",
    )


def extract(file_name: str, content: bytes) -> Extracted:
    """Read `content` (the bytes of a file called `file_name`) into an `Extracted`; raise `ValidationFailed` naming
    the file when it is empty, too large, of an unsupported type, unreadable, or holds no text."""
    name = clean_name(file_name)
    limit = max_bytes()
    if not content:
        raise file_error(name, "file_empty", "ไฟล์ว่างเปล่า", "the file is empty")
    if len(content) > limit:
        raise file_error(name, "file_too_large", f"ไฟล์ใหญ่เกิน {limit:,} ไบต์", f"the file is larger than {limit:,} bytes")
    kind = source_type_of(name, content)
    if kind == SourceType.PDF:
        title, raw = _pdf(name, content)
    elif kind == SourceType.HTML:
        title, raw = _html(name, content)
    else:
        raw = decode_text(content)
        if raw is None:
            raise file_error(
                name,
                "unreadable_text",
                "อ่านเป็นข้อความไม่ได้ (ไม่ใช่ UTF-8 หรือ TIS-620)",
                "cannot be read as text (not UTF-8 or TIS-620)",
            )
        title = ""
    text = normalise(raw[:MAX_TEXT_CHARS], keep_lines=True)
    if not text.strip():
        raise file_error(
            name, "no_text", "ไม่พบข้อความในไฟล์ (เช่น PDF ที่เป็นภาพสแกน)", "no text found in the file (e.g. a scanned PDF)"
        )
    title = (title or normalise(_first_line(text)) or os.path.splitext(name)[0])[:TITLE_CHARS]
    return Extracted(title=title, text=text, source_type=kind, language=detect_language(text))


# ------------------------------------------------------------------------------------------------ contact data

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Thai telephone numbers: 0 and 8–9 more digits (02 123 4567, 081-234-5678) or +66 and 8–9 digits.
_PHONE = re.compile(r"(?<![\w.])(?:\+66[\s-]?|0)\d(?:[\s-]?\d){7,8}(?![\w])")
HIDDEN = "[…]"


def redact_contacts(text: str) -> str:
    """The text with e-mail addresses and telephone numbers hidden: what the public is shown of a document."""
    return _PHONE.sub(HIDDEN, _EMAIL.sub(HIDDEN, text))
