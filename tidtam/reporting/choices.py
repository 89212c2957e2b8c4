from django.db import models
from django.utils.translation import gettext_lazy as _


class RoundStatus(models.TextChoices):
    OPEN = "open", _("เปิดรับรายงาน / Open")
    CLOSED = "closed", _("ปิดแล้ว / Closed")


class Timeliness(models.TextChoices):
    """How a report owed in a round stands against the round's deadline."""

    ON_TIME = "on_time", _("ส่งตรงเวลา / On time")
    LATE = "late", _("ส่งล่าช้า / Late")
    PENDING = "pending", _("ยังไม่ส่ง ยังไม่ถึงกำหนด / Not yet due")
    MISSING = "missing", _("ไม่ส่ง เลยกำหนด / Missing")
