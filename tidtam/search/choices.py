from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    """What a search entry stands for."""

    PROJECT = "project", _("Project")
    NODE = "node", _("Plan node")
    ORGANISATION = "organisation", _("Organisation")
    DOCUMENT = "document", _("Document")


# Kinds anyone may find: plans and the organisation directory are public (core.permissions.PUBLIC).
PUBLIC_KINDS = (EntryKind.NODE, EntryKind.ORGANISATION)
