"""An anonymous crawler for the privacy test: fetches pages, API answers and downloads through Django's test client,
follows same-site links breadth-first, and scans every body (and its headers) for secret strings.

Bodies are scanned as received and in normalised forms, so an escaped secret is still found: HTML entities and
`\\uXXXX` escapes undone, percent-encoding undone (a secret inside a link's query string), the XML parts of an
Office Open XML file (`.xlsx`) unzipped. Byte secrets (the content of a private file) are looked for in the raw body.
"""

import html
import io
import re
import time
import zipfile
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote_plus, urljoin, urlsplit, urlunsplit

from django.test import Client

# Never followed: assets (no data), the language switch and sign-out (state changes, not pages).
SKIPPED_PREFIXES = ("/static/", "/media/", "/i18n/", "/accounts/logout/")
EXPORTS_PREFIX = "/api/v1/exports/"
PAGING = {"page", "cursor"}
_ID = re.compile(r"/\d+(?=/|$)")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_HTML_TYPES = ("text/html",)


# What a visitor (or htmx) could GET from a page: every `href` (<a>, <link>, <area>), every `hx-get`, and the action of
# each GET form. Regular expressions rather than an HTML parser: several times faster over hundreds of pages, and the
# templates write attributes quoted.
_LINK = re.compile(r"""\s(?:href|hx-get)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_FORM = re.compile(r"<form\b([^>]*)>", re.IGNORECASE)
_METHOD = re.compile(r"""\smethod\s*=\s*["']?\s*(\w+)""", re.IGNORECASE)
_ACTION = re.compile(r"""\saction\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def links_of(body: str) -> list[str]:
    links = [double or single for double, single in _LINK.findall(body)]
    for attributes in _FORM.findall(body):
        method = _METHOD.search(attributes)
        action = _ACTION.search(attributes)
        if action and (method is None or method.group(1).lower() == "get"):
            links.append(action.group(1) or action.group(2))
    return [html.unescape(link) for link in links if link]


def kind_of(url: str) -> str:
    """`download` for the bulk exports, `api` for the rest of /api/, `page` otherwise."""
    path = urlsplit(url).path
    if path.startswith(EXPORTS_PREFIX):
        return "download"
    return "api" if path.startswith("/api/") else "page"


def path_pattern(url: str) -> str:
    """The path with its numeric ids as `N`: `/dashboard/nodes/12/?fy=2568` → `/dashboard/nodes/N/`."""
    return _ID.sub("/N", urlsplit(url).path)


def same_site(base: str, href: str) -> str | None:
    """`href` resolved against `base` as a local path with its query (no fragment), or None for another site, a
    `mailto:`/`javascript:` link or a skipped prefix."""
    href = href.strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(urljoin(base, href))
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
        return None
    if not parts.path.startswith("/") or parts.path.startswith(SKIPPED_PREFIXES):
        return None
    return urlunsplit(("", "", parts.path, parts.query, ""))


@dataclass
class Visit:
    """One GET: what answered, how big, and from which page it was reached."""

    url: str
    kind: str  # page, api or download
    status: int
    content_type: str
    size: int
    via: str
    error: str = ""
    seconds: float = 0.0
    location: str = ""  # where a redirect points
    links: list[str] = field(default_factory=list, repr=False)


@dataclass
class Leak:
    url: str
    secret: str
    label: str
    where: str  # body, an .xlsx part, or a header

    def __str__(self) -> str:
        return f"{self.url} [{self.where}] leaks {self.label}: {self.secret!r}"


def _texts(body: bytes, content_type: str) -> Iterable[tuple[str, str]]:
    """(where, text) pairs to scan: the body decoded, and each XML part when it is a zip (an .xlsx)."""
    if body[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                for name in archive.namelist():
                    if name.endswith((".xml", ".rels", ".txt", ".csv", ".json")):
                        yield name, archive.read(name).decode("utf-8", "replace")
        except zipfile.BadZipFile:
            pass
    for encoding in ("utf-8", "utf-16") if body[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8",):
        yield "body", body.decode(encoding, "replace").lstrip("\ufeff")


def _variants(text: str) -> set[str]:
    unescaped = html.unescape(_JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text))
    variants = {text, unescaped}
    if "%" in unescaped or "+" in unescaped:
        variants.add(unquote_plus(unescaped))
    return variants


class Scanner:
    """Finds which secrets a response holds. `secrets` maps each secret string to what it is (for the report)."""

    def __init__(self, secrets: dict[str, str], byte_secrets: dict[bytes, str] | None = None):
        self.secrets = secrets
        self.byte_secrets = byte_secrets or {}

    def scan(self, url: str, body: bytes, content_type: str, headers: dict[str, str]) -> list[Leak]:
        leaks = [Leak(url, repr(key), label, "raw bytes") for key, label in self.byte_secrets.items() if key in body]
        found: set[str] = set()
        header_text = "\n".join(f"{name}: {value}" for name, value in headers.items())
        for where, text in [*_texts(body, content_type), ("headers", header_text)]:
            for variant in _variants(text):
                for secret, label in self.secrets.items():
                    if secret not in found and secret in variant:
                        found.add(secret)
                        leaks.append(Leak(url, secret, label, where))
        return leaks


@dataclass
class Crawler:
    """Anonymous GETs with one test client; each URL fetched once. Unhandled exceptions become 500s (recorded with
    the exception) instead of stopping the crawl."""

    scanner: Scanner
    client: Client = field(default_factory=lambda: Client(raise_request_exception=False))
    visits: dict[str, Visit] = field(default_factory=dict)
    leaks: list[Leak] = field(default_factory=list)
    bodies: dict[str, bytes] = field(default_factory=dict)  # only the JSON answers, for the caller to harvest
    scan_seconds: float = 0.0
    skip: Callable[[str], bool] | None = None  # links not worth following (the caller says why)
    skipped: set[str] = field(default_factory=set)

    def fetch(self, url: str, *, via: str = "") -> Visit:
        if url in self.visits:
            return self.visits[url]
        started = time.perf_counter()
        response = self.client.get(url)
        # The test client closes the response itself (a streamed one once read to the end); closing it again would
        # send `request_finished` and close the database connection, and the test's transaction with it.
        body = response.getvalue()
        seconds = time.perf_counter() - started
        content_type = response.get("Content-Type", "")
        error = ""
        if response.status_code >= 500 and getattr(response, "exc_info", None):
            error = repr(response.exc_info[1])
        visit = Visit(url, kind_of(url), response.status_code, content_type, len(body), via, error, seconds)
        self.visits[url] = visit
        headers = {name: value for name, value in response.items()}
        started = time.perf_counter()
        self.leaks.extend(self.scanner.scan(url, body, content_type, headers))
        self.scan_seconds += time.perf_counter() - started
        if content_type.startswith(_HTML_TYPES):
            visit.links = [
                link for href in links_of(body.decode("utf-8", "replace")) if (link := same_site(url, href)) is not None
            ]
        if response.status_code in (301, 302, 303, 307, 308):
            visit.location = response["Location"]
            if target := same_site(url, visit.location):
                visit.links.append(target)
        if "json" in content_type:
            self.bodies[url] = body
        return visit

    def crawl(
        self, seeds: Iterable[str], *, limit: int, per_path: int, exceptions: dict[str, int] | None = None
    ) -> bool:
        """Breadth-first from `seeds` over same-site links, at most `limit` new fetches and `per_path` distinct query
        strings per path pattern (ids count as one: filter and paging links multiply; `exceptions` sets another
        number for some patterns). True when the frontier was exhausted within the limit."""
        exceptions = exceptions or {}
        queue = deque((seed, "(seed)") for seed in seeds)
        queries_per_path: Counter[str] = Counter(path_pattern(url) for url in self.visits if "?" in url)
        queued = set(self.visits) | {seed for seed, _ in queue}
        fetched = 0
        while queue:
            url, via = queue.popleft()
            if url in self.visits:
                continue
            if fetched >= limit:
                return False
            fetched += 1
            for link in self.fetch(url, via=via).links:
                if link in queued:
                    continue
                if self.skip is not None and self.skip(link):
                    self.skipped.add(link)
                    continue
                path = path_pattern(link)
                query = urlsplit(link).query
                if query and {name for name, _value in parse_qsl(query)} - PAGING:  # every page of a list is followed
                    if queries_per_path[path] >= exceptions.get(path, per_path):
                        continue
                    queries_per_path[path] += 1
                queued.add(link)
                queue.append((link, url))
        return True
