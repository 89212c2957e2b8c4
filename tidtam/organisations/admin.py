from django.contrib import admin

from tidtam.core.admin import AuditedAdmin
from tidtam.organisations.models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["code", "name_th", "name_en", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name_th", "name_en", "abbreviation_th"]
    readonly_fields = ["path", "depth", "version"]

    def save_model(self, request, obj, form, change):
        # The tree path follows the parent; moving an organisation goes through the service, which re-paths children.
        obj.path = f"{obj.parent.path if obj.parent else '/'}{obj.code}/"
        obj.depth = obj.path.count("/") - 1
        super().save_model(request, obj, form, change)
