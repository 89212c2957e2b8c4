from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    MINISTRY = "ministry", _("กระทรวง / Ministry")
    DEPARTMENT = "department", _("กรม / Department")
    DIVISION = "division", _("กอง / Division")
    STATE_ENTERPRISE = "state_enterprise", _("รัฐวิสาหกิจ / State enterprise")
    PUBLIC_ORGANISATION = "public_organisation", _("องค์การมหาชน / Public organisation")
    INDEPENDENT_BODY = "independent_body", _("องค์กรอิสระ / Independent body")
    CENTRAL_AGENCY = "central_agency", _("หน่วยงานกลาง / Central agency")
    LEGISLATURE = "legislature", _("ฝ่ายนิติบัญญัติ / Legislature")
    PROVINCE = "province", _("จังหวัด / Province")
    EXTERNAL_PARTNER = "external_partner", _("หุ้นส่วนภายนอก / External partner")
