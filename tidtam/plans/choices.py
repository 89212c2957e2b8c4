from django.db import models
from django.utils.translation import gettext_lazy as _


class FrameworkKind(models.TextChoices):
    NATIONAL_STRATEGY = "national_strategy", _("ยุทธศาสตร์ชาติ / National strategy")
    INTERNATIONAL_PLAN = "international_plan", _("แผนระหว่างประเทศ / International plan")
    POLICY_PLATFORM = "policy_platform", _("นโยบายพรรคการเมือง / Policy platform")
    OTHER = "other", _("อื่น ๆ / Other")


class CrosswalkKind(models.TextChoices):
    SAME = "same", _("เหมือนเดิม / Same")
    REVISED = "revised", _("ปรับปรุง / Revised")
    SPLIT = "split", _("แยกเป็นหลายรายการ / Split")
    MERGED = "merged", _("รวมกับรายการอื่น / Merged")


class CrossLinkKind(models.TextChoices):
    SUPPORTS = "supports", _("สนับสนุน / Supports")
    SAME_AS = "same_as", _("เทียบเท่า / Same as")
    CONFLICTS_WITH = "conflicts_with", _("ขัดแย้งกับ / Conflicts with")


class Direction(models.TextChoices):
    HIGHER = "higher", _("ยิ่งสูงยิ่งดี / Higher is better")
    LOWER = "lower", _("ยิ่งต่ำยิ่งดี / Lower is better")
    RANGE = "range", _("อยู่ในช่วงเป้าหมาย / Within a target range")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("รายเดือน / Monthly")
    QUARTERLY = "quarterly", _("รายไตรมาส / Quarterly")
    ANNUAL = "annual", _("รายปี / Annual")
    PHASE = "phase", _("รายช่วง 5 ปี / Per 5-year phase")
