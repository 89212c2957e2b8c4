from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tidtam.core.permissions import Action, scopes_of
from tidtam.organisations.models import Organisation


def upload_organisations(user) -> list[Organisation]:
    """The organisations `user` may ingest documents for: the subtrees of their reporter memberships, or every
    active organisation for reviewers."""
    scopes = scopes_of(user, Action.CREATE, "document")
    organisations = Organisation.objects.filter(is_active=True)
    if scopes is not None:
        condition = Q(pk__in=[])
        for scope in scopes:
            condition |= Q(path__startswith=scope.path)
        organisations = organisations.filter(condition)
    return list(organisations.order_by("path"))


class UploadForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Document owner"))
    file = forms.FileField(label=_("File (.txt, .html, .pdf)"))
    title = forms.CharField(label=_("Title (optional: read from the file)"), max_length=300, required=False)

    def __init__(self, *args, organisations: list[Organisation], **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = {o.code: o for o in organisations}
        self.fields["organisation"].choices = [(o.code, f"{'— ' * (o.depth - 1)}{o.name_th}") for o in organisations]
        if len(organisations) == 1:
            self.fields["organisation"].initial = organisations[0].code
