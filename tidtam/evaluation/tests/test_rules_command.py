"""`tidtam rules list | create | assign | explain`: the administrator's view of the status rule versions."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tidtam.accounts.choices import Role
from tidtam.core.models import AuditEntry
from tidtam.core.testing import FrameworkFactory, IndicatorFactory, NodeFactory, OrganisationFactory, member
from tidtam.evaluation.models import IndicatorStatus, StatusRule
from tidtam.plans.services import indicator_target_set, indicator_value_record

pytestmark = pytest.mark.django_db
D = Decimal


def run(capsys, *args) -> str:
    call_command("rules", *args)
    return capsys.readouterr().out


def test_create_stores_the_next_version(capsys):
    out = run(capsys, "create", "--name", "strict", "--green", "1.2", "--yellow", "0.95", "--orange", "๐.๕")
    assert "strict/1" in out and "yellow ≥95%, <120%" in out
    run(capsys, "create", "--name", "strict", "--green", "1", "--yellow", "0.8", "--orange", "0.5", "--note", "ปรับ")
    second = StatusRule.objects.get(name="strict", version=2)
    assert (second.green_from, second.yellow_from, second.orange_from, second.note) == (D(1), D("0.8"), D("0.5"), "ปรับ")
    assert StatusRule.objects.get(name="strict", version=1).yellow_from == D("0.95")


def test_create_refuses_unordered_bands_naming_the_field(capsys):
    with pytest.raises(CommandError, match="yellow_from") as error:
        run(capsys, "create", "--name", "bad", "--green", "0.7", "--yellow", "0.8", "--orange", "0.5")
    assert "green ≥ yellow ≥ orange" in str(error.value) and "ต้องไม่มากกว่า" in str(error.value)
    assert not StatusRule.objects.filter(name="bad").exists()


def test_create_as_a_user_checks_the_role_and_records_the_actor(capsys):
    reporter = member(Role.REPORTER, OrganisationFactory(), username="rep")
    reviewer = member(Role.REVIEWER, OrganisationFactory(), username="rev")
    with pytest.raises(CommandError, match="not allowed"):
        run(capsys, "create", "--name", "x", "--green", "1", "--yellow", "0.8", "--orange", "0.5", "--user", "rep")
    run(capsys, "create", "--name", "x", "--green", "1", "--yellow", "0.8", "--orange", "0.5", "--user", "rev")
    rule = StatusRule.objects.get(name="x")
    assert AuditEntry.objects.get(object_type="statusrule", object_id=str(rule.pk)).actor == reviewer
    assert reporter.pk != reviewer.pk
    with pytest.raises(CommandError, match="nobody"):
        run(capsys, "create", "--name", "y", "--green", "1", "--yellow", "0.8", "--orange", "0.5", "--user", "nobody")


@pytest.fixture
def indicator():
    """An indicator of framework `ns` at 72 of 80 in FY 2568 (yellow under the default rule)."""
    framework = FrameworkFactory(code="ns")
    indicator = IndicatorFactory(node=NodeFactory(framework_version__framework=framework), code="KPI-1")
    indicator_target_set(actor=None, indicator=indicator, period_start=2568, period_end=2568, value=D(80))
    indicator_value_record(actor=None, indicator=indicator, period_start=2568, period_end=2568, value=D(72))
    return indicator


def _public(indicator) -> IndicatorStatus:
    return IndicatorStatus.objects.get(indicator=indicator, fiscal_year=2568, basis="public")


def test_assign_and_list_show_who_uses_which_version(capsys, indicator):
    run(capsys, "create", "--name", "strict", "--green", "1.2", "--yellow", "0.95", "--orange", "0.5")
    run(capsys, "create", "--name", "lenient", "--green", "0.9", "--yellow", "0.6", "--orange", "0.3")
    out = run(capsys, "assign", "--framework", "ns", "--rule", "strict/1")
    assert "strict/1" in out and _public(indicator).level == "orange"
    run(capsys, "assign", "--indicator", str(indicator.pk), "--rule", "lenient/1")
    assert (_public(indicator).level, _public(indicator).rule_version) == ("green", "lenient/1")
    listing = run(capsys, "list")
    blocks = {block.split()[0]: block for block in listing.split("\n") if block and not block.startswith(" ")}
    assert "green ≥120%" in blocks["strict/1"] and "red <30%" in blocks["lenient/1"]
    assert "default/1" in blocks
    lines = listing.splitlines()
    strict_at = next(i for i, line in enumerate(lines) if line.startswith("strict/1"))
    assert lines[strict_at + 1].endswith("frameworks: ns")
    lenient_at = next(i for i, line in enumerate(lines) if line.startswith("lenient/1"))
    assert f"{indicator.pk} (ns KPI-1)" in lines[lenient_at + 2]
    run(capsys, "assign", "--indicator", str(indicator.pk), "--rule", "default")
    assert _public(indicator).rule_version == "strict/1"  # inherits the framework's rule again
    run(capsys, "assign", "--framework", "ns", "--rule", "default")
    assert _public(indicator).rule_version == "default/1"
    listing = run(capsys, "list")
    assert "ns (ไม่ได้กำหนด / not set)" in listing


def test_assign_names_unknown_rules_and_targets(capsys, indicator):
    with pytest.raises(CommandError, match="No status rule 'nope/1'"):
        run(capsys, "assign", "--framework", "ns", "--rule", "nope/1")
    with pytest.raises(CommandError, match="No framework 'zz'"):
        run(capsys, "assign", "--framework", "zz", "--rule", "default/1")
    with pytest.raises(CommandError, match="No indicator 'abc'"):
        run(capsys, "assign", "--indicator", "abc", "--rule", "default/1")


def test_explain_under_a_stored_version(capsys):
    run(capsys, "create", "--name", "strict", "--green", "1.2", "--yellow", "0.95", "--orange", "0.5")
    call_command("rules", "explain", "--target", "80", "--actual", "72", "--rule", "strict/1")
    result = json.loads(capsys.readouterr().out)
    assert (result["level"], result["rule_version"]) == ("orange", "strict/1")
    assert result["why"]["en"] == "actual 72 of the target 80 = 90% → Below target, at risk (≥50%, <95%)"
    call_command("rules", "explain", "--target", "80", "--actual", "72")
    assert json.loads(capsys.readouterr().out)["rule_version"] == "default/1"
    with pytest.raises(CommandError, match="strict/9"):
        call_command("rules", "explain", "--target", "80", "--actual", "72", "--rule", "strict/9")
