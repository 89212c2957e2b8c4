"""Reporting rounds and the quarterly (or monthly) progress reports projects owe in them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tidtam.core.models import TimeStamped, Versioned
from tidtam.reporting.choices import RoundStatus
from tidtam.workflow.models import WorkflowItem


class ReportingRound(Versioned):
    """A reporting period: a quarter of a fiscal year (or one month), with its opening day, deadline and closure.

    Projects active during [period_start, period_end] owe a report in the round. Closing the round locks its reports.
    """

    PERMISSION_KIND = "round"

    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year (BE)"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), null=True, blank=True)
    month = models.PositiveSmallIntegerField(_("month of the fiscal year (1 = October)"), null=True, blank=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    opens_on = models.DateField(_("opens on"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reporting round")
        verbose_name_plural = _("reporting rounds")
        ordering = ["-period_start"]
        constraints = [
            # One round per quarter or month of a fiscal year (partial constraints: SQLite lacks NULLS NOT DISTINCT).
            models.UniqueConstraint(
                fields=["fiscal_year", "quarter"],
                condition=models.Q(quarter__isnull=False),
                name="unique_quarter_round",
            ),
            models.UniqueConstraint(
                fields=["fiscal_year", "month"], condition=models.Q(month__isnull=False), name="unique_month_round"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(quarter__isnull=False, month__isnull=True)
                    | models.Q(quarter__isnull=True, month__isnull=False)
                ),
                name="round_is_quarter_or_month",
            ),
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("opens_on")), name="round_deadline_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return f"ไตรมาส {self.quarter}/{self.fiscal_year}" if self.quarter else f"เดือนที่ {self.month}/{self.fiscal_year}"

    def owning_organisation(self):
        return None

    @property
    def is_closed(self) -> bool:
        return self.status == RoundStatus.CLOSED


class ProgressReport(WorkflowItem):
    """A project's progress in one round: physical progress, money disbursed per month, KPI actuals, indicator
    values contributed, and the narrative. Cumulative figures are derived from the monthly ones, never typed."""

    PERMISSION_KIND = "report"

    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), on_delete=models.CASCADE, related_name="reports"
    )
    round = models.ForeignKey(
        ReportingRound, verbose_name=_("reporting round"), on_delete=models.PROTECT, related_name="reports"
    )
    physical_progress = models.DecimalField(
        _("physical progress (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    results = models.TextField(_("results (ผลการดำเนินงาน)"), blank=True)
    problems = models.TextField(_("problems and obstacles (ปัญหาอุปสรรค)"), blank=True)
    recommendations = models.TextField(_("recommendations (ข้อเสนอแนะ)"), blank=True)
    # A reviewer may lift the closed round's lock from one report, with a reason in the audit log.
    round_lock_lifted = models.BooleanField(_("open despite the closed round"), default=False)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-round__period_start", "project__code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "round"], name="one_report_per_project_and_round"),
            models.CheckConstraint(
                condition=models.Q(physical_progress__isnull=True)
                | models.Q(physical_progress__gte=0, physical_progress__lte=100),
                name="physical_progress_is_a_percentage",
            ),
        ]
        # The second: the public list and its pages, accepted reports by id.
        indexes = [models.Index(fields=["round", "status"]), models.Index(fields=["status", "id"])]

    def __str__(self) -> str:
        return f"{self.project.code} · {self.round}"

    def owning_organisation(self):
        return self.project.owner

    def submission_problems(self) -> dict[str, list[str]]:
        problems = {}
        if self.physical_progress is None:
            problems["physical_progress"] = ["ต้องระบุความก้าวหน้า (%) / Physical progress is required"]
        if not self.results.strip():
            problems["results"] = ["ต้องระบุผลการดำเนินงาน / Results are required"]
        return problems


class ReportPart(TimeStamped):
    PERMISSION_KIND = "report"

    class Meta:
        abstract = True

    def owning_organisation(self):
        return self.report.project.owner


class ReportDisbursement(ReportPart):
    """Money actually disbursed in one month of the report's period (`month` is the first day of the month)."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="disbursements"
    )
    month = models.DateField(_("month"))
    amount = models.DecimalField(_("amount disbursed (THB)"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ["report", "month"]
        constraints = [
            models.UniqueConstraint(fields=["report", "month"], name="unique_report_disbursement_month"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="disbursed_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.amount}"


class KpiActual(ReportPart):
    report = models.ForeignKey(
        ProgressReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="kpi_actuals"
    )
    kpi = models.ForeignKey(
        "projects.ProjectKpi", verbose_name=_("KPI"), on_delete=models.CASCADE, related_name="actuals"
    )
    value = models.DecimalField(_("actual"), max_digits=20, decimal_places=4)

    class Meta:
        verbose_name = _("KPI actual")
        verbose_name_plural = _("KPI actuals")
        constraints = [models.UniqueConstraint(fields=["report", "kpi"], name="unique_kpi_actual")]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.value}"


class ReportIndicatorValue(ReportPart):
    """A value of a plan indicator that the report contributes for the round's fiscal year."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="indicator_values"
    )
    indicator = models.ForeignKey(
        "plans.Indicator", verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="report_values"
    )
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("indicator value reported")
        verbose_name_plural = _("indicator values reported")
        constraints = [models.UniqueConstraint(fields=["report", "indicator"], name="unique_report_indicator")]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.value}"
