"""One error shape for the whole API: `{code, message, details}` with the right HTTP status.

Service errors keep their own code, message and details. Ninja's own errors (request validation, authentication,
unknown routes, wrong methods) and unexpected exceptions are translated here so a client never sees another shape.
"""

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import Throttled as NinjaThrottled
from ninja.errors import ValidationError as NinjaValidationError

from tidtam.core.errors import NotFound, ServiceError, Throttled, ValidationFailed

logger = logging.getLogger("tidtam.api")

# The generic codes and messages, by status, for errors that do not come from a service.
GENERIC: dict[int, tuple[str, str]] = {
    400: ("bad_request", "คำขอไม่ถูกต้อง / Bad request"),
    401: ("not_authenticated", "โปรดเข้าสู่ระบบหรือส่งโทเค็นที่ถูกต้อง / Sign in or send a valid token"),
    403: ("forbidden", "คุณไม่มีสิทธิ์ดำเนินการนี้ / You are not allowed to do this"),
    404: ("not_found", "ไม่พบสิ่งที่ขอ / Not found"),
    405: ("method_not_allowed", "ไม่รองรับวิธีการเรียกนี้ / Method not allowed"),
    429: ("throttled", "มีคำขอมากเกินไป โปรดลองใหม่ภายหลัง / Too many requests; try again later"),
    500: ("server_error", "เกิดข้อผิดพลาดในระบบ โปรดลองใหม่ภายหลัง / Server error; please try again later"),
}


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str | None = None,
    message: str | None = None,
    details: Any = None,
) -> HttpResponse:
    """An error response with the generic code and message for `status` unless given."""
    generic_code, generic_message = GENERIC.get(status, GENERIC[400])
    body = {
        "code": code or generic_code,
        "message": message or generic_message,
        "details": details if details is not None else {},
    }
    return api.create_response(request, body, status=status)


def referenced(field: str, load, **kwargs):
    """`load(**kwargs)`, the thing a request body or query parameter names (an organisation code, a round id). One that
    does not exist is a bad field — `400 validation_error` naming it — not a 404 of the URL."""
    try:
        return load(**kwargs)
    except NotFound as error:
        raise ValidationFailed("validation_error", error.message, {field: [error.message]}) from None


def _field_name(loc: tuple) -> str:
    """`("query", "depth")` → `depth`; `("body", "payload", "username")` → `username`."""
    parts = [str(part) for part in loc[1:]]
    if loc and loc[0] == "body" and len(parts) > 1:
        parts = parts[1:]  # drop the name of the body parameter itself
    return ".".join(parts) or str(loc[0] if loc else "request")


def validation_details(errors: list[dict]) -> dict[str, list[str]]:
    """Ninja's pydantic error list as `{field: [messages]}`, the shape service validation errors use."""
    details: dict[str, list[str]] = {}
    for error in errors:
        details.setdefault(_field_name(tuple(error.get("loc", ()))), []).append(error.get("msg", "invalid"))
    return details


def install(api: NinjaAPI) -> None:
    """Register the handlers that turn every exception raised under the API into the one error shape."""

    def on_service_error(request, exc: ServiceError):
        response = error_response(api, request, exc.status, exc.code, exc.message, exc.details)
        if isinstance(exc, Throttled):
            response["Retry-After"] = str(exc.retry_after)
        return response

    def on_validation_error(request, exc: NinjaValidationError):
        details = validation_details(exc.errors)
        fields = ", ".join(details)
        return error_response(
            api, request, 400, "validation_error", f"ข้อมูลในคำขอไม่ถูกต้อง: {fields} / Invalid request: {fields}", details
        )

    def on_authentication_error(request, exc: AuthenticationError):
        return error_response(api, request, 401)

    def on_authorization_error(request, exc: AuthorizationError):
        return error_response(api, request, 403)

    def on_throttled(request, exc: NinjaThrottled):
        response = error_response(api, request, 429)
        if exc.wait is not None:
            response["Retry-After"] = str(int(exc.wait))
        return response

    def on_http_error(request, exc: HttpError):
        # Ninja raises HttpError(400, "Cannot parse request body") for malformed JSON and HttpError(403, "CSRF check
        # Failed") for session writes without a CSRF token.
        if exc.status_code == 400:
            return error_response(
                api,
                request,
                400,
                "validation_error",
                "เนื้อหาคำขอไม่ใช่ JSON ที่ถูกต้อง / The request body is not valid JSON",
                {"body": [exc.message]},
            )
        return error_response(api, request, exc.status_code, details={"reason": exc.message})

    def on_not_found(request, exc: Http404):
        return error_response(api, request, 404)

    def on_unexpected(request, exc: Exception):
        logger.exception("Unhandled error in API request %s %s", request.method, request.path, exc_info=exc)
        return error_response(api, request, 500, details={"request_id": getattr(request, "id", "")})

    api.add_exception_handler(ServiceError, on_service_error)
    api.add_exception_handler(NinjaValidationError, on_validation_error)
    api.add_exception_handler(AuthenticationError, on_authentication_error)
    api.add_exception_handler(AuthorizationError, on_authorization_error)
    api.add_exception_handler(NinjaThrottled, on_throttled)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(Exception, on_unexpected)


def _fields_with_nul(request: HttpRequest, kwargs: dict) -> dict[str, list[str]]:
    """Path and query parameters holding a NUL character, which no text field may hold (PostgreSQL rejects it)."""
    values = [*kwargs.items(), *((name, value) for name, values in request.GET.lists() for value in values)]
    return {name: ["contains a NUL character"] for name, value in values if "\x00" in f"{name}{value}"}


def guard_view(api: NinjaAPI, view):
    """Wrap a ninja path view: refuse NUL characters in parameters with 400, and turn ninja's plain-text 405 into the
    JSON error (keeping the `Allow` header)."""

    def wrapped(request, *args, **kwargs):
        bad = _fields_with_nul(request, kwargs)
        if bad:
            fields = ", ".join(bad)
            return error_response(
                api, request, 400, "validation_error", f"ข้อมูลในคำขอไม่ถูกต้อง: {fields} / Invalid request: {fields}", bad
            )
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = error_response(api, request, 405, details={"allowed": allowed.split(", ")})
            response["Allow"] = allowed
        return response

    wrapped.csrf_exempt = getattr(view, "csrf_exempt", False)
    return wrapped
