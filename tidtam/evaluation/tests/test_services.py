"""Status rule versions: created immutable and numbered, validated with field-named Thai / English errors, audited,
assigned to frameworks and indicators (recomputing statuses) only by those who may edit plans."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tidtam.accounts.choices import Role
from tidtam.core.errors import Forbidden, ValidationFailed
from tidtam.core.models import AuditEntry
from tidtam.core.testing import IndicatorFactory, NodeFactory, OrganisationFactory, member
from tidtam.evaluation.models import IndicatorStatus, StatusRule
from tidtam.evaluation.services import status_rule_assign, status_rule_create
from tidtam.plans.services import indicator_target_set, indicator_value_record

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def reviewer():
    return member(Role.REVIEWER, OrganisationFactory())


def test_versions_are_numbered_per_name_and_audited(reviewer):
    first = status_rule_create(actor=reviewer, name="strict", green_from="1.2", yellow_from=D("0.95"), orange_from=0)
    second = status_rule_create(actor=reviewer, name="strict", green_from=D(1), yellow_from=D("0.8"), orange_from="๐.๕")
    other = status_rule_create(
        actor=None, name="lenient", green_from=D("0.9"), yellow_from=D("0.6"), orange_from=D("0.3")
    )
    assert (first.code, second.code, other.code) == ("strict/1", "strict/2", "lenient/1")
    first.refresh_from_db()
    assert (first.green_from, first.yellow_from, first.orange_from) == (D("1.2"), D("0.95"), D(0))  # unchanged
    assert second.orange_from == D("0.5")  # Thai digits accepted
    entry = AuditEntry.objects.get(object_type="statusrule", object_id=str(second.pk))
    assert entry.action == "create" and entry.actor == reviewer and entry.after["yellow_from"] == "0.8"


@pytest.mark.parametrize(
    "bands, field",
    [
        ((D("0.7"), D("0.8"), D("0.5")), "yellow_from"),  # yellow above green
        ((D(1), D("0.5"), D("0.6")), "orange_from"),  # orange above yellow
        ((D(1), D("0.75"), D("-0.1")), "orange_from"),  # negative
        ((D(1), "abc", D("0.5")), "yellow_from"),  # not a number
        ((D("1000"), D("0.75"), D("0.5")), "green_from"),  # too big to store
        ((D("1.0005"), D("0.75"), D("0.5")), "green_from"),  # more than 3 decimals
    ],
)
def test_bad_bands_are_refused_naming_the_field(reviewer, bands, field):
    green, yellow, orange = bands
    with pytest.raises(ValidationFailed) as error:
        status_rule_create(actor=reviewer, name="bad", green_from=green, yellow_from=yellow, orange_from=orange)
    assert field in error.value.details
    message = error.value.details[field][0]
    assert " / " in message and any("\u0e00" <= ch <= "\u0e7f" for ch in message)  # Thai / English
    assert not StatusRule.objects.filter(name="bad").exists()


@pytest.mark.parametrize("name", ["", "Strict", "has space", "x" * 41, "default"])
def test_bad_or_reserved_names_are_refused(reviewer, name):
    with pytest.raises(ValidationFailed) as error:
        status_rule_create(actor=reviewer, name=name, green_from=1, yellow_from=D("0.75"), orange_from=D("0.5"))
    assert "name" in error.value.details


band = st.decimals(min_value=0, max_value=D("999.999"), places=3, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(st.tuples(band, band, band))
def test_any_three_bands_are_accepted_exactly_when_ordered(bands):
    green, yellow, orange = bands
    try:
        rule = status_rule_create(actor=None, name="prop", green_from=green, yellow_from=yellow, orange_from=orange)
    except ValidationFailed as error:
        assert not (green >= yellow >= orange)
        assert set(error.details) <= {"yellow_from", "orange_from"}
    else:
        assert green >= yellow >= orange
        assert (rule.green_from, rule.yellow_from, rule.orange_from) == (green, yellow, orange)


@pytest.mark.parametrize("role", [Role.REPORTER, Role.APPROVER, Role.COORDINATOR, Role.OVERSIGHT, Role.ADMIN])
def test_only_those_who_edit_plans_may_create_or_assign(role):
    user = member(role, OrganisationFactory())
    with pytest.raises(Forbidden):
        status_rule_create(actor=user, name="strict", green_from=1, yellow_from=D("0.9"), orange_from=D("0.5"))
    rule = status_rule_create(actor=None, name="strict", green_from=1, yellow_from=D("0.9"), orange_from=D("0.5"))
    indicator = IndicatorFactory()
    with pytest.raises(Forbidden):
        status_rule_assign(actor=user, target=indicator.node.framework_version.framework, rule=rule)
    with pytest.raises(Forbidden):
        status_rule_assign(actor=user, target=indicator, rule=rule)
    indicator.refresh_from_db()
    assert indicator.status_rule_id is None


def _status(indicator) -> IndicatorStatus:
    return IndicatorStatus.objects.get(indicator=indicator, fiscal_year=2568, basis="public")


def test_assigning_to_framework_then_indicator_recomputes_and_none_inherits(reviewer):
    node = NodeFactory()
    indicator = IndicatorFactory(node=node, direction="higher")
    indicator_target_set(actor=reviewer, indicator=indicator, period_start=2568, period_end=2568, value=D(80))
    indicator_value_record(actor=reviewer, indicator=indicator, period_start=2568, period_end=2568, value=D(72))
    assert (_status(indicator).level, _status(indicator).rule_version) == ("yellow", "default/1")  # 90 %
    strict = status_rule_create(
        actor=reviewer, name="strict", green_from=D("1.2"), yellow_from=D("0.95"), orange_from=D("0.5")
    )
    lenient = status_rule_create(
        actor=reviewer, name="lenient", green_from=D("0.9"), yellow_from=D("0.6"), orange_from=D("0.3")
    )
    framework = node.framework_version.framework
    status_rule_assign(actor=reviewer, target=framework, rule=strict)
    assert (_status(indicator).level, _status(indicator).rule_version) == ("orange", "strict/1")
    indicator.refresh_from_db()
    status_rule_assign(actor=reviewer, target=indicator, rule=lenient)  # the indicator's own rule wins
    status = _status(indicator)
    assert (status.level, status.rule_version) == ("green", "lenient/1")
    assert status.why_th.endswith("บรรลุค่าเป้าหมาย (≥90%)")
    indicator.refresh_from_db()
    status_rule_assign(actor=reviewer, target=indicator, rule=None)  # back to the framework's rule
    assert _status(indicator).rule_version == "strict/1"
    framework.refresh_from_db()
    status_rule_assign(actor=reviewer, target=framework, rule=None)  # back to the default
    assert _status(indicator).rule_version == "default/1"
    assert AuditEntry.objects.filter(object_type="indicator", object_id=str(indicator.pk), action="update").count() == 2


def test_assigning_to_anything_else_is_refused(reviewer):
    rule = status_rule_create(actor=None, name="strict", green_from=1, yellow_from=D("0.9"), orange_from=D("0.5"))
    with pytest.raises(ValidationFailed) as error:
        status_rule_assign(actor=reviewer, target=NodeFactory(), rule=rule)
    assert "target" in error.value.details
