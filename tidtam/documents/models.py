"""Documents (เอกสาร / evidence): files read into plain text, with the dates, organisations and countries they
mention and the projects and plan nodes they are suggested to relate to. See docs/documents.md."""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tidtam.core.models import Versioned
from tidtam.documents.choices import DocumentStatus, LinkStatus, LinkTarget, SourceType


def document_path(instance: "Document", filename: str) -> str:
    return f"documents/{instance.sha256[:2]}/{instance.sha256}"


class Document(Versioned):
    """A file ingested for one owner organisation: its extracted title and plain text, what the analysis found in
    it, and its review status. The file is stored outside the web root under MEDIA_ROOT, by its SHA-256, and served
    only through the download view; the same bytes cannot be ingested twice for one organisation."""

    PERMISSION_KIND = "document"

    title = models.CharField(_("title"), max_length=500)
    file = models.FileField(_("file"), upload_to=document_path, max_length=300)
    file_name = models.CharField(_("file name"), max_length=255)
    source_type = models.CharField(_("source type"), max_length=8, choices=SourceType.choices)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    text = models.TextField(_("extracted text"), blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("owner organisation"),
        on_delete=models.PROTECT,
        related_name="documents",
    )
    # Personal data: shown to signed-in users only, never on public pages or in the public API.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    # [{"kind", "start", "end", "text", "fiscal_year", "quarter"}]: CE ISO dates, as `textkit.dates.find_dates` found.
    dates = models.JSONField(_("dates found"), default=list, blank=True)
    organisations = models.ManyToManyField(
        "organisations.Organisation",
        verbose_name=_("organisations mentioned"),
        blank=True,
        related_name="mentioned_in_documents",
    )
    countries = models.ManyToManyField(
        "core.Country", verbose_name=_("countries mentioned"), blank=True, related_name="documents"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "status"]), models.Index(fields=["status", "id"])]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "sha256"], name="unique_document_per_organisation")
        ]

    def __str__(self) -> str:
        return self.title

    def owning_organisation(self):
        return self.organisation

    @property
    def is_confirmed(self) -> bool:
        return self.status == DocumentStatus.CONFIRMED

    def date_mentions(self) -> list[dict]:
        """The stored dates with `start` and `end` as `date` objects, for display (BE in the Thai UI)."""
        mentions = []
        for row in self.dates or []:
            mentions.append(
                {
                    **row,
                    "start": date.fromisoformat(row["start"]) if row.get("start") else None,
                    "end": date.fromisoformat(row["end"]) if row.get("end") else None,
                }
            )
        return mentions


class DocumentLink(models.Model):
    """A document's link to one project or one plan node: suggested by the analysis with a score and the matched
    terms as reasons, then confirmed or rejected by a reviewer."""

    PERMISSION_KIND = "document"

    document = models.ForeignKey(Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="links")
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="document_links",
    )
    node = models.ForeignKey(
        "plans.Node",
        verbose_name=_("plan node"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="document_links",
    )
    status = models.CharField(_("status"), max_length=12, choices=LinkStatus.choices, default=LinkStatus.SUGGESTED)
    score = models.FloatField(_("score"), default=0.0)
    reasons = models.JSONField(_("reasons (matched terms)"), default=list, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("document link")
        verbose_name_plural = _("document links")
        ordering = ["document", "-score", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(project__isnull=False, node__isnull=True)
                | models.Q(project__isnull=True, node__isnull=False),
                name="document_link_one_target",
            ),
            models.UniqueConstraint(
                fields=["document", "project"],
                condition=models.Q(project__isnull=False),
                name="unique_document_project",
            ),
            models.UniqueConstraint(
                fields=["document", "node"], condition=models.Q(node__isnull=False), name="unique_document_node"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.project or self.node}"

    @property
    def target(self) -> str:
        return LinkTarget.PROJECT if self.project_id else LinkTarget.NODE

    def owning_organisation(self):
        return self.document.organisation
