from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkflowStatus(models.TextChoices):
    """Where a project or report is in the approval chain. `colour` names the badge colour; text always shows too."""

    DRAFT = "draft", _("ร่าง / Draft")
    SUBMITTED = "submitted", _("ส่งแล้ว รออนุมัติ / Submitted")
    APPROVED = "approved", _("อนุมัติแล้ว รอตรวจรับ / Approved")
    ACCEPTED = "accepted", _("ตรวจรับแล้ว / Accepted")

    @property
    def colour(self) -> str:
        return {"draft": "grey", "submitted": "blue", "approved": "teal", "accepted": "green"}[self.value]


class WorkflowAction(models.TextChoices):
    SUBMIT = "submit", _("ส่งอนุมัติ / Submit")
    APPROVE = "approve", _("อนุมัติ / Approve")
    RETURN = "return", _("ส่งกลับแก้ไข / Return")
    ACCEPT = "accept", _("ตรวจรับ / Accept")
    UNLOCK = "unlock", _("ปลดล็อก / Unlock")


class WorkflowErrorCode(models.TextChoices):
    """Stable codes of refused transitions; the API and the pages show the same Thai / English message."""

    NOT_SUBMITTABLE = "not_submittable", _("ส่งได้เฉพาะรายการที่เป็นร่าง / Only a draft can be submitted")
    NOT_APPROVABLE = "not_approvable", _("อนุมัติได้เฉพาะรายการที่ส่งแล้ว / Only a submitted item can be approved")
    NOT_YOUR_LEVEL = (
        "not_your_level",
        _("รายการนี้รอการอนุมัติจากหน่วยงานระดับอื่น / This item awaits approval at another level"),
    )
    NOT_ACCEPTABLE = "not_acceptable", _("ตรวจรับได้เฉพาะรายการที่อนุมัติแล้ว / Only an approved item can be accepted")
    NOT_RETURNABLE = (
        "not_returnable",
        _("ส่งกลับได้เฉพาะรายการที่ส่งแล้วหรืออนุมัติแล้ว / Only a submitted or approved item can be returned"),
    )
    NOT_UNLOCKABLE = "not_unlockable", _("รายการนี้ไม่ได้ถูกล็อก / This item is not locked")
    LOCKED = "locked", _("รายการนี้ถูกล็อกแล้ว แก้ไขไม่ได้ / This item is locked and cannot be changed")
    NOT_EDITABLE = "not_editable", _("แก้ไขได้เฉพาะรายการที่เป็นร่าง / Only a draft can be edited")
    REASON_REQUIRED = "reason_required", _("ต้องระบุเหตุผล / A reason is required")
    INCOMPLETE = "incomplete", _("ข้อมูลยังไม่ครบ ส่งไม่ได้ / The item is incomplete and cannot be submitted")
    ROUND_CLOSED = "round_closed", _("รอบการรายงานปิดแล้ว / The reporting round is closed")
