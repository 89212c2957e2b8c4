"""The search index: one row per searchable object, with the index terms the database's full-text index reads.

The full-text part is not a Django field: on SQLite an FTS5 table `search_fts` (external content, kept in step by
triggers), on PostgreSQL a generated `tsvector` column `search_vector` with a GIN index — both made by migration 0002
for their own database only. See docs/search.md.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tidtam.search.choices import EntryKind


class SearchEntry(models.Model):
    """One project, plan node or organisation as search sees it: titles, the text snippets come from, the index
    terms (`tidtam.textkit.segment.index_terms`, space-separated), the filters' values, and what decides who may find
    it (for a project its workflow `status` and owner `organisation`, the same fields `project_list` restricts on).

    Derived data: `tidtam.search.indexing` writes it after each committed audited write; `tidtam search reindex`
    rebuilds it."""

    # Visibility is decided as for projects (`restrict` on `organisation` and `status`); nodes and organisations are
    # public and are let through before the restriction applies (see `selectors.visible_entries`).
    PERMISSION_KIND = "project"

    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    object_id = models.PositiveBigIntegerField(_("object id"))
    code = models.CharField(_("code"), max_length=60, blank=True)
    title_th = models.CharField(_("Thai title"), max_length=500)
    title_en = models.CharField(_("English title"), max_length=500, blank=True)
    text = models.TextField(_("text"), blank=True)
    title_terms = models.TextField(_("title terms"), blank=True)
    terms = models.TextField(_("index terms"), blank=True)
    fiscal_year_start = models.PositiveSmallIntegerField(_("first fiscal year (BE)"), null=True, blank=True)
    fiscal_year_end = models.PositiveSmallIntegerField(_("last fiscal year (BE)"), null=True, blank=True)
    # The owner of a project, the organisation itself; empty for plan nodes. Its `path` serves the `organisation`
    # filter and the subtree grants.
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # Framework codes between spaces (` ns asean-us-poa `): a node's own framework, a project's linked ones.
    frameworks = models.CharField(_("frameworks"), max_length=1000, blank=True)
    status = models.CharField(_("workflow status"), max_length=12, blank=True)
    indexed_at = models.DateTimeField(_("indexed at"), auto_now=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="unique_search_entry")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.title_th}"
