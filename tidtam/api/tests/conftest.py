"""Shared test data for the API: a small two-version framework, a second framework, organisations and users."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from tidtam.accounts.choices import Role
from tidtam.api.tests.helpers import LEVELS
from tidtam.core.testing import (
    FrameworkFactory,
    FrameworkVersionFactory,
    IndicatorFactory,
    NodeFactory,
    OrganisationFactory,
    member,
)
from tidtam.organisations.choices import OrganisationKind
from tidtam.plans.services import cross_link_create, crosswalk_create, indicator_target_set, indicator_value_record


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a temporary MEDIA_ROOT, not the development one under var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Plan:
    framework: object
    old: object  # version 2561
    current: object  # version 2566
    nodes: dict  # code → node of the current version
    old_nodes: dict  # code → node of the old version
    other: object  # a second framework
    other_node: object
    indicator: object
    ministry: object


def _node(version, code, parent=None, sort_order=0):
    return NodeFactory(
        framework_version=version,
        code=code,
        parent=parent,
        sort_order=sort_order,
        title_th=f"โหนด {code}",
        title_en=f"Node {code}",
    )


@pytest.fixture
def plan(db) -> Plan:
    """`ns` 2566 (current): 1 → 01 → {0101, 0102}, 2 → 02. `ns` 2561: 1 → 01. `poa` 1: P1.

    Crosswalk 01 (2561) → 01 (2566); cross-links P1 → 0101 and 0101 → P1 (conflicts_with); an indicator on 0101.
    """
    ministry = OrganisationFactory(code="mfa", name_th="กระทรวงการต่างประเทศ", name_en="Ministry of Foreign Affairs")
    framework = FrameworkFactory(
        code="ns", title_th="ยุทธศาสตร์ชาติ", title_en="National Strategy", kind="national_strategy"
    )
    old = FrameworkVersionFactory(framework=framework, label="2561", is_current=False, levels=LEVELS)
    current = FrameworkVersionFactory(framework=framework, label="2566", is_current=True, levels=LEVELS)
    nodes = {}
    nodes["1"] = _node(current, "1", sort_order=1)
    nodes["2"] = _node(current, "2", sort_order=2)
    nodes["01"] = _node(current, "01", nodes["1"])
    nodes["0102"] = _node(current, "0102", nodes["01"], sort_order=2)
    nodes["0101"] = _node(current, "0101", nodes["01"], sort_order=1)
    nodes["02"] = _node(current, "02", nodes["2"])
    old_nodes = {"1": _node(old, "1")}
    old_nodes["01"] = _node(old, "01", old_nodes["1"])
    crosswalk_create(actor=None, from_node=old_nodes["01"], to_node=nodes["01"], kind="revised")
    other = FrameworkFactory(code="poa", title_th="แผนปฏิบัติการ", title_en="Plan of Action")
    other_version = FrameworkVersionFactory(framework=other, label="1", is_current=True)
    other_node = _node(other_version, "P1")
    cross_link_create(actor=None, source=other_node, target=nodes["0101"], kind="supports")
    cross_link_create(actor=None, source=nodes["0101"], target=other_node, kind="conflicts_with")
    indicator = IndicatorFactory(
        node=nodes["0101"],
        code="KPI-1",
        name_th="ร้อยละความสำเร็จ",
        name_en="Success rate",
        baseline_value=Decimal("40.5"),
        baseline_year=2565,
        responsible_organisation=ministry,
    )
    indicator_target_set(actor=None, indicator=indicator, period_start=2566, period_end=2570, value=Decimal("80"))
    indicator_value_record(
        actor=None,
        indicator=indicator,
        period_start=2567,
        period_end=2567,
        value=Decimal("65.25"),
        evidence="รายงานประจำปี",
    )
    return Plan(framework, old, current, nodes, old_nodes, other, other_node, indicator, ministry)


@pytest.fixture
def users(db):
    """One user per role the harness checks, each in their own organisation."""
    home = OrganisationFactory(code="home-ministry")
    central = OrganisationFactory(code="central-office", kind=OrganisationKind.CENTRAL_AGENCY)
    return {
        "reporter": member(Role.REPORTER, home, username="reporter"),
        "reviewer": member(Role.REVIEWER, central, username="reviewer"),
    }
