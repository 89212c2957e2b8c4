"""Project services: create and update with every part, validation that writes nothing, audit, locks and versions."""

from datetime import date
from decimal import Decimal

import pytest

from tidtam.core.errors import Conflict, Forbidden, ValidationFailed
from tidtam.core.models import AuditEntry
from tidtam.core.testing import ReportFactory, RoundFactory
from tidtam.projects.models import Activity, BudgetLine, Contribution, PlannedDisbursement, Project, ProjectKpi
from tidtam.projects.services import project_create, project_update
from tidtam.reporting.models import KpiActual
from tidtam.workflow.choices import WorkflowAction, WorkflowErrorCode, WorkflowStatus
from tidtam.workflow.services import workflow_transition

pytestmark = pytest.mark.django_db


def full_data(plan, orgs) -> dict:
    return {
        "name_th": "โครงการเสริมสร้างความร่วมมือด้านความมั่นคง",
        "name_en": "Security cooperation project",
        "kind": "project",
        "fiscal_year_start": 2568,
        "fiscal_year_end": "๒๕๖๙",
        "start_date": date(2024, 10, 1),
        "end_date": "2026-09-30",
        "rationale": "เหตุผล",
        "objectives": "วัตถุประสงค์",
        "output_target": "ผลผลิต",
        "outcome_target": "ผลลัพธ์",
        "lifecycle": "ongoing",
        "responsible_name": "สมชาย ใจดี",
        "responsible_position": "ผู้อำนวยการกอง",
        "responsible_email": "somchai@mfa.example",
        "responsible_phone": "02 123 4567",
        "provinces": ["10", "50"],
        "countries": ["us", "JP"],
        "partners": [orgs.partner.code],
        "kpis": [
            {"name": "จำนวนการประชุม", "unit": "ครั้ง", "target_value": "๑๒"},
            {"name": "ความพึงพอใจ", "unit": "ร้อยละ", "target_value": Decimal("85.5")},
        ],
        "activities": [{"name": "ประชุมหารือ", "start_date": "2024-11-01", "end_date": date(2024, 11, 30)}],
        "budget_lines": [
            {"fiscal_year": 2568, "source": "state_budget", "amount": "1,250,000.50"},
            {"fiscal_year": 2569, "source": "off_budget", "amount": 300000},
        ],
        "planned_disbursements": [
            {"month": date(2024, 10, 15), "amount": "๑๐๐,๐๐๐"},
            {"month": "2025-09", "amount": "200000"},
        ],
        "primary_node": plan.target.pk,
        "secondary_nodes": [plan.other_target.pk, str(plan.master_plan.pk)],
    }


def counts() -> tuple:
    return (
        Project.objects.count(),
        ProjectKpi.objects.count(),
        Activity.objects.count(),
        BudgetLine.objects.count(),
        PlannedDisbursement.objects.count(),
        Contribution.objects.count(),
        AuditEntry.objects.count(),
    )


def test_create_stores_every_field_and_part(orgs, people, plan):
    project = project_create(actor=people["reporter"], owner=orgs.division, **full_data(plan, orgs))
    project.refresh_from_db()
    assert project.code == "mfa-div-2568-0001"
    assert project.status == WorkflowStatus.DRAFT and project.version == 1
    assert (project.fiscal_year_start, project.fiscal_year_end) == (2568, 2569)
    assert project.end_date == date(2026, 9, 30)
    assert sorted(project.provinces.values_list("code", flat=True)) == ["10", "50"]
    assert sorted(project.countries.values_list("alpha2", flat=True)) == ["JP", "US"]
    assert list(project.partners.values_list("code", flat=True)) == ["us-dos"]
    assert [(k.name, k.target_value) for k in project.kpis.all()] == [
        ("จำนวนการประชุม", Decimal("12")),
        ("ความพึงพอใจ", Decimal("85.5")),
    ]
    assert project.budget_lines.get(fiscal_year=2568).amount == Decimal("1250000.50")
    assert [(p.month, p.amount) for p in project.planned_disbursements.all()] == [
        (date(2024, 10, 1), Decimal("100000")),
        (date(2025, 9, 1), Decimal("200000")),
    ]
    primary = project.contributions.get(is_primary=True)
    assert primary.node == plan.target
    assert set(project.contributions.filter(is_primary=False).values_list("node", flat=True)) == {
        plan.other_target.pk,
        plan.master_plan.pk,
    }
    assert project.submission_problems() == {}
    # A second project of the same owner and year gets the next number.
    second = project_create(actor=people["reporter"], owner=orgs.division, name_th="อีกโครงการ", fiscal_year_start=2568)
    assert second.code == "mfa-div-2568-0002" and second.fiscal_year_end == 2568


def test_create_writes_one_audit_entry_with_a_parts_summary(orgs, people, plan):
    project = project_create(actor=people["reporter"], owner=orgs.division, **full_data(plan, orgs))
    entries = list(AuditEntry.objects.filter(object_type="project", object_id=str(project.pk)))
    assert len(entries) == 1
    entry = entries[0]
    assert entry.action == "create" and entry.actor == people["reporter"] and entry.before is None
    parts = entry.after["parts"]
    assert parts["counts"] == {
        "kpis": 2,
        "activities": 1,
        "budget_lines": 2,
        "planned_disbursements": 2,
        "secondary_nodes": 2,
        "provinces": 2,
        "countries": 2,
        "partners": 1,
        "contributions": 3,
    }
    assert parts["kpis"][0] == {"name": "จำนวนการประชุม", "unit": "ครั้ง", "target_value": "12"}
    assert parts["budget_lines"][0] == {"fiscal_year": 2568, "source": "state_budget", "amount": "1250000.5"}
    assert parts["primary_node"] == plan.target.pk
    assert entry.after["name_th"] == project.name_th and entry.after["version"] == 1


def test_create_with_a_given_code_and_duplicate_code(orgs, people, plan):
    project_create(actor=people["reporter"], owner=orgs.division, code="MFA-001", name_th="ก", fiscal_year_start=2568)
    before = counts()
    with pytest.raises(ValidationFailed) as raised:
        project_create(
            actor=people["reporter"], owner=orgs.division, code="MFA-001", name_th="ข", fiscal_year_start=2568
        )
    assert "code" in raised.value.details
    assert counts() == before


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"fiscal_year_end": 2567}, "fiscal_year_end"),
        ({"fiscal_year_start": 2025}, "fiscal_year_start"),
        ({"start_date": "2025-01-01", "end_date": "2024-12-31"}, "end_date"),
        ({"start_date": "31/12/2567"}, "start_date"),
        ({"kind": "programme"}, "kind"),
        ({"lifecycle": "paused"}, "lifecycle"),
        ({"name_th": "   "}, "name_th"),
        ({"responsible_email": "not-an-email"}, "responsible_email"),
        ({"provinces": ["10", "99"]}, "provinces[1]"),
        ({"countries": ["XX"]}, "countries[0]"),
        ({"partners": ["nobody"]}, "partners[0]"),
        (
            {
                "kpis": [
                    {"name": "ก", "unit": "ครั้ง", "target_value": "1"},
                    {"name": "ข", "unit": "ครั้ง", "target_value": "สิบ"},
                ]
            },
            "kpis[1].target_value",
        ),
        ({"kpis": [{"name": "ก", "unit": "ครั้ง"}]}, "kpis[0].target_value"),
        ({"kpis": [{"name": "ก", "unit": "ครั้ง", "target_value": 1, "colour": "red"}]}, "kpis[0].colour"),
        (
            {"activities": [{"name": "ก", "start_date": "2025-02-01", "end_date": "2025-01-01"}]},
            "activities[0].end_date",
        ),
        ({"budget_lines": [{"fiscal_year": 2568, "source": "lottery", "amount": 1}]}, "budget_lines[0].source"),
        ({"budget_lines": [{"fiscal_year": 2568, "source": "loan", "amount": "-1"}]}, "budget_lines[0].amount"),
        ({"budget_lines": [{"fiscal_year": 2568, "source": "loan", "amount": "1.005"}]}, "budget_lines[0].amount"),
        ({"budget_lines": [{"fiscal_year": 2575, "source": "loan", "amount": 1}]}, "budget_lines[0].fiscal_year"),
        (
            {"budget_lines": [{"fiscal_year": 2568, "source": "loan", "amount": 1}] * 2},
            "budget_lines[1].source",
        ),
        ({"planned_disbursements": [{"month": "2024-09-01", "amount": 1}]}, "planned_disbursements[0].month"),
        ({"planned_disbursements": [{"month": "2024-10-01", "amount": -5}]}, "planned_disbursements[0].amount"),
        ({"primary_node": 999999}, "primary_node"),
        ({"secondary_nodes": [999999]}, "secondary_nodes[0]"),
        ({"shoe_size": 42}, "shoe_size"),
    ],
)
def test_create_validation_errors_name_the_field_and_write_nothing(orgs, people, plan, change, key):
    data = {**full_data(plan, orgs), **change}
    before = counts()
    with pytest.raises(ValidationFailed) as raised:
        project_create(actor=people["reporter"], owner=orgs.division, **data)
    assert key in raised.value.details, raised.value.details
    assert " / " in raised.value.message  # Thai / English
    assert counts() == before


def test_primary_node_must_be_a_target_or_factor(orgs, people, plan):
    with pytest.raises(ValidationFailed) as raised:
        project_create(
            actor=people["reporter"],
            owner=orgs.division,
            name_th="ก",
            fiscal_year_start=2568,
            primary_node=plan.sub_plan.pk,
        )
    assert "primary_node" in raised.value.details
    project = project_create(
        actor=people["reporter"], owner=orgs.division, name_th="ก", fiscal_year_start=2568, primary_node=plan.factor.pk
    )
    assert project.contributions.get().node == plan.factor


def test_create_needs_the_create_permission_over_the_owner(orgs, people, plan):
    for who in ("wrong_org", "approver", "reviewer", "oversight", "coordinator"):
        with pytest.raises(Forbidden):
            project_create(actor=people[who], owner=orgs.division, name_th="ก", fiscal_year_start=2568)
    assert Project.objects.count() == 0


@pytest.fixture
def project(orgs, people, plan):
    return project_create(actor=people["reporter"], owner=orgs.division, **full_data(plan, orgs))


def test_update_replaces_given_parts_and_keeps_the_others(project, people, plan):
    updated = project_update(
        actor=people["reporter"],
        project=project,
        version=1,
        name_th="ชื่อใหม่",
        budget_lines=[{"fiscal_year": 2569, "source": "loan", "amount": "10"}],
        activities=[],
        primary_node=plan.other_target.pk,
        secondary_nodes=[plan.target.pk],
    )
    assert updated.version == 2
    project.refresh_from_db()
    assert project.name_th == "ชื่อใหม่" and project.version == 2
    assert list(project.budget_lines.values_list("fiscal_year", "source", "amount")) == [(2569, "loan", Decimal("10"))]
    assert project.activities.count() == 0
    assert project.kpis.count() == 2 and project.planned_disbursements.count() == 2 and project.provinces.count() == 2
    assert project.contributions.get(is_primary=True).node == plan.other_target
    assert list(project.contributions.filter(is_primary=False).values_list("node", flat=True)) == [plan.target.pk]


def test_update_audit_entry_shows_the_parts_before_and_after(project, people):
    project_update(
        actor=people["reporter"],
        project=project,
        version=1,
        kpis=[{"name": "ตัวชี้วัดใหม่", "unit": "คน", "target_value": "๕๐"}],
        provinces=["10"],
    )
    entries = list(AuditEntry.objects.filter(object_type="project", object_id=str(project.pk), action="update"))
    assert len(entries) == 1
    entry = entries[0]
    assert entry.before["parts"]["counts"]["kpis"] == 2 and entry.after["parts"]["counts"]["kpis"] == 1
    assert entry.after["parts"]["kpis"] == [{"name": "ตัวชี้วัดใหม่", "unit": "คน", "target_value": "50"}]
    assert entry.before["parts"]["provinces"] == ["10", "50"] and entry.after["parts"]["provinces"] == ["10"]
    assert (entry.before["version"], entry.after["version"]) == (1, 2)
    assert "parts" in entry.changed_fields and "version" in entry.changed_fields
    assert entry.after["parts"] == __import__("tidtam.projects.services", fromlist=["x"]).parts_summary(project)


def test_update_that_changes_nothing_writes_nothing(project, people, plan):
    before = counts()
    same = project_update(
        actor=people["reporter"], project=project, version=1, name_th=project.name_th, provinces=["50", "10"]
    )
    assert same.version == 1 and counts() == before


def test_update_validation_error_writes_nothing_and_leaves_the_instance(project, people):
    before = counts()
    with pytest.raises(ValidationFailed) as raised:
        project_update(
            actor=people["reporter"],
            project=project,
            version=1,
            name_th="ชื่อใหม่",
            fiscal_year_end=2568,  # the 2569 budget line and September 2025 are still inside; this is not
            budget_lines=[{"fiscal_year": 2569, "source": "loan", "amount": 1}],
        )
    assert "budget_lines[0].fiscal_year" in raised.value.details
    assert counts() == before and project.name_th != "ชื่อใหม่" and project.fiscal_year_end == 2569
    project.refresh_from_db()
    assert project.version == 1 and project.budget_lines.count() == 2


def test_shrinking_the_years_checks_the_stored_parts(project, people):
    with pytest.raises(ValidationFailed) as raised:
        project_update(actor=people["reporter"], project=project, version=1, fiscal_year_end=2568)
    assert "budget_lines[1].fiscal_year" in raised.value.details
    assert "planned_disbursements[1].month" not in raised.value.details  # 2025-09 lies in FY 2568


def test_stale_version_is_a_conflict_and_changes_nothing(project, people):
    project_update(actor=people["reporter"], project=project, version=1, name_th="ครั้งที่หนึ่ง")
    stale = Project.objects.get(pk=project.pk)
    stale.version = 1  # as a second editor who loaded version 1 would hold it
    before = counts()
    with pytest.raises(Conflict) as raised:
        project_update(actor=people["reporter"], project=stale, version=1, name_th="ครั้งที่สอง", provinces=[])
    assert raised.value.status == 409 and raised.value.code == "stale_version"
    assert raised.value.details["current_version"] == 2
    assert counts() == before
    project.refresh_from_db()
    assert project.name_th == "ครั้งที่หนึ่ง" and project.provinces.count() == 2


def test_concurrent_writer_on_the_same_version_loses(project, people):
    """Two editors hold version 1 in memory; the first write wins, the second finds the version moved."""
    first, second = Project.objects.get(pk=project.pk), Project.objects.get(pk=project.pk)
    project_update(actor=people["reporter"], project=first, version=1, name_th="ก")
    with pytest.raises(Conflict):
        project_update(actor=people["reporter"], project=second, version=second.version, name_th="ข")
    assert Project.objects.get(pk=project.pk).name_th == "ก"


def test_wrong_organisation_and_read_only_roles_get_403(project, people):
    for who in ("wrong_org", "approver", "reviewer", "oversight", "coordinator"):
        with pytest.raises(Forbidden):
            project_update(actor=people[who], project=project, version=1, name_th="ไม่ควรได้")
    project.refresh_from_db()
    assert project.version == 1


def test_submitted_and_accepted_projects_cannot_be_edited(project, people):
    workflow_transition(actor=people["reporter"], item=project, action=WorkflowAction.SUBMIT, version=1)
    with pytest.raises(Conflict) as raised:
        project_update(actor=people["reporter"], project=project, version=project.version, name_th="ก")
    assert raised.value.code == WorkflowErrorCode.NOT_EDITABLE
    workflow_transition(actor=people["approver"], item=project, action=WorkflowAction.APPROVE, version=2)
    workflow_transition(actor=people["reviewer"], item=project, action=WorkflowAction.ACCEPT, version=3)
    with pytest.raises(Conflict) as raised:
        project_update(actor=people["reporter"], project=project, version=project.version, name_th="ก")
    assert raised.value.code == WorkflowErrorCode.LOCKED
    project.refresh_from_db()
    assert project.status == WorkflowStatus.ACCEPTED and project.name_th != "ก"


def test_kpis_keep_their_identity_and_reported_actuals(project, people):
    first, second = project.kpis.all()
    report = ReportFactory(project=project, round=RoundFactory())
    KpiActual.objects.create(report=report, kpi=first, value=3)
    # Renaming by id keeps the row (and its actual); dropping the KPI with actuals is refused.
    project_update(
        actor=people["reporter"],
        project=project,
        version=1,
        kpis=[{"id": first.pk, "name": "ประชุม (แก้ชื่อ)", "unit": "ครั้ง", "target_value": 10}],
    )
    first.refresh_from_db()
    assert first.name == "ประชุม (แก้ชื่อ)" and first.actuals.count() == 1
    assert not ProjectKpi.objects.filter(pk=second.pk).exists()
    with pytest.raises(ValidationFailed) as raised:
        project_update(actor=people["reporter"], project=project, version=2, kpis=[])
    assert "kpis" in raised.value.details
    assert ProjectKpi.objects.filter(pk=first.pk).exists()


def test_a_kpi_id_of_another_project_is_refused(project, people, orgs):
    other = project_create(
        actor=people["reporter"],
        owner=orgs.division,
        name_th="อื่น",
        fiscal_year_start=2568,
        kpis=[{"name": "ของผู้อื่น", "unit": "ครั้ง", "target_value": 1}],
    )
    foreign = other.kpis.get()
    with pytest.raises(ValidationFailed) as raised:
        project_update(
            actor=people["reporter"],
            project=project,
            version=1,
            kpis=[{"id": foreign.pk, "name": "ยึด", "unit": "ครั้ง", "target_value": 1}],
        )
    assert "kpis[0].id" in raised.value.details
    foreign.refresh_from_db()
    assert foreign.name == "ของผู้อื่น"


def test_create_ignores_kpi_ids(orgs, people, plan, project):
    existing = project.kpis.first()
    created = project_create(
        actor=people["reporter"],
        owner=orgs.division,
        name_th="ใหม่",
        fiscal_year_start=2568,
        kpis=[{"id": existing.pk, "name": "ใหม่", "unit": "ครั้ง", "target_value": 1}],
    )
    existing.refresh_from_db()
    assert existing.project == project and existing.name != "ใหม่"
    assert created.kpis.get().name == "ใหม่"


def test_promoting_a_secondary_link_to_primary(project, people, plan):
    project_update(actor=people["reporter"], project=project, version=1, primary_node=None)
    assert not project.contributions.filter(is_primary=True).exists()
    project_update(
        actor=people["reporter"], project=project, version=2, primary_node=plan.other_target.pk
    )  # was a secondary link
    assert list(project.contributions.values_list("node", "is_primary").order_by("node")) == sorted(
        [(plan.other_target.pk, True), (plan.master_plan.pk, False)]
    )
    with pytest.raises(ValidationFailed) as raised:
        project_update(actor=people["reporter"], project=project, version=3, secondary_nodes=[plan.other_target.pk])
    assert "secondary_nodes[0]" in raised.value.details


def test_list_errors_point_at_the_given_index(orgs, people, plan):
    with pytest.raises(ValidationFailed) as raised:
        project_create(
            actor=people["reporter"],
            owner=orgs.division,
            name_th="ก",
            fiscal_year_start=2568,
            provinces=["10", "10", "99"],
            countries="TH",
            partners=[orgs.division.code],
            kpis=[{"name": "ก", "unit": "ครั้ง", "target_value": 1}] * 1001,
        )
    details = raised.value.details
    assert "duplicate" in details["provinces[1]"][0] and "unknown code '99'" in details["provinces[2]"][0]
    assert "must be a list" in details["countries"][0]
    assert "owner cannot be a partner" in details["partners[0]"][0]
    assert "at most 1000 items" in details["kpis"][0]
    assert Project.objects.count() == 0
