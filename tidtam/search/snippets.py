"""Highlighting the matched terms in a title or a text: HTML-escaped pieces, the matches wrapped in `<mark>`."""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SNIPPET_CHARS = 180
_CONTEXT_BEFORE = 50


def _pattern(terms: list[str]) -> re.Pattern | None:
    terms = sorted({term for term in terms if term}, key=len, reverse=True)  # the longest match wins
    if not terms:
        return None
    return re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)


def _marked(text: str, pattern: re.Pattern | None) -> str:
    if pattern is None:
        return escape(text)
    pieces, last = [], 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[last : match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    pieces.append(escape(text[last:]))
    return "".join(pieces)


def highlight(text: str, terms: list[str]) -> SafeString:
    """The whole `text`, escaped, each occurrence of a term (case-insensitive; Thai matches inside compounds)
    marked."""
    return mark_safe(_marked(text, _pattern(terms)))  # noqa: S308 - every piece is escaped above


def snippet(text: str, terms: list[str], *, length: int = SNIPPET_CHARS) -> SafeString:
    """A window of about `length` characters of `text` around the first match (the start when none matches),
    whitespace collapsed, `…` where it was cut, escaped and marked."""
    text = " ".join(text.split())
    if not text:
        return mark_safe("")
    pattern = _pattern(terms)
    first = pattern.search(text) if pattern is not None else None
    start = max(0, first.start() - _CONTEXT_BEFORE) if first is not None else 0
    if start:
        space = text.rfind(" ", 0, start)  # begin on a word boundary when one is near
        start = space + 1 if space != -1 and start - space < 20 else start
    end = min(len(text), start + length)
    if end < len(text):
        space = text.find(" ", end)
        end = space if space != -1 and space - end < 20 else end
    body = _marked(text[start:end], pattern)
    return mark_safe(("…" if start else "") + body + ("…" if end < len(text) else ""))  # noqa: S308 - escaped
