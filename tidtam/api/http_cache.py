"""HTTP behaviour of the open-data API (`/api/v1/`): conditional requests, a response cache and a rate limit for the
anonymous public; no shared caching for signed-in callers. See docs/api.md, "Open data: caching, conditional
requests, rate limits, pagination and counts".

Everything the public may read changes only through audited writes, and every audited write moves the data version
(`tidtam.core.datachange`) after it commits. So for an anonymous GET, the data version, the URL and the language
decide the answer: the `ETag` is a digest of them, `If-None-Match` / `If-Modified-Since` are answered with 304 before
the view runs, and a JSON answer is cached under the same digest — it can never be stale, because a change makes a
new key.

The middleware is the innermost one, so a cached answer still passes through every other middleware (request id,
language, security headers) exactly as a fresh one does.
"""

import hashlib
import math
import time
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_etags, parse_http_date_safe

from tidtam.core.datachange import EPOCH, DataVersion, data_version

API_PREFIX = "/api/v1/"
# Never stored in the response cache: streamed downloads and files (large, and not JSON) and the HTML docs page.
NOT_STORED = ("/api/v1/exports/", "/api/v1/attachments/", "/api/v1/docs")
# No conditional shortcut: the docs page carries the visitor's CSRF token.
NOT_CONDITIONAL = ("/api/v1/docs",)
MAX_STORED_BYTES = 4 * 1024 * 1024
# Change when a release changes what the same data looks like in the answers (new fields, other figures), so clients'
# ETags and the cached answers of the previous release stop matching.
ANSWER_FORMAT = "1"
# Anonymous answers are one variant; signed-in answers never get an ETag or a cache entry.
VARIANT = "public"

RATE_LIMITED_MESSAGE = (
    "มีคำขอจากที่อยู่นี้มากเกินไป โปรดรอแล้วลองใหม่ หรือเข้าสู่ระบบด้วยโทเค็น / "
    "Too many requests from this address; wait and try again, or sign in with a token"
)


@lru_cache(maxsize=16)
def parse_rate(value: str) -> tuple[int, int] | None:
    """`"120/60"` → 120 requests per 60 seconds; `"0"` or blank → None (no limit)."""
    text = str(value).strip()
    if text in {"", "0"}:
        return None
    count, _, seconds = text.partition("/")
    try:
        limit, period = int(count), int(seconds or 60)
    except ValueError:
        raise ImproperlyConfigured(f"API_ANON_RATE must look like 120/60 (requests/seconds), not {text!r}") from None
    if limit <= 0:
        return None
    if period <= 0:
        raise ImproperlyConfigured(f"API_ANON_RATE needs a positive number of seconds, not {text!r}")
    return limit, period


def client_address(request: HttpRequest) -> str:
    """The client the limit counts: the connecting address, as sign-in throttling uses (a proxy in front must pass
    the real address as REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _window(client: str, period: int, now: float) -> tuple[str, float]:
    start = math.floor(now / period) * period
    return f"tidtam:api-rate:{client}:{start}", start + period


def rate_count(client: str, rate: tuple[int, int]) -> int | None:
    """Count one request of `client` in the current fixed window; the seconds to wait when it is over the limit."""
    limit, period = rate
    now = time.time()
    key, ends = _window(client, period, now)
    try:
        hits = cache.incr(key)
    except ValueError:  # first request of the window
        hits = 1 if cache.add(key, 1, period + 1) else cache.incr(key)
    if hits <= limit:
        return None
    return max(1, math.ceil(ends - now))


def rate_exceeded(client: str, rate: tuple[int, int]) -> int | None:
    """The seconds to wait if `client` is already over the limit in this window (nothing is counted)."""
    limit, period = rate
    now = time.time()
    key, ends = _window(client, period, now)
    return max(1, math.ceil(ends - now)) if (cache.get(key) or 0) >= limit else None


def rate_limited_response(request: HttpRequest, retry_after: int) -> HttpResponse:
    """429 in the API's one error shape, with `Retry-After`."""
    from tidtam.api.errors import error_response
    from tidtam.api.urls import api

    response = error_response(api, request, 429, "rate_limited", RATE_LIMITED_MESSAGE, {"retry_after": retry_after})
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def _in_transaction() -> bool:
    """A request served inside a transaction (only tests do that: requests run in autocommit) may see uncommitted
    writes that the data version does not count yet: no ETag, no 304 and no cached answer for it."""
    return transaction.get_connection().in_atomic_block


def _bearer_secret(request: HttpRequest) -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else None


def answer_digest(request: HttpRequest, version: DataVersion) -> str:
    """What an anonymous answer depends on: the data version, the day (answers that count days, such as deadlines),
    the answer format, the language, the variant and the full path with its query."""
    parts = (
        version.token,
        timezone.localdate().isoformat(),
        ANSWER_FORMAT,
        getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE),
        VARIANT,
        request.get_full_path(),
    )
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def last_modified(version: DataVersion, now: float | None = None) -> int | None:
    """`Last-Modified` (whole seconds), sent only once the second of the last change is over: a client given it can
    then never miss a later change made in that same second."""
    if version.changed_at == EPOCH:
        return None
    seconds = math.floor(version.changed_at.timestamp())
    return seconds if (time.time() if now is None else now) >= seconds + 1 else None


def _opaque(tag: str) -> str:
    return tag.removeprefix("W/")


def not_modified(request: HttpRequest, etag: str, modified: int | None) -> bool:
    """RFC 9110 §13.2.2: `If-None-Match` (weak comparison) decides when present, else `If-Modified-Since`."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return _opaque(etag) in {_opaque(tag) for tag in parse_etags(if_none_match) if tag != "*"}
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and modified is not None and modified <= since <= time.time()


def _public(response: HttpResponse) -> None:
    seconds = max(settings.API_CACHE_SECONDS, 0)
    if seconds:
        patch_cache_control(response, public=True, max_age=seconds)
    else:
        patch_cache_control(response, public=True, max_age=0, must_revalidate=True)


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ("Authorization",))
    return response


def _storable(response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and response.get("Content-Type", "").startswith("application/json")
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
        and len(response.content) <= MAX_STORED_BYTES
    )


def _freeze(response: HttpResponse) -> tuple[int, list[tuple[str, str]], bytes]:
    return response.status_code, list(response.items()), response.content


def _thaw(stored: tuple[int, list[tuple[str, str]], bytes]) -> HttpResponse:
    status, headers, content = stored
    return HttpResponse(content, status=status, headers=dict(headers))


class OpenDataHttpMiddleware:
    """Under `/api/v1/`: the anonymous public is rate limited per client address, gets `ETag`, `Last-Modified`,
    `Cache-Control: public` and 304 answers, and is served from the response cache; signed-in callers (session or
    bearer token) are not limited and get `Cache-Control: private, no-cache`, never a shared or cached answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        secret = _bearer_secret(request)
        if secret is not None:
            return self._bearer(request, secret)
        if request.user.is_authenticated:
            return _private(self.get_response(request))
        return self._anonymous(request)

    def _bearer(self, request: HttpRequest, secret: str) -> HttpResponse:
        """A valid token is never limited. An invalid one is answered 401 by the API and counted against the client,
        so garbage tokens do not bypass the limit; once over it, only a valid token gets through."""
        rate = parse_rate(settings.API_ANON_RATE)
        if rate is not None:
            wait = rate_exceeded(client_address(request), rate)
            if wait is not None:
                from tidtam.accounts.services import token_authenticate

                if token_authenticate(secret) is None:
                    return rate_limited_response(request, wait)
        response = self.get_response(request)
        if rate is not None and response.status_code == 401:
            rate_count(client_address(request), rate)
        return _private(response)

    def _anonymous(self, request: HttpRequest) -> HttpResponse:
        rate = parse_rate(settings.API_ANON_RATE)
        if rate is not None:
            wait = rate_count(client_address(request), rate)
            if wait is not None:
                return rate_limited_response(request, wait)
        if request.method != "GET" or request.path.startswith(NOT_CONDITIONAL) or _in_transaction():
            response = self.get_response(request)
            patch_vary_headers(response, ("Authorization",))
            return response

        version = data_version()
        digest = answer_digest(request, version)
        etag = f'W/"{digest}"'
        modified = last_modified(version)
        if not_modified(request, etag, modified):
            response = HttpResponseNotModified()
        else:
            response = self._answer(request, digest)
            if response.status_code != 200:
                patch_vary_headers(response, ("Authorization",))
                return response
        if not response.has_header("ETag"):
            response["ETag"] = etag
        if modified is not None and not response.has_header("Last-Modified"):
            response["Last-Modified"] = http_date(modified)
        if not response.has_header("Cache-Control"):
            _public(response)
        patch_vary_headers(response, ("Authorization",))
        return response

    def _answer(self, request: HttpRequest, digest: str) -> HttpResponse:
        """The cached answer, or the view's (stored when it is a JSON 200)."""
        seconds = settings.API_CACHE_SECONDS
        if seconds <= 0 or request.path.startswith(NOT_STORED):
            return self.get_response(request)
        key = f"tidtam:api-answer:{digest}"
        stored = cache.get(key)
        if stored is not None:
            return _thaw(stored)
        response = self.get_response(request)
        if _storable(response):
            cache.set(key, _freeze(response), seconds)
        return response
