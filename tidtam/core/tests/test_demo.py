"""The demo data set and the `tidtam demo` command."""

from datetime import date
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from tidtam.accounts.choices import Role
from tidtam.accounts.models import Membership, User
from tidtam.core import demo as demo_module
from tidtam.core.demo import (
    DEMO_ACCOUNTS,
    DEMO_FRAMEWORKS,
    DEMO_ORGANISATIONS,
    DEMO_PASSWORD,
    DEMO_PROJECTS,
    DEMO_ROUNDS,
    DEMO_STAFF,
    demo_load,
)
from tidtam.core.models import AuditEntry
from tidtam.organisations.choices import OrganisationKind
from tidtam.organisations.models import Organisation
from tidtam.plans.choices import CrossLinkKind, Direction
from tidtam.plans.models import CrossLink, Framework, Indicator, IndicatorTarget, IndicatorValue, Node
from tidtam.projects.models import Contribution, Project
from tidtam.reporting.models import ProgressReport, ReportingRound

pytestmark = pytest.mark.django_db

FIVE_S = ["Security", "Sustainability", "Standard", "Status", "Synergy"]


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    """Load the demo once for the module inside a transaction that is rolled back at the end.

    Each test runs in its own savepoint inside it (pytest-django's usual per-test transaction), so tests see the
    demo and cannot change it for the next test, and nothing leaks into other modules.
    """
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with fast_hashing, django_db_blocker.unblock(), transaction.atomic():
        summary = demo_load()
        yield summary
        transaction.set_rollback(True)


def _nodes(framework: str):
    return Node.objects.filter(framework_version__framework__code=framework, framework_version__is_current=True)


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_first_load_creates_everything(demo):
    assert demo.organisations_created == len(DEMO_ORGANISATIONS) >= 20
    assert len(DEMO_ACCOUNTS) == 7
    assert demo.users_created == demo.memberships_created == len(DEMO_ACCOUNTS) + len(DEMO_STAFF)
    assert demo.frameworks_imported == ["asean-us-poa", "mfp-platform", "ns"] and demo.frameworks_skipped == []
    assert demo.rounds_opened == len(DEMO_ROUNDS) == 9
    assert demo.projects_created == len(DEMO_PROJECTS) == Project.objects.count() == 36
    assert demo.reports_created == ProgressReport.objects.count() > 150
    assert set(Framework.objects.values_list("code", flat=True)) == set(DEMO_FRAMEWORKS)


def test_national_strategy_tree():
    nodes = _nodes("ns")
    strategies = list(nodes.filter(depth=1).order_by("sort_order"))
    assert [n.code for n in strategies] == ["1", "2", "3", "4", "5", "6"]
    assert strategies[0].title_th == "ด้านความมั่นคง"
    assert strategies[5].title_en == "Public Sector Rebalancing and Development"
    master_plans = nodes.filter(depth=2)
    assert sorted(master_plans.values_list("code", flat=True)) == [f"{n:02d}" for n in range(1, 24)]
    assert all(plan.parent.depth == 1 for plan in master_plans.select_related("parent"))
    assert nodes.get(code="02").title_en == "Foreign Affairs"

    sub_plan = nodes.select_related("parent__parent").get(code="0201")
    assert sub_plan.parent.code == "02"
    assert sub_plan.tree_path == f"/{sub_plan.parent.parent.code}/02/0201/"
    assert nodes.get(code="020101").tree_path == f"{sub_plan.tree_path}020101/"

    below = nodes.filter(depth__gte=3)
    assert below.count() > 20
    for node in below:
        master_plan_code = node.path_codes[1]
        assert node.code.startswith(master_plan_code), node.tree_path
    # Other ministries have something to report on too.
    assert nodes.filter(code__startswith="01", depth=4).exists()
    assert nodes.filter(code__startswith="23", depth=4).exists()


def test_five_s_sub_plans_with_targets_factors_and_indicators():
    nodes = _nodes("ns")
    five_s = list(nodes.filter(parent__code="02").order_by("sort_order"))
    assert [n.code for n in five_s] == ["0201", "0202", "0203", "0204", "0205"]
    assert [n.title_en for n in five_s] == FIVE_S
    assert "มีความมั่นคง" in five_s[0].title_th and "มีพลัง" in five_s[4].title_th
    for sub_plan in five_s:
        targets = list(sub_plan.children.all())
        assert 1 <= len(targets) <= 2
        for target in targets:
            assert target.code.startswith(sub_plan.code) and len(target.code) == 6
            assert 2 <= target.children.count() <= 3
            assert target.indicators.exists(), target.code
    assert Indicator.objects.filter(node__in=nodes.filter(code="02")).exists()


def test_illustrative_flags_and_descriptions():
    nodes = _nodes("ns")
    assert not nodes.filter(depth=1, is_illustrative=True).exists()
    for node in nodes.filter(depth__gte=2):
        assert node.is_illustrative, node.code
        assert "illustrative" in node.description, node.code
    assert not Indicator.objects.filter(is_illustrative=False).exists()
    action_lines = _nodes("asean-us-poa").filter(depth=3)
    assert action_lines.exists() and not action_lines.filter(is_illustrative=False).exists()
    commitments = _nodes("mfp-platform").filter(depth=2)
    assert commitments.exists() and not commitments.filter(is_illustrative=False).exists()


def test_indicators_cover_each_kind_of_status():
    ns_indicators = Indicator.objects.filter(node__framework_version__framework__code="ns")
    targets = IndicatorTarget.objects.filter(indicator__in=ns_indicators)
    values = IndicatorValue.objects.filter(indicator__in=ns_indicators)
    assert targets.filter(period_start=2566, period_end=2570).count() == ns_indicators.count()
    assert targets.filter(period_start=2571, period_end=2575).exists()
    actuals = {(v.indicator_id, v.period_start, v.period_end): v.value for v in values}
    fiscal = [
        (target, actuals.get((target.indicator_id, target.period_start, target.period_end)))
        for target in targets.select_related("indicator")
        if target.period_start == target.period_end and target.indicator.direction == Direction.HIGHER
    ]
    assert any(actual is not None and actual >= target.value for target, actual in fiscal)  # achieved
    assert any(actual is not None and actual < target.value for target, actual in fiscal)  # missed
    assert any(actual is None for target, actual in fiscal)  # no data yet
    assert ns_indicators.filter(direction=Direction.LOWER).exists()
    assert targets.filter(indicator__direction=Direction.RANGE, value_max__gt=0).exists()
    demo_codes = {o.code for o in DEMO_ORGANISATIONS}
    responsible = set(ns_indicators.values_list("responsible_organisation__code", flat=True))
    assert None not in responsible and responsible <= demo_codes and "mfa-asean" in responsible


def test_plan_of_action_and_party_platform():
    poa = _nodes("asean-us-poa")
    assert list(poa.filter(depth=1).order_by("sort_order").values_list("code", flat=True)) == ["PS", "EC", "SC"]
    areas = poa.filter(depth=2)
    assert areas.count() == 5
    assert {"Maritime cooperation", "Economic integration", "Women's opportunities"} <= set(
        areas.values_list("title_en", flat=True)
    )
    for area in areas.select_related("parent"):
        assert area.code.startswith(area.parent.code + "-")
        assert 2 <= area.children.count() <= 3
    assert Indicator.objects.filter(node__in=areas).count() == 1
    assert Framework.objects.get(code="asean-us-poa").kind == "international_plan"

    mfp = _nodes("mfp-platform")
    areas = list(mfp.filter(depth=1).order_by("sort_order"))
    assert [n.code for n in areas] == [f"{n:02d}" for n in range(1, 14)]
    assert areas[9].title_en == "Open state" and areas[10].title_en == "Foreign affairs"
    assert mfp.filter(parent__code="10").exists() and mfp.filter(parent__code="11").exists()
    assert Framework.objects.get(code="mfp-platform").kind == "policy_platform"


def test_cross_links():
    links = {
        (link.source.code, link.target.framework_version.framework.code, link.target.code, link.kind)
        for link in CrossLink.objects.select_related("source", "target__framework_version__framework")
    }
    assert ("02", "mfp-platform", "11", CrossLinkKind.SUPPORTS) in links
    assert ("020101", "asean-us-poa", "PS-1", CrossLinkKind.SUPPORTS) in links
    assert ("20", "mfp-platform", "10", CrossLinkKind.SUPPORTS) in links
    assert CrossLink.objects.filter(source__framework_version__framework__code="ns").count() == len(links)


def test_organisations():
    mfa = Organisation.objects.get(code="mfa")
    assert Organisation.objects.get(code="mfa-ps-policy").is_within(mfa)
    assert Organisation.objects.get(code="nesdc").kind == OrganisationKind.CENTRAL_AGENCY
    assert Organisation.objects.get(code="senate-fa").kind == OrganisationKind.LEGISLATURE
    assert Organisation.objects.get(code="oag").kind == OrganisationKind.INDEPENDENT_BODY
    us = Organisation.objects.get(code="us")
    assert (us.kind, us.country_code) == (OrganisationKind.EXTERNAL_PARTNER, "US")
    assert Organisation.objects.get(code="mod-ps-policy").ancestor_codes() == ["mod", "mod-ps", "mod-ps-policy"]
    assert AuditEntry.objects.filter(object_type="organisation", action="create").count() == len(DEMO_ORGANISATIONS)


def test_staff_accounts_cannot_sign_in_but_hold_their_roles():
    for staff in DEMO_STAFF:
        user = User.objects.get(username=staff.username)
        assert not user.has_usable_password() and user.last_name.startswith("ตัวอย่าง")
        assert list(Membership.objects.filter(user=user).values_list("role", "organisation__code")) == [
            (staff.role, staff.organisation)
        ]


def test_every_demo_account_signs_in_with_its_role():
    for username, role, organisation in DEMO_ACCOUNTS:
        user = authenticate(username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        assert user.last_name.startswith("ตัวอย่าง")
        assert list(Membership.objects.filter(user=user).values_list("role", "organisation__code")) == [
            (role, organisation)
        ]
    assert authenticate(username="reporter.mfa", password="wrong-password") is None
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.get(username="reporter.mfa").is_staff
    assert ("reporter.mod", Role.REPORTER, "mod-ps-policy") in DEMO_ACCOUNTS


def test_loading_again_changes_nothing():
    before = _row_counts()
    audit_before = AuditEntry.objects.count()
    summary = demo_load()
    assert not summary.changed
    assert summary.frameworks_skipped == list(DEMO_FRAMEWORKS)
    assert _row_counts() == before
    assert AuditEntry.objects.count() == audit_before


def test_command_prints_the_accounts_and_is_idempotent():
    before = _row_counts()
    out = StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    for account in DEMO_ACCOUNTS:
        assert account.username in text and account.organisation in text
    assert DEMO_PASSWORD in text and "http://" in text
    assert _row_counts() == before


def test_command_if_empty_skips_a_database_with_data_and_fills_an_empty_one(monkeypatch):
    monkeypatch.setattr(demo_module, "DEMO_PROJECTS", DEMO_PROJECTS[:3])  # the whole history once is enough
    before = _row_counts()
    out = StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert "not loaded" in out.getvalue()
    assert _row_counts() == before

    # Empty the plan and organisation tables (this test's savepoint is rolled back afterwards).
    ProgressReport.objects.all().delete()
    Project.objects.all().delete()
    ReportingRound.objects.all().delete()
    Framework.objects.all().delete()
    Membership.objects.all().delete()
    for depth in (3, 2, 1):  # children first: a parent is protected
        Organisation.objects.filter(depth=depth).delete()
    out = StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert Framework.objects.count() == 3
    assert Organisation.objects.count() == len(DEMO_ORGANISATIONS)
    assert Membership.objects.count() == len(DEMO_ACCOUNTS) + len(DEMO_STAFF)
    assert Project.objects.count() == 3 and ReportingRound.objects.count() == len(DEMO_ROUNDS)
    assert ProgressReport.objects.filter(project__code__startswith="mfa-americas-na-").exists()
    assert "reviewer.nesdc" in out.getvalue()


def test_command_reports_a_broken_plan_file_by_line(monkeypatch):
    ProgressReport.objects.all().delete()
    Project.objects.all().delete()
    Framework.objects.all().delete()
    broken = "format: tidtam-plan/1\nframework: {code: broken}\nversion: {label: '1', levels: []}\n"
    monkeypatch.setattr(demo_module, "demo_plan_text", lambda code: broken)
    with pytest.raises(CommandError, match=r"import_invalid[\s\S]*line 2"):
        call_command("demo", stdout=StringIO())
    assert not Framework.objects.exists()


# ---------------------------------------------------------------------------------------------------------------------
# The illustrative history: rounds, projects and reports.


def test_rounds_fy2567_closed_fy2568_q4_and_fy2569_q1_open():
    rounds = {(r.fiscal_year, r.quarter): r for r in ReportingRound.objects.all()}
    assert set(rounds) == {(2567, q) for q in range(1, 5)} | {(2568, q) for q in range(1, 5)} | {(2569, 1)}
    closed = {key for key, r in rounds.items() if r.status == "closed"}
    assert closed == {(2567, 1), (2567, 2), (2567, 3), (2567, 4), (2568, 1), (2568, 2), (2568, 3)}
    assert rounds[(2568, 1)].period_start == date(2024, 10, 1) and rounds[(2568, 1)].period_end == date(2024, 12, 31)
    assert rounds[(2569, 1)].deadline > date(2026, 11, 23)
    assert all(r.closed_at and r.closed_at.date() > r.deadline for key, r in rounds.items() if key in closed)


def test_projects_are_illustrative_linked_and_complete():
    projects = list(
        Project.objects.select_related("owner").prefetch_related(
            "contributions__node__framework_version__framework", "kpis", "budget_lines", "planned_disbursements"
        )
    )
    assert all(p.is_illustrative for p in projects)
    assert len({p.owner.code for p in projects}) >= 8
    assert {p.owner.code.split("-")[0] for p in projects} >= {"mfa", "mod", "nsc"}
    for project in projects:
        primary = [c.node for c in project.contributions.all() if c.is_primary]
        assert len(primary) == 1 and primary[0].is_target_or_factor(), project.code
        assert primary[0].framework_version.framework.code == "ns" and primary[0].code[:2] in {"01", "02"}
        assert project.kpis.count() == 2 and project.budget_lines.exists(), project.code
        months = [d.month for d in project.planned_disbursements.all()]
        assert len(months) == 12 * (project.fiscal_year_end - project.fiscal_year_start + 1), project.code
    secondary = Contribution.objects.filter(is_primary=False, node__framework_version__framework__code="asean-us-poa")
    assert secondary.values("project").distinct().count() >= 20
    assert sum(p.code.startswith("mod-") or p.code.startswith("nsc-") for p in projects) >= 5
    assert Project.objects.filter(provinces__code="57").exists() and Project.objects.filter(countries="US").exists()


def test_recurring_dialogues_with_their_partners():
    dialogue = Project.objects.get(name_en="Annual Thailand–U.S. Strategic and Defense Dialogue")
    assert dialogue.owner.code.startswith("mfa-") and list(dialogue.partners.values_list("code", flat=True)) == ["us"]
    assert (dialogue.fiscal_year_start, dialogue.fiscal_year_end) == (2567, 2569)
    assert dialogue.reports.count() >= 8  # one per quarter
    jcc = Project.objects.get(name_en__contains="Joint Cooperation Committee")
    assert "asean" in set(jcc.partners.values_list("code", flat=True))
    for words in ("Maritime security", "cyber security", "Mekong", "consular", "public diplomacy"):
        assert Project.objects.filter(name_en__icontains=words).exists(), words


def test_reports_cover_every_workflow_state_in_fy2567_and_fy2568():
    reports = ProgressReport.objects.filter(round__fiscal_year__in=[2567, 2568])
    statuses = set(reports.values_list("status", flat=True))
    assert statuses == {"draft", "submitted", "approved", "accepted"}
    returned = reports.filter(status="draft").exclude(return_reason="")
    assert returned.exists() and all(r.returned_at for r in returned)
    assert reports.filter(status="draft", return_reason="").exists()  # not yet submitted
    assert ProgressReport.objects.filter(round__fiscal_year=2569).exists()
    project_statuses = set(Project.objects.values_list("status", flat=True))
    assert project_statuses == {"draft", "submitted", "approved", "accepted"}
    assert Project.objects.filter(status="draft").exclude(return_reason="").exists()


def test_reports_carry_their_figures_and_a_plausible_history():
    report = ProgressReport.objects.filter(status="accepted").select_related("round", "project").first()
    assert report.physical_progress is not None and report.results
    months = list(report.disbursements.values_list("month", flat=True))
    assert len(months) == 3 and all(report.round.period_start <= m <= report.round.period_end for m in months)
    assert report.kpi_actuals.count() == 2
    assert report.round.opens_on <= report.submitted_at.date() <= report.accepted_at.date()
    accepted = ProgressReport.objects.filter(status="accepted").select_related("round")
    late = [r for r in accepted if r.submitted_at.date() > r.round.deadline]
    assert late and len(late) < len(accepted) / 2  # mostly on time, some late
    entries = AuditEntry.objects.filter(object_type="progressreport", object_id=str(report.pk)).select_related("actor")
    actions = [e.action for e in entries.order_by("at", "id")]
    assert actions[:2] == ["create", "update"] and actions[-1] == "accept"
    assert {e.actor.username for e in entries if e.action == "accept"} == {"reviewer.nesdc"}
    assert all(e.at.date() <= date.today() for e in entries)


def test_nothing_in_the_history_lies_in_the_future():
    from django.utils import timezone

    now = timezone.now()
    assert not AuditEntry.objects.filter(at__gt=now).exists()
    for field in ("submitted_at", "approved_at", "accepted_at", "returned_at"):
        assert not ProgressReport.objects.filter(**{f"{field}__gt": now}).exists(), field
        assert not Project.objects.filter(**{f"{field}__gt": now}).exists(), field
    assert AuditEntry.objects.filter(at__year=2023).exists()  # the history starts before FY 2567


def test_demo_people_did_the_work():
    own = Project.objects.filter(owner__code="mfa-ps-policy").exclude(status="draft").first()
    submit = AuditEntry.objects.get(object_type="project", object_id=str(own.pk), action="submit")
    approve = AuditEntry.objects.get(object_type="project", object_id=str(own.pk), action="approve")
    assert (submit.actor.username, approve.actor.username) == ("reporter.mfa", "approver.mfa")
    mod = Project.objects.filter(owner__code="mod-ps-policy", status="accepted").first()
    assert AuditEntry.objects.get(object_type="project", object_id=str(mod.pk), action="submit").actor.username == (
        "reporter.mod"
    )


def test_the_workspace_has_work_for_every_role():
    from tidtam.workflow.selectors import approval_inbox, my_tasks, reviewer_queue

    reporter = my_tasks(user=User.objects.get(username="reporter.mfa"))
    assert reporter["reports_due"] and reporter["returned_to_me"]
    assert any(entry.report is None for entry in reporter["reports_due"])  # a report to start
    assert {entry.round.fiscal_year for entry in reporter["reports_due"]} <= {2568, 2569}
    assert approval_inbox(user=User.objects.get(username="approver.mfa"))
    assert reviewer_queue(user=User.objects.get(username="reviewer.nesdc"))
    assert approval_inbox(user=User.objects.get(username="reporter.mod")) == []
