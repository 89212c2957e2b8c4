"""Plan import and export in the `tidtam-plan/1` YAML format (described in docs/plan-format.md).

Import is all-or-nothing. The whole file is checked first and every mistake is reported with its line; only a clean
file is written, inside one transaction and through the plan services, so each write is permission-checked and
audited. Objects are matched by code or label and changed only where a value differs: importing the same file twice
changes nothing. Export writes the same format, so export → import → export gives the same text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import IntegrityError, models, transaction

from tidtam.core.errors import Forbidden, NotAuthenticated, ServiceError, ValidationFailed
from tidtam.core.permissions import Action, require
from tidtam.core.thaicalendar import parse_be_year, parse_number, parse_period
from tidtam.evaluation.rollups import deferred_refresh
from tidtam.organisations.models import Organisation
from tidtam.plans import services
from tidtam.plans.choices import CrossLinkKind, CrosswalkKind, Direction, FrameworkKind, Frequency
from tidtam.plans.models import (
    CrossLink,
    Crosswalk,
    Framework,
    FrameworkVersion,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Node,
)
from tidtam.plans.selectors import framework_get, framework_version_get

FORMAT = "tidtam-plan/1"
KINDS = ("framework", "version", "node", "indicator", "target", "value", "crosswalk", "cross_link")

# Keys of every mapping, in the order export writes them.
FRAMEWORK_KEYS = ("code", "title_th", "title_en", "kind", "description", "owner", "illustrative")
VERSION_KEYS = ("label", "title_th", "valid_from", "valid_to", "current", "levels")
LEVEL_KEYS = ("key", "th", "en")
NODE_KEYS = ("code", "title_th", "title_en", "description", "illustrative", "indicators", "children")
INDICATOR_KEYS = (
    "code", "name_th", "name_en", "unit", "direction", "baseline", "data_source", "responsible", "frequency",
    "illustrative", "targets", "values",
)  # fmt: skip
BASELINE_KEYS = ("value", "year")
TARGET_KEYS = ("period", "value", "max")
VALUE_KEYS = ("period", "value", "evidence", "source_url")
CROSSWALK_KEYS = ("from_version", "links")
CROSSWALK_LINK_KEYS = ("from", "to", "kind", "note")
CROSS_LINK_KEYS = ("from", "to", "kind", "note")
CROSS_LINK_TO_KEYS = ("framework", "version", "code")
TOP_KEYS = ("format", "framework", "version", "nodes", "crosswalk", "cross_links")

_DECIMAL_PLACES = 4  # IndicatorTarget / IndicatorValue / Indicator.baseline_value: max_digits 20, decimal_places 4
_INTEGER_DIGITS = 16
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --------------------------------------------------------------------------- results


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do): counts per kind of object, and warnings."""

    framework: str = ""
    version: str = ""
    dry_run: bool = False
    counts: dict[str, Counts] = field(default_factory=lambda: {kind: Counts() for kind in KINDS})
    warnings: list[str] = field(default_factory=list)

    def total(self, outcome: str) -> int:
        """The number of objects `created`, `updated` or `unchanged`, over every kind."""
        return sum(getattr(counts, outcome) for counts in self.counts.values())

    @property
    def changed(self) -> bool:
        return bool(self.total("created") or self.total("updated"))

    def summary(self) -> str:
        """A few lines for people: what changed, per kind, then the warnings."""
        head = "ทดลองนำเข้า (ไม่บันทึก) / Dry run (nothing saved)" if self.dry_run else "นำเข้าแล้ว / Imported"
        lines = [f"{head}: {self.framework} {self.version}"]
        for kind, c in self.counts.items():
            if c.created or c.updated or c.unchanged:
                lines.append(f"  {kind}: created {c.created}, updated {c.updated}, unchanged {c.unchanged}")
        if self.warnings:
            lines.append(f"คำเตือน {len(self.warnings)} รายการ / {len(self.warnings)} warning(s):")
            lines.extend(f"  - {warning}" for warning in self.warnings)
        return "\n".join(lines)


# --------------------------------------------------------------------------- reading YAML with line numbers


class _Mapping(dict):
    """A YAML mapping that remembers its first line, the line of each key, and keys written twice."""

    line: int = 1
    key_lines: dict[str, int]
    repeated: list[tuple[str, int]]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _Sequence(list):
    """A YAML sequence that remembers its first line and the line of each item."""

    line: int = 1
    item_lines: list[int]


_TAG = "tag:yaml.org,2002:"
# Plain scalars that YAML would turn into numbers, booleans or dates are kept as written, so that `code: 020101`
# stays "020101" (not the octal 8257), `period: 2568` is "2568" and `value: 12.50` is parsed exactly by parse_number.
_AS_WRITTEN = frozenset({f"{_TAG}int", f"{_TAG}float", f"{_TAG}bool", f"{_TAG}timestamp"})
_TYPED_KEYS = frozenset({"illustrative", "current", "valid_from", "valid_to"})  # these keep YAML's booleans and dates


class PlanLoader(yaml.SafeLoader):
    """Safe YAML loading that records line numbers, reads scalars as written and refuses aliases."""

    def compose_node(self, parent, index):
        # Aliases could make a small file expand into a huge tree (a "billion laughs"); plans never need them.
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "YAML aliases (*name) are not allowed", event.start_mark)
        return super().compose_node(parent, index)

    def construct_object(self, node, deep=False):
        # A scalar YAML accepts but Python cannot convert (`!!int abc`, a 5000-digit number) is an error at its line.
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as error:
            raise yaml.constructor.ConstructorError(None, None, f"invalid value: {error}", node.start_mark) from error

    def construct_yaml_timestamp(self, node):
        # An impossible date such as 2018-13-45 stays text, so the date check reports it with its key and path.
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return node.value


def _construct_mapping(loader: PlanLoader, node: yaml.MappingNode) -> _Mapping:
    own = sum(1 for key, _ in node.value if key.tag != f"{_TAG}merge")
    loader.flatten_mapping(node)
    first_own = len(node.value) - own
    mapping = _Mapping()
    mapping.line, mapping.key_lines, mapping.repeated = node.start_mark.line + 1, {}, []
    seen: set[str] = set()
    for index, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        key = key if isinstance(key, str) else str(key)
        line = key_node.start_mark.line + 1
        if index >= first_own:
            if key in seen:
                mapping.repeated.append((key, line))
            seen.add(key)
        if isinstance(value_node, yaml.ScalarNode) and value_node.tag in _AS_WRITTEN and key not in _TYPED_KEYS:
            value = value_node.value
        else:
            value = loader.construct_object(value_node, deep=True)
        mapping[key] = value
        mapping.key_lines[key] = line
    return mapping


def _construct_sequence(loader: PlanLoader, node: yaml.SequenceNode) -> _Sequence:
    sequence = _Sequence(loader.construct_object(child, deep=True) for child in node.value)
    sequence.line = node.start_mark.line + 1
    sequence.item_lines = [child.start_mark.line + 1 for child in node.value]
    return sequence


PlanLoader.add_constructor(f"{_TAG}timestamp", PlanLoader.construct_yaml_timestamp)
PlanLoader.add_constructor(f"{_TAG}map", _construct_mapping)
PlanLoader.add_constructor(f"{_TAG}seq", _construct_sequence)


def _yaml_error_line(error: yaml.YAMLError, text: str) -> int:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark is not None:
        return mark.line + 1
    position = getattr(error, "position", None)  # a ReaderError (a character YAML does not allow)
    return text[:position].count("\n") + 1 if isinstance(position, int) else 1


def _load(text: str) -> tuple[Any, dict | None]:
    """The parsed document, or a single error naming the line of a YAML syntax error."""
    try:
        return yaml.load(text, Loader=PlanLoader), None  # noqa: S506 - PlanLoader is a SafeLoader
    except yaml.YAMLError as error:
        if isinstance(error, yaml.reader.ReaderError):  # its character is a code point (or a byte)
            code = error.character if isinstance(error.character, int) else ord(error.character[:1] or "?")
            problem = f"unacceptable character #x{code:04x}"
        else:
            problem = getattr(error, "problem", None) or str(error)
        return None, _error(_yaml_error_line(error, text), "", "", f"YAML ไม่ถูกต้อง: {problem} / Invalid YAML: {problem}")
    except RecursionError:
        return None, _error(1, "", "", "โครงสร้างซ้อนลึกเกินไป / The document is nested too deeply")


def _error(line: int, path: str, field_name: str, message: str) -> dict:
    return {"line": line, "path": path, "field": field_name, "message": message}


# --------------------------------------------------------------------------- the checked plan


@dataclass
class _Spec:
    path: str
    line: int


@dataclass
class _TargetSpec(_Spec):
    start: int
    end: int
    value: Decimal
    value_max: Decimal | None


@dataclass
class _ActualSpec(_Spec):
    start: int
    end: int
    value: Decimal
    evidence: str
    source_url: str


@dataclass
class _IndicatorSpec(_Spec):
    code: str
    fields: dict[str, Any]
    targets: list[_TargetSpec] = field(default_factory=list)
    actuals: list[_ActualSpec] = field(default_factory=list)


@dataclass
class _NodeSpec(_Spec):
    code: str
    parent: _NodeSpec | None
    depth: int
    fields: dict[str, Any]
    indicators: list[_IndicatorSpec] = field(default_factory=list)


@dataclass
class _CrosswalkSpec(_Spec):
    from_version: str
    from_code: str
    to_code: str
    kind: str
    note: str
    from_node: Node | None = None


@dataclass
class _CrossLinkSpec(_Spec):
    from_code: str
    framework: str
    version: str | None
    code: str
    kind: str
    note: str
    target: Node | None = None


@dataclass
class _OrgRef:
    fields: dict[str, Any]
    name: str
    code: str
    path: str
    field_name: str
    line: int


@dataclass
class _Plan:
    framework_code: str = ""
    framework_fields: dict[str, Any] = field(default_factory=dict)
    framework_line: int = 1
    label: str = ""
    version_line: int = 1
    version_fields: dict[str, Any] = field(default_factory=dict)
    nodes: list[_NodeSpec] = field(default_factory=list)  # parents before children, in file order
    crosswalks: list[_CrosswalkSpec] = field(default_factory=list)
    cross_links: list[_CrossLinkSpec] = field(default_factory=list)
    # Found in the database while checking:
    framework: Framework | None = None
    framework_version: FrameworkVersion | None = None
    existing_nodes: dict[str, Node] = field(default_factory=dict)


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _required(name: str) -> str:
    return f"ต้องระบุ {name} / {name} is required"


def _choice_values(choices: type[models.TextChoices]) -> list[str]:
    return [str(value) for value in choices.values]


class _Checker:
    """Checks a parsed document and builds the `_Plan`, collecting every error instead of stopping at the first."""

    def __init__(self, actor):
        self.actor = actor
        self.errors: list[dict] = []
        self.plan = _Plan()
        self.org_refs: list[_OrgRef] = []
        self.crosswalk_versions: list[tuple[str, int, str]] = []  # (path, line, from_version) of each crosswalk

    def error(self, line: int, path: str, field_name: str, message: str) -> None:
        self.errors.append(_error(line, path, field_name, message))

    # ---- generic shapes

    def mapping(self, value: Any, path: str, line: int, allowed: tuple[str, ...]) -> _Mapping | None:
        """`value` as a mapping (None after an error), with unknown and repeated keys reported."""
        if not isinstance(value, _Mapping):
            self.error(line, path, "", "ต้องเป็นชุดคีย์: ค่า (mapping) / must be a mapping of key: value")
            return None
        for key, key_line in value.repeated:
            self.error(key_line, path, key, f"คีย์ '{key}' ซ้ำ / The key '{key}' is written twice")
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint_th = f" หมายถึง '{close[0]}' หรือไม่" if close else ""
                hint_en = f"; did you mean '{close[0]}'?" if close else ""
                self.error(value.line_of(key), path, key, f"ไม่รู้จักคีย์ '{key}'{hint_th} / Unknown key '{key}'{hint_en}")
        return value

    def items(self, m: _Mapping, path: str, key: str, *, required: bool = False) -> Iterator[tuple[Any, str, int]]:
        """The items of the list under `key`, each with its path and line."""
        value = m.get(key)
        if value is None:
            if required:
                self.error(m.line, path, key, _required(key))
            return
        if not isinstance(value, _Sequence):
            self.error(m.line_of(key), path, key, "ต้องเป็นรายการ (- ...) / must be a list (- ...)")
            return
        for index, item in enumerate(value):
            yield item, f"{_at(path, key)}[{index}]", value.item_lines[index]

    def text(self, m: _Mapping, path: str, key: str, *, required: bool = False, max_length: int | None = None) -> str:
        """A string value ("" when absent). Required texts must not be blank."""
        value = m.get(key)
        line = m.line_of(key)
        if value is None:
            if required:
                self.error(m.line, path, key, _required(key))
            return ""
        if not isinstance(value, str):
            self.error(line, path, key, "ต้องเป็นข้อความ / must be text")
            return ""
        if required and not value.strip():
            self.error(line, path, key, _required(key))
        if max_length is not None and len(value) > max_length:
            self.error(line, path, key, f"ยาวเกิน {max_length} ตัวอักษร / longer than {max_length} characters")
        if _CONTROL.search(value):
            self.error(line, path, key, "มีอักขระควบคุมที่ไม่อนุญาต / contains a control character")
        return value

    def code(self, m: _Mapping, path: str, key: str = "code", *, max_length: int = 60) -> str:
        """A required code: no spaces around it and no "/" (a code is one step of a tree path)."""
        value = self.text(m, path, key, required=True, max_length=max_length)
        if value and value.strip() and value != value.strip():
            self.error(m.line_of(key), path, key, "รหัสต้องไม่มีช่องว่างหน้าหรือท้าย / A code cannot start or end with a space")
        if "/" in value:
            self.error(m.line_of(key), path, key, "รหัสต้องไม่มีเครื่องหมาย / / A code cannot contain '/'")
        return value

    def boolean(self, m: _Mapping, path: str, key: str, default: bool) -> bool:
        value = m.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(m.line_of(key), path, key, "ต้องเป็น true หรือ false / must be true or false")
            return default
        return value

    def choice(self, m: _Mapping, path: str, key: str, choices: type[models.TextChoices], default: str) -> str:
        value = self.text(m, path, key)
        if not value:
            return str(default)
        allowed = _choice_values(choices)
        if value not in allowed:
            listed = ", ".join(allowed)
            self.error(
                m.line_of(key),
                path,
                key,
                f"ค่า '{value}' ไม่ถูกต้อง ต้องเป็นหนึ่งใน {listed} / Invalid value '{value}'; expected one of {listed}",
            )
            return str(default)
        return value

    def number(self, m: _Mapping, path: str, key: str, *, required: bool = False) -> Decimal | None:
        """A decimal number as typed (Thai digits and thousands separators allowed), within the stored precision."""
        value = m.get(key)
        line = m.line_of(key)
        if value is None:
            if required:
                self.error(m.line, path, key, _required(key))
            return None
        if not isinstance(value, str):
            self.error(line, path, key, "ต้องเป็นตัวเลข / must be a number")
            return None
        try:
            number = parse_number(value)
        except ValueError as error:
            self.error(line, path, key, str(error))
            return None
        sign, digits, exponent = number.normalize().as_tuple()
        if -exponent > _DECIMAL_PLACES:
            self.error(
                line, path, key, f"ทศนิยมได้ไม่เกิน {_DECIMAL_PLACES} ตำแหน่ง / at most {_DECIMAL_PLACES} decimal places"
            )
            return None
        if len(digits) + exponent > _INTEGER_DIGITS:
            self.error(line, path, key, "ตัวเลขใหญ่เกินไป / the number is too large")
            return None
        return number

    def period(self, m: _Mapping, path: str, key: str = "period") -> tuple[int, int] | None:
        value = self.text(m, path, key, required=True)
        if not value:
            return None
        try:
            return parse_period(value)
        except ValueError as error:
            self.error(m.line_of(key), path, key, str(error))
            return None

    def date_value(self, m: _Mapping, path: str, key: str) -> date | None:
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                value = None
        if isinstance(value, datetime) or not isinstance(value, date):
            self.error(m.line_of(key), path, key, "ต้องเป็นวันที่ ค.ศ. แบบ YYYY-MM-DD / must be a CE date YYYY-MM-DD")
            return None
        if value.year >= 2400:  # a Buddhist Era year typed by mistake (2561-10-08 for 2018-10-08)
            self.error(
                m.line_of(key),
                path,
                key,
                f"ปี {value.year} เป็นปี พ.ศ. วันที่ต้องเป็น ค.ศ. / {value.year} is a BE year; dates are CE",
            )
            return None
        return value

    def organisation(self, m: _Mapping, path: str, key: str, fields: dict, name: str) -> None:
        """Record an organisation code, resolved to the organisation (or an error) once all codes are known."""
        code = self.text(m, path, key)
        fields[name] = None
        if code:
            self.org_refs.append(_OrgRef(fields, name, code, path, key, m.line_of(key)))

    # ---- the document

    def check(self, document: Any) -> _Plan:
        if document is None:
            self.error(1, "", "", "ไฟล์ว่าง / The file is empty")
            return self.plan
        top = self.mapping(document, "", 1, TOP_KEYS)
        if top is None:
            return self.plan
        fmt = top.get("format")
        if fmt is None:
            self.error(top.line, "", "format", _required("format"))
        elif fmt != FORMAT:
            self.error(
                top.line_of("format"),
                "",
                "format",
                f"รูปแบบไฟล์ต้องเป็น {FORMAT} / The format must be {FORMAT} (found {fmt!r})",
            )
        for key in ("framework", "version"):
            if key not in top:
                self.error(top.line, "", key, _required(key))
        self.plan.framework_line, self.plan.version_line = top.line_of("framework"), top.line_of("version")
        if "framework" in top:
            self.check_framework(top["framework"], top.line_of("framework"))
        levels = self.check_version(top["version"], top.line_of("version")) if "version" in top else 0
        codes: dict[str, str] = {}
        for index, (item, path, line) in enumerate(self.items(top, "", "nodes")):
            self.check_node(item, path, line, parent=None, depth=1, position=index + 1, levels=levels, codes=codes)
        crosswalk = top.get("crosswalk")
        if isinstance(crosswalk, _Sequence):
            for item, path, line in self.items(top, "", "crosswalk"):
                self.check_crosswalk(item, path, line)
        elif crosswalk is not None:
            self.check_crosswalk(crosswalk, "crosswalk", top.line_of("crosswalk"))
        for item, path, line in self.items(top, "", "cross_links"):
            self.check_cross_link(item, path, line)
        self.check_database()
        return self.plan

    def check_framework(self, value: Any, line: int) -> None:
        m = self.mapping(value, "framework", line, FRAMEWORK_KEYS)
        if m is None:
            return
        path = "framework"
        code = self.text(m, path, "code", required=True, max_length=60)
        if code:
            try:
                validate_slug(code)
            except ValidationError:
                self.error(
                    m.line_of("code"),
                    path,
                    "code",
                    "รหัสใช้ได้เฉพาะ a-z 0-9 - _ / The code may contain only letters, digits, - and _",
                )
        self.plan.framework_code = code
        fields = self.plan.framework_fields
        fields["title_th"] = self.text(m, path, "title_th", required=True, max_length=300)
        fields["title_en"] = self.text(m, path, "title_en", max_length=300)
        fields["kind"] = self.choice(m, path, "kind", FrameworkKind, FrameworkKind.OTHER)
        fields["description"] = self.text(m, path, "description")
        self.organisation(m, path, "owner", fields, "owner")
        fields["is_illustrative"] = self.boolean(m, path, "illustrative", False)

    def check_version(self, value: Any, line: int) -> int:
        """Check `version`; return how many levels it names."""
        m = self.mapping(value, "version", line, VERSION_KEYS)
        if m is None:
            return 0
        path = "version"
        self.plan.label = self.text(m, path, "label", required=True, max_length=40)
        fields = self.plan.version_fields
        fields["title_th"] = self.text(m, path, "title_th", max_length=300)
        fields["valid_from"] = self.date_value(m, path, "valid_from")
        fields["valid_to"] = self.date_value(m, path, "valid_to")
        if fields["valid_from"] and fields["valid_to"] and fields["valid_to"] < fields["valid_from"]:
            self.error(
                m.line_of("valid_to"), path, "valid_to", "วันสิ้นสุดต้องไม่ก่อนวันเริ่ม / valid_to cannot be before valid_from"
            )
        fields["is_current"] = self.boolean(m, path, "current", True)
        levels: list[dict] = []
        keys: set[str] = set()
        for item, item_path, item_line in self.items(m, path, "levels", required=True):
            level = self.mapping(item, item_path, item_line, LEVEL_KEYS)
            if level is None:
                continue
            key = self.text(level, item_path, "key", required=True, max_length=60)
            if key in keys:
                self.error(level.line_of("key"), item_path, "key", f"ระดับ '{key}' ซ้ำ / Duplicate level key '{key}'")
            keys.add(key)
            levels.append(
                {
                    "key": key,
                    "th": self.text(level, item_path, "th", required=True, max_length=200),
                    "en": self.text(level, item_path, "en", max_length=200),
                }
            )
        if isinstance(m.get("levels"), _Sequence) and not m["levels"]:
            self.error(m.line_of("levels"), path, "levels", "ต้องมีอย่างน้อยหนึ่งระดับ / at least one level is needed")
        fields["levels"] = levels
        return len(levels)

    def check_node(
        self,
        value: Any,
        path: str,
        line: int,
        *,
        parent: _NodeSpec | None,
        depth: int,
        position: int,
        levels: int,
        codes: dict[str, str],
    ) -> None:
        m = self.mapping(value, path, line, NODE_KEYS)
        if m is None:
            return
        code = self.code(m, path)
        if code in codes:
            self.error(
                m.line_of("code"),
                path,
                "code",
                f"รหัส '{code}' ซ้ำกับ {codes[code]} / Duplicate code '{code}' (also at {codes[code]})",
            )
        elif code:
            codes[code] = path
        if levels and depth > levels:
            self.error(
                m.line,
                path,
                "",
                f"โหนดอยู่ระดับที่ {depth} แต่ฉบับนี้กำหนดไว้ {levels} ระดับ / "
                f"The node is at level {depth} but the version names only {levels} levels",
            )
        fields = {
            "title_th": self.text(m, path, "title_th", required=True, max_length=500),
            "title_en": self.text(m, path, "title_en", max_length=500),
            "description": self.text(m, path, "description"),
            "sort_order": position,
            "is_illustrative": self.boolean(m, path, "illustrative", False),
        }
        spec = _NodeSpec(path, m.line, code, parent, depth, fields)
        self.plan.nodes.append(spec)
        indicator_codes: dict[str, str] = {}
        for index, (item, item_path, item_line) in enumerate(self.items(m, path, "indicators")):
            indicator = self.check_indicator(item, item_path, item_line, position=index + 1)
            if indicator is None:
                continue
            if indicator.code in indicator_codes:
                self.error(
                    indicator.line,
                    item_path,
                    "code",
                    f"รหัสตัวชี้วัด '{indicator.code}' ซ้ำในโหนดนี้ / Duplicate indicator code '{indicator.code}' in this node",
                )
            indicator_codes[indicator.code] = item_path
            spec.indicators.append(indicator)
        for index, (item, item_path, item_line) in enumerate(self.items(m, path, "children")):
            self.check_node(
                item, item_path, item_line, parent=spec, depth=depth + 1, position=index + 1, levels=levels, codes=codes
            )

    def check_indicator(self, value: Any, path: str, line: int, *, position: int) -> _IndicatorSpec | None:
        m = self.mapping(value, path, line, INDICATOR_KEYS)
        if m is None:
            return None
        code = self.code(m, path)
        fields: dict[str, Any] = {
            "name_th": self.text(m, path, "name_th", required=True, max_length=500),
            "name_en": self.text(m, path, "name_en", max_length=500),
            "unit": self.text(m, path, "unit", required=True, max_length=60),
            "direction": self.choice(m, path, "direction", Direction, Direction.HIGHER),
            "baseline_value": None,
            "baseline_year": None,
            "data_source": self.text(m, path, "data_source", max_length=500),
        }
        if m.get("baseline") is not None:
            baseline_path = _at(path, "baseline")
            baseline = self.mapping(m["baseline"], baseline_path, m.line_of("baseline"), BASELINE_KEYS)
            if baseline is not None:
                fields["baseline_value"] = self.number(baseline, baseline_path, "value")
                year = baseline.get("year")
                if year is not None:
                    try:
                        if not isinstance(year, str):
                            raise ValueError("ต้องเป็นปี พ.ศ. / must be a BE year")
                        fields["baseline_year"] = parse_be_year(year)
                    except ValueError as error:
                        self.error(baseline.line_of("year"), baseline_path, "year", str(error))
        self.organisation(m, path, "responsible", fields, "responsible_organisation")
        fields["frequency"] = self.choice(m, path, "frequency", Frequency, Frequency.ANNUAL)
        fields["sort_order"] = position
        fields["is_illustrative"] = self.boolean(m, path, "illustrative", False)
        spec = _IndicatorSpec(path, m.line_of("code"), code, fields)
        periods: dict[tuple[int, int], str] = {}
        for item, item_path, item_line in self.items(m, path, "targets"):
            target = self.mapping(item, item_path, item_line, TARGET_KEYS)
            if target is None:
                continue
            period = self.period(target, item_path)
            number = self.number(target, item_path, "value", required=True)
            upper = self.number(target, item_path, "max")
            if upper is not None and fields["direction"] != Direction.RANGE:
                self.error(
                    target.line_of("max"),
                    item_path,
                    "max",
                    "ใช้ max ได้เฉพาะตัวชี้วัดแบบช่วง (direction: range) / max is only for direction: range",
                )
            if upper is not None and number is not None and upper < number:
                self.error(
                    target.line_of("max"), item_path, "max", "ค่า max ต้องไม่น้อยกว่า value / max cannot be less than value"
                )
            self.unique_period(periods, period, target, item_path)
            if period is not None and number is not None:
                spec.targets.append(_TargetSpec(item_path, target.line, *period, number, upper))
        periods = {}
        for item, item_path, item_line in self.items(m, path, "values"):
            actual = self.mapping(item, item_path, item_line, VALUE_KEYS)
            if actual is None:
                continue
            period = self.period(actual, item_path)
            number = self.number(actual, item_path, "value", required=True)
            evidence = self.text(actual, item_path, "evidence")
            source_url = self.text(actual, item_path, "source_url", max_length=200)
            if source_url:
                try:
                    URLValidator()(source_url)
                except ValidationError:
                    self.error(
                        actual.line_of("source_url"),
                        item_path,
                        "source_url",
                        "ลิงก์ไม่ถูกต้อง / not a valid URL (http:// or https://)",
                    )
            self.unique_period(periods, period, actual, item_path)
            if period is not None and number is not None:
                spec.actuals.append(_ActualSpec(item_path, actual.line, *period, number, evidence, source_url))
        return spec

    def unique_period(self, seen: dict, period: tuple[int, int] | None, m: _Mapping, path: str) -> None:
        if period is None:
            return
        if period in seen:
            label = _format_period(*period)
            self.error(
                m.line_of("period"),
                path,
                "period",
                f"ช่วงเวลา {label} ซ้ำกับ {seen[period]} / Period {label} is repeated (also at {seen[period]})",
            )
        else:
            seen[period] = path

    def check_crosswalk(self, value: Any, path: str, line: int) -> None:
        m = self.mapping(value, path, line, CROSSWALK_KEYS)
        if m is None:
            return
        from_version = self.text(m, path, "from_version", required=True, max_length=40)
        self.crosswalk_versions.append((path, m.line_of("from_version"), from_version))
        if from_version and from_version == self.plan.label:
            self.error(
                m.line_of("from_version"),
                path,
                "from_version",
                "การเทียบโยงต้องมาจากฉบับอื่น / A crosswalk comes from another version",
            )
        pairs = {(c.from_version, c.from_code, c.to_code) for c in self.plan.crosswalks}
        for item, item_path, item_line in self.items(m, path, "links", required=True):
            link = self.mapping(item, item_path, item_line, CROSSWALK_LINK_KEYS)
            if link is None:
                continue
            spec = _CrosswalkSpec(
                item_path,
                link.line,
                from_version,
                self.text(link, item_path, "from", required=True),
                self.text(link, item_path, "to", required=True),
                self.choice(link, item_path, "kind", CrosswalkKind, CrosswalkKind.SAME),
                self.text(link, item_path, "note"),
            )
            key = (spec.from_version, spec.from_code, spec.to_code)
            if key in pairs:
                self.error(link.line, item_path, "", "การเทียบโยงนี้ซ้ำ / This crosswalk link is repeated")
            pairs.add(key)
            self.plan.crosswalks.append(spec)

    def check_cross_link(self, value: Any, path: str, line: int) -> None:
        m = self.mapping(value, path, line, CROSS_LINK_KEYS)
        if m is None:
            return
        from_code = self.text(m, path, "from", required=True)
        kind = self.choice(m, path, "kind", CrossLinkKind, CrossLinkKind.SUPPORTS)
        note = self.text(m, path, "note")
        if m.get("to") is None:
            self.error(m.line, path, "to", _required("to"))
            return
        to_path = _at(path, "to")
        to = self.mapping(m["to"], to_path, m.line_of("to"), CROSS_LINK_TO_KEYS)
        if to is None:
            return
        framework = self.text(to, to_path, "framework", required=True)
        if framework and framework == self.plan.framework_code:
            self.error(
                to.line_of("framework"),
                to_path,
                "framework",
                "การเชื่อมโยงต้องไปยังกรอบแผนอื่น ใช้ crosswalk สำหรับฉบับของกรอบแผนเดียวกัน / "
                "A cross-link joins two frameworks; use crosswalk between versions of one framework",
            )
        spec = _CrossLinkSpec(
            path,
            m.line,
            from_code,
            framework,
            self.text(to, to_path, "version") or None,
            self.text(to, to_path, "code", required=True),
            kind,
            note,
        )
        key = (spec.from_code, spec.framework, spec.version, spec.code, spec.kind)
        if any((c.from_code, c.framework, c.version, c.code, c.kind) == key for c in self.plan.cross_links):
            self.error(m.line, path, "", "การเชื่อมโยงนี้ซ้ำ / This cross-link is repeated")
        self.plan.cross_links.append(spec)

    # ---- what the file refers to in the database

    def check_database(self) -> None:
        """Resolve organisations, existing objects, crosswalk sources and cross-link targets; report what is wrong."""
        plan = self.plan
        codes = {ref.code for ref in self.org_refs}
        organisations = {o.code: o for o in Organisation.objects.filter(code__in=codes)}
        for ref in self.org_refs:
            organisation = organisations.get(ref.code)
            if organisation is None:
                self.error(
                    ref.line, ref.path, ref.field_name, f"ไม่พบหน่วยงาน '{ref.code}' / Unknown organisation '{ref.code}'"
                )
            ref.fields[ref.name] = organisation

        plan.framework = Framework.objects.filter(code=plan.framework_code).first()
        if plan.framework is not None:
            plan.framework_version = plan.framework.versions.filter(label=plan.label).first()
        if plan.framework_version is not None:
            plan.existing_nodes = {
                n.code: n
                for n in Node.objects.filter(framework_version=plan.framework_version).select_related("parent")
            }
        for spec in plan.nodes:
            node = plan.existing_nodes.get(spec.code)
            if node is None:
                continue
            parent_code = spec.parent.code if spec.parent else None
            existing_parent = node.parent.code if node.parent else None
            if parent_code != existing_parent:
                where_th = f"ใต้ '{existing_parent}'" if existing_parent else "ที่ระดับบนสุด"
                where_en = f"under '{existing_parent}'" if existing_parent else "at the top level"
                self.error(
                    spec.line,
                    spec.path,
                    "code",
                    f"โหนด '{spec.code}' อยู่{where_th}ในฐานข้อมูลแล้ว ตำแหน่งของโหนดเปลี่ยนไม่ได้ ให้สร้างฉบับใหม่ / "
                    f"Node '{spec.code}' already exists {where_en}; a node cannot move, create a new version",
                )
        node_codes = {spec.code for spec in plan.nodes} | set(plan.existing_nodes)

        versions: dict[str, dict[str, Node]] = {}  # the nodes of each earlier version a crosswalk comes from
        for path, line, label in self.crosswalk_versions:
            if not label or label == plan.label or label in versions:
                continue  # reported already, or resolved
            version = plan.framework.versions.filter(label=label).first() if plan.framework else None
            if version is None:
                self.error(
                    line,
                    path,
                    "from_version",
                    f"ไม่พบฉบับ '{label}' ของกรอบแผนนี้ / This framework has no version '{label}'",
                )
            else:
                versions[label] = {n.code: n for n in Node.objects.filter(framework_version=version)}
        for spec in plan.crosswalks:
            nodes = versions.get(spec.from_version)
            if nodes is None:
                continue
            spec.from_node = nodes.get(spec.from_code)
            if spec.from_node is None and spec.from_code:
                self.error(
                    spec.line,
                    spec.path,
                    "from",
                    f"ไม่พบโหนด '{spec.from_code}' ในฉบับ '{spec.from_version}' / "
                    f"No node '{spec.from_code}' in version '{spec.from_version}'",
                )
            if spec.to_code and spec.to_code not in node_codes:
                self.error(
                    spec.line,
                    spec.path,
                    "to",
                    f"ไม่พบโหนด '{spec.to_code}' ในฉบับนี้ / No node '{spec.to_code}' in this version",
                )

        targets: dict[tuple[str, str | None], FrameworkVersion | None] = {}
        for spec in plan.cross_links:
            if spec.from_code and spec.from_code not in node_codes:
                self.error(
                    spec.line,
                    spec.path,
                    "from",
                    f"ไม่พบโหนด '{spec.from_code}' ในฉบับนี้ / No node '{spec.from_code}' in this version",
                )
            if not spec.framework or spec.framework == plan.framework_code or not spec.code:
                continue  # already reported
            key = (spec.framework, spec.version)
            if key not in targets:
                targets[key] = self.target_version(*key)
            version = targets[key]
            if version is None:
                what = f"'{spec.framework}'" + (f" ฉบับ '{spec.version}'" if spec.version else "")
                what_en = f"'{spec.framework}'" + (f" version '{spec.version}'" if spec.version else "")
                self.error(
                    spec.line, _at(spec.path, "to"), "framework", f"ไม่พบกรอบแผน {what} / Unknown framework {what_en}"
                )
                continue
            spec.target = Node.objects.filter(framework_version=version, code=spec.code).first()
            if spec.target is None:
                self.error(
                    spec.line,
                    _at(spec.path, "to"),
                    "code",
                    f"ไม่พบโหนด '{spec.code}' ในกรอบแผน '{spec.framework}' ฉบับ '{version.label}' / "
                    f"No node '{spec.code}' in framework '{spec.framework}' version '{version.label}'",
                )

    def target_version(self, framework_code: str, label: str | None) -> FrameworkVersion | None:
        """The version a cross-link points into: the named one, else the framework's current version."""
        try:
            framework = framework_get(user=self.actor, code=framework_code)
            return framework_version_get(user=self.actor, framework=framework, label=label)
        except ServiceError:
            return None


# --------------------------------------------------------------------------- writing


def _differences(obj: models.Model, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields whose wanted value differs from the stored one (compared as values: Decimal 80 == 80.0000)."""
    changes = {}
    for name, wanted in fields.items():
        model_field = obj._meta.get_field(name)
        if model_field.is_relation:
            current, wanted_value = getattr(obj, model_field.attname), (wanted.pk if wanted is not None else None)
        elif name == "levels":
            current, wanted_value = _normal_levels(getattr(obj, name)), _normal_levels(wanted)
        else:
            current, wanted_value = getattr(obj, name), wanted
        if current != wanted_value:
            changes[name] = wanted
    return changes


def _normal_levels(levels: Any) -> list[dict]:
    if not isinstance(levels, list):
        return []
    return [
        {key: str(level.get(key) or "") for key in LEVEL_KEYS} if isinstance(level, dict) else {} for level in levels
    ]


class _Writer:
    """Writes a checked plan through the services, counting what was created, updated or left unchanged."""

    def __init__(self, actor, plan: _Plan, result: ImportResult):
        self.actor = actor
        self.plan = plan
        self.result = result
        self.nodes: dict[str, Node] = dict(plan.existing_nodes)

    def call(self, spec_path: str, line: int, service: Callable, **kwargs):
        """Run one service; turn a refusal into an import error naming the place in the file."""
        try:
            return service(actor=self.actor, **kwargs)
        except (Forbidden, NotAuthenticated):
            raise
        except IntegrityError as error:  # someone wrote the same object between the check and this write
            message = "ข้อมูลขัดกับการแก้ไขที่เพิ่งเกิดขึ้น โปรดนำเข้าใหม่ / The data conflicts with a change just made; retry"
            raise _invalid([_error(line, spec_path, "", message)]) from error
        except ServiceError as error:
            detail = (
                "; ".join(
                    f"{name}: {', '.join(map(str, problems)) if isinstance(problems, list) else problems}"
                    for name, problems in error.details.items()
                )
                if isinstance(error.details, dict)
                else ""
            )
            message = f"{error.message} ({detail})" if detail else error.message
            raise _invalid([_error(line, spec_path, "", message)]) from error

    def count(self, kind: str, outcome: str) -> None:
        counts = self.result.counts[kind]
        setattr(counts, outcome, getattr(counts, outcome) + 1)

    def warn(self, message: str) -> None:
        self.result.warnings.append(message)

    def upsert(self, kind: str, spec_path: str, line: int, existing, fields: dict, create: Callable, update: Callable):
        """Create the object when it is new, update it when a field differs (so an unchanged file writes nothing),
        and count which; returns the object."""
        if existing is None:
            obj = self.call(spec_path, line, create, **fields)
            self.count(kind, "created")
        elif changes := _differences(existing, fields):
            obj = self.call(spec_path, line, update, version=existing.version, **changes)
            self.count(kind, "updated")
        else:
            obj = existing
            self.count(kind, "unchanged")
        return obj

    def run(self) -> None:
        plan = self.plan
        framework = self.upsert(
            "framework",
            "framework",
            plan.framework_line,
            plan.framework,
            plan.framework_fields,
            partial(services.framework_create, code=plan.framework_code),
            partial(services.framework_update, framework=plan.framework),
        )

        version = plan.framework_version
        if plan.version_fields["is_current"] and (version is None or not version.is_current):
            for other in framework.versions.filter(is_current=True).exclude(label=plan.label):
                self.warn(
                    f"ฉบับ '{other.label}' ไม่เป็นฉบับปัจจุบันอีกต่อไป / "
                    f"Version '{other.label}' is no longer the current version"
                )
        version = self.upsert(
            "version",
            "version",
            plan.version_line,
            version,
            plan.version_fields,
            partial(services.framework_version_create, framework=framework, label=plan.label),
            partial(services.framework_version_update, framework_version=version),
        )

        self.write_nodes(version)
        self.write_indicators(version)
        self.write_crosswalks(version)
        self.write_cross_links(version)

    def write_nodes(self, version: FrameworkVersion) -> None:
        for spec in self.plan.nodes:
            node = self.nodes.get(spec.code)
            parent = self.nodes[spec.parent.code] if spec.parent else None
            self.nodes[spec.code] = self.upsert(
                "node",
                spec.path,
                spec.line,
                node,
                spec.fields,
                partial(services.node_create, framework_version=version, code=spec.code, parent=parent),
                partial(services.node_update, node=node),
            )
        in_file = {spec.code for spec in self.plan.nodes}
        for code in sorted(set(self.plan.existing_nodes) - in_file, key=lambda c: self.nodes[c].tree_path):
            self.warn(
                f"โหนด '{code}' มีในฐานข้อมูลแต่ไม่มีในไฟล์ จึงไม่ถูกลบ / "
                f"Node '{code}' is in the database but not in the file; it was kept"
            )

    def set_periods(
        self,
        kind: str,
        indicator: Indicator,
        entries,
        stored_rows: dict,
        service: Callable,
        seen: set,
        fields: tuple[str, ...],
    ) -> None:
        """Set an indicator's targets or values per period through `service`, only where a field differs from the
        stored row (`fields` are named alike in the file, the model and the service)."""
        for entry in entries:
            key = (indicator.pk, entry.start, entry.end)
            seen.add((kind, *key))
            stored = stored_rows.get(key)
            wanted = {name: getattr(entry, name) for name in fields}
            if stored is not None and all(getattr(stored, name) == value for name, value in wanted.items()):
                self.count(kind, "unchanged")
                continue
            self.call(
                entry.path,
                entry.line,
                service,
                indicator=indicator,
                period_start=entry.start,
                period_end=entry.end,
                **wanted,
            )
            self.count(kind, "created" if stored is None else "updated")

    def write_indicators(self, version: FrameworkVersion) -> None:
        indicators = Indicator.objects.filter(node__framework_version=version).select_related("node")
        existing = {(i.node.code, i.code): i for i in indicators}
        targets = {
            (t.indicator_id, t.period_start, t.period_end): t
            for t in IndicatorTarget.objects.filter(indicator__node__framework_version=version).select_related(
                "indicator__node"
            )
        }
        actuals = {
            (v.indicator_id, v.period_start, v.period_end): v
            for v in IndicatorValue.objects.filter(indicator__node__framework_version=version).select_related(
                "indicator__node"
            )
        }
        seen: set = set()
        for node_spec in self.plan.nodes:
            node = self.nodes[node_spec.code]
            for spec in node_spec.indicators:
                indicator = existing.get((node_spec.code, spec.code))
                indicator = self.upsert(
                    "indicator",
                    spec.path,
                    spec.line,
                    indicator,
                    spec.fields,
                    partial(services.indicator_create, node=node, code=spec.code),
                    partial(services.indicator_update, indicator=indicator),
                )
                seen.add(("indicator", node_spec.code, spec.code))
                self.set_periods(
                    "target",
                    indicator,
                    spec.targets,
                    targets,
                    services.indicator_target_set,
                    seen,
                    ("value", "value_max"),
                )
                self.set_periods(
                    "value",
                    indicator,
                    spec.actuals,
                    actuals,
                    services.indicator_value_record,
                    seen,
                    ("value", "evidence", "source_url"),
                )
        for node_code, code in existing:
            if ("indicator", node_code, code) not in seen:
                self.warn(
                    f"ตัวชี้วัด '{code}' ของโหนด '{node_code}' มีในฐานข้อมูลแต่ไม่มีในไฟล์ จึงไม่ถูกลบ / "
                    f"Indicator '{code}' of node '{node_code}' is in the database but not in the file; it was kept"
                )
        for kind, stored_rows in (("target", targets), ("value", actuals)):
            for key, row in stored_rows.items():
                if (kind, *key) not in seen and ("indicator", row.indicator.node.code, row.indicator.code) in seen:
                    period = _format_period(row.period_start, row.period_end)
                    self.warn(
                        f"{kind} {period} ของตัวชี้วัด '{row.indicator.code}' มีในฐานข้อมูลแต่ไม่มีในไฟล์ จึงไม่ถูกลบ / "
                        f"The {kind} for {period} of indicator '{row.indicator.code}' is in the database but not "
                        f"in the file; it was kept"
                    )

    def write_crosswalks(self, version: FrameworkVersion) -> None:
        existing = {
            (c.from_node_id, c.to_node_id): c for c in Crosswalk.objects.filter(to_node__framework_version=version)
        }
        for spec in self.plan.crosswalks:
            to_node = self.nodes[spec.to_code]
            stored = existing.get((spec.from_node.pk, to_node.pk))
            if stored is None:
                self.call(
                    spec.path,
                    spec.line,
                    services.crosswalk_create,
                    from_node=spec.from_node,
                    to_node=to_node,
                    kind=spec.kind,
                    note=spec.note,
                )
                self.count("crosswalk", "created")
                continue
            self.count("crosswalk", "unchanged")
            if (stored.kind, stored.note) != (spec.kind, spec.note):
                self.warn(
                    f"การเทียบโยง {spec.from_code} → {spec.to_code} มีอยู่แล้วด้วยชนิดหรือหมายเหตุต่างจากไฟล์ จึงไม่ถูกเปลี่ยน / "
                    f"Crosswalk {spec.from_code} → {spec.to_code} already exists with another kind or note; "
                    f"it was kept as it is"
                )

    def write_cross_links(self, version: FrameworkVersion) -> None:
        existing = {
            (c.source_id, c.target_id, c.kind): c for c in CrossLink.objects.filter(source__framework_version=version)
        }
        for spec in self.plan.cross_links:
            source = self.nodes[spec.from_code]
            stored = existing.get((source.pk, spec.target.pk, spec.kind))
            if stored is None:
                self.call(
                    spec.path,
                    spec.line,
                    services.cross_link_create,
                    source=source,
                    target=spec.target,
                    kind=spec.kind,
                    note=spec.note,
                )
                self.count("cross_link", "created")
                continue
            self.count("cross_link", "unchanged")
            if stored.note != spec.note:
                self.warn(
                    f"การเชื่อมโยง {spec.from_code} → {spec.framework}:{spec.code} มีอยู่แล้วด้วยหมายเหตุอื่น จึงไม่ถูกเปลี่ยน / "
                    f"Cross-link {spec.from_code} → {spec.framework}:{spec.code} already exists with another "
                    f"note; it was kept as it is"
                )


def _invalid(errors: list[dict]) -> ValidationFailed:
    errors = sorted(errors, key=lambda e: e["line"])
    count = len(errors)
    return ValidationFailed(
        "import_invalid", f"ไฟล์แผนมีข้อผิดพลาด {count} รายการ / The plan file has {count} errors", {"errors": errors}
    )


def plan_import(*, actor, text: str, dry_run: bool = False) -> ImportResult:
    """Import one framework version from a `tidtam-plan/1` YAML text, all or nothing.

    Raises `ValidationFailed` (code `import_invalid`, `details["errors"]` = [{line, path, field, message}, …]) with
    every mistake in the file and writes nothing; `Forbidden` when `actor` may not manage plans (None = a system
    command). With `dry_run`, everything is checked and written, then rolled back: the result shows what would happen.
    """
    if actor is not None:
        require(actor, Action.MANAGE, Framework)
    document, syntax_error = _load(text)
    if syntax_error is not None:
        raise _invalid([syntax_error])
    with transaction.atomic():
        checker = _Checker(actor)
        plan = checker.check(document)
        if checker.errors:
            raise _invalid(checker.errors)
        result = ImportResult(framework=plan.framework_code, version=plan.label, dry_run=dry_run)
        with deferred_refresh():
            _Writer(actor, plan, result).run()
        if dry_run:
            transaction.set_rollback(True)
    return result


# --------------------------------------------------------------------------- export


class _Flow(dict):
    """A mapping written on one line: `{period: '2568', value: 50}`."""


class _PlanDumper(yaml.SafeDumper):
    """Writes plan files: lists indented under their key, short mappings on one line, exact decimals."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    # Written as a plain YAML number with every digit kept (a float could lose some of the 20 stored digits).
    if value == value.to_integral_value():
        return dumper.represent_scalar(f"{_TAG}int", str(int(value)))
    return dumper.represent_scalar(f"{_TAG}float", format(value.normalize(), "f"))


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line text as a literal block; the emitter falls back to a quoted string when a block cannot hold it.
    literal = "\n" in value and not any(ch in value for ch in "\r\x85\u2028\u2029")
    return dumper.represent_scalar(f"{_TAG}str", value, style="|" if literal else None)


_PlanDumper.add_representer(Decimal, _represent_decimal)
_PlanDumper.add_representer(str, _represent_str)
_PlanDumper.add_representer(_Flow, lambda dumper, value: dumper.represent_mapping(f"{_TAG}map", value, flow_style=True))


def _format_period(start: int, end: int) -> str:
    return str(start) if start == end else f"{start}-{end}"


def _empty(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, str | list | dict) and not value)


def _compact(pairs: list[tuple[str, Any]], *, keep: tuple[str, ...] = ()) -> dict:
    """The pairs as a dict, leaving out empty optional values (None, "", false, empty lists) unless kept."""
    return {key: value for key, value in pairs if key in keep or not _empty(value)}


def _export_indicator(indicator: Indicator) -> dict:
    baseline = _Flow(_compact([("value", indicator.baseline_value), ("year", indicator.baseline_year)]))
    responsible = indicator.responsible_organisation
    targets = [
        _Flow(
            _compact(
                [("period", _format_period(t.period_start, t.period_end)), ("value", t.value), ("max", t.value_max)]
            )
        )
        for t in sorted(indicator.targets.all(), key=lambda t: (t.period_start, t.period_end))
    ]
    actuals = [
        _compact(
            [
                ("period", _format_period(v.period_start, v.period_end)),
                ("value", v.value),
                ("evidence", v.evidence),
                ("source_url", v.source_url),
            ]
        )
        for v in sorted(indicator.values.all(), key=lambda v: (v.period_start, v.period_end))
    ]
    return _compact([
        ("code", indicator.code), ("name_th", indicator.name_th), ("name_en", indicator.name_en),
        ("unit", indicator.unit), ("direction", indicator.direction), ("baseline", baseline or None),
        ("data_source", indicator.data_source), ("responsible", responsible.code if responsible else None),
        ("frequency", indicator.frequency), ("illustrative", indicator.is_illustrative), ("targets", targets),
        ("values", [_Flow(a) if "evidence" not in a and "source_url" not in a else a for a in actuals]),
    ])  # fmt: skip


def plan_export(*, user, framework_code: str, version_label: str | None = None) -> str:
    """One framework version (its current one by default) as `tidtam-plan/1` YAML text that `plan_import` reads back."""
    framework = framework_get(user=user, code=framework_code)
    version = framework_version_get(user=user, framework=framework, label=version_label)
    nodes = list(Node.objects.filter(framework_version=version).order_by("depth", "sort_order", "code"))
    indicators: dict[int, list[Indicator]] = {}
    for indicator in (
        Indicator.objects.filter(node__framework_version=version)
        .select_related("responsible_organisation")
        .prefetch_related("targets", "values")
        .order_by("sort_order", "code")
    ):
        indicators.setdefault(indicator.node_id, []).append(indicator)
    children: dict[int | None, list[Node]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)

    def export_node(node: Node) -> dict:
        return _compact([
            ("code", node.code), ("title_th", node.title_th), ("title_en", node.title_en),
            ("description", node.description), ("illustrative", node.is_illustrative),
            ("indicators", [_export_indicator(i) for i in indicators.get(node.pk, [])]),
            ("children", [export_node(child) for child in children.get(node.pk, [])]),
        ])  # fmt: skip

    owner = framework.owner
    document: dict[str, Any] = {
        "format": FORMAT,
        "framework": _compact([
            ("code", framework.code), ("title_th", framework.title_th), ("title_en", framework.title_en),
            ("kind", framework.kind), ("description", framework.description),
            ("owner", owner.code if owner else None), ("illustrative", framework.is_illustrative),
        ]),
        "version": _compact([
            ("label", version.label), ("title_th", version.title_th), ("valid_from", version.valid_from),
            ("valid_to", version.valid_to), ("current", version.is_current),
            ("levels", [_Flow(_compact([(key, level.get(key)) for key in LEVEL_KEYS], keep=("key", "th")))
                        for level in _normal_levels(version.levels)]),
        ], keep=("current", "levels")),
    }  # fmt: skip
    if roots := children.get(None):
        document["nodes"] = [export_node(node) for node in roots]

    crosswalks = (
        Crosswalk.objects.filter(to_node__framework_version=version)
        .select_related("from_node__framework_version", "to_node")
        .order_by("from_node__framework_version__label", "from_node__tree_path", "to_node__tree_path")
    )
    by_version: dict[str, list[dict]] = {}
    for crosswalk in crosswalks:
        link = _Flow(
            _compact(
                [
                    ("from", crosswalk.from_node.code),
                    ("to", crosswalk.to_node.code),
                    ("kind", crosswalk.kind),
                    ("note", crosswalk.note),
                ]
            )
        )
        by_version.setdefault(crosswalk.from_node.framework_version.label, []).append(link)
    walks = [{"from_version": label, "links": links} for label, links in by_version.items()]
    if walks:
        document["crosswalk"] = walks[0] if len(walks) == 1 else walks

    links = (
        CrossLink.objects.filter(source__framework_version=version)
        .select_related("source", "target__framework_version__framework")
        .order_by("source__tree_path", "target__framework_version__framework__code", "target__tree_path", "kind")
    )
    cross_links = []
    for link in links:
        target_version = link.target.framework_version
        to = _Flow([("framework", target_version.framework.code)])
        if not target_version.is_current:  # the default is the current version; name any other
            to["version"] = target_version.label
        to["code"] = link.target.code
        cross_links.append(
            _Flow(_compact([("from", link.source.code), ("to", to), ("kind", link.kind), ("note", link.note)]))
        )
    if cross_links:
        document["cross_links"] = cross_links
    return yaml.dump(document, Dumper=_PlanDumper, allow_unicode=True, sort_keys=False, width=2**31 - 1)
