"""Plan frameworks: versioned trees of nodes, crosswalks between versions, cross-links, indicators and their values.

Periods are BE years: a fiscal year is (2568, 2568); a five-year phase is (2566, 2570).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tidtam.core.models import TimeStamped, Versioned
from tidtam.plans.choices import CrossLinkKind, CrosswalkKind, Direction, FrameworkKind, Frequency

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class Framework(Versioned):
    """A named plan framework (National Strategy, a Plan of Action, a party platform)."""

    PERMISSION_KIND = "framework"

    code = models.SlugField(_("code"), max_length=60, unique=True)
    title_th = models.CharField(_("Thai title"), max_length=300)
    title_en = models.CharField(_("English title"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=FrameworkKind.choices, default=FrameworkKind.OTHER)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="frameworks",
    )
    is_illustrative = models.BooleanField(_("illustrative data"), default=False)
    status_rule = models.ForeignKey(
        "evaluation.StatusRule",
        verbose_name=_("status rule"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the default rule"),
    )

    class Meta:
        verbose_name = _("plan framework")
        verbose_name_plural = _("plan frameworks")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title_th

    def owning_organisation(self):
        return None


class FrameworkVersion(Versioned):
    """One version of a framework's tree, with the names of its levels (top level first)."""

    PERMISSION_KIND = "framework"

    framework = models.ForeignKey(
        Framework, verbose_name=_("framework"), on_delete=models.CASCADE, related_name="versions"
    )
    label = models.CharField(_("label"), max_length=40)
    title_th = models.CharField(_("Thai title"), max_length=300, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    levels = models.JSONField(_("levels"), default=list, help_text=_("[{key, th, en}, …] from the top level down"))
    is_current = models.BooleanField(_("current"), default=False)

    class Meta:
        verbose_name = _("framework version")
        verbose_name_plural = _("framework versions")
        ordering = ["framework__code", "label"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "label"], name="unique_framework_version_label"),
            models.UniqueConstraint(
                fields=["framework"], condition=models.Q(is_current=True), name="one_current_version_per_framework"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.framework.code} {self.label}"

    def owning_organisation(self):
        return None

    def level_name(self, depth: int, lang: str = "th") -> str:
        """The name of the level at `depth` (1 = top)."""
        if 1 <= depth <= len(self.levels):
            return self.levels[depth - 1].get(lang) or self.levels[depth - 1].get("th", "")
        return ""


class Node(Versioned):
    """A node of a framework version's tree. `tree_path` holds the codes from the root (`/2/02/0201/`)."""

    PERMISSION_KIND = "framework"

    framework_version = models.ForeignKey(
        FrameworkVersion, verbose_name=_("framework version"), on_delete=models.CASCADE, related_name="nodes"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    code = models.CharField(_("code"), max_length=60)
    title_th = models.CharField(_("Thai title"), max_length=500)
    title_en = models.CharField(_("English title"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    depth = models.PositiveSmallIntegerField(_("level"), default=1, editable=False)
    tree_path = models.CharField(_("path"), max_length=1000, db_index=True, editable=False)
    is_illustrative = models.BooleanField(_("illustrative data"), default=False)

    class Meta:
        verbose_name = _("plan node")
        verbose_name_plural = _("plan nodes")
        ordering = ["tree_path"]
        constraints = [
            models.UniqueConstraint(fields=["framework_version", "code"], name="unique_node_code_per_version")
        ]
        indexes = [models.Index(fields=["framework_version", "parent", "sort_order"])]

    def __str__(self) -> str:
        return f"{self.code} {self.title_th}"

    def owning_organisation(self):
        return None

    @property
    def path_codes(self) -> list[str]:
        return self.tree_path.strip("/").split("/")

    def level_key(self) -> str:
        levels = self.framework_version.levels
        return levels[self.depth - 1].get("key", "") if 0 < self.depth <= len(levels) else ""

    def is_target_or_factor(self) -> bool:
        """Projects serve targets and factors; in a framework whose levels are not named so, its deepest level."""
        keys = [level.get("key", "") for level in self.framework_version.levels]
        if {"target", "factor"} & set(keys):
            return self.level_key() in {"target", "factor"}
        return self.depth == len(keys)


class Crosswalk(TimeStamped):
    """Maps a node of an older version to its successor in a newer version, so series and links survive revisions."""

    PERMISSION_KIND = "framework"

    from_node = models.ForeignKey(
        Node, verbose_name=_("old node"), on_delete=models.CASCADE, related_name="crosswalks_out"
    )
    to_node = models.ForeignKey(
        Node, verbose_name=_("new node"), on_delete=models.CASCADE, related_name="crosswalks_in"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CrosswalkKind.choices, default=CrosswalkKind.SAME)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("crosswalk")
        verbose_name_plural = _("crosswalks")
        constraints = [models.UniqueConstraint(fields=["from_node", "to_node"], name="unique_crosswalk")]

    def __str__(self) -> str:
        return f"{self.from_node.code} → {self.to_node.code}"

    def owning_organisation(self):
        return None


class CrossLink(TimeStamped):
    """A typed link between nodes of two different frameworks."""

    PERMISSION_KIND = "framework"

    source = models.ForeignKey(Node, verbose_name=_("from"), on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Node, verbose_name=_("to"), on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind"), max_length=20, choices=CrossLinkKind.choices, default=CrossLinkKind.SUPPORTS)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("cross-link")
        verbose_name_plural = _("cross-links")
        constraints = [models.UniqueConstraint(fields=["source", "target", "kind"], name="unique_cross_link")]

    def __str__(self) -> str:
        return f"{self.source.code} {self.kind} {self.target.code}"

    def owning_organisation(self):
        return None


class Indicator(Versioned):
    """A measurable indicator (ตัวชี้วัด) on a node, with its baseline, targets and actual values."""

    PERMISSION_KIND = "framework"

    node = models.ForeignKey(Node, verbose_name=_("node"), on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("code"), max_length=60)
    name_th = models.CharField(_("Thai name"), max_length=500)
    name_en = models.CharField(_("English name"), max_length=500, blank=True)
    unit = models.CharField(_("unit"), max_length=60)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    baseline_value = models.DecimalField(_("baseline value"), max_digits=20, decimal_places=4, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year (BE)"), null=True, blank=True)
    data_source = models.CharField(_("data source"), max_length=500, blank=True)
    responsible_organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("responsible organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
    )
    frequency = models.CharField(
        _("reporting frequency"), max_length=10, choices=Frequency.choices, default=Frequency.ANNUAL
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_illustrative = models.BooleanField(_("illustrative data"), default=False)
    status_rule = models.ForeignKey(
        "evaluation.StatusRule",
        verbose_name=_("status rule"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the framework's rule"),
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["node", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["node", "code"], name="unique_indicator_code_per_node")]

    def __str__(self) -> str:
        return f"{self.code} {self.name_th}"

    def owning_organisation(self):
        return None


class PeriodQuerySet(models.QuerySet):
    def for_period(self, start: int, end: int):
        return self.filter(period_start=start, period_end=end)


class IndicatorTarget(Versioned):
    """The target of an indicator for a fiscal year or a five-year phase. For a range, `value`..`value_max`."""

    PERMISSION_KIND = "framework"

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="targets"
    )
    period_start = models.PositiveSmallIntegerField(_("from year (BE)"))
    period_end = models.PositiveSmallIntegerField(_("to year (BE)"))
    value = models.DecimalField(_("target"), max_digits=20, decimal_places=4)
    value_max = models.DecimalField(_("upper target"), max_digits=20, decimal_places=4, null=True, blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator target")
        verbose_name_plural = _("indicator targets")
        ordering = ["indicator", "period_start", "period_end"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period_start", "period_end"], name="unique_target_period"),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="target_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period_start}-{self.period_end}: {self.value}"

    def owning_organisation(self):
        return None


class IndicatorValue(Versioned):
    """An actual value of an indicator for a period, with its evidence."""

    PERMISSION_KIND = "framework"

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="values"
    )
    period_start = models.PositiveSmallIntegerField(_("from year (BE)"))
    period_end = models.PositiveSmallIntegerField(_("to year (BE)"))
    value = models.DecimalField(_("actual"), max_digits=20, decimal_places=4)
    evidence = models.TextField(_("evidence"), blank=True)
    source_url = models.URLField(_("source link"), blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["indicator", "period_start", "period_end"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period_start", "period_end"], name="unique_value_period"),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="value_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period_start}-{self.period_end}: {self.value}"

    def owning_organisation(self):
        return None
