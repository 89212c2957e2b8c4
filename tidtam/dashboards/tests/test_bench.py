"""`tidtam bench dashboard`: the raw GROUP BY baseline computes the dashboard's figures exactly (the honesty check of
the baseline), the command prints its table and JSON, a disagreement fails it, and an empty database gets told what
to run."""

import json
import random
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tidtam.core.management.commands.bench import Timing, measure, percentile
from tidtam.core.testing import (
    FrameworkVersionFactory,
    NodeFactory,
    OrganisationFactory,
    ProjectFactory,
    ReportFactory,
    RoundFactory,
    rollup_world,
)
from tidtam.dashboards.bench import compare, dashboard_figures, raw_figures
from tidtam.evaluation.models import Basis, NodeSummary
from tidtam.evaluation.rollups import rollups_rebuild
from tidtam.evaluation.selectors import dashboard
from tidtam.projects.models import BudgetLine, Contribution
from tidtam.reporting.models import ReportDisbursement
from tidtam.workflow.choices import WorkflowStatus as S

pytestmark = pytest.mark.django_db
D = Decimal
DEEP_LEVELS = [
    {"key": "strategy", "th": "ยุทธศาสตร์", "en": "Strategy"},
    {"key": "plan", "th": "แผนแม่บท", "en": "Master plan"},
    {"key": "target", "th": "เป้าหมาย", "en": "Target"},
    {"key": "factor", "th": "ปัจจัย", "en": "Factor"},
]


def quarter_round(fiscal_year: int, quarter: int):
    """The reporting round of a BE fiscal year's quarter (Q1 = October–December of the year before)."""
    year = fiscal_year - 543 - 1
    month = 10 + 3 * (quarter - 1)
    if month > 12:
        year, month = year + 1, month - 12
    start = date(year, month, 1)
    after = date(year, month + 3, 1) if month + 3 <= 12 else date(year + 1, month + 3 - 12, 1)
    end = date.fromordinal(after.toordinal() - 1)
    return RoundFactory(
        fiscal_year=fiscal_year,
        quarter=quarter,
        period_start=start,
        period_end=end,
        opens_on=date.fromordinal(end.toordinal() - 14),
        deadline=date.fromordinal(end.toordinal() + 31),
    )


def board_figures(version, fiscal_year):
    return dashboard_figures(dashboard(user=None, version=version, fiscal_year=fiscal_year, basis=Basis.PUBLIC))


def test_percentiles_and_timing():
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 95) == pytest.approx(4.8)
    assert percentile([7.0], 95) == 7.0
    calls = []
    timing = measure(lambda: calls.append("call"), repeats=4, warmup=2, before=lambda: calls.append("before"))
    assert calls == ["before", "call"] * 6 and len(timing.samples_ms) == 4  # warm-up runs are not kept
    assert Timing((1.0, 2.0, 3.0)).mean == 2.0


def test_raw_figures_equal_the_dashboard_on_the_rollup_world():
    """Hand-checked: the rollup world (two accepted projects of FY 2568, an approved one, an approved report) plus a
    deeper branch, a project of other years, a latest accepted report without progress and a link to another
    version."""
    world = rollup_world()
    version, nodes = world["version"], world["nodes"]
    version.levels = DEEP_LEVELS
    version.save()
    plan = NodeFactory(framework_version=version, parent=nodes["0101"], code="010101")  # depth 3
    factor = NodeFactory(framework_version=version, parent=plan, code="01010101")  # depth 4: below the dashboard
    elsewhere = NodeFactory(framework_version=FrameworkVersionFactory(label="old", is_current=False), code="99")
    owner = OrganisationFactory()
    q1, q2 = quarter_round(2568, 1), quarter_round(2568, 2)

    deep = ProjectFactory(owner=owner, status=S.ACCEPTED, fiscal_year_start=2567, fiscal_year_end=2569)
    BudgetLine.objects.create(project=deep, fiscal_year=2568, source="budget", amount=D("250000.25"))
    BudgetLine.objects.create(project=deep, fiscal_year=2568, source="loan", amount=D("0.50"))
    BudgetLine.objects.create(project=deep, fiscal_year=2569, source="budget", amount=D("999999"))
    Contribution.objects.create(project=deep, node=factor, is_primary=True)
    Contribution.objects.create(project=deep, node=elsewhere)
    first = ReportFactory(project=deep, round=q1, status=S.ACCEPTED, physical_progress=30)
    ReportDisbursement.objects.create(report=first, month=date(2024, 10, 1), amount=D("1000.10"))
    latest = ReportFactory(project=deep, round=q2, status=S.ACCEPTED, physical_progress=None)  # no progress
    ReportDisbursement.objects.create(report=latest, month=date(2025, 1, 1), amount=D("2000.20"))
    ReportFactory(project=deep, round=quarter_round(2567, 4), status=S.ACCEPTED, physical_progress=90)  # FY 2567

    other_years = ProjectFactory(owner=owner, status=S.ACCEPTED, fiscal_year_start=2569, fiscal_year_end=2569)
    BudgetLine.objects.create(project=other_years, fiscal_year=2568, source="budget", amount=D("5"))
    Contribution.objects.create(project=other_years, node=nodes["0102"], is_primary=True)
    rollups_rebuild()

    raw = raw_figures(version=version, fiscal_year=2568)
    assert compare(raw, board_figures(version, 2568)) == []
    assert factor.pk not in raw  # the dashboard stops at depth 3
    assert raw[plan.pk].projects == 1 and raw[plan.pk].budget == D("250000.75")
    assert raw[plan.pk].disbursed == D("3000.30") and raw[plan.pk].progress_count == 0
    assert raw[nodes["0101"].pk].projects == 3  # p1, p2 (secondary link) and the deep project, once each
    assert raw[nodes["0101"].pk].disbursed == D("453000.30")
    assert raw[nodes["01"].pk].projects == raw[None].projects == 3
    assert raw[None].budget == D("1750000.75") and raw[None].progress_sum == D("80") and raw[None].progress_count == 2


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_raw_figures_equal_the_dashboard_on_random_data(seed):
    """Random plans, projects, budgets, links and reports in every workflow state: the baseline equals the dashboard
    for every node and fiscal year."""
    rng = random.Random(seed)
    version = FrameworkVersionFactory(levels=DEEP_LEVELS)
    old = FrameworkVersionFactory(framework=version.framework, label="0", is_current=False)
    nodes = []
    for top in range(3):
        strategy = NodeFactory(framework_version=version, code=f"{top}")
        nodes.append(strategy)
        for below in range(rng.randint(1, 3)):
            parent = NodeFactory(framework_version=version, parent=strategy, code=f"{top}{below}")
            nodes.append(parent)
            for leaf in range(rng.randint(0, 2)):
                target = NodeFactory(framework_version=version, parent=parent, code=f"{top}{below}{leaf}")
                nodes.append(target)
                nodes += [
                    NodeFactory(framework_version=version, parent=target, code=f"{top}{below}{leaf}{n}")
                    for n in range(rng.randint(0, 2))
                ]
    nodes.append(NodeFactory(framework_version=old, code="0"))  # same code, older version
    rounds = [quarter_round(fy, q) for fy in (2567, 2568) for q in (1, 2, 3, 4)]
    owner = OrganisationFactory()
    statuses = [S.ACCEPTED, S.ACCEPTED, S.ACCEPTED, S.APPROVED, S.SUBMITTED, S.DRAFT]
    for _ in range(40):
        first = rng.choice([2566, 2567, 2568])
        project = ProjectFactory(
            owner=owner, status=rng.choice(statuses), fiscal_year_start=first, fiscal_year_end=first + rng.randint(0, 2)
        )
        for year in range(2566, 2570):
            for source in rng.sample(["budget", "loan", "other"], rng.randint(0, 2)):
                amount = D(rng.randint(0, 10_000_000)) / 100
                BudgetLine.objects.create(project=project, fiscal_year=year, source=source, amount=amount)
        for index, node in enumerate(rng.sample(nodes, rng.randint(0, 3))):
            Contribution.objects.create(project=project, node=node, is_primary=index == 0)
        for round_ in rounds:
            if rng.random() < 0.6:
                progress = None if rng.random() < 0.1 else D(rng.randint(0, 10000)) / 100
                report = ReportFactory(
                    project=project, round=round_, status=rng.choice(statuses), physical_progress=progress
                )
                for month in range(rng.randint(0, 3)):
                    ReportDisbursement.objects.create(
                        report=report,
                        month=round_.period_start.replace(month=round_.period_start.month + month),
                        amount=D(rng.randint(0, 500_000_00)) / 100,
                    )
    rollups_rebuild()
    for fiscal_year in (2567, 2568, 2569):
        raw = raw_figures(version=version, fiscal_year=fiscal_year)
        assert compare(raw, board_figures(version, fiscal_year)) == [], fiscal_year
    assert raw_figures(version=version, fiscal_year=2568)[None].projects > 0  # the data exercised the figures


def run_bench(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("bench", "dashboard", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_prints_the_table():
    world = rollup_world()
    rollups_rebuild()
    framework = world["version"].framework.code
    out, _ = run_bench("--framework", framework, "--repeats", "2", "--warmup", "0")
    assert f"framework {framework} (version 1), FY 2568" in out  # the busiest fiscal year by default
    assert "p50 ms" in out and "p95 ms" in out and "raw/p50" in out
    assert "selector evaluation.selectors.dashboard()" in out and "raw GROUP BY over the base tables" in out
    assert "figures agree" in out and "4 rows" in out  # strategy, two targets and the framework total
    assert "indicator status counts come from stored indicator status rows" in out
    assert "rows: projects 3 · reports 3 · disbursements 4 · project facts" in out
    assert "≥ 10× (p50 and p95)" in out and ("PASS" in out or "FAIL" in out)

    data = json.loads(run_bench("--framework", framework, "--repeats", "2", "--warmup", "0", "--json")[0])
    assert data["figures_agree"] is True and data["fiscal_year"] == 2568 and data["nodes_compared"] == 4
    assert data["vendor"] in {"sqlite", "postgresql"} and data["rows"]["projects"] == 3
    keys = [t["key"] for t in data["timings"]]
    assert keys[-2:] == ["selector", "raw"] and all(t["samples"] == 2 for t in data["timings"])
    judged = [t["key"] for t in data["timings"] if t["key"] in ("page", "api")] or ["selector"]
    assert [bar["bar"].split()[0] for bar in data["bars"]] == [
        name for key in judged for name in (key, f"raw/{key}")
    ]  # a p95 bar and a ratio bar for the page and the API where they answer, else for the selector
    assert all(isinstance(bar["pass"], bool) for bar in data["bars"])


def test_a_disagreement_is_listed_and_fails_the_command():
    world = rollup_world()
    rollups_rebuild()
    target = world["nodes"]["0101"]
    NodeSummary.objects.filter(node=target, fiscal_year=2568, basis=Basis.PUBLIC).update(budget=D("1"))
    differences = compare(
        raw_figures(version=world["version"], fiscal_year=2568), board_figures(world["version"], 2568)
    )
    assert differences == [f"node 0101 (id {target.pk}): budget raw 1500000.00 ≠ dashboard 1.00"]
    out = StringIO()
    with pytest.raises(CommandError, match="budget raw 1500000.00"):
        call_command("bench", "dashboard", "--framework", world["version"].framework.code, "--repeats", "1", stdout=out)
    assert "FIGURES DISAGREE (1)" in out.getvalue()


def test_an_empty_database_is_told_to_run_synth():
    with pytest.raises(CommandError, match="tidtam synth"):
        run_bench("--repeats", "2")


def test_a_missing_framework_or_missing_rollups_are_named():
    world = rollup_world()
    with pytest.raises(CommandError, match="no framework 'ns'"):
        run_bench("--repeats", "1")
    with pytest.raises(CommandError, match="tidtam rollups rebuild"):
        run_bench("--framework", world["version"].framework.code, "--repeats", "1")
