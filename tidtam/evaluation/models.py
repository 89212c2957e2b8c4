"""Status rules, stored indicator statuses and the roll-up tables the dashboards read.

Duplicate detection keeps reviewers' verdicts on pairs of projects (`DuplicateReview`) and the pairs a scan found
(`DuplicateCandidate`, derived data; see `evaluation.duplicates`).

The roll-up tables are derived data: `tidtam rollups rebuild` recomputes them from the base tables, and every
workflow transition or indicator change updates them in the same transaction (`evaluation.rollups`).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tidtam.core.models import TimeStamped, Versioned
from tidtam.evaluation.rules import Bands, StatusLevel
from tidtam.workflow.choices import WorkflowStatus

LEVELS = ("green", "yellow", "orange", "red", "grey")
WORST_FIRST = ("red", "orange", "yellow", "green", "grey")


class Basis(models.TextChoices):
    """Which workflow statuses a figure counts: the public sees accepted data only; reviewers and oversight may also
    look at figures that include approved items not yet accepted."""

    PUBLIC = "public", _("ข้อมูลที่ยอมรับแล้ว / Accepted data")
    REVIEW = "review", _("รวมที่อนุมัติแล้วแต่ยังไม่ยอมรับ / Including approved, not yet accepted")

    @property
    def statuses(self) -> tuple[str, ...]:
        if self == Basis.PUBLIC:
            return (WorkflowStatus.ACCEPTED,)
        return (WorkflowStatus.APPROVED, WorkflowStatus.ACCEPTED)


class StatusRule(TimeStamped):
    """One version of a status rule: the ratio bands of green, yellow and orange. Versions are never changed once
    made; a changed rule is a new version, and every stored status names the version that computed it."""

    PERMISSION_KIND = "framework"

    name = models.SlugField(_("name"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"))
    green_from = models.DecimalField(_("green from ratio"), max_digits=6, decimal_places=3, default=Decimal("1.000"))
    yellow_from = models.DecimalField(_("yellow from ratio"), max_digits=6, decimal_places=3, default=Decimal("0.750"))
    orange_from = models.DecimalField(_("orange from ratio"), max_digits=6, decimal_places=3, default=Decimal("0.500"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("status rule")
        verbose_name_plural = _("status rules")
        ordering = ["name", "version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="unique_status_rule_version"),
            models.CheckConstraint(
                condition=models.Q(green_from__gte=models.F("yellow_from"))
                & models.Q(yellow_from__gte=models.F("orange_from"))
                & models.Q(orange_from__gte=0),
                name="status_rule_bands_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def owning_organisation(self):
        return None

    @property
    def code(self) -> str:
        return f"{self.name}/{self.version}"

    @property
    def bands(self) -> Bands:
        return Bands(self.green_from, self.yellow_from, self.orange_from, self.code)


class IndicatorStatus(models.Model):
    """The status of an indicator in one fiscal year, on one basis, with the values and the why behind it."""

    indicator = models.ForeignKey(
        "plans.Indicator", verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="statuses"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year (BE)"))
    basis = models.CharField(_("basis"), max_length=10, choices=Basis.choices)
    level = models.CharField(_("status"), max_length=10, choices=StatusLevel.choices)
    ratio = models.DecimalField(_("achievement ratio"), max_digits=24, decimal_places=6, null=True)
    target = models.DecimalField(_("target"), max_digits=20, decimal_places=4, null=True)
    target_max = models.DecimalField(_("upper target"), max_digits=20, decimal_places=4, null=True)
    actual = models.DecimalField(_("actual"), max_digits=20, decimal_places=4, null=True)
    why_th = models.TextField(_("why (Thai)"))
    why_en = models.TextField(_("why (English)"))
    rule_version = models.CharField(_("rule version"), max_length=60)

    class Meta:
        verbose_name = _("indicator status")
        verbose_name_plural = _("indicator statuses")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "fiscal_year", "basis"], name="unique_indicator_status")
        ]
        indexes = [models.Index(fields=["basis", "fiscal_year", "level"])]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.fiscal_year} {self.basis}: {self.level}"


class ProjectFact(models.Model):
    """What one project counts for in one fiscal year on one basis: budget, money disbursed in counted reports, the
    physical progress of its latest counted report. A row exists only while the project itself counts."""

    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), on_delete=models.CASCADE, related_name="facts"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year (BE)"))
    basis = models.CharField(_("basis"), max_length=10, choices=Basis.choices)
    owner = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("owner"), on_delete=models.CASCADE, related_name="+"
    )
    owner_path = models.CharField(_("owner path"), max_length=1000)
    budget = models.DecimalField(_("budget (THB)"), max_digits=20, decimal_places=2)
    disbursed = models.DecimalField(_("disbursed (THB)"), max_digits=20, decimal_places=2)
    progress = models.DecimalField(_("physical progress (%)"), max_digits=5, decimal_places=2, null=True)
    reports = models.PositiveIntegerField(_("reports counted"))
    # Whether the project's primary link is a node of a current plan version (gap analysis counts those without).
    is_linked = models.BooleanField(_("linked to a current plan"), default=True)

    class Meta:
        verbose_name = _("project fact")
        verbose_name_plural = _("project facts")
        constraints = [models.UniqueConstraint(fields=["project", "fiscal_year", "basis"], name="unique_project_fact")]
        indexes = [
            models.Index(fields=["basis", "fiscal_year", "owner_path"]),
            models.Index(fields=["basis", "fiscal_year", "is_linked"]),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.fiscal_year} {self.basis}"


class ProjectNode(models.Model):
    """A plan node a counted project rolls up to: every node it contributes to and their ancestors, once each."""

    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), on_delete=models.CASCADE, related_name="rollup_nodes"
    )
    node = models.ForeignKey(
        "plans.Node", verbose_name=_("plan node"), on_delete=models.CASCADE, related_name="rollup_projects"
    )

    class Meta:
        verbose_name = _("project roll-up node")
        verbose_name_plural = _("project roll-up nodes")
        constraints = [models.UniqueConstraint(fields=["project", "node"], name="unique_project_node")]
        indexes = [models.Index(fields=["node", "project"])]

    def __str__(self) -> str:
        return f"{self.project_id} → {self.node_id}"


class NodeSummary(models.Model):
    """Roll-up of one plan node (its whole subtree), or of a whole framework version when `node` is empty, for one
    fiscal year on one basis: projects, money, progress and the status distribution of its indicators."""

    framework_version = models.ForeignKey(
        "plans.FrameworkVersion", verbose_name=_("framework version"), on_delete=models.CASCADE, related_name="+"
    )
    node = models.ForeignKey(
        "plans.Node", verbose_name=_("plan node"), null=True, on_delete=models.CASCADE, related_name="summaries"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year (BE)"))
    basis = models.CharField(_("basis"), max_length=10, choices=Basis.choices)
    projects = models.IntegerField(_("projects"), default=0)
    budget = models.DecimalField(_("budget (THB)"), max_digits=22, decimal_places=2, default=0)
    disbursed = models.DecimalField(_("disbursed (THB)"), max_digits=22, decimal_places=2, default=0)
    progress_sum = models.DecimalField(_("sum of physical progress"), max_digits=22, decimal_places=2, default=0)
    progress_count = models.IntegerField(_("projects with progress"), default=0)
    green = models.IntegerField(default=0)
    yellow = models.IntegerField(default=0)
    orange = models.IntegerField(default=0)
    red = models.IntegerField(default=0)
    grey = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("node summary")
        verbose_name_plural = _("node summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["node", "fiscal_year", "basis"],
                condition=models.Q(node__isnull=False),
                name="unique_node_summary",
            ),
            models.UniqueConstraint(
                fields=["framework_version", "fiscal_year", "basis"],
                condition=models.Q(node__isnull=True),
                name="unique_framework_summary",
            ),
        ]
        indexes = [models.Index(fields=["framework_version", "fiscal_year", "basis"])]

    def __str__(self) -> str:
        return f"{self.node_id or self.framework_version_id} {self.fiscal_year} {self.basis}"


class AlignmentFit(models.Model):
    """How well one accepted project's text fits its primary link, as `tidtam align scan` found it (derived data,
    rebuilt in full by each scan; see `evaluation.alignment`).

    `anchor` is the primary node's ancestor at the compared level (the master plan in `ns`); `rank` is where the
    anchor came among the alignment assistant's suggestions at that level for the project's own name and objectives
    (1 = best, null = not matched at all), `gap` the best suggestion's score minus the anchor's (0–1)."""

    project = models.OneToOneField(
        "projects.Project", verbose_name=_("project"), on_delete=models.CASCADE, related_name="alignment_fit"
    )
    primary_node = models.ForeignKey(
        "plans.Node", verbose_name=_("primary link at scan time"), on_delete=models.CASCADE, related_name="+"
    )
    anchor = models.ForeignKey(
        "plans.Node", verbose_name=_("compared plan node"), on_delete=models.CASCADE, related_name="+"
    )
    rank = models.PositiveSmallIntegerField(_("rank of the primary link"), null=True, blank=True)
    anchor_score = models.FloatField(_("score of the primary link"), default=0)
    best_score = models.FloatField(_("best score"), default=0)
    gap = models.FloatField(_("score gap to the best"), default=0)
    is_misfit = models.BooleanField(_("fits its primary link poorly"), default=False)
    anchor_reasons = models.JSONField(_("matched words of the primary link"), default=list, blank=True)
    # The best suggestions at the compared level: [{"id", "code", "title", "path", "score", "reasons"}], best first.
    suggestions = models.JSONField(_("suggested plan nodes"), default=list, blank=True)
    scanned_at = models.DateTimeField(_("scanned at"))

    class Meta:
        verbose_name = _("alignment fit")
        verbose_name_plural = _("alignment fits")
        indexes = [models.Index(fields=["is_misfit", "-gap"], name="alignment_fit_queue")]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.rank or '-'} (gap {self.gap:.2f})"


VERDICT_REASON_MAX = 2000


class Verdict(models.TextChoices):
    """A reviewer's judgement of a candidate pair of projects. `colour` names the badge colour; text always shows."""

    DUPLICATE = "duplicate", _("ซ้ำซ้อน / Duplicate")
    RELATED = "related", _("เกี่ยวข้อง / Related")
    DISTINCT = "distinct", _("ไม่ซ้ำ / Distinct")

    @property
    def colour(self) -> str:
        return {"duplicate": "red", "related": "yellow", "distinct": "green"}[self.value]


class DuplicateReview(Versioned):
    """A reviewer's verdict on one unordered pair of projects of different organisations, stored once with the lower
    project id first (`evaluation.services.duplicate_mark` orders them). Changed through versioned updates, each
    with its audit entry; a pair marked distinct no longer appears in the reviewers' queue."""

    PERMISSION_KIND = "duplicate"

    project_a = models.ForeignKey(
        "projects.Project", verbose_name=_("project A"), on_delete=models.CASCADE, related_name="+"
    )
    project_b = models.ForeignKey(
        "projects.Project", verbose_name=_("project B"), on_delete=models.CASCADE, related_name="+"
    )
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    reason = models.TextField(_("reason"), blank=True, max_length=VERDICT_REASON_MAX)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"))

    class Meta:
        verbose_name = _("duplicate review")
        verbose_name_plural = _("duplicate reviews")
        constraints = [
            models.UniqueConstraint(fields=["project_a", "project_b"], name="unique_duplicate_review"),
            models.CheckConstraint(
                condition=models.Q(project_a__lt=models.F("project_b")), name="duplicate_review_ordered"
            ),
        ]
        indexes = [models.Index(fields=["project_b", "project_a"])]

    def __str__(self) -> str:
        return f"{self.project_a_id}–{self.project_b_id}: {self.verdict}"

    def owning_organisation(self):
        return None


class DuplicateCandidate(models.Model):
    """A candidate pair found by `tidtam duplicates scan` (`evaluation.duplicates`): two projects of different
    organisations whose fiscal years overlap, with the score and reasons of the published rule when scanned.

    Derived data: a scan replaces the rows of the projects it scans. Visibility is the projects' own (both must be
    visible: `restrict` on each side), hence the `project` permission kind."""

    PERMISSION_KIND = "project"

    project_a = models.ForeignKey(
        "projects.Project", verbose_name=_("project A"), on_delete=models.CASCADE, related_name="+"
    )
    project_b = models.ForeignKey(
        "projects.Project", verbose_name=_("project B"), on_delete=models.CASCADE, related_name="+"
    )
    score = models.FloatField(_("score"))
    parts = models.JSONField(_("similarity per part"), default=dict)
    reasons = models.JSONField(_("reasons"), default=list)
    # The fiscal years both projects run (BE): the queue's fiscal-year filter.
    fiscal_year_start = models.PositiveSmallIntegerField(_("first shared fiscal year (BE)"))
    fiscal_year_end = models.PositiveSmallIntegerField(_("last shared fiscal year (BE)"))
    scanned_at = models.DateTimeField(_("scanned at"))

    class Meta:
        verbose_name = _("duplicate candidate")
        verbose_name_plural = _("duplicate candidates")
        constraints = [
            models.UniqueConstraint(fields=["project_a", "project_b"], name="unique_duplicate_candidate"),
            models.CheckConstraint(
                condition=models.Q(project_a__lt=models.F("project_b")), name="duplicate_candidate_ordered"
            ),
        ]
        indexes = [
            models.Index(fields=["-score", "id"], name="duplicate_candidate_best"),
            models.Index(fields=["project_b", "project_a"], name="duplicate_candidate_b"),
        ]

    def __str__(self) -> str:
        return f"{self.project_a_id}–{self.project_b_id}: {self.score:.2f}"
