"""The organisation tree: ministries, departments, divisions and every other body that owns or follows work."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tidtam.core.models import Versioned
from tidtam.organisations.choices import OrganisationKind


class Organisation(Versioned):
    """A node of the organisation tree. `path` holds the codes from the root (`/mfa/mfa-dips/`) for subtree queries."""

    PERMISSION_KIND = "organisation"

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_th = models.CharField(_("Thai name"), max_length=300)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    abbreviation_th = models.CharField(_("Thai abbreviation"), max_length=40, blank=True)
    abbreviation_en = models.CharField(_("English abbreviation"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("path"), max_length=1000, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=1, editable=False)
    country_code = models.CharField(_("country (ISO 3166)"), max_length=2, blank=True)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # How many levels above the owner approve its projects and reports (division → department → ministry);
    # empty means "as the parent organisation says", and 1 at the top.
    approval_levels = models.PositiveSmallIntegerField(_("approval levels"), null=True, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name_th

    def owning_organisation(self) -> "Organisation":
        return self

    def is_within(self, ancestor: "Organisation") -> bool:
        """True when this organisation is `ancestor` or lies below it."""
        return self.path.startswith(ancestor.path)

    def ancestor_codes(self) -> list[str]:
        return self.path.strip("/").split("/")
