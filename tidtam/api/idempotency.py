"""`Idempotency-Key`: a POST repeated with the same key returns the first answer instead of running again.

The first request with a key claims it by inserting an `IdempotencyRecord` (unique per caller and key) before it runs,
and stores its answer when it succeeds (2xx). A repeat with the same method, path and body gets the stored answer with
`Idempotent-Replayed: true`; with anything else, 409 `idempotency_key_reused`. A duplicate that arrives while the first
is still running waits for its answer (up to `WAIT_SECONDS`, then 409 `idempotency_in_progress`), so the two never
both run. An error answer is not stored — the request changed nothing, the services being atomic — and frees the key
for a corrected retry. Records live 24 hours.
"""

import hashlib
import json
import re
import time
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone

from tidtam.accounts.services import token_authenticate
from tidtam.api.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
TTL = timedelta(hours=24)
WAIT_SECONDS = 10.0  # how long a duplicate waits for the first request's answer
ABANDONED_AFTER = timedelta(minutes=5)  # a claim still unanswered after this is from a request that died
EXEMPT_ROUTES = frozenset({"auth/token"})  # routes relative to the API root
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as in the IETF Idempotency-Key draft's examples


def caller_of(request: HttpRequest) -> str | None:
    """Whose keys these are: `user:<id>` (bearer token first, then the session, as the API's auth does) or
    `anonymous`; None for an unusable bearer token, which the endpoint itself refuses with 401."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        user = token_authenticate(secret.strip())
        return None if user is None else f"user:{user.pk}"
    user = getattr(request, "user", None)
    return f"user:{user.pk}" if user is not None and user.is_authenticated else "anonymous"


def fingerprint(request: HttpRequest) -> str:
    """SHA-256 of the method, the path with its query and the body. A JSON body is canonicalised (key order and
    spacing do not matter); a multipart body is read as its fields and the files' names and contents, since its
    boundary changes with every sending."""
    digest = hashlib.sha256(f"{request.method} {request.get_full_path()}\n".encode())
    if request.content_type == "multipart/form-data":
        for name, values in sorted(request.POST.lists()):
            digest.update(json.dumps(["field", name, values], ensure_ascii=False).encode())
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                content = hashlib.sha256()
                for chunk in upload.chunks():
                    content.update(chunk)
                upload.seek(0)
                digest.update(json.dumps(["file", name, upload.name, content.hexdigest()], ensure_ascii=False).encode())
        return digest.hexdigest()
    body = request.body
    try:
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except ValueError:
        pass  # not JSON: the raw bytes
    digest.update(body)
    return digest.hexdigest()


class _Refusal(Exception):
    def __init__(self, code: str, message: str, details: dict):
        self.code, self.message, self.details = code, message, details


def _claim(*, caller: str, key: str, method: str, path: str, print_: str) -> tuple[IdempotencyRecord | None, object]:
    """Claim the key (→ (record, None)) or find the first request's record (→ (None, stored record)); raise
    `_Refusal` when the key was used for another request or its first request is still running after the wait."""
    now = timezone.now()
    IdempotencyRecord.objects.filter(expires_at__lte=now).delete()
    give_up = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    caller=caller,
                    key=key,
                    method=method,
                    path=path[:2000],
                    fingerprint=print_,
                    expires_at=timezone.now() + TTL,
                )
            return record, None
        except IntegrityError:
            pass  # someone holds the key
        existing = IdempotencyRecord.objects.filter(caller=caller, key=key).first()
        if existing is None:
            continue  # released between our insert and our read: try again
        if existing.fingerprint != print_:
            raise _Refusal(
                "idempotency_key_reused",
                "ใช้ Idempotency-Key นี้กับคำขออื่นไปแล้ว / This Idempotency-Key was already used for a different request",
                {"key": key, "method": existing.method, "path": existing.path},
            )
        if existing.status is not None:
            return None, existing
        if existing.created_at < timezone.now() - ABANDONED_AFTER:
            IdempotencyRecord.objects.filter(pk=existing.pk, status__isnull=True).delete()
            continue
        if time.monotonic() >= give_up:
            raise _Refusal(
                "idempotency_in_progress",
                "คำขอแรกที่ใช้ Idempotency-Key นี้ยังทำงานอยู่ โปรดลองใหม่ภายหลัง / "
                "The first request with this Idempotency-Key is still running; retry later",
                {"key": key},
            )
        time.sleep(0.05)


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(record.body.encode(), status=record.status, content_type=record.content_type)
    response[REPLAYED_HEADER] = "true"
    return response


def _finish(record: IdempotencyRecord, response) -> None:
    """Store a successful answer; forget the claim otherwise."""
    stored = IdempotencyRecord.objects.filter(pk=record.pk)
    if 200 <= response.status_code < 300 and not getattr(response, "streaming", False):
        try:
            body = response.content.decode()
        except UnicodeDecodeError:
            body = None
        if body is not None:
            stored.update(status=response.status_code, content_type=response.get("Content-Type", ""), body=body)
            return
    stored.delete()


def guard(view, *, error_response):
    """Wrap an API path view so POSTs carrying `Idempotency-Key` run at most once per caller and key.

    `error_response(request, status, code, message, details)` builds the API's JSON error.
    """

    def wrapped(request: HttpRequest, *args, **kwargs):
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None:
            return view(request, *args, **kwargs)
        if not _VALID_KEY.match(key):
            return error_response(
                request,
                400,
                "validation_error",
                "Idempotency-Key ต้องเป็นอักขระ ASCII ที่มองเห็นได้ 1–255 ตัว / "
                "Idempotency-Key must be 1–255 visible ASCII characters",
                {HEADER: ["1–255 visible ASCII characters"]},
            )
        caller = caller_of(request)
        if caller is None:
            return view(request, *args, **kwargs)  # a bad token: the endpoint answers 401
        try:
            print_ = fingerprint(request)
        except (MultiPartParserError, ValueError):
            return view(request, *args, **kwargs)  # an unreadable body: the endpoint answers 400
        try:
            record, stored = _claim(
                caller=caller, key=key, method=request.method, path=request.get_full_path(), print_=print_
            )
        except _Refusal as refusal:
            return error_response(request, 409, refusal.code, refusal.message, refusal.details)
        if stored is not None:
            return _replay(stored)
        try:
            response = view(request, *args, **kwargs)
        except BaseException:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        _finish(record, response)
        return response

    wrapped.csrf_exempt = getattr(view, "csrf_exempt", False)
    return wrapped
