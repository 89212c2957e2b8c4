"""Input and output schemas of the API. Output schemas are explicit: the public read-only surface is a contract.

Model field names (`title_th`, `depth`, `tree_path`) are mapped to API names (`title`, `level`, `path`) here, in
resolvers, so endpoints can return model instances loaded by the selectors.
"""

import functools
import inspect
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

import ninja
from django.db.models import Manager, Model
from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language
from ninja import Field
from pydantic import BeforeValidator, ConfigDict, GetCoreSchemaHandler, ValidationInfo, model_validator
from pydantic_core import core_schema

from tidtam.api.auth import current_user
from tidtam.core.thaicalendar import parse_number, to_arabic_digits
from tidtam.plans.selectors import current_version
from tidtam.projects.selectors import attachment_list, may_see_drafts, may_see_reasons
from tidtam.reporting.choices import RoundStatus
from tidtam.reporting.selectors import cumulative_disbursement, disbursement_plan_to_date, round_label
from tidtam.workflow.choices import WorkflowStatus
from tidtam.workflow.selectors import available_actions
from tidtam.workflow.services import lock_reason


class Schema(ninja.Schema):
    """ninja's Schema, reading a model instance into a dict in one pass before pydantic validates it.

    ninja wraps every instance in a `DjangoGetter` and resolves each field through it; for list pages of a few
    hundred nested objects that wrapper was the largest part of an uncached request. The rules are ninja's: a
    `resolve_<field>(obj[, context])` static method gives the field's value, else the attribute does, and a related
    manager becomes a list and a method is called. Anything else than a model instance goes ninja's way.
    """

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler, info: ValidationInfo) -> Any:
        if isinstance(values, _Read):  # a recursive schema (NodeTreeOut) comes back here with what it read
            return handler(values)
        readers = _readers(cls)
        if not isinstance(values, Model):
            if isinstance(values, dict) and not any(resolve for resolve, _ in readers.values()):
                return handler(values)  # a resolver's dict, such as `links` or `status`
            return _ninja_root_validator(cls, values, handler, info)
        data = _Read()
        for name, (resolve, takes_context) in readers.items():
            if resolve is not None:
                data[name] = resolve(values, context=info.context) if takes_context else resolve(values)
            elif (value := getattr(values, name, _MISSING)) is not _MISSING:
                data[name] = list(value.all()) if isinstance(value, Manager) else value() if callable(value) else value
        return handler(data)


_MISSING = object()


class _Read(dict):
    """The fields read from an instance, ready for pydantic."""


_ninja_root_validator = ninja.Schema._run_root_validator.__func__


@functools.cache
def _readers(schema: type[Schema]) -> dict[str, tuple[Any, bool]]:
    """Per output field: its resolver (or None) and whether the resolver takes the context."""
    readers = {}
    for name in schema.model_fields:
        resolve = getattr(schema, f"resolve_{name}", None)
        takes_context = resolve is not None and "context" in inspect.signature(resolve).parameters
        readers[name] = (resolve, takes_context)
    return readers


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
        return current_version(obj.versions.all())

    @staticmethod
    def resolve_versions(obj) -> list[str]:
        return [version.label for version in obj.versions.all()]


class FrameworkListOut(Schema):
    results: list[FrameworkOut]


class _NodeCore(Schema):
    """What names a plan node and places it in its tree."""

    id: int
    code: str = Field(description="รหัสโหนด ไม่ซ้ำในฉบับ / Node code, unique within its framework version")
    title: str = Field(description="ชื่อภาษาไทย / Thai title")
    title_en: str = Field(description="ชื่อภาษาอังกฤษ / English title")
    level: int = Field(description="ระดับ (1 = บนสุด) / Depth, 1 = top level")
    path: list[str] = Field(description="รหัสจากรากถึงโหนดนี้ / Codes from the root down to this node")

    @staticmethod
    def resolve_title(obj) -> str:
        return obj.title_th

    @staticmethod
    def resolve_level(obj) -> int:
        return obj.depth

    @staticmethod
    def resolve_path(obj) -> list[str]:
        return obj.path_codes


class NodeRefOut(_NodeCore):
    """A short reference to a plan node."""

    framework: str = Field(description="รหัสกรอบแผน / Framework code")
    version: str = Field(description="ฉบับของกรอบแผน / Framework version label")

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


# --- projects, reports, rounds: shared pieces -------------------------------------------------------------------


class ThaiDecimal(Decimal):
    """A number given as a JSON number or as text, which may use Thai digits and thousands separators ("๑,๒๐๐.๕")."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(
            _to_decimal, core_schema.decimal_schema(allow_inf_nan=False)
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema, handler) -> dict:
        return {"anyOf": [{"type": "number"}, {"type": "string"}]}


def _to_decimal(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, str):
        return parse_number(value)  # its ValueError carries a Thai / English message
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


@functools.lru_cache(maxsize=8)
def _api_root(script_prefix: str) -> str:
    return reverse("api:api-root")


def api_path(path: str) -> str:
    """`projects/3` → `/api/v1/projects/3` (wherever the API is mounted; resolved once per script prefix)."""
    return f"{_api_root(get_script_prefix())}{path}"


def _choice(choices, value: str) -> dict:
    return {"code": value, "label": _label(choices, value, get_language())}


@functools.lru_cache(maxsize=256)
def _label(choices, value: str, language: str) -> str:
    """A choice's label in `language` (the active one), translated once per process: lists show it on every item."""
    return str(choices(value).label)


class StatusOut(Schema):
    code: str = Field(description="รหัสสถานะ / Status code, e.g. `draft`")
    label: str = Field(description="ชื่อสถานะ ไทย / อังกฤษ / Thai / English label")


class ApprovalsOut(Schema):
    done: int = Field(description="จำนวนการอนุมัติที่ได้แล้ว / Approvals given since submission")
    required: int = Field(description="จำนวนระดับที่ต้องอนุมัติ / Approval levels required (set on submission)")


class WorkflowOut(Schema):
    """The fields every editable workflow item (project, report) carries."""

    version: int = Field(description="ส่งค่านี้กลับเมื่อแก้ไข / Send it back with every write (optimistic locking)")
    status: StatusOut = Field(description="draft, submitted, approved, accepted")
    return_reason: str = Field(description="เหตุผลที่ส่งกลับแก้ไข / Why the item was returned (empty if not)")
    approvals: ApprovalsOut
    lock: str | None = Field(
        description="เหตุที่แก้ไขไม่ได้ขณะนี้ / Why it cannot be edited now: `not_editable` (in review), `locked` "
        "(accepted), `round_closed`; null for an editable draft"
    )
    submitted_at: datetime | None
    approved_at: datetime | None
    accepted_at: datetime | None
    returned_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_status(obj) -> dict:
        return _choice(WorkflowStatus, obj.status)

    @staticmethod
    def resolve_approvals(obj) -> dict:
        return {"done": obj.approvals_done, "required": obj.approvals_required}

    @staticmethod
    def resolve_lock(obj) -> str | None:
        reason = lock_reason(obj)
        return None if reason is None else reason.value

    @staticmethod
    def resolve_return_reason(obj, context) -> str:
        """A reviewer's working note: empty for those who may not see it (as on the pages)."""
        if not obj.return_reason:
            return ""
        return obj.return_reason if may_see_reasons(user=current_user(context["request"]), item=obj) else ""


class ActionsOut(Schema):
    actions: list[str] = Field(
        description="การดำเนินการที่ผู้เรียกทำได้ขณะนี้ / Workflow actions the caller may take now "
        "(submit, approve, return, accept, unlock)"
    )

    @staticmethod
    def resolve_actions(obj, context) -> list[str]:
        user = current_user(context["request"])
        return [action.value for action in available_actions(user, obj)] if user.is_authenticated else []


class ProvinceOut(Schema):
    code: str = Field(description="รหัสจังหวัด 2 หลัก / Two-digit province code")
    name: str
    name_en: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.name_th


class CountryOut(Schema):
    code: str = Field(description="ISO 3166-1 alpha-2")
    name: str
    name_en: str

    @staticmethod
    def resolve_code(obj) -> str:
        return obj.alpha2

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.name_th


class AttachmentLinksOut(Schema):
    download: str


class AttachmentOut(Schema):
    id: int
    name: str = Field(description="ชื่อแฟ้มเดิม / Original file name")
    content_type: str
    size: int = Field(description="ขนาด (ไบต์) / Size in bytes")
    sha256: str
    is_public: bool = Field(description="เปิดเผยต่อสาธารณะเมื่อตรวจรับแล้ว / Public once the item is accepted")
    report: int | None = Field(description="รายงานที่แฟ้มนี้เป็นหลักฐาน / The report it is evidence for, if any")
    created_at: datetime
    links: AttachmentLinksOut

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.original_name

    @staticmethod
    def resolve_report(obj) -> int | None:
        return obj.report_id

    @staticmethod
    def resolve_links(obj) -> dict:
        return {"download": api_path(f"attachments/{obj.pk}")}


# --- projects ---------------------------------------------------------------------------------------------------


class ProjectLinksOut(Schema):
    self: str
    reports: str
    audit: str


class _ProjectCore(Schema):
    id: int
    code: str
    name: str = Field(description="ชื่อภาษาไทย / Thai name")
    name_en: str
    kind: str = Field(description="project (โครงการ), routine (การดำเนินงานประจำ)")
    owner: OrganisationRefOut = Field(description="หน่วยงานเจ้าของ / Owner organisation")
    fiscal_year_start: int = Field(description="ปีงบประมาณแรก (พ.ศ.) / First fiscal year (BE)")
    fiscal_year_end: int = Field(description="ปีงบประมาณสุดท้าย (พ.ศ.) / Last fiscal year (BE)")
    start_date: date | None
    end_date: date | None
    lifecycle: str = Field(description="planned, ongoing, completed, cancelled")
    is_illustrative: bool
    primary_node: NodeRefOut | None = Field(description="เป้าหมายหรือปัจจัยหลัก / The primary target or factor")
    links: ProjectLinksOut

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.name_th

    @staticmethod
    def resolve_primary_node(obj):
        """From `primary_links` where a list prefetched only those (cheaper than a prefetched manager per item)."""
        links = obj.primary_links if hasattr(obj, "primary_links") else obj.contributions.all()
        return next((c.node for c in links if c.is_primary), None)

    @staticmethod
    def resolve_links(obj) -> dict:
        return {
            "self": api_path(f"projects/{obj.pk}"),
            "reports": api_path(f"projects/{obj.pk}/reports"),
            "audit": api_path(f"audit?object=project:{obj.pk}"),
        }


class ProjectSummaryOut(WorkflowOut, _ProjectCore):
    """A project in a list: what identifies it and where it is in the workflow."""


class KpiOut(Schema):
    id: int
    name: str
    unit: str
    target_value: float

    @staticmethod
    def resolve_target_value(obj) -> float:
        return _number(obj.target_value)


class ActivityOut(Schema):
    id: int
    name: str
    start_date: date | None
    end_date: date | None


class BudgetLineOut(Schema):
    fiscal_year: int = Field(description="ปีงบประมาณ (พ.ศ.) / Fiscal year (BE)")
    source: str = Field(description="state_budget, off_budget, loan, own_revenue, other")
    amount: float = Field(description="บาท / THB")

    @staticmethod
    def resolve_amount(obj) -> float:
        return _number(obj.amount)


class MonthAmountOut(Schema):
    month: date = Field(description="วันแรกของเดือน / The first day of the month")
    amount: float = Field(description="บาท / THB")

    @staticmethod
    def resolve_amount(obj) -> float:
        return _number(obj.amount)


_PRIVATE = "แสดงเฉพาะผู้ที่เห็นร่างของโครงการนี้ได้ (null สำหรับผู้อื่น) / Only for those who may see the project's drafts"


class ProjectOut(ActionsOut, ProjectSummaryOut):
    responsible_name: str | None = Field(description=f"ผู้รับผิดชอบ / Responsible person. {_PRIVATE}")
    responsible_position: str | None = Field(description=_PRIVATE)
    responsible_email: str | None = Field(description=_PRIVATE)
    responsible_phone: str | None = Field(description=_PRIVATE)
    rationale: str = Field(description="หลักการและเหตุผล / Rationale")
    objectives: str = Field(description="วัตถุประสงค์ / Objectives")
    output_target: str = Field(description="เป้าหมายเชิงผลผลิต / Output target")
    outcome_target: str = Field(description="เป้าหมายเชิงผลลัพธ์ / Outcome target")
    provinces: list[ProvinceOut]
    countries: list[CountryOut]
    partners: list[OrganisationRefOut] = Field(description="หน่วยงานร่วม / Partner organisations")
    kpis: list[KpiOut] = Field(description="ตัวชี้วัดโครงการ / Project KPIs")
    activities: list[ActivityOut]
    budget_lines: list[BudgetLineOut]
    planned_disbursements: list[MonthAmountOut] = Field(description="แผนการเบิกจ่ายรายเดือน / Planned per month")
    secondary_nodes: list[NodeRefOut] = Field(description="ความเชื่อมโยงรอง (กรอบแผนใดก็ได้) / Secondary links")
    attachments: list[AttachmentOut] = Field(description="เอกสารแนบของโครงการ / The project's own attachments")

    @staticmethod
    def _contact(obj, context, field: str) -> str | None:
        return getattr(obj, field) if may_see_drafts(user=current_user(context["request"]), item=obj) else None

    @staticmethod
    def resolve_responsible_name(obj, context) -> str | None:
        return ProjectOut._contact(obj, context, "responsible_name")

    @staticmethod
    def resolve_responsible_position(obj, context) -> str | None:
        return ProjectOut._contact(obj, context, "responsible_position")

    @staticmethod
    def resolve_responsible_email(obj, context) -> str | None:
        return ProjectOut._contact(obj, context, "responsible_email")

    @staticmethod
    def resolve_responsible_phone(obj, context) -> str | None:
        return ProjectOut._contact(obj, context, "responsible_phone")

    @staticmethod
    def resolve_provinces(obj) -> list:
        return list(obj.provinces.all())

    @staticmethod
    def resolve_countries(obj) -> list:
        return list(obj.countries.all())

    @staticmethod
    def resolve_partners(obj) -> list:
        return list(obj.partners.all())

    @staticmethod
    def resolve_kpis(obj) -> list:
        return list(obj.kpis.all())

    @staticmethod
    def resolve_activities(obj) -> list:
        return list(obj.activities.all())

    @staticmethod
    def resolve_budget_lines(obj) -> list:
        return list(obj.budget_lines.all())

    @staticmethod
    def resolve_planned_disbursements(obj) -> list:
        return list(obj.planned_disbursements.all())

    @staticmethod
    def resolve_secondary_nodes(obj) -> list:
        return [c.node for c in obj.contributions.all() if not c.is_primary]

    @staticmethod
    def resolve_attachments(obj, context) -> list:
        return attachment_list(user=current_user(context["request"]), project=obj)


class ProjectPageOut(Schema):
    results: list[ProjectSummaryOut]
    next: str | None = Field(description="cursor ของหน้าถัดไป (null = หน้าสุดท้าย) / Cursor of the next page, or null")


_TEXT = {"pattern": NO_NUL}


MAX_ID = 2**63 - 1  # ids and versions are 64-bit integers; a bigger number is a malformed request, not a lookup
Id = Annotated[ThaiInt, Field(ge=1, le=MAX_ID)]
Version = Annotated[ThaiInt, Field(ge=1, le=MAX_ID)]


def _arabic(value: Any) -> Any:
    return to_arabic_digits(value) if isinstance(value, str) else value


class StrictIn(Schema):
    """A request body: an unknown field is an error (400), not silently dropped — a typo in a PATCH must not pass."""

    model_config = ConfigDict(extra="forbid")


class KpiIn(StrictIn):
    id: Id | None = Field(
        None, description="id ของตัวชี้วัดเดิม เพื่อคงผลที่รายงานไว้ / A stored KPI's id, so its reported actuals stay"
    )
    name: str = Field(min_length=1, max_length=500, **_TEXT)
    unit: str = Field(max_length=60, **_TEXT)
    target_value: ThaiDecimal


class ActivityIn(StrictIn):
    name: str = Field(min_length=1, max_length=500, **_TEXT)
    start_date: date | None = None
    end_date: date | None = None


class BudgetLineIn(StrictIn):
    fiscal_year: ThaiInt = Field(description="พ.ศ. / BE")
    source: Literal["state_budget", "off_budget", "loan", "own_revenue", "other"]
    amount: ThaiDecimal


class MonthAmountIn(StrictIn):
    month: date = Field(description="วันใดก็ได้ในเดือนนั้น / Any day of the month (stored as its first day)")
    amount: ThaiDecimal


class ProjectFieldsIn(StrictIn):
    """The editable fields of a project. In a PATCH, only the fields sent change; a list sent replaces the stored one
    wholesale."""

    name: str = Field(None, min_length=1, max_length=500, description="ชื่อภาษาไทย / Thai name", **_TEXT)
    name_en: str = Field(None, max_length=500, **_TEXT)
    kind: Literal["project", "routine"] = None
    fiscal_year_start: ThaiInt = Field(None, description="พ.ศ. / BE")
    fiscal_year_end: ThaiInt = Field(None, description="พ.ศ. / BE")
    start_date: date | None = None
    end_date: date | None = None
    rationale: str = Field(None, max_length=20000, **_TEXT)
    objectives: str = Field(None, max_length=20000, **_TEXT)
    output_target: str = Field(None, max_length=20000, **_TEXT)
    outcome_target: str = Field(None, max_length=20000, **_TEXT)
    lifecycle: Literal["planned", "ongoing", "completed", "cancelled"] = None
    responsible_name: str = Field(None, max_length=200, **_TEXT)
    responsible_position: str = Field(None, max_length=200, **_TEXT)
    responsible_email: str = Field(None, max_length=254, **_TEXT)
    responsible_phone: str = Field(None, max_length=40, **_TEXT)
    is_illustrative: bool = None
    provinces: list[Annotated[str, BeforeValidator(_arabic), Field(max_length=10, pattern=NO_NUL)]] = Field(
        None, max_length=100, description="รหัสจังหวัด (เลขไทยได้) / Province codes, e.g. `10` (Bangkok); Thai digits ok"
    )
    countries: list[Annotated[str, Field(max_length=2, pattern=NO_NUL)]] = Field(
        None, max_length=300, description="ISO 3166-1 alpha-2, e.g. `US`"
    )
    partners: list[Annotated[str, Field(max_length=100, pattern=NO_NUL)]] = Field(
        None, max_length=200, description="รหัสหน่วยงาน / Organisation codes"
    )
    kpis: list[KpiIn] = Field(None, max_length=200)
    activities: list[ActivityIn] = Field(None, max_length=500)
    budget_lines: list[BudgetLineIn] = Field(None, max_length=500)
    planned_disbursements: list[MonthAmountIn] = Field(None, max_length=600)
    primary_node: Id | None = Field(None, description="id ของเป้าหมายหรือปัจจัยหลัก / Id of the primary node")
    secondary_nodes: list[Id] = Field(None, max_length=200, description="id ของโหนด / Node ids")


class ProjectCreateIn(ProjectFieldsIn):
    owner: str = Field(min_length=1, max_length=100, description="รหัสหน่วยงานเจ้าของ / Owner organisation code", **_TEXT)
    code: str = Field("", max_length=40, description="ไม่ระบุ = สร้างให้ / Leave empty to have one generated", **_TEXT)
    name: str = Field(min_length=1, max_length=500, description="ชื่อภาษาไทย / Thai name", **_TEXT)
    fiscal_year_start: ThaiInt = Field(description="พ.ศ. / BE")


class ProjectUpdateIn(ProjectFieldsIn):
    version: Version = Field(description="version ที่อ่านมา / The version you read")


# --- rounds -----------------------------------------------------------------------------------------------------


class RoundLinksOut(Schema):
    self: str
    reports: str
    completeness: str
    audit: str


class RoundOut(Schema):
    id: int
    fiscal_year: int = Field(description="ปีงบประมาณ (พ.ศ.) / Fiscal year (BE)")
    quarter: int | None = Field(description="ไตรมาส 1–4 (null สำหรับรอบรายเดือน) / 1–4, null for a monthly round")
    month: int | None = Field(description="เดือนของปีงบประมาณ 1 = ตุลาคม / Month of the fiscal year, 1 = October")
    label: str = Field(description='เช่น "ไตรมาส 1/2568" / e.g. "Q1 FY 2568" in English')
    period_start: date
    period_end: date
    opens_on: date
    deadline: date
    status: StatusOut = Field(description="open, closed")
    closed_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
    links: RoundLinksOut

    @staticmethod
    def resolve_label(obj) -> str:
        return round_label(obj)

    @staticmethod
    def resolve_status(obj) -> dict:
        return _choice(RoundStatus, obj.status)

    @staticmethod
    def resolve_links(obj) -> dict:
        return {
            "self": api_path(f"rounds/{obj.pk}"),
            "reports": api_path(f"reports?round={obj.pk}"),
            "completeness": api_path(f"rounds/{obj.pk}/completeness"),
            "audit": api_path(f"audit?object=round:{obj.pk}"),
        }


class RoundListOut(Schema):
    results: list[RoundOut]


class RoundOpenIn(StrictIn):
    fiscal_year: ThaiInt = Field(description="ปีงบประมาณ (พ.ศ.) / Fiscal year (BE), e.g. 2568")
    quarter: ThaiInt | None = Field(None, ge=1, le=4, description="1–4; ระบุไตรมาสหรือเดือน / a quarter or a month")
    month: ThaiInt | None = Field(None, ge=1, le=12, description="1 = ตุลาคม / 1 = October")
    opens_on: date
    deadline: date


class RoundUpdateIn(StrictIn):
    version: Version
    opens_on: date = None
    deadline: date = None


class VersionReasonIn(StrictIn):
    version: Version = Field(description="version ที่อ่านมา / The version you read")
    reason: str = Field("", max_length=4000, description="เหตุผล / Reason", **_TEXT)


class CompletenessRowOut(Schema):
    organisation: OrganisationRefOut | None = Field(description="null ในแถวรวม / null in the total row")
    owed: int = Field(description="ต้องรายงาน / Reports owed")
    submitted: int = Field(description="ส่งแล้ว (รวมที่อนุมัติและตรวจรับ) / Submitted, approved or accepted")
    approved: int
    accepted: int
    on_time: int = Field(description="ส่งตรงเวลา / Submitted by the deadline")
    late: int = Field(description="ส่งล่าช้า / Submitted after the deadline")
    missing: int = Field(description="ไม่ส่ง เลยกำหนด / Not submitted, deadline passed")
    pending: int = Field(description="ยังไม่ส่ง ยังไม่ถึงกำหนด / Not submitted, deadline not passed")


class CompletenessOut(Schema):
    round: int
    results: list[CompletenessRowOut]
    total: CompletenessRowOut


class RemindIn(StrictIn):
    organisation: str | None = Field(
        None, max_length=100, description="เฉพาะหน่วยงานนี้และในสังกัด / Only this organisation's subtree", **_TEXT
    )


class RemindOut(Schema):
    sent: int = Field(description="จำนวนอีเมลที่ส่ง / E-mails sent")


# --- reports ----------------------------------------------------------------------------------------------------


class ProjectRefOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    owner: OrganisationRefOut

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.name_th


class RoundRefOut(Schema):
    id: int
    fiscal_year: int
    quarter: int | None
    month: int | None
    label: str
    period_start: date
    period_end: date
    deadline: date
    status: str = Field(description="open, closed")

    @staticmethod
    def resolve_label(obj) -> str:
        return round_label(obj)


class ReportLinksOut(Schema):
    self: str
    project: str
    audit: str


class _ReportCore(Schema):
    id: int
    project: ProjectRefOut
    round: RoundRefOut
    physical_progress: float | None = Field(description="ความก้าวหน้าเชิงกายภาพ (%) / Physical progress (%)")
    links: ReportLinksOut

    @staticmethod
    def resolve_physical_progress(obj) -> float | None:
        return _number(obj.physical_progress)

    @staticmethod
    def resolve_links(obj) -> dict:
        return {
            "self": api_path(f"reports/{obj.pk}"),
            "project": api_path(f"projects/{obj.project_id}"),
            "audit": api_path(f"audit?object=report:{obj.pk}"),
        }


class ReportSummaryOut(WorkflowOut, _ReportCore):
    """A report in a list: its project and round, progress, and where it is in the workflow."""


class KpiActualOut(Schema):
    kpi: KpiOut
    value: float

    @staticmethod
    def resolve_value(obj) -> float:
        return _number(obj.value)


class IndicatorRefOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    unit: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.name_th


class ReportIndicatorValueOut(Schema):
    indicator: IndicatorRefOut
    value: float
    note: str

    @staticmethod
    def resolve_value(obj) -> float:
        return _number(obj.value)


class ReportOut(ActionsOut, ReportSummaryOut):
    results: str = Field(description="ผลการดำเนินงาน / Results")
    problems: str = Field(description="ปัญหาอุปสรรค / Problems and obstacles")
    recommendations: str = Field(description="ข้อเสนอแนะ / Recommendations")
    disbursements: list[MonthAmountOut] = Field(description="เบิกจ่ายจริงรายเดือนในรอบนี้ / Disbursed per month")
    disbursed_in_round: float = Field(description="รวมเบิกจ่ายในรอบนี้ / Sum of this round's months")
    cumulative_disbursement: float = Field(
        description="เบิกจ่ายสะสมถึงสิ้นรอบนี้ (คำนวณ) / Disbursed to the end of this round, derived from all reports"
    )
    planned_to_date: float = Field(description="แผนการเบิกจ่ายสะสมถึงสิ้นรอบนี้ / Planned disbursement to date")
    kpi_actuals: list[KpiActualOut]
    indicator_values: list[ReportIndicatorValueOut]
    evidence: list[AttachmentOut] = Field(description="หลักฐาน / Evidence files")

    @staticmethod
    def resolve_disbursements(obj) -> list:
        return list(obj.disbursements.all())

    @staticmethod
    def resolve_disbursed_in_round(obj) -> float:
        return float(sum((d.amount for d in obj.disbursements.all()), Decimal(0)))

    @staticmethod
    def resolve_cumulative_disbursement(obj, context) -> float:
        return float(cumulative_disbursement(obj, user=current_user(context["request"])))

    @staticmethod
    def resolve_planned_to_date(obj) -> float:
        return float(disbursement_plan_to_date(obj))

    @staticmethod
    def resolve_kpi_actuals(obj) -> list:
        return list(obj.kpi_actuals.all())

    @staticmethod
    def resolve_indicator_values(obj) -> list:
        return list(obj.indicator_values.all())

    @staticmethod
    def resolve_evidence(obj, context) -> list:
        return attachment_list(user=current_user(context["request"]), project=obj.project, report=obj)


class ReportListOut(Schema):
    results: list[ReportSummaryOut]


class ReportPageOut(Schema):
    results: list[ReportSummaryOut]
    next: str | None = Field(description="cursor ของหน้าถัดไป (null = หน้าสุดท้าย) / Cursor of the next page, or null")


class ReportCreateIn(StrictIn):
    round: Id = Field(description="id ของรอบการรายงาน / Reporting round id")


class KpiActualIn(StrictIn):
    kpi: Id = Field(description="id ของตัวชี้วัดโครงการ / Project KPI id")
    value: ThaiDecimal


class IndicatorValueIn(StrictIn):
    indicator: Id = Field(description="id ของตัวชี้วัดแผน / Plan indicator id")
    value: ThaiDecimal
    note: str = Field("", max_length=4000, **_TEXT)


class ReportUpdateIn(StrictIn):
    """Only the fields sent change; a list sent replaces the stored one wholesale."""

    version: Version = Field(description="version ที่อ่านมา / The version you read")
    physical_progress: ThaiDecimal | None = Field(None, description="0–100 (%)")
    results: str = Field(None, max_length=20000, description="ผลการดำเนินงาน / Results", **_TEXT)
    problems: str = Field(None, max_length=20000, description="ปัญหาอุปสรรค / Problems", **_TEXT)
    recommendations: str = Field(None, max_length=20000, description="ข้อเสนอแนะ / Recommendations", **_TEXT)
    disbursements: list[MonthAmountIn] = Field(None, max_length=12, description="เดือนในช่วงของรอบ / Months of the round")
    kpi_actuals: list[KpiActualIn] = Field(None, max_length=200)
    indicator_values: list[IndicatorValueIn] = Field(None, max_length=200)


# --- workflow actions -------------------------------------------------------------------------------------------


class BulkItemIn(StrictIn):
    id: Id
    version: Version


class BulkApproveIn(StrictIn):
    items: list[BulkItemIn] = Field(min_length=1, max_length=500)


class BulkItemErrorOut(Schema):
    code: str
    message: str
    details: Any


class BulkResultOut(Schema):
    id: int
    ok: bool = Field(description="อนุมัติสำเร็จหรือไม่ / Whether this item was approved")
    http_status: int = Field(description="สถานะที่รายการนี้จะได้ถ้าส่งทีละรายการ / The status a single request would get")
    version: int | None = Field(description="version หลังดำเนินการ / The item's version now (null if not visible)")
    status: StatusOut | None = Field(description="สถานะหลังดำเนินการ / The item's status now (null if not visible)")
    error: BulkItemErrorOut | None


class BulkApproveOut(Schema):
    approved: int = Field(description="จำนวนที่อนุมัติสำเร็จ / How many were approved")
    failed: int
    results: list[BulkResultOut] = Field(description="ผลรายรายการตามลำดับที่ส่ง / One result per item, in order")


# --- dashboards and indicator statuses --------------------------------------------------------------------------


def figures_dict(figures) -> dict:
    """`Figures.as_dict()` with amounts and percentages as JSON numbers, like every other amount in the API."""
    return {name: float(value) if isinstance(value, Decimal) else value for name, value in figures.as_dict().items()}


class StatusDistributionOut(Schema):
    green: int = Field(description="บรรลุค่าเป้าหมาย / Target achieved")
    yellow: int = Field(description="ต่ำกว่าค่าเป้าหมายเล็กน้อย / Slightly below target")
    orange: int = Field(description="ต่ำกว่าค่าเป้าหมาย/เสี่ยง / Below target, at risk")
    red: int = Field(description="วิกฤต / Critical")
    grey: int = Field(description="ไม่มีข้อมูล / No data")


LevelCode = Literal["green", "yellow", "orange", "red", "grey"]


class FiguresOut(Schema):
    projects: int = Field(description="จำนวนโครงการ (นับครั้งเดียวต่อโหนด) / Projects, each counted once per node")
    budget: float = Field(description="งบประมาณที่จัดสรรในปีงบประมาณ (บาท) / Budget allocated in the fiscal year (THB)")
    disbursed: float = Field(description="เบิกจ่ายแล้วตามรายงานที่นับ (บาท) / Disbursed in the counted reports (THB)")
    disbursement_percent: float | None = Field(
        description="ร้อยละการเบิกจ่าย / Disbursed as % of budget (null: no budget)"
    )
    average_progress: float | None = Field(
        description="ความก้าวหน้าเฉลี่ย (%) / Average physical progress of projects that reported it (null: none)"
    )
    indicators: int = Field(description="จำนวนตัวชี้วัดที่มีสถานะในปีนี้ / Indicators with a status this year")
    status_distribution: StatusDistributionOut = Field(description="จำนวนตัวชี้วัดตามระดับ / Indicators per level")
    worst_level: LevelCode | None = Field(
        description="ระดับที่แย่ที่สุด (ไม่ใช้ค่าเฉลี่ย) / The worst level present, never an average (null: none)"
    )


class DashboardNodeOut(_NodeCore):
    """A plan node on a dashboard: the board names its framework and version."""


class DashboardRowOut(Schema):
    node: DashboardNodeOut
    figures: FiguresOut = Field(description="ตัวเลขของโหนดรวมลูกหลาน / Figures of the node's whole subtree")
    gaps: int = Field(
        description="เป้าหมาย/ปัจจัยในกิ่งนี้ที่ไม่มีโครงการในปีนี้ / Targets and factors in the subtree without a project"
    )
    children: list["DashboardRowOut"] = Field(description="โหนดลูก (ถึงระดับ depth) / Child rows, down to `depth`")


DashboardRowOut.model_rebuild()


class GapsSummaryOut(Schema):
    nodes_without_projects: int = Field(
        description="เป้าหมาย/ปัจจัยที่ไม่มีโครงการในปีนี้ / Targets and factors with no project in the fiscal year"
    )
    indicators_without_data: int = Field(
        description="ตัวชี้วัดที่ไม่มีข้อมูลของปีนี้ (สีเทา) / Indicators with no data for the year (grey)"
    )
    projects_without_valid_link: int = Field(
        description="โครงการที่นับในปีนี้แต่ไม่มีความเชื่อมโยงหลักกับฉบับปัจจุบันของกรอบแผนใด / Counted projects of the "
        "year whose primary link is missing or not in a current plan version"
    )


class DashboardOut(Schema):
    framework: str = Field(description="รหัสกรอบแผน / Framework code")
    version: str = Field(description="ฉบับของกรอบแผน / Framework version label")
    fiscal_year: int = Field(description="ปีงบประมาณ (พ.ศ.) / Fiscal year (BE)")
    basis: Literal["public", "review"] = Field(
        description="ข้อมูลที่ใช้จริง: public = ตรวจรับแล้วเท่านั้น; review = รวมที่อนุมัติแล้ว (เฉพาะผู้ตรวจรับและผู้กำกับดูแล) / "
        "The basis used: public = accepted data only; review = including approved, not yet accepted (reviewers "
        "and oversight only; others asking for it get public)"
    )
    basis_label: str = Field(description="ชื่อฐานข้อมูลที่ใช้ ไทย / อังกฤษ / Thai / English label of the basis")
    depth: int = Field(description="จำนวนระดับของแถว / Levels of rows below the start point")
    node: DashboardNodeOut | None = Field(description="โหนดเริ่มต้น (null = ทั้งกรอบแผน) / The start node, or null")
    organisation: OrganisationRefOut | None = Field(description="เฉพาะหน่วยงานนี้และในสังกัด / Organisation filter")
    province: ProvinceOut | None = Field(description="เฉพาะโครงการในจังหวัดนี้ / Province filter")
    total: FiguresOut = Field(description="ตัวเลขรวมของกรอบแผนหรือโหนดเริ่มต้น / Totals of the framework or start node")
    rows: list[DashboardRowOut] = Field(description="โหนดลูกของจุดเริ่มพร้อมตัวเลข / Child nodes with their figures")
    gaps_summary: GapsSummaryOut


class WhyOut(Schema):
    th: str = Field(description="เหตุผลภาษาไทย / The why in Thai")
    en: str = Field(description="เหตุผลภาษาอังกฤษ / The why in English")


class IndicatorStatusOut(Schema):
    fiscal_year: int = Field(description="ปีงบประมาณ (พ.ศ.) / Fiscal year (BE)")
    basis: Literal["public", "review"]
    level: LevelCode
    label: str = Field(description="ชื่อระดับ ไทย / อังกฤษ / Thai / English level label")
    ratio: float | None = Field(description="อัตราส่วนความสำเร็จ (1 = 100%) / Achievement ratio (null: compared directly)")
    target: float | None
    target_max: float | None = Field(description="ค่าบนของช่วงเป้าหมาย / Upper bound of a target range")
    actual: float | None
    why: WhyOut = Field(description="เหตุผลของระดับนี้ / Why this level")
    rule_version: str = Field(description="ฉบับของกฎที่ใช้คำนวณ / The status rule version that computed it")

    @staticmethod
    def resolve_label(obj) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_ratio(obj) -> float | None:
        return _number(obj.ratio)

    @staticmethod
    def resolve_target(obj) -> float | None:
        return _number(obj.target)

    @staticmethod
    def resolve_target_max(obj) -> float | None:
        return _number(obj.target_max)

    @staticmethod
    def resolve_actual(obj) -> float | None:
        return _number(obj.actual)

    @staticmethod
    def resolve_why(obj) -> dict:
        return {"th": obj.why_th, "en": obj.why_en}


class IndicatorWithStatusesOut(IndicatorDetailOut):
    statuses: list[IndicatorStatusOut] = Field(
        description="สถานะรายปีงบประมาณพร้อมเหตุผล / The status per fiscal year with its why (public basis unless a "
        "reviewer or oversight asks for `basis=review`)"
    )

    @staticmethod
    def resolve_statuses(obj) -> list:
        return obj.status_list
