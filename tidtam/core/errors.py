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


def bilingual(th: str, en: str) -> str:
    """A message in Thai, then English, as every error shows them."""
    return f"{th} / {en}"


class FieldErrors:
    """Errors collected over a whole input, keyed by field path (`kpis[1].target_value`), raised together so the
    caller learns every problem at once."""

    def __init__(self, details: dict[str, list[str]] | None = None):
        self.details: dict[str, list[str]] = dict(details or {})

    def add(self, path: str, message: str) -> None:
        self.details.setdefault(path, []).append(message)

    def raise_if_any(self) -> None:
        if self.details:
            fields = ", ".join(sorted(self.details))
            raise ValidationFailed(
                "invalid", bilingual(f"ข้อมูลไม่ถูกต้อง: {fields}", f"Invalid data: {fields}"), dict(self.details)
            )


def forbidden(action: str, obj: Any = None) -> Forbidden:
    """The one refusal message for a permission check that failed."""
    details = {"action": action}
    if obj is not None:
        details["object"] = f"{obj._meta.model_name}:{obj.pk}" if hasattr(obj, "_meta") else str(obj)
    return Forbidden("forbidden", "คุณไม่มีสิทธิ์ดำเนินการนี้ / You are not allowed to do this", details)
