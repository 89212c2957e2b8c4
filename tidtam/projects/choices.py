from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectKind(models.TextChoices):
    PROJECT = "project", _("โครงการ / Project")
    ROUTINE = "routine", _("การดำเนินงานประจำ / Routine operation")


class Lifecycle(models.TextChoices):
    PLANNED = "planned", _("ยังไม่เริ่ม / Planned")
    ONGOING = "ongoing", _("กำลังดำเนินการ / Ongoing")
    COMPLETED = "completed", _("แล้วเสร็จ / Completed")
    CANCELLED = "cancelled", _("ยกเลิก / Cancelled")


class BudgetSource(models.TextChoices):
    STATE_BUDGET = "state_budget", _("งบประมาณแผ่นดิน / State budget")
    OFF_BUDGET = "off_budget", _("เงินนอกงบประมาณ / Off-budget funds")
    LOAN = "loan", _("เงินกู้ / Loan")
    OWN_REVENUE = "own_revenue", _("รายได้หน่วยงาน / Agency revenue")
    OTHER = "other", _("อื่น ๆ / Other")
