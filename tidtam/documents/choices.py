from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentStatus(models.TextChoices):
    """Whether a reviewer has checked an ingested document. The public and oversight see confirmed documents only
    (`core.permissions`: `CONFIRMED_ONLY`). `colour` names the badge colour; text always shows too."""

    PENDING = "pending", _("รอตรวจสอบ / Pending review")
    CONFIRMED = "confirmed", _("ยืนยันแล้ว / Confirmed")

    @property
    def colour(self) -> str:
        return {"pending": "grey", "confirmed": "green"}[self.value]


class SourceType(models.TextChoices):
    """The kind of file a document was read from."""

    TEXT = "text", _("ข้อความ / Plain text")
    HTML = "html", _("หน้าเว็บ / HTML")
    PDF = "pdf", _("PDF / PDF")


class LinkStatus(models.TextChoices):
    """A link from a document to a project or plan node: suggested by the analysis, then confirmed or rejected by a
    reviewer."""

    SUGGESTED = "suggested", _("ข้อเสนอแนะ / Suggested")
    CONFIRMED = "confirmed", _("ยืนยันแล้ว / Confirmed")
    REJECTED = "rejected", _("ปฏิเสธ / Rejected")

    @property
    def colour(self) -> str:
        return {"suggested": "blue", "confirmed": "green", "rejected": "grey"}[self.value]


class LinkTarget(models.TextChoices):
    PROJECT = "project", _("โครงการ / Project")
    NODE = "node", _("โหนดแผน / Plan node")
