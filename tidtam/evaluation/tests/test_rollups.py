"""Roll-ups: figures checked against a hand-computed dataset, kept current by workflow transitions and indicator
changes, and equal to a rebuild after random sequences of transitions."""

import random
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tidtam.accounts.choices import Role
from tidtam.core.testing import (
    TARGET_LEVELS,
    IndicatorFactory,
    OrganisationFactory,
    ReportFactory,
    member,
    rollup_world,
)
from tidtam.evaluation.models import IndicatorStatus, NodeSummary, ProjectFact, StatusRule
from tidtam.evaluation.rollups import rollups_check, rollups_rebuild
from tidtam.plans.services import (
    framework_update,
    framework_version_create,
    indicator_target_set,
    indicator_value_record,
)
from tidtam.reporting.models import ReportDisbursement, ReportIndicatorValue
from tidtam.workflow.choices import WorkflowAction, WorkflowStatus
from tidtam.workflow.services import transition_problem, workflow_transition

pytestmark = pytest.mark.django_db
D = Decimal
S = WorkflowStatus


def figures(world, code: str | None, basis: str = "public") -> dict:
    node = world["nodes"][code] if code else None
    row = NodeSummary.objects.filter(
        framework_version=world["version"], node=node, fiscal_year=2568, basis=basis
    ).first()
    if row is None:
        return {}
    return {
        "projects": row.projects,
        "budget": row.budget,
        "disbursed": row.disbursed,
        "progress": (row.progress_sum, row.progress_count),
    }


def test_public_figures_count_accepted_items_only_and_each_project_once_per_node(world):
    rollups_rebuild()
    assert figures(world, "0101") == {
        "projects": 2,  # p1 (primary) and p2 (secondary link)
        "budget": D("1500000"),
        "disbursed": D("450000"),  # p1's accepted Q1 150,000 + p2's 300,000; p1's approved Q2 does not count
        "progress": (D("80"), 2),  # p1's latest accepted 20 + p2's 60
    }
    assert figures(world, "0102") == {
        "projects": 1,
        "budget": D("500000"),
        "disbursed": D("300000"),
        "progress": (D("60"), 1),
    }
    strategy = figures(world, "01")
    assert strategy == figures(world, None)  # the framework total
    assert strategy == {"projects": 2, "budget": D("1500000"), "disbursed": D("450000"), "progress": (D("80"), 2)}


def test_review_figures_include_approved_items(world):
    rollups_rebuild()
    assert figures(world, "0101", "review") == {
        "projects": 2,
        "budget": D("1500000"),
        "disbursed": D("650000"),  # + p1's approved Q2 200,000
        "progress": (D("105"), 2),  # p1's latest is now Q2: 45
    }
    assert figures(world, "01", "review") == {
        "projects": 3,  # + p3, approved
        "budget": D("1700000"),
        "disbursed": D("650000"),
        "progress": (D("105"), 2),  # p3 has no report: no progress
    }


def test_accepting_a_report_shows_in_every_roll_up_at_once(world):
    rollups_rebuild()
    reviewer = member(Role.REVIEWER, OrganisationFactory())
    q2 = world["reports"][1]
    workflow_transition(actor=reviewer, item=q2, action=WorkflowAction.ACCEPT, version=q2.version)
    assert figures(world, "0101")["disbursed"] == D("650000")
    assert figures(world, "01")["progress"] == (D("105"), 2)
    assert figures(world, None)["disbursed"] == D("650000")
    assert rollups_check().differences == []


def test_unlocking_a_project_removes_it_from_every_roll_up(world):
    rollups_rebuild()
    reviewer = member(Role.REVIEWER, OrganisationFactory())
    p2 = world["projects"][1]
    workflow_transition(actor=reviewer, item=p2, action=WorkflowAction.UNLOCK, version=p2.version, reason="แก้ไข")
    assert figures(world, "0102") == {"projects": 0, "budget": 0, "disbursed": 0, "progress": (0, 0)}
    assert figures(world, "0101")["projects"] == 1
    assert rollups_check().differences == []


def _step(rng: random.Random, world, people) -> None:
    """One random transition that the item's state allows, by the user whose role performs it."""
    items = world["projects"] + world["reports"]
    item = rng.choice(items)
    item.refresh_from_db()
    options = {
        S.DRAFT: [(WorkflowAction.SUBMIT, "reporter")],
        S.SUBMITTED: [(WorkflowAction.APPROVE, "approver"), (WorkflowAction.RETURN, "approver")],
        S.APPROVED: [(WorkflowAction.ACCEPT, "reviewer"), (WorkflowAction.RETURN, "reviewer")],
        S.ACCEPTED: [(WorkflowAction.UNLOCK, "reviewer")],
    }[item.status]
    action, role = rng.choice(options)
    actor = people[role]
    if transition_problem(actor, item, action, "เหตุผล") is None:
        workflow_transition(actor=actor, item=item, action=action, version=item.version, reason="เหตุผล")


@pytest.mark.parametrize("seed", range(4))
def test_incremental_roll_ups_equal_a_rebuild_after_random_transitions(world, seed):
    rollups_rebuild()
    ministry = world["orgs"]["min"]
    people = {
        "reporter": member(Role.REPORTER, ministry),
        "approver": member(Role.APPROVER, ministry),
        "reviewer": member(Role.REVIEWER, OrganisationFactory()),
    }
    rng = random.Random(seed)
    for step in range(30):
        _step(rng, world, people)
        if step % 10 == 9:
            assert rollups_check().differences == []


def public_status(indicator) -> IndicatorStatus:
    return IndicatorStatus.objects.get(indicator=indicator, fiscal_year=2568, basis="public")


def test_indicator_statuses_are_stored_with_rule_version_and_why_and_roll_up(world):
    rollups_rebuild()
    reviewer = member(Role.REVIEWER, OrganisationFactory())
    t1 = world["nodes"]["0101"]
    indicator = IndicatorFactory(node=t1, direction="higher")
    indicator_target_set(actor=reviewer, indicator=indicator, period_start=2568, period_end=2568, value=D(80))
    status = public_status(indicator)
    assert status.level == "grey" and "ไม่มีค่าจริง" in status.why_th
    indicator_value_record(actor=reviewer, indicator=indicator, period_start=2568, period_end=2568, value=D(72))
    status = public_status(indicator)
    assert (status.level, status.rule_version) == ("yellow", "default/1")
    assert status.why_th == "ค่าจริง 72 จากค่าเป้าหมาย 80 = 90% → ต่ำกว่าค่าเป้าหมายเล็กน้อย (≥75%, <100%)"
    for code in ("0101", "01"):
        row = NodeSummary.objects.get(node=world["nodes"][code], fiscal_year=2568, basis="public")
        assert (row.yellow, row.grey, row.red) == (1, 0, 0)
    # A stricter rule version on the framework recomputes the status and names its version.
    strict = StatusRule.objects.create(name="strict", version=1, green_from=D("1.2"), yellow_from=D("0.95"))
    framework = world["version"].framework
    framework_update(actor=reviewer, framework=framework, version=framework.version, status_rule=strict)
    status = public_status(indicator)
    assert (status.level, status.rule_version) == ("orange", "strict/1")
    assert "≥50%, <95%" in status.why_th
    assert NodeSummary.objects.get(node=t1, fiscal_year=2568, basis="public").orange == 1
    assert rollups_check().differences == []


def test_reported_indicator_values_count_once_their_report_is_accepted(world):
    reviewer = member(Role.REVIEWER, OrganisationFactory())
    indicator = IndicatorFactory(node=world["nodes"]["0101"], direction="lower")
    indicator_target_set(actor=reviewer, indicator=indicator, period_start=2568, period_end=2568, value=D(10))
    approved_q2 = world["reports"][1]
    ReportIndicatorValue.objects.create(report=approved_q2, indicator=indicator, value=D(20))
    rollups_rebuild()
    public, review = public_status(indicator), IndicatorStatus.objects.get(indicator=indicator, basis="review")
    assert (public.level, review.level) == ("grey", "orange")  # 10/20 = 50 %, only in the review figures
    workflow_transition(actor=reviewer, item=approved_q2, action=WorkflowAction.ACCEPT, version=approved_q2.version)
    public = public_status(indicator)
    assert public.level == "orange" and public.actual == D(20)
    assert rollups_check().differences == []


def test_rollups_commands_rebuild_and_check(world, capsys):
    call_command("rollups", "rebuild")
    call_command("rollups", "check")
    assert "Roll-ups match a rebuild" in capsys.readouterr().out
    NodeSummary.objects.filter(node=world["nodes"]["01"], basis="public").update(projects=99)
    with pytest.raises(CommandError, match="rollups rebuild"):
        call_command("rollups", "check")
    assert "stored" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_keep_the_summaries_exact():
    """Three transitions at once — two on reports of the same project, one on another project — all add their
    differences to the same summary rows; none is lost."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    world = rollup_world()
    p2_q2 = ReportFactory(project=world["projects"][1], round=world["reports"][1].round, status=S.APPROVED)
    ReportDisbursement.objects.create(report=p2_q2, month=date(2025, 1, 1), amount=D("70000"))
    rollups_rebuild()
    reviewer = member(Role.REVIEWER, OrganisationFactory())
    p1_q1, p1_q2, _ = world["reports"]
    moves = [(p1_q1, WorkflowAction.UNLOCK), (p1_q2, WorkflowAction.ACCEPT), (p2_q2, WorkflowAction.ACCEPT)]
    barrier = threading.Barrier(len(moves))
    failures = []

    def move(report, action) -> None:
        try:
            mine = type(report).objects.select_related("round", "project").get(pk=report.pk)
            barrier.wait(timeout=10)
            workflow_transition(actor=reviewer, item=mine, action=action, version=mine.version, reason="ทดสอบ")
        except Exception as error:  # noqa: BLE001 — reported below
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=args) for args in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert rollups_check().differences == []
    # p1: Q1 unlocked, Q2 accepted (200,000); p2: Q1 300,000 + Q2 70,000.
    assert figures(world, None)["disbursed"] == D("570000")


def test_a_new_current_plan_version_leaves_old_links_unlinked(world):
    rollups_rebuild()
    reviewer = member(Role.REVIEWER, OrganisationFactory())
    framework = world["version"].framework
    assert not ProjectFact.objects.filter(is_linked=False).exists()
    framework_version_create(actor=reviewer, framework=framework, label="2", levels=TARGET_LEVELS, is_current=True)
    assert set(ProjectFact.objects.filter(is_linked=False).values_list("project_id", flat=True)) == {
        p.pk for p in world["projects"]
    }
    assert rollups_check().differences == []
