from decimal import Decimal

import pytest

from tidtam.accounts.choices import Role
from tidtam.core.errors import Forbidden, ValidationFailed
from tidtam.core.models import AuditEntry
from tidtam.core.testing import FrameworkFactory, FrameworkVersionFactory, OrganisationFactory, member
from tidtam.plans.choices import CrossLinkKind, CrosswalkKind
from tidtam.plans.models import FrameworkVersion, Node
from tidtam.plans.selectors import node_ancestors, node_children, node_list
from tidtam.plans.services import (
    cross_link_create,
    crosswalk_create,
    framework_create,
    framework_version_create,
    indicator_create,
    indicator_target_set,
    indicator_value_record,
    node_create,
    node_update,
)

pytestmark = pytest.mark.django_db
LEVELS = [{"key": "s", "th": "ยุทธศาสตร์", "en": "Strategy"}, {"key": "m", "th": "แผนแม่บท", "en": "Master plan"}]


@pytest.fixture
def reviewer():
    return member(Role.REVIEWER, OrganisationFactory(code="nesdc"))


@pytest.fixture
def version(reviewer):
    framework = framework_create(actor=reviewer, code="ns", title_th="ยุทธศาสตร์ชาติ")
    return framework_version_create(actor=reviewer, framework=framework, label="2561", levels=LEVELS, is_current=True)


def test_nodes_get_paths_depths_and_audit_entries(reviewer, version):
    strategy = node_create(actor=reviewer, framework_version=version, code="2", title_th="ด้านการแข่งขัน")
    plan = node_create(actor=reviewer, framework_version=version, code="02", title_th="การต่างประเทศ", parent=strategy)
    sub = node_create(actor=reviewer, framework_version=version, code="0201", title_th="ความมั่นคง", parent=plan)
    assert (sub.tree_path, sub.depth, sub.path_codes) == ("/2/02/0201/", 3, ["2", "02", "0201"])
    assert node_ancestors(node=sub) == [strategy, plan]
    assert [n.code for n in node_children(user=None, framework_version=version, parent=None)] == ["2"]
    assert [n.code for n in node_list(user=None, framework_version=version, parent=strategy)] == ["02", "0201"]
    assert version.level_name(2, "en") == "Master plan"
    assert AuditEntry.objects.filter(object_type="node", action="create", actor=reviewer).count() == 3


def test_node_codes_are_unique_per_version_and_positions_fixed(reviewer, version):
    node = node_create(actor=reviewer, framework_version=version, code="1", title_th="ความมั่นคง")
    with pytest.raises(ValidationFailed) as raised:
        node_create(actor=reviewer, framework_version=version, code="1", title_th="ซ้ำ")
    assert "__all__" in raised.value.details
    with pytest.raises(ValidationFailed) as raised:
        node_update(actor=reviewer, node=node, version=1, code="9")
    assert raised.value.code == "node_position_immutable"
    node_update(actor=reviewer, node=node, version=1, title_en="Security")
    node.refresh_from_db()
    assert node.version == 2 and node.title_en == "Security"


def test_reporters_cannot_change_plans(reviewer, version):
    reporter = member(Role.REPORTER, OrganisationFactory(code="mfa"))
    with pytest.raises(Forbidden):
        node_create(actor=reporter, framework_version=version, code="1", title_th="x")
    with pytest.raises(Forbidden):
        framework_create(actor=reporter, code="mine", title_th="x")
    assert not Node.objects.exists()


def test_a_new_current_version_retires_the_old_one(reviewer, version):
    newer = framework_version_create(
        actor=reviewer, framework=version.framework, label="2566", levels=LEVELS, is_current=True
    )
    version.refresh_from_db()
    assert newer.is_current and not version.is_current
    assert FrameworkVersion.objects.filter(is_current=True).count() == 1


def test_crosswalks_join_versions_and_cross_links_join_frameworks(reviewer, version):
    newer = framework_version_create(actor=reviewer, framework=version.framework, label="2566", levels=LEVELS)
    old = node_create(actor=reviewer, framework_version=version, code="1", title_th="เดิม")
    new = node_create(actor=reviewer, framework_version=newer, code="1", title_th="ใหม่")
    crosswalk_create(actor=reviewer, from_node=old, to_node=new, kind=CrosswalkKind.REVISED)
    with pytest.raises(ValidationFailed):
        crosswalk_create(actor=reviewer, from_node=old, to_node=old, kind=CrosswalkKind.SAME)
    other = FrameworkVersionFactory(framework=FrameworkFactory(code="poa"))
    area = node_create(actor=reviewer, framework_version=other, code="PS", title_th="การเมืองและความมั่นคง")
    link = cross_link_create(actor=reviewer, source=new, target=area, kind=CrossLinkKind.SUPPORTS)
    assert link.target == area
    with pytest.raises(ValidationFailed) as raised:
        cross_link_create(actor=reviewer, source=new, target=old, kind=CrossLinkKind.SAME_AS)
    assert raised.value.code == "cross_link_same_framework"


def test_targets_and_values_are_set_once_per_period(reviewer, version):
    node = node_create(actor=reviewer, framework_version=version, code="1", title_th="เป้าหมาย")
    indicator = indicator_create(actor=reviewer, node=node, code="K1", name_th="ดัชนี", unit="คะแนน")
    indicator_target_set(actor=reviewer, indicator=indicator, period_start=2566, period_end=2570, value=Decimal(60))
    indicator_target_set(actor=reviewer, indicator=indicator, period_start=2566, period_end=2570, value=Decimal(65))
    indicator_target_set(actor=reviewer, indicator=indicator, period_start=2566, period_end=2570, value=Decimal(65))
    assert indicator.targets.get().value == Decimal(65)
    assert AuditEntry.objects.filter(object_type="indicatortarget").count() == 2
    indicator_value_record(actor=reviewer, indicator=indicator, period_start=2568, period_end=2568, value=Decimal(58))
    assert indicator.values.get().value == Decimal(58)
    with pytest.raises(ValidationFailed):
        indicator_target_set(actor=reviewer, indicator=indicator, period_start=2570, period_end=2566, value=Decimal(1))
    with pytest.raises(ValidationFailed):
        indicator_target_set(
            actor=reviewer,
            indicator=indicator,
            period_start=2568,
            period_end=2568,
            value=Decimal(10),
            value_max=Decimal(5),
        )
