from django.contrib import admin

from tidtam.core.admin import AuditedAdmin
from tidtam.plans.models import (
    CrossLink,
    Crosswalk,
    Framework,
    FrameworkVersion,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Node,
)


@admin.register(Framework)
class FrameworkAdmin(AuditedAdmin):
    list_display = ["code", "title_th", "kind", "is_illustrative"]
    search_fields = ["code", "title_th", "title_en"]


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(AuditedAdmin):
    list_display = ["framework", "label", "is_current", "valid_from", "valid_to"]


@admin.register(Node)
class NodeAdmin(AuditedAdmin):
    list_display = ["code", "title_th", "framework_version", "depth"]
    list_filter = ["framework_version"]
    search_fields = ["code", "title_th", "title_en"]
    readonly_fields = ["framework_version", "parent", "code", "tree_path", "depth", "version"]

    def has_add_permission(self, request):
        return False  # nodes are added through `tidtam plans import`, which keeps codes and paths consistent


class TargetInline(admin.TabularInline):
    model = IndicatorTarget
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdmin):
    list_display = ["code", "name_th", "node", "unit", "direction"]
    search_fields = ["code", "name_th", "name_en"]
    raw_id_fields = ["node"]


for model in (Crosswalk, CrossLink, IndicatorValue):
    admin.site.register(model, AuditedAdmin)
