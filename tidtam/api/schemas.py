"""Input and output schemas of the API. Output schemas are explicit: the public read-only surface is a contract.

Model field names (`title_th`, `depth`, `tree_path`) are mapped to API names (`title`, `level`, `path`) here, in
resolvers, so endpoints can return model instances loaded by the selectors.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from tidtam.api.selectors import current_version_of
from tidtam.core.thaicalendar import to_arabic_digits


class ThaiInt(int):
    """An integer parameter that also accepts Thai digits (๐–๙), as everywhere a number is typed."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(
            lambda value: to_arabic_digits(value.strip()) if isinstance(value, str) else value, handler(int)
        )


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


class ErrorOut(Schema):
    """Every error: a stable code, a Thai / English message and details (usually `{field: [messages]}`)."""

    code: str = Field(description="รหัสข้อผิดพลาดที่คงที่ / Stable error code, e.g. `validation_error`")
    message: str = Field(description="ข้อความภาษาไทย / ภาษาอังกฤษ / Thai / English message")
    details: Any = Field(description="รายละเอียด เช่น ช่องที่ผิด / Details, e.g. the bad fields")


# --- auth -------------------------------------------------------------------------------------------------------


NO_NUL = r"^[^\x00]*$"  # text fields never hold NUL characters (PostgreSQL cannot store them)


class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=150, pattern=NO_NUL)
    password: str = Field(min_length=1, max_length=4096, pattern=NO_NUL)
    name: str = Field("", max_length=100, pattern=NO_NUL, description="ชื่อเรียกโทเค็น / A label for the token")


class TokenOut(Schema):
    token: str = Field(description="แสดงครั้งเดียว เก็บให้ปลอดภัย / Shown once; keep it secret")
    expires_at: datetime


class MembershipOut(Schema):
    organisation: str = Field(description="รหัสหน่วยงาน / Organisation code")
    organisation_name: str = Field(description="ชื่อหน่วยงาน (ไทย) / Thai organisation name")
    role: str = Field(description="reporter, approver, coordinator, reviewer, oversight, admin")


class MeOut(Schema):
    username: str
    name: str = Field(description="ชื่อที่แสดง / Display name")
    memberships: list[MembershipOut]


# --- plans ------------------------------------------------------------------------------------------------------


class LevelOut(Schema):
    key: str = ""
    th: str = ""
    en: str = ""


class LevelNameOut(Schema):
    th: str = Field(description="ชื่อระดับภาษาไทย / Thai level name")
    en: str = Field(description="ชื่อระดับภาษาอังกฤษ / English level name")


class FrameworkVersionOut(Schema):
    label: str = Field(description="ชื่อฉบับ / Version label, e.g. `2566`")
    levels: list[LevelOut] = Field(description="ชื่อระดับจากบนลงล่าง / Level names, top level first")
    valid_from: date | None
    valid_to: date | None


class FrameworkOut(Schema):
    code: str = Field(description="รหัสกรอบแผน / Framework code, e.g. `ns`")
    title: str = Field(description="ชื่อภาษาไทย / Thai title")
    title_en: str = Field(description="ชื่อภาษาอังกฤษ / English title")
    kind: str = Field(description="national_strategy, international_plan, policy_platform, other")
    description: str
    is_illustrative: bool = Field(description="ข้อมูลตัวอย่าง ไม่ใช่ข้อมูลทางการ / Illustrative, not official data")
    current_version: FrameworkVersionOut | None = Field(description="ฉบับปัจจุบัน / The current version")
    versions: list[str] = Field(description="ชื่อทุกฉบับ / Labels of every version")

    @staticmethod
    def resolve_title(obj) -> str:
        return obj.title_th

    @staticmethod
    def resolve_current_version(obj):
        return current_version_of(obj)

    @staticmethod
    def resolve_versions(obj) -> list[str]:
        return [version.label for version in obj.versions.all()]


class FrameworkListOut(Schema):
    results: list[FrameworkOut]


class NodeRefOut(Schema):
    """A short reference to a plan node."""

    id: int
    code: str = Field(description="รหัสโหนด ไม่ซ้ำในฉบับ / Node code, unique within its framework version")
    title: str = Field(description="ชื่อภาษาไทย / Thai title")
    title_en: str = Field(description="ชื่อภาษาอังกฤษ / English title")
    level: int = Field(description="ระดับ (1 = บนสุด) / Depth, 1 = top level")
    path: list[str] = Field(description="รหัสจากรากถึงโหนดนี้ / Codes from the root down to this node")
    framework: str = Field(description="รหัสกรอบแผน / Framework code")
    version: str = Field(description="ฉบับของกรอบแผน / Framework version label")

    @staticmethod
    def resolve_title(obj) -> str:
        return obj.title_th

    @staticmethod
    def resolve_level(obj) -> int:
        return obj.depth

    @staticmethod
    def resolve_path(obj) -> list[str]:
        return obj.path_codes

    @staticmethod
    def resolve_framework(obj) -> str:
        return obj.framework_version.framework.code

    @staticmethod
    def resolve_version(obj) -> str:
        return obj.framework_version.label


class NodeOut(NodeRefOut):
    """A plan node (needs `child_count` on the instance: the node selectors annotate it)."""

    level_name: LevelNameOut = Field(description="ชื่อระดับตามกรอบแผน / The framework's name for this level")
    parent: str | None = Field(description="รหัสโหนดแม่ / Parent node code (null at the top level)")
    description: str
    is_illustrative: bool = Field(description="ข้อมูลตัวอย่าง ไม่ใช่ข้อมูลทางการ / Illustrative, not official data")
    child_count: int = Field(description="จำนวนโหนดลูก / Number of direct children")

    @staticmethod
    def resolve_level_name(obj) -> dict:
        version = obj.framework_version
        return {"th": version.level_name(obj.depth, "th"), "en": version.level_name(obj.depth, "en")}

    @staticmethod
    def resolve_parent(obj) -> str | None:
        codes = obj.path_codes
        return codes[-2] if len(codes) > 1 else None


class NodeTreeOut(NodeOut):
    children: list["NodeTreeOut"] = Field(description="โหนดลูก / Child nodes (tree format)")

    @staticmethod
    def resolve_children(obj) -> list:
        return obj.tree_children


NodeTreeOut.model_rebuild()


class NodeTreeListOut(Schema):
    framework: str
    version: str
    format: Literal["tree"]
    results: list[NodeTreeOut] = Field(description="โหนดบนสุดพร้อมลูกหลาน / Top nodes with their descendants")


class NodeFlatListOut(Schema):
    framework: str
    version: str
    format: Literal["flat"]
    results: list[NodeOut] = Field(description="โหนดเรียงตามระดับ / Nodes, level by level")


NodeListOut = Annotated[NodeTreeListOut | NodeFlatListOut, Field(discriminator="format")]


class OrganisationRefOut(Schema):
    code: str
    name: str = Field(description="ชื่อภาษาไทย / Thai name")
    name_en: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.name_th


class BaselineOut(Schema):
    value: float | None = Field(description="ค่าฐาน / Baseline value")
    year: int | None = Field(description="ปีฐาน (พ.ศ.) / Baseline year (BE)")


class TargetOut(Schema):
    period_start: int = Field(description="ปีเริ่ม (พ.ศ.) / First year (BE)")
    period_end: int = Field(description="ปีสิ้นสุด (พ.ศ.) / Last year (BE); equal to the first for a fiscal year")
    value: float = Field(description="ค่าเป้าหมาย (ค่าล่างของช่วง) / Target (lower bound of a range)")
    value_max: float | None = Field(description="ค่าบนของช่วง / Upper bound of a target range")

    @staticmethod
    def resolve_value(obj) -> float:
        return _number(obj.value)

    @staticmethod
    def resolve_value_max(obj) -> float | None:
        return _number(obj.value_max)


class ValueOut(Schema):
    period_start: int = Field(description="ปีเริ่ม (พ.ศ.) / First year (BE)")
    period_end: int = Field(description="ปีสิ้นสุด (พ.ศ.) / Last year (BE)")
    value: float = Field(description="ค่าจริง / Actual value")
    evidence: str = Field(description="หลักฐาน / Evidence")
    source_url: str

    @staticmethod
    def resolve_value(obj) -> float:
        return _number(obj.value)


class IndicatorOut(Schema):
    id: int
    code: str
    name: str = Field(description="ชื่อภาษาไทย / Thai name")
    name_en: str
    unit: str = Field(description="หน่วยนับ / Unit")
    direction: str = Field(description="higher (ยิ่งสูงยิ่งดี), lower (ยิ่งต่ำยิ่งดี), range (อยู่ในช่วง)")
    baseline: BaselineOut
    frequency: str = Field(description="monthly, quarterly, annual, phase")
    data_source: str = Field(description="แหล่งข้อมูล / Data source")
    responsible_organisation: OrganisationRefOut | None = Field(description="หน่วยงานรับผิดชอบ / Responsible body")
    is_illustrative: bool
    targets: list[TargetOut] = Field(description="ค่าเป้าหมายรายช่วง / Targets per period")
    values: list[ValueOut] = Field(description="ค่าจริงรายช่วง / Actual values per period")

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.name_th

    @staticmethod
    def resolve_baseline(obj) -> dict:
        return {"value": _number(obj.baseline_value), "year": obj.baseline_year}

    @staticmethod
    def resolve_targets(obj) -> list:
        return list(obj.targets.all())

    @staticmethod
    def resolve_values(obj) -> list:
        return list(obj.values.all())


class IndicatorDetailOut(IndicatorOut):
    node: NodeRefOut = Field(description="โหนดที่ตัวชี้วัดนี้สังกัด / The node the indicator measures")


class CrossLinkOut(Schema):
    kind: str = Field(description="supports, same_as, conflicts_with")
    direction: Literal["out", "in"] = Field(description="out: จากโหนดนี้ / from this node; in: มายังโหนดนี้ / to it")
    note: str
    node: NodeOut = Field(description="โหนดอีกฝั่ง (กรอบแผนอื่น) / The node at the other end (another framework)")


class CrosswalkOut(Schema):
    kind: str = Field(description="same, revised, split, merged")
    direction: Literal["newer", "older"] = Field(description="ฉบับใหม่กว่าหรือเก่ากว่า / Towards a newer or older version")
    note: str
    node: NodeOut = Field(description="โหนดในอีกฉบับ / The node in the other version")


class NodeDetailOut(NodeOut):
    ancestors: list[NodeOut] = Field(description="จากรากถึงโหนดแม่ / From the root down to the parent")
    children: list[NodeOut]
    indicators: list[IndicatorOut]
    cross_links: list[CrossLinkOut] = Field(description="การเชื่อมโยงกับกรอบแผนอื่น / Links to other frameworks")
    crosswalks: list[CrosswalkOut] = Field(description="การเทียบโยงระหว่างฉบับ / Mapping to other versions")

    # The endpoint loads these through the selectors and attaches them to the node.
    @staticmethod
    def resolve_children(obj) -> list:
        return obj.children_list

    @staticmethod
    def resolve_indicators(obj) -> list:
        return obj.indicator_list

    @staticmethod
    def resolve_cross_links(obj) -> list:
        return obj.cross_link_list

    @staticmethod
    def resolve_crosswalks(obj) -> list:
        return obj.crosswalk_list


# --- organisations ----------------------------------------------------------------------------------------------


class OrganisationOut(Schema):
    code: str
    name: str = Field(description="ชื่อภาษาไทย / Thai name")
    name_en: str
    abbreviation: str = Field(description="อักษรย่อภาษาไทย / Thai abbreviation")
    abbreviation_en: str
    kind: str = Field(
        description="ministry, department, division, state_enterprise, public_organisation, "
        "independent_body, central_agency, legislature, province, external_partner"
    )
    parent: str | None = Field(description="รหัสหน่วยงานแม่ / Parent organisation code")
    path: list[str] = Field(description="รหัสจากรากถึงหน่วยงานนี้ / Codes from the root down to this organisation")
    depth: int = Field(description="ระดับ (1 = บนสุด) / Depth, 1 = top")
    country_code: str = Field(description="ISO 3166-1 alpha-2")
    website: str
    is_active: bool

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.name_th

    @staticmethod
    def resolve_abbreviation(obj) -> str:
        return obj.abbreviation_th

    @staticmethod
    def resolve_path(obj) -> list[str]:
        return obj.ancestor_codes()

    @staticmethod
    def resolve_parent(obj) -> str | None:
        codes = obj.ancestor_codes()
        return codes[-2] if len(codes) > 1 else None


class OrganisationPageOut(Schema):
    results: list[OrganisationOut]
    next: str | None = Field(description="cursor ของหน้าถัดไป (null = หน้าสุดท้าย) / Cursor of the next page, or null")


# --- audit ------------------------------------------------------------------------------------------------------


class AuditEntryOut(Schema):
    at: datetime
    action: str = Field(description="create, update, delete, move, revoke, …")
    object_type: str
    object_id: str
    object: str = Field(description="ชื่อของสิ่งที่ถูกแก้ไข ณ เวลานั้น / The object's name at the time")
    request_id: str
    actor: str | None = Field(description="ชื่อผู้ใช้ผู้แก้ไข เฉพาะผู้มีสิทธิ์ดู / Username, only for staff who may see it")
    changed_fields: list[str]
    before: dict | None
    after: dict | None
    reason: str


class AuditListOut(Schema):
    results: list[AuditEntryOut]
