"""`tidtam synth`: national-scale synthetic data — determinism, workflow states, consistency of the rows, --replace."""

import hashlib
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from tidtam.core import thaicalendar
from tidtam.core.errors import Conflict, ValidationFailed
from tidtam.core.synth import (
    MAX_YEARS,
    parse_fiscal_years,
    synth_generate,
    synth_org_prefix,
    synth_project_prefix,
)
from tidtam.evaluation.models import NodeSummary, ProjectFact
from tidtam.evaluation.rollups import rollups_check, rollups_rebuild
from tidtam.organisations.choices import OrganisationKind
from tidtam.organisations.models import Organisation
from tidtam.projects.models import BudgetLine, Contribution, PlannedDisbursement, Project
from tidtam.reporting.choices import RoundStatus
from tidtam.reporting.models import ProgressReport, ReportDisbursement, ReportingRound
from tidtam.workflow.choices import WorkflowStatus as S
from tidtam.workflow.services import approval_chain

SEED = 7
PROJECTS = 40
YEARS = (2566, 2568)
RANK = {"draft": 0, "returned": 0, "submitted": 1, "approved": 2, "accepted": 3}


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """Generate once for the module inside a transaction rolled back at the end; each test runs in a savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        summary = synth_generate(projects=PROJECTS, fiscal_years=YEARS, seed=SEED, rollups=False)
        yield summary
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def _projects(seed: int = SEED):
    return Project.objects.filter(code__startswith=synth_project_prefix(seed))


def _reports(seed: int = SEED):
    return ProgressReport.objects.filter(project__code__startswith=synth_project_prefix(seed))


def _state(item) -> str:
    return "returned" if item.status == S.DRAFT and item.return_reason else item.status


def _digest(seed: int) -> str:
    """A hash of every row of the seed by natural keys (codes, not ids), so two runs can be compared."""
    prefix = synth_project_prefix(seed)
    parts = []

    def add(queryset, *natural, exclude=()):
        model = queryset.model
        skip = {"id", *exclude}
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
        rows = sorted(repr(row) for row in queryset.values_list(*names, *natural))
        parts.append(f"{model._meta.label}:{len(rows)}:" + "\n".join(rows))

    add(Organisation.objects.filter(code__startswith=synth_org_prefix(seed)), "parent__code", exclude=("parent_id",))
    add(ReportingRound.objects.filter(fiscal_year__gte=YEARS[0], fiscal_year__lte=YEARS[1]))
    add(Project.objects.filter(code__startswith=prefix), "owner__code", exclude=("owner_id",))
    for model in (BudgetLine, PlannedDisbursement):
        add(model.objects.filter(project__code__startswith=prefix), "project__code", exclude=("project_id",))
    add(
        Contribution.objects.filter(project__code__startswith=prefix),
        "project__code",
        "node__code",
        "node__framework_version__framework__code",
        exclude=("project_id", "node_id"),
    )
    provinces = Project.provinces.through.objects.filter(project__code__startswith=prefix)
    parts.append(repr(sorted(provinces.values_list("project__code", "province_id"))))
    countries = Project.countries.through.objects.filter(project__code__startswith=prefix)
    parts.append(repr(sorted(countries.values_list("project__code", "country_id"))))
    add(
        ProgressReport.objects.filter(project__code__startswith=prefix),
        "project__code",
        "round__fiscal_year",
        "round__quarter",
        exclude=("project_id", "round_id"),
    )
    add(
        ReportDisbursement.objects.filter(report__project__code__startswith=prefix),
        "report__project__code",
        "report__round__quarter",
        exclude=("report_id",),
    )
    return hashlib.sha256("\n\n".join(parts).encode()).hexdigest()


# --------------------------------------------------------------------------------------------------- arguments


def test_parse_fiscal_years_accepts_ranges_and_single_years():
    assert parse_fiscal_years("2566-2568") == (2566, 2568)
    assert parse_fiscal_years(" ๒๕๖๖–๒๕๖๘ ") == (2566, 2568)
    assert parse_fiscal_years("2567") == (2567, 2567)


@pytest.mark.parametrize("text", ["2568-2566", "๒๕๖๘-๒๕๖๖"])
def test_parse_fiscal_years_reversed_range_says_which_year_comes_first(text):
    with pytest.raises(ValueError) as error:
        parse_fiscal_years(text)
    message = str(error.value)
    assert "2568" in message and "2566-2568" in message
    assert "ปีแรก" in message and "first year" in message


@pytest.mark.parametrize("text", ["", "abc", "2023-2025", "66-68", "2566-", "2566-2600"])
def test_parse_fiscal_years_refuses_other_text(text):
    with pytest.raises(ValueError, match="fiscal years"):
        parse_fiscal_years(text)


@given(st.integers(2400, 2900), st.integers(0, MAX_YEARS + 5), st.booleans())
def test_parse_fiscal_years_property(first, span, thai_digits):
    """Any BE range up to MAX_YEARS long parses, in ASCII or Thai digits; longer or reversed ranges are refused."""
    last = first + span
    write = thaicalendar.to_thai_digits if thai_digits else str
    if span < MAX_YEARS:
        assert parse_fiscal_years(write(f"{first}-{last}")) == (first, last)
    else:
        with pytest.raises(ValueError, match="at most"):
            parse_fiscal_years(write(f"{first}-{last}"))
    if span:
        with pytest.raises(ValueError, match=f"{first}-{last}"):
            parse_fiscal_years(write(f"{last}-{first}"))


def test_command_refuses_a_reversed_range_with_a_clear_message():
    with pytest.raises(CommandError) as error:
        call_command("synth", "--projects", "5", "--fiscal-years", "2568-2566", "--seed", "1")
    message = str(error.value)
    assert "--fiscal-years" in message
    assert "ปีแรก 2568 อยู่หลังปีสุดท้าย 2566" in message and "the first year 2568 is after the last year 2566" in message


@pytest.mark.parametrize("args", [["--projects", "0"], ["--projects", "ten"], ["--seed", "-1"]])
def test_command_refuses_bad_numbers(args):
    base = {"--projects": "5", "--seed": "1"}
    base[args[0]] = args[1]
    argv = ["--fiscal-years", "2566-2568"] + [item for pair in base.items() for item in pair]
    with pytest.raises(CommandError, match=args[0]):
        call_command("synth", *argv)


def test_service_refuses_bad_arguments():
    with pytest.raises(ValidationFailed) as error:
        synth_generate(projects=0, fiscal_years=(2568, 2566), seed=-1, rollups=False)
    assert set(error.value.details) == {"projects", "fiscal_years", "seed"}


# --------------------------------------------------------------------------------------------------- the rows


def test_counts_match_the_rows_written(generated):
    assert generated.counts["projects.Project"] == _projects().count() == PROJECTS
    assert generated.counts["reporting.ProgressReport"] == _reports().count()
    assert generated.counts["reporting.ReportDisbursement"] == 3 * _reports().count()
    assert (
        generated.counts["organisations.Organisation"] == Organisation.objects.filter(code__startswith="syn7-").count()
    )
    assert generated.counts["organisations.Organisation"] >= 20
    assert generated.counts["reporting.ReportingRound"] == 12  # the test database had no rounds
    assert generated.counts["projects.Contribution"] == Contribution.objects.filter(project__in=_projects()).count()
    assert generated.deleted == {} and generated.seconds > 0


def test_organisation_tree_is_placed_as_the_services_place_it(generated):
    organisations = list(Organisation.objects.filter(code__startswith=synth_org_prefix(SEED)).select_related("parent"))
    kinds = {1: OrganisationKind.MINISTRY, 2: OrganisationKind.DEPARTMENT, 3: OrganisationKind.DIVISION}
    for organisation in organisations:
        expected = (
            f"{organisation.parent.path}{organisation.code}/" if organisation.parent else f"/{organisation.code}/"
        )
        assert organisation.path == expected
        assert organisation.depth == organisation.path.count("/") - 1
        assert organisation.kind == kinds[organisation.depth]
        assert organisation.name_th.startswith(("กระทรวง", "กรม", "สำนัก", "กอง", "ศูนย์"))
        organisation.full_clean()
    assert {o.depth for o in organisations} == {1, 2, 3}


def test_rounds_cover_every_quarter_last_one_open(generated):
    rounds = list(ReportingRound.objects.filter(fiscal_year__gte=2566, fiscal_year__lte=2568).order_by("period_start"))
    assert [(r.fiscal_year, r.quarter) for r in rounds] == [(y, q) for y in (2566, 2567, 2568) for q in (1, 2, 3, 4)]
    for round_ in rounds:
        assert (round_.period_start, round_.period_end) == thaicalendar.quarter_bounds(
            round_.fiscal_year, round_.quarter
        )
        assert round_.opens_on == round_.period_end.replace(day=15)
        assert round_.deadline.month == (round_.period_end + timedelta(days=1)).month and round_.deadline.day >= 30
        round_.full_clean()
    assert [r.status for r in rounds[:-1]] == [RoundStatus.CLOSED] * 11 and rounds[-1].status == RoundStatus.OPEN
    assert all(r.closed_at.date() > r.deadline for r in rounds[:-1])


def test_every_workflow_state_occurs_for_projects_and_reports(generated):
    project_states = Counter(_state(p) for p in _projects())
    assert set(project_states) == set(RANK)
    assert project_states["accepted"] >= 0.7 * PROJECTS
    report_states = Counter(_state(r) for r in _reports())
    assert set(report_states) == set(RANK)
    latest = ReportingRound.objects.get(fiscal_year=2568, quarter=4)
    assert {_state(r) for r in _reports().filter(round=latest, project__status=S.ACCEPTED)} == set(RANK)
    older = Counter(r.status for r in _reports().filter(project__status=S.ACCEPTED).exclude(round=latest))
    assert older[S.ACCEPTED] > 0.8 * sum(older.values())


def test_projects_are_valid_and_their_workflow_consistent(generated):
    for project in _projects().select_related("owner"):
        project.full_clean()
        assert project.is_illustrative
        assert YEARS[0] <= project.fiscal_year_start <= project.fiscal_year_end <= YEARS[1]
        assert project.fiscal_year_end - project.fiscal_year_start < 3
        assert thaicalendar.fiscal_year(project.start_date) == project.fiscal_year_start
        assert thaicalendar.fiscal_year(project.end_date) == project.fiscal_year_end
        assert 1 <= project.provinces.count() <= 3
        _check_workflow(project)


def _check_workflow(item) -> None:
    state = _state(item)
    if state == "draft":
        assert item.submitted_at is None and item.approvals_done == 0 and item.return_reason == ""
        return
    assert item.approvals_required == len(approval_chain(item.owning_organisation()))
    assert item.created_at < item.submitted_at <= item.updated_at
    if state == "returned":
        assert item.returned_at >= item.submitted_at and item.approvals_done == 0 and item.approved_at is None
    elif state == "submitted":
        assert item.approvals_done < item.approvals_required and item.approved_at is None
    else:
        assert item.approvals_done == item.approvals_required
        assert item.submitted_at <= item.approved_at
        if state == "accepted":
            assert item.approved_at <= item.accepted_at == item.updated_at
        else:
            assert item.accepted_at is None


def test_reports_one_per_quarter_of_the_projects_years(generated):
    for project in _projects().prefetch_related("reports__round"):
        quarters = sorted((r.round.fiscal_year, r.round.quarter) for r in project.reports.all())
        years = range(project.fiscal_year_start, project.fiscal_year_end + 1)
        assert quarters == [(y, q) for y in years for q in (1, 2, 3, 4)]
        progress = [r.physical_progress for r in sorted(project.reports.all(), key=lambda r: r.round.period_start)]
        assert progress == sorted(progress) and all(Decimal(0) <= p <= Decimal(100) for p in progress)


def test_reports_are_valid_and_never_ahead_of_their_project(generated):
    for report in _reports().select_related("project__owner", "round"):
        report.full_clean()
        assert report.results.strip() and not report.submission_problems()
        assert RANK[_state(report)] <= RANK[_state(report.project)]
        if report.project.status != S.ACCEPTED:
            assert report.status != S.ACCEPTED
        _check_workflow(report)
        assert report.created_at.date() >= report.round.opens_on


def test_disbursements_three_per_report_within_the_plan(generated):
    planned = defaultdict(Decimal)
    for row in PlannedDisbursement.objects.filter(project__in=_projects()):
        planned[(row.project_id, row.month)] += row.amount
    per_report = Counter()
    for row in ReportDisbursement.objects.filter(report__in=_reports()).select_related("report__round"):
        per_report[row.report_id] += 1
        assert row.report.round.period_start <= row.month <= row.report.round.period_end
        assert Decimal(0) <= row.amount <= planned.get((row.report.project_id, row.month), Decimal(0))
    assert set(per_report.values()) == {3} and len(per_report) == _reports().count()


def test_budget_lines_match_the_monthly_plan(generated):
    for project in _projects().prefetch_related("budget_lines", "planned_disbursements"):
        budget = defaultdict(Decimal)
        for line in project.budget_lines.all():
            budget[line.fiscal_year] += line.amount
        plan = defaultdict(Decimal)
        for month in project.planned_disbursements.all():
            assert project.start_date.replace(day=1) <= month.month <= project.end_date
            plan[thaicalendar.fiscal_year(month.month)] += month.amount
        assert sorted(budget) == list(range(project.fiscal_year_start, project.fiscal_year_end + 1))
        assert budget == plan
        assert {line.source for line in project.budget_lines.all()} >= {"state_budget"}


def test_one_primary_target_or_factor_for_linked_projects(generated):
    primaries = Counter()
    for contribution in Contribution.objects.filter(project__in=_projects()).select_related(
        "node__framework_version__framework"
    ):
        framework = contribution.node.framework_version.framework.code
        assert contribution.node.framework_version.is_current
        if contribution.is_primary:
            primaries[contribution.project_id] += 1
            assert framework == "ns" and contribution.node.is_target_or_factor()
        else:
            assert framework == "asean-us-poa"
    assert set(primaries.values()) == {1}
    unlinked = _projects().exclude(pk__in=primaries).count()
    assert 1 <= unlinked <= 3  # one in each block of 33 projects
    for project in _projects().filter(pk__in=primaries):
        assert project.submission_problems() == {}


def test_timestamps_come_from_the_fiscal_calendar_not_the_clock(generated):
    last_deadline = ReportingRound.objects.get(fiscal_year=2568, quarter=4).deadline
    for model, rows in (
        (Project, _projects()),
        (ProgressReport, _reports()),
        (Organisation, Organisation.objects.filter(code__startswith="syn7-")),
    ):
        latest = rows.order_by("-updated_at").values_list("updated_at", flat=True).first()
        assert latest.date() <= last_deadline, model


def test_text_is_thai_about_the_plan_themes(generated):
    names = " ".join(_projects().values_list("name_th", flat=True))
    assert names.count("โครงการ") + names.count("การดำเนินงาน") >= PROJECTS
    project = _projects().get(code=f"{synth_project_prefix(SEED)}000001")
    assert "ข้อมูลสังเคราะห์" in project.rationale and project.objectives.startswith("1. เพื่อ")
    primary = project.contributions.filter(is_primary=True).first()
    if primary is not None:
        assert primary.node.title_th in project.rationale


# --------------------------------------------------------------------------------------------------- runs


def test_same_seed_gives_the_same_rows_and_replace_regenerates_them(generated):
    before = _digest(SEED)
    old_ids = set(_projects().values_list("pk", flat=True))
    summary = synth_generate(projects=PROJECTS, fiscal_years=YEARS, seed=SEED, replace=True, rollups=False)
    assert summary.deleted["projects.Project"] == PROJECTS
    assert summary.deleted["reporting.ProgressReport"] == generated.counts["reporting.ProgressReport"]
    assert summary.deleted["organisations.Organisation"] == generated.counts["organisations.Organisation"]
    assert summary.counts["reporting.ReportingRound"] == 0  # the rounds are reused
    assert _projects().count() == PROJECTS and not old_ids & set(_projects().values_list("pk", flat=True))
    assert _digest(SEED) == before


def test_another_seed_gives_other_rows_beside_the_first(generated):
    before = _digest(SEED)
    synth_generate(projects=PROJECTS, fiscal_years=YEARS, seed=SEED + 1, rollups=False)
    assert _projects(SEED + 1).count() == PROJECTS and _projects().count() == PROJECTS
    assert _digest(SEED + 1) != before and _digest(SEED) == before


def test_existing_seed_is_refused_without_replace(generated):
    with pytest.raises(Conflict) as error:
        synth_generate(projects=5, fiscal_years=YEARS, seed=SEED, rollups=False)
    assert error.value.code == "synth_seed_exists" and "--replace" in error.value.message
    with pytest.raises(CommandError, match="--replace"):
        call_command("synth", "--projects", "5", "--fiscal-years", "2566-2568", "--seed", str(SEED), "--no-rollups")
    assert _projects().count() == PROJECTS


def test_command_prints_progress_counts_and_rate(generated):
    out = StringIO()
    call_command("synth", "--projects", "๓๐", "--fiscal-years", "2567-2568", "--seed", "9", "--no-rollups", stdout=out)
    text = out.getvalue()
    assert "30/30 projects (100%)" in text
    for label in (
        "projects.Project",
        "reporting.ProgressReport",
        "reporting.ReportDisbursement",
        "projects.BudgetLine",
    ):
        assert label in text
    assert "projects/minute" in text and "Roll-ups: skipped (--no-rollups)" in text
    assert set(_projects(9).values_list("fiscal_year_start", flat=True)) <= {2567, 2568}


def test_synthetic_data_rolls_up_and_checks(generated):
    rollups_rebuild()
    check = rollups_check()
    assert check.differences == [] and check.facts > 0
    accepted = _projects().filter(status=S.ACCEPTED).count()
    assert ProjectFact.objects.filter(basis="public").values("project").distinct().count() == accepted


def test_the_command_rebuilds_the_roll_ups_by_default():
    call_command("synth", "--projects", "8", "--fiscal-years", "2567-2568", "--seed", "11", stdout=StringIO())
    assert NodeSummary.objects.filter(node__isnull=True, basis="review").exists()
    assert rollups_check().differences == []
