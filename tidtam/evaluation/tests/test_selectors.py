"""Dashboard selectors: figures per node and slice, gaps, spend vs progress, and who may see review figures."""

from decimal import Decimal

import pytest

from tidtam.accounts.choices import Role
from tidtam.core.models import Province
from tidtam.core.testing import IndicatorFactory, OrganisationFactory, ProjectFactory, member
from tidtam.evaluation.models import Basis
from tidtam.evaluation.rollups import rollups_rebuild
from tidtam.evaluation.selectors import (
    Figures,
    dashboard,
    dashboard_basis,
    gap_analysis,
    spend_vs_progress_organisations,
    spend_vs_progress_projects,
)
from tidtam.plans.services import indicator_target_set
from tidtam.workflow.choices import WorkflowStatus

pytestmark = pytest.mark.django_db
D = Decimal


def test_review_figures_only_for_reviewers_and_oversight(world):
    org = world["orgs"]["min"]
    assert dashboard_basis(None, "review") == Basis.PUBLIC
    assert dashboard_basis(member(Role.REPORTER, org), "review") == Basis.PUBLIC
    assert dashboard_basis(member(Role.APPROVER, org), "review") == Basis.PUBLIC
    assert dashboard_basis(member(Role.REVIEWER, org), "review") == Basis.REVIEW
    assert dashboard_basis(member(Role.OVERSIGHT, org), "review") == Basis.REVIEW
    assert dashboard_basis(member(Role.REVIEWER, org), None) == Basis.PUBLIC


def test_dashboard_tree_totals_and_gaps(world):
    rollups_rebuild()
    board = dashboard(user=None, version=world["version"], fiscal_year=2568, basis=Basis.PUBLIC)
    assert board.total.projects == 2 and board.total.disbursement_percent == D("30.0")  # 450,000 / 1,500,000
    [strategy] = board.rows
    assert [row.node.code for row in strategy.children] == ["0101", "0102"]
    assert strategy.figures.average_progress == D("40.0") and strategy.gaps == 0
    empty_year = dashboard(user=None, version=world["version"], fiscal_year=2569, basis=Basis.PUBLIC)
    assert empty_year.total.projects == 0 and empty_year.rows[0].gaps == 2  # both targets have no project


def test_organisation_slice_counts_only_the_subtree(world):
    rollups_rebuild()
    division = world["orgs"]["div"]
    board = dashboard(user=None, version=world["version"], fiscal_year=2568, basis=Basis.PUBLIC, organisation=division)
    assert (board.total.projects, board.total.budget, board.total.disbursed) == (1, D("1000000"), D("150000"))
    [strategy] = board.rows
    by_code = {row.node.code: row.figures for row in strategy.children}
    assert by_code["0101"].projects == 1 and by_code["0102"].projects == 0


def test_province_slice(world):
    rollups_rebuild()
    bangkok = Province.objects.get(code="10")
    world["projects"][1].provinces.add(bangkok)
    board = dashboard(user=None, version=world["version"], fiscal_year=2568, basis=Basis.PUBLIC, province=bangkok)
    assert (board.total.projects, board.total.budget) == (1, D("500000"))


def test_worst_level_is_never_hidden_by_an_average():
    figures = Figures(levels={"green": 9, "yellow": 0, "orange": 0, "red": 1, "grey": 3})
    assert figures.worst_level == "red"
    assert Figures(levels={"green": 0, "yellow": 0, "orange": 0, "red": 0, "grey": 2}).worst_level == "grey"
    assert Figures().worst_level is None


def test_gap_analysis(world):
    reviewer = member(Role.REVIEWER, OrganisationFactory())
    indicator = IndicatorFactory(node=world["nodes"]["0102"])
    indicator_target_set(actor=reviewer, indicator=indicator, period_start=2568, period_end=2568, value=D(5))
    unlinked = ProjectFactory(owner=world["orgs"]["min"], status=WorkflowStatus.ACCEPTED)
    rollups_rebuild()
    gaps = gap_analysis(user=None, version=world["version"], fiscal_year=2568, basis=Basis.PUBLIC)
    assert gaps.nodes_without_projects == []
    assert [s.indicator for s in gaps.indicators_without_data] == [indicator]
    assert gaps.projects_without_valid_link == [unlinked]
    later = gap_analysis(user=None, version=world["version"], fiscal_year=2569, basis=Basis.PUBLIC)
    assert {n.code for n in later.nodes_without_projects} == {"0101", "0102"}


def test_spend_vs_progress_flags_money_spent_with_little_progress(world):
    p1 = world["projects"][0]
    report = p1.reports.get(round__quarter=1)
    report.disbursements.update(amount=D("400000"))  # 800,000 of 1,000,000 spent at 20 % progress
    rollups_rebuild()
    points = {p.code: p for p in spend_vs_progress_projects(user=None, fiscal_year=2568, basis=Basis.PUBLIC)}
    assert points[p1.code].disbursement_percent == D("80.0") and points[p1.code].spent_little_progress
    assert not points[world["projects"][1].code].spent_little_progress  # 60 % spent, 60 % progress
    organisations = {p.code: p for p in spend_vs_progress_organisations(user=None, fiscal_year=2568, basis="public")}
    assert organisations["div"].spent_little_progress and organisations["min"].progress == D("60.0")
