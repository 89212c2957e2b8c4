"""Admin views of rounds and reports, for the system operator. Everyday work goes through the pages and the API,
whose services keep the workflow and the parts consistent; here reports are read-only except for their texts."""

from django.contrib import admin

from tidtam.core.admin import AuditedAdmin
from tidtam.reporting.models import KpiActual, ProgressReport, ReportDisbursement, ReportIndicatorValue, ReportingRound


@admin.register(ReportingRound)
class ReportingRoundAdmin(AuditedAdmin):
    list_display = ["__str__", "fiscal_year", "quarter", "month", "opens_on", "deadline", "status"]
    list_filter = ["status", "fiscal_year"]
    readonly_fields = ["period_start", "period_end", "version", "closed_at"]


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DisbursementInline(_ReadOnlyInline):
    model = ReportDisbursement


class KpiActualInline(_ReadOnlyInline):
    model = KpiActual


class IndicatorValueInline(_ReadOnlyInline):
    model = ReportIndicatorValue


@admin.register(ProgressReport)
class ProgressReportAdmin(AuditedAdmin):
    list_display = ["__str__", "status", "physical_progress", "submitted_at", "accepted_at"]
    list_filter = ["status", "round"]
    search_fields = ["project__code", "project__name_th"]
    list_select_related = ["project", "round"]
    readonly_fields = [
        "project",
        "round",
        "status",
        "version",
        "approvals_required",
        "approvals_done",
        "submitted_at",
        "approved_at",
        "accepted_at",
        "returned_at",
        "round_lock_lifted",
    ]
    inlines = [DisbursementInline, KpiActualInline, IndicatorValueInline]

    def has_add_permission(self, request):
        return False  # reports are created by `report_create`, which checks who owes one and pre-fills it
