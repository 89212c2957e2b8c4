from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The roles of a membership (PRODUCT.md §2). Anonymous visitors are the public."""

    REPORTER = "reporter", _("ผู้นำเข้าข้อมูล / Reporter")
    APPROVER = "approver", _("ผู้อนุมัติ / Approver")
    COORDINATOR = "coordinator", _("ผู้ประสาน / Coordinator")
    REVIEWER = "reviewer", _("ผู้ตรวจสอบ / Reviewer")
    OVERSIGHT = "oversight", _("ผู้กำกับติดตาม / Oversight")
    ADMIN = "admin", _("ผู้ดูแลระบบ / Administrator")
