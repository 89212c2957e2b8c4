"""Keyset pagination with opaque cursors: stable under inserts, no OFFSET scans, no duplicates or gaps.

A cursor is the URL-safe base64 of the last row's key; the next page starts strictly after it. The key must be unique
(a text field such as a code or path, or an integer such as the id); the page is ordered by it.
"""

import base64
import binascii

from django.db.models import IntegerField, QuerySet

from tidtam.core.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


def encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        value = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode()
        if not value or "\x00" in value:
            raise ValueError("not a cursor this API made")
        return value
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise ValidationFailed(
            "validation_error", "ตัวชี้หน้า (cursor) ไม่ถูกต้อง / Invalid cursor", {"cursor": ["not a valid cursor"]}
        ) from error


def keyset_page(queryset: QuerySet, *, key: str, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """One page of `queryset` ordered by the unique field `key`, and the cursor of the next page (None at the end)."""
    if cursor:
        after = decode_cursor(cursor)
        if isinstance(queryset.model._meta.get_field(key), IntegerField):
            if not (after.isascii() and after.isdigit() and len(after) < 19):
                raise ValidationFailed(
                    "validation_error", "ตัวชี้หน้า (cursor) ไม่ถูกต้อง / Invalid cursor", {"cursor": ["not a valid cursor"]}
                )
            after = int(after)
        queryset = queryset.filter(**{f"{key}__gt": after})
    rows = list(queryset.order_by(key)[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(str(getattr(rows[-1], key)))
