"""Writes to plan frameworks: versions, nodes, crosswalks, cross-links, indicators, targets and values.

Every service takes `actor` (None only for system commands such as `tidtam demo`), checks the permission, validates
before saving, and writes its audit entry.
"""

from decimal import Decimal

from django.db import transaction

from tidtam.core.errors import ValidationFailed
from tidtam.core.permissions import Action, require
from tidtam.core.services import create_audited, versioned_update
from tidtam.evaluation.rollups import indicators_refresh, projects_refresh
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
from tidtam.projects.models import Contribution


def _require(actor, action: Action, obj) -> None:
    if actor is not None:
        require(actor, action, obj)


@transaction.atomic
def framework_create(*, actor, code: str, title_th: str, **fields) -> Framework:
    _require(actor, Action.CREATE, Framework)
    return create_audited(actor=actor, obj=Framework(code=code, title_th=title_th, **fields))


@transaction.atomic
def framework_update(*, actor, framework: Framework, version: int, **changes) -> Framework:
    _require(actor, Action.EDIT, framework)
    framework = versioned_update(actor=actor, obj=framework, version=version, changes=changes)
    if "status_rule" in changes:
        indicators_refresh(
            Indicator.objects.filter(node__framework_version__framework=framework).values_list("pk", flat=True)
        )
    return framework


@transaction.atomic
def framework_version_create(
    *, actor, framework: Framework, label: str, levels: list[dict], is_current: bool = False, **fields
) -> FrameworkVersion:
    """Add a version; when it is current, the previous current version stops being so."""
    _require(actor, Action.CREATE, framework)
    if is_current:
        for old in framework.versions.filter(is_current=True):
            versioned_update(actor=actor, obj=old, version=old.version, changes={"is_current": False})
    version = FrameworkVersion(framework=framework, label=label, levels=levels, is_current=is_current, **fields)
    version = create_audited(actor=actor, obj=version)
    if is_current:
        _refresh_linked_projects(framework)
    return version


def _refresh_linked_projects(framework: Framework) -> None:
    """Whether a project's primary link is in a current version is part of its roll-up facts."""
    projects_refresh(
        Contribution.objects.filter(node__framework_version__framework=framework).values_list("project_id", flat=True)
    )


@transaction.atomic
def framework_version_update(
    *, actor, framework_version: FrameworkVersion, version: int, **changes
) -> FrameworkVersion:
    _require(actor, Action.EDIT, framework_version)
    if changes.get("is_current") and not framework_version.is_current:
        others = framework_version.framework.versions.filter(is_current=True)
        for old in others:
            versioned_update(actor=actor, obj=old, version=old.version, changes={"is_current": False})
    framework_version = versioned_update(actor=actor, obj=framework_version, version=version, changes=changes)
    if "is_current" in changes:
        _refresh_linked_projects(framework_version.framework)
    return framework_version


def _tree_position(framework_version: FrameworkVersion, code: str, parent: Node | None) -> tuple[str, int]:
    if parent is not None and parent.framework_version_id != framework_version.pk:
        raise ValidationFailed(
            "parent_other_version",
            "โหนดแม่อยู่ในฉบับอื่นของกรอบแผน / The parent belongs to another framework version",
            {"parent": ["other version"]},
        )
    if "/" in code:
        raise ValidationFailed(
            "invalid_code", "รหัสต้องไม่มีเครื่องหมาย / / A code cannot contain '/'", {"code": ["contains /"]}
        )
    if parent is None:
        return f"/{code}/", 1
    return f"{parent.tree_path}{code}/", parent.depth + 1


@transaction.atomic
def node_create(
    *, actor, framework_version: FrameworkVersion, code: str, title_th: str, parent: Node | None = None, **fields
) -> Node:
    _require(actor, Action.CREATE, framework_version)
    tree_path, depth = _tree_position(framework_version, code, parent)
    node = Node(
        framework_version=framework_version,
        parent=parent,
        code=code,
        title_th=title_th,
        tree_path=tree_path,
        depth=depth,
        **fields,
    )
    return create_audited(actor=actor, obj=node)


@transaction.atomic
def node_update(*, actor, node: Node, version: int, reason: str = "", **changes) -> Node:
    """Change a node's texts or order. Its code and place in the tree are fixed: revise the framework instead."""
    _require(actor, Action.EDIT, node)
    fixed = {"code", "parent", "framework_version", "tree_path", "depth"} & changes.keys()
    if fixed:
        raise ValidationFailed(
            "node_position_immutable",
            "รหัสและตำแหน่งของโหนดแก้ไขไม่ได้ ให้สร้างฉบับใหม่ของกรอบแผน / "
            "A node's code and position cannot change; create a new framework version",
            {name: ["immutable"] for name in sorted(fixed)},
        )
    return versioned_update(actor=actor, obj=node, version=version, changes=changes, reason=reason)


@transaction.atomic
def crosswalk_create(*, actor, from_node: Node, to_node: Node, kind: str, note: str = "") -> Crosswalk:
    _require(actor, Action.CREATE, from_node)
    old, new = from_node.framework_version, to_node.framework_version
    if old.framework_id != new.framework_id or old.pk == new.pk:
        raise ValidationFailed(
            "crosswalk_versions",
            "การเทียบโยงต้องเชื่อมโหนดของสองฉบับในกรอบแผนเดียวกัน / "
            "A crosswalk joins nodes of two versions of the same framework",
            {"to": ["not another version of the same framework"]},
        )
    return create_audited(actor=actor, obj=Crosswalk(from_node=from_node, to_node=to_node, kind=kind, note=note))


@transaction.atomic
def cross_link_create(*, actor, source: Node, target: Node, kind: str, note: str = "") -> CrossLink:
    _require(actor, Action.CREATE, source)
    if source.framework_version.framework_id == target.framework_version.framework_id:
        raise ValidationFailed(
            "cross_link_same_framework",
            "การเชื่อมโยงต้องเชื่อมโหนดของต่างกรอบแผน / A cross-link joins nodes of two frameworks",
            {"target": ["same framework"]},
        )
    return create_audited(actor=actor, obj=CrossLink(source=source, target=target, kind=kind, note=note))


@transaction.atomic
def indicator_create(*, actor, node: Node, code: str, name_th: str, unit: str, **fields) -> Indicator:
    _require(actor, Action.CREATE, node)
    return create_audited(actor=actor, obj=Indicator(node=node, code=code, name_th=name_th, unit=unit, **fields))


@transaction.atomic
def indicator_update(*, actor, indicator: Indicator, version: int, **changes) -> Indicator:
    _require(actor, Action.EDIT, indicator)
    indicator = versioned_update(actor=actor, obj=indicator, version=version, changes=changes)
    indicators_refresh([indicator.pk])
    return indicator


def _check_period(start: int, end: int) -> None:
    if end < start:
        raise ValidationFailed(
            "invalid_period", "ปีเริ่มต้องไม่มากกว่าปีสิ้นสุด / The period starts after it ends", {"period": [f"{start}-{end}"]}
        )


@transaction.atomic
def indicator_target_set(
    *, actor, indicator: Indicator, period_start: int, period_end: int, value: Decimal, value_max: Decimal | None = None
) -> IndicatorTarget:
    """Create or change the target of one period (a fiscal year when start = end, else a phase)."""
    _require(actor, Action.EDIT, indicator)
    _check_period(period_start, period_end)
    if value_max is not None and value_max < value:
        raise ValidationFailed(
            "invalid_range",
            "ค่าบนต้องไม่น้อยกว่าค่าล่าง / The upper target is below the lower",
            {"value_max": ["below value"]},
        )
    target = IndicatorTarget.objects.filter(indicator=indicator).for_period(period_start, period_end).first()
    if target is None:
        target = create_audited(
            actor=actor,
            obj=IndicatorTarget(
                indicator=indicator, period_start=period_start, period_end=period_end, value=value, value_max=value_max
            ),
        )
    else:
        target = versioned_update(
            actor=actor, obj=target, version=target.version, changes={"value": value, "value_max": value_max}
        )
    indicators_refresh([indicator.pk])
    return target


@transaction.atomic
def indicator_value_record(
    *,
    actor,
    indicator: Indicator,
    period_start: int,
    period_end: int,
    value: Decimal,
    evidence: str = "",
    source_url: str = "",
) -> IndicatorValue:
    """Create or change the actual value of one period."""
    _require(actor, Action.EDIT, indicator)
    _check_period(period_start, period_end)
    actual = IndicatorValue.objects.filter(indicator=indicator).for_period(period_start, period_end).first()
    if actual is None:
        actual = create_audited(
            actor=actor,
            obj=IndicatorValue(
                indicator=indicator,
                period_start=period_start,
                period_end=period_end,
                value=value,
                evidence=evidence,
                source_url=source_url,
            ),
        )
    else:
        actual = versioned_update(
            actor=actor,
            obj=actual,
            version=actual.version,
            changes={"value": value, "evidence": evidence, "source_url": source_url},
        )
    indicators_refresh([indicator.pk])
    return actual
