"""What the API itself stores: the first answer to each POST sent with an `Idempotency-Key` header."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """One `Idempotency-Key` of one caller: the request it was first used for and, once that finished, its answer.

    `status` is null while the first request is still running; a concurrent duplicate waits for it rather than
    running too (the unique constraint on caller and key lets only one request claim a key). Records expire after
    24 hours.
    """

    caller = models.CharField(_("caller"), max_length=40)  # "user:<id>" or "anonymous"
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=2000)
    fingerprint = models.CharField(_("request fingerprint (SHA-256 of method, path and body)"), max_length=64)
    status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    content_type = models.CharField(_("response content type"), max_length=100, blank=True)
    body = models.TextField(_("response body"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["caller", "key"], name="unique_idempotency_key_per_caller")]

    def __str__(self) -> str:
        return f"{self.caller} {self.key} {self.method} {self.path}"
