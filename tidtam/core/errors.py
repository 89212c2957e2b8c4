"""Errors raised by services. Pages and the API show the same code and message."""

from typing import Any


class ServiceError(Exception):
    """A refused operation: a stable `code`, a Thai / English `message`, `details` naming fields or rows."""

    status = 400

    def __init__(self, code: str, message: str, details: Any = None, *, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details if details is not None else {}
        if status is not None:
            self.status = status

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class ValidationFailed(ServiceError):
    status = 400


class NotAuthenticated(ServiceError):
    status = 401


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class Throttled(ServiceError):
    status = 429

    def __init__(self, code: str, message: str, *, retry_after: int, details: Any = None):
        super().__init__(code, message, details)
        self.retry_after = retry_after


def forbidden(action: str, obj: Any = None) -> Forbidden:
    """The one refusal message for a permission check that failed."""
    details = {"action": action}
    if obj is not None:
        details["object"] = f"{obj._meta.model_name}:{obj.pk}" if hasattr(obj, "_meta") else str(obj)
    return Forbidden("forbidden", "คุณไม่มีสิทธิ์ดำเนินการนี้ / You are not allowed to do this", details)
