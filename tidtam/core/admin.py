"""Admin: every change made through the admin is written to the audit log, like any other write."""

from django.contrib import admin

from tidtam.core.audit import audit_record, snapshot
from tidtam.core.models import AuditEntry


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves and deletes append audit entries with before/after."""

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        if change and hasattr(obj, "version"):
            obj.version += 1
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user, action="update" if change else "create", obj=obj, before=before, reason="admin"
        )

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action="delete", obj=obj, before=snapshot(obj), reason="admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "object_repr", "request_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "object_id", "request_id", "actor__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
