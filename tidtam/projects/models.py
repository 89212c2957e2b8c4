"""Projects (โครงการ, the "Z" of the cause-and-effect chain) and what belongs to them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tidtam.core.models import TimeStamped
from tidtam.projects.choices import BudgetSource, Lifecycle, ProjectKind
from tidtam.workflow.models import WorkflowItem


class Project(WorkflowItem):
    """A project or routine operation owned by one organisation and linked to the plan targets it serves.

    Its KPIs, activities, budget lines, planned disbursements, contributions and attachments are edited with it and
    share its `version` and workflow status.
    """

    PERMISSION_KIND = "project"

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_th = models.CharField(_("Thai name"), max_length=500)
    name_en = models.CharField(_("English name"), max_length=500, blank=True)
    kind = models.CharField(_("type"), max_length=10, choices=ProjectKind.choices, default=ProjectKind.PROJECT)
    owner = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("owner organisation"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    # The responsible person is personal data: never shown on public pages or in open data.
    responsible_name = models.CharField(_("responsible person"), max_length=200, blank=True)
    responsible_position = models.CharField(_("position"), max_length=200, blank=True)
    responsible_email = models.EmailField(_("e-mail"), blank=True)
    responsible_phone = models.CharField(_("telephone"), max_length=40, blank=True)
    fiscal_year_start = models.PositiveSmallIntegerField(_("first fiscal year (BE)"))
    fiscal_year_end = models.PositiveSmallIntegerField(_("last fiscal year (BE)"))
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    rationale = models.TextField(_("rationale"), blank=True)
    objectives = models.TextField(_("objectives"), blank=True)
    output_target = models.TextField(_("output target"), blank=True)
    outcome_target = models.TextField(_("outcome target"), blank=True)
    lifecycle = models.CharField(
        _("lifecycle status"), max_length=10, choices=Lifecycle.choices, default=Lifecycle.PLANNED
    )
    provinces = models.ManyToManyField(
        "core.Province", verbose_name=_("provinces"), blank=True, related_name="projects"
    )
    countries = models.ManyToManyField("core.Country", verbose_name=_("countries"), blank=True, related_name="projects")
    partners = models.ManyToManyField(
        "organisations.Organisation", verbose_name=_("partners"), blank=True, related_name="partner_projects"
    )
    is_illustrative = models.BooleanField(_("illustrative data"), default=False)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-fiscal_year_start", "code"]
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["fiscal_year_start", "fiscal_year_end"]),
            # The public list and its pages: accepted projects by code, read as a range, not sorted per request.
            models.Index(fields=["status", "code"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fiscal_year_end__gte=models.F("fiscal_year_start")),
                name="project_fiscal_years_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="project_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_th}"

    def owning_organisation(self):
        return self.owner

    def submission_problems(self) -> dict[str, list[str]]:
        """A project is submitted with exactly one primary link to a plan target or factor."""
        primaries = [c for c in self.contributions.select_related("node__framework_version") if c.is_primary]
        if len(primaries) != 1:
            return {"contributions": ["ต้องมีเป้าหมายหลักหนึ่งรายการ / Exactly one primary target or factor is needed"]}
        if not primaries[0].node.is_target_or_factor():
            return {"contributions": ["เป้าหมายหลักต้องเป็นเป้าหมายหรือปัจจัย / The primary link must be a target or factor"]}
        return {}


class ProjectPart(TimeStamped):
    """Something that belongs to one project and is edited with it."""

    PERMISSION_KIND = "project"

    class Meta:
        abstract = True

    def owning_organisation(self):
        return self.project.owner


class ProjectKpi(ProjectPart):
    """A project KPI with its target value; reports give its actuals."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(_("KPI"), max_length=500)
    unit = models.CharField(_("unit"), max_length=60)
    target_value = models.DecimalField(_("target"), max_digits=20, decimal_places=4)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("project KPI")
        verbose_name_plural = _("project KPIs")
        ordering = ["project", "sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class Activity(ProjectPart):
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="activities")
    name = models.CharField(_("activity"), max_length=500)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["project", "sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class BudgetLine(ProjectPart):
    """Money allocated to a project for one fiscal year from one source."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="budget_lines"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year (BE)"))
    source = models.CharField(_("source"), max_length=20, choices=BudgetSource.choices)
    amount = models.DecimalField(_("amount (THB)"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["project", "fiscal_year", "source"]
        constraints = [
            models.UniqueConstraint(fields=["project", "fiscal_year", "source"], name="unique_budget_line"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="budget_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.source}: {self.amount}"


class PlannedDisbursement(ProjectPart):
    """The amount a project plans to disburse in one month (`month` is the first day of that month)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="planned_disbursements"
    )
    month = models.DateField(_("month"))
    amount = models.DecimalField(_("amount (THB)"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("planned disbursement")
        verbose_name_plural = _("planned disbursements")
        ordering = ["project", "month"]
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="unique_planned_disbursement_month"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="planned_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.amount}"


class Contribution(ProjectPart):
    """A link from a project to a plan node it serves: exactly one primary (a target or factor), any secondary."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="contributions"
    )
    node = models.ForeignKey(
        "plans.Node", verbose_name=_("plan node"), on_delete=models.PROTECT, related_name="contributions"
    )
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        constraints = [
            models.UniqueConstraint(fields=["project", "node"], name="unique_contribution"),
            models.UniqueConstraint(
                fields=["project"], condition=models.Q(is_primary=True), name="one_primary_contribution"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} → {self.node.code}{' (primary)' if self.is_primary else ''}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{instance.project_id}/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(ProjectPart):
    """A file attached to a project, or to one of its reports as evidence. Stored outside the web root under
    MEDIA_ROOT and served only through a view that checks permissions."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="attachments"
    )
    report = models.ForeignKey(
        "reporting.ProgressReport",
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    is_public = models.BooleanField(_("public"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["project", "created_at"]

    def __str__(self) -> str:
        return self.original_name
