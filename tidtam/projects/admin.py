"""Admin: projects are read-only here. Writes go through the project services and the workflow, which validate the
parts, keep `version` and write the audit log; the admin is for looking things up."""

from django.contrib import admin

from tidtam.projects.models import (
    Activity,
    Attachment,
    BudgetLine,
    Contribution,
    PlannedDisbursement,
    Project,
    ProjectKpi,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class KpiInline(ReadOnlyInline):
    model = ProjectKpi
    fields = ["name", "unit", "target_value"]


class ActivityInline(ReadOnlyInline):
    model = Activity
    fields = ["name", "start_date", "end_date"]


class BudgetLineInline(ReadOnlyInline):
    model = BudgetLine
    fields = ["fiscal_year", "source", "amount"]


class PlannedDisbursementInline(ReadOnlyInline):
    model = PlannedDisbursement
    fields = ["month", "amount"]


class ContributionInline(ReadOnlyInline):
    model = Contribution
    fields = ["node", "is_primary"]


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fk_name = "project"
    fields = ["original_name", "content_type", "size", "is_public", "report", "uploaded_by", "created_at"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["code", "name_th", "owner", "fiscal_year_start", "fiscal_year_end", "lifecycle", "status"]
    list_filter = ["status", "lifecycle", "kind", "fiscal_year_start"]
    search_fields = ["code", "name_th", "name_en"]
    list_select_related = ["owner"]
    inlines = [
        KpiInline,
        ActivityInline,
        BudgetLineInline,
        PlannedDisbursementInline,
        ContributionInline,
        AttachmentInline,
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
