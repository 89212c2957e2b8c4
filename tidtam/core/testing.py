"""Factories and helpers shared by every app's tests."""

from datetime import date
from decimal import Decimal

import factory
from django.test import Client

from tidtam.accounts.choices import Role
from tidtam.accounts.models import Membership, User
from tidtam.organisations.choices import OrganisationKind
from tidtam.organisations.models import Organisation
from tidtam.plans.models import Framework, FrameworkVersion, Indicator, Node
from tidtam.projects.models import BudgetLine, Contribution, Project
from tidtam.reporting.models import ProgressReport, ReportDisbursement, ReportingRound
from tidtam.workflow.choices import WorkflowStatus as S

PASSWORD = "correct-horse-battery"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    code = factory.Sequence(lambda n: f"org-{n}")
    name_th = factory.Sequence(lambda n: f"หน่วยงานทดสอบ {n}")
    name_en = factory.Sequence(lambda n: f"Test organisation {n}")
    kind = OrganisationKind.MINISTRY
    parent = None
    path = factory.LazyAttribute(lambda o: f"{o.parent.path if o.parent else '/'}{o.code}/")
    depth = factory.LazyAttribute(lambda o: o.path.count("/") - 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"ผู้ใช้{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.REPORTER


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Framework

    code = factory.Sequence(lambda n: f"fw-{n}")
    title_th = factory.Sequence(lambda n: f"กรอบแผนทดสอบ {n}")
    title_en = factory.Sequence(lambda n: f"Test framework {n}")


class FrameworkVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FrameworkVersion

    framework = factory.SubFactory(FrameworkFactory)
    label = "1"
    is_current = True
    levels = [{"key": "goal", "th": "เป้าหมาย", "en": "Goal"}, {"key": "target", "th": "เป้าย่อย", "en": "Target"}]


class NodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Node

    framework_version = factory.SubFactory(FrameworkVersionFactory)
    parent = None
    code = factory.Sequence(lambda n: f"{n:02d}")
    title_th = factory.Sequence(lambda n: f"โหนด {n}")
    title_en = factory.Sequence(lambda n: f"Node {n}")
    tree_path = factory.LazyAttribute(lambda o: f"{o.parent.tree_path if o.parent else '/'}{o.code}/")
    depth = factory.LazyAttribute(lambda o: o.tree_path.count("/") - 1)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    node = factory.SubFactory(NodeFactory)
    code = factory.Sequence(lambda n: f"KPI-{n}")
    name_th = factory.Sequence(lambda n: f"ตัวชี้วัด {n}")
    unit = "ร้อยละ"


TARGET_LEVELS = [
    {"key": "strategy", "th": "ยุทธศาสตร์", "en": "Strategy"},
    {"key": "target", "th": "เป้าหมาย", "en": "Target"},
]


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"P{n:05d}")
    name_th = factory.Sequence(lambda n: f"โครงการทดสอบ {n}")
    owner = factory.SubFactory(OrganisationFactory)
    fiscal_year_start = 2568
    fiscal_year_end = 2568


def target_node() -> Node:
    """A node at the "target" level of a fresh framework, fit to be a project's primary link."""
    version = FrameworkVersionFactory(levels=TARGET_LEVELS)
    strategy = NodeFactory(framework_version=version)
    return NodeFactory(framework_version=version, parent=strategy)


def submittable_project(**fields) -> Project:
    """A draft project with its one primary contribution, ready to submit."""
    project = ProjectFactory(**fields)
    Contribution.objects.create(project=project, node=target_node(), is_primary=True)
    return project


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportingRound
        django_get_or_create = ("fiscal_year", "quarter")

    fiscal_year = 2568
    quarter = 1
    period_start = date(2024, 10, 1)
    period_end = date(2024, 12, 31)
    opens_on = date(2024, 12, 15)
    deadline = date(2025, 1, 31)


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressReport

    project = factory.SubFactory(ProjectFactory)
    round = factory.SubFactory(RoundFactory)
    physical_progress = 25
    results = "ดำเนินการตามแผน"


def member(role: Role, organisation: Organisation, **user_fields) -> User:
    """A user holding `role` over `organisation`."""
    return MembershipFactory(role=role, organisation=organisation, user=UserFactory(**user_fields)).user


def client_for(user: User | None) -> Client:
    """A test client signed in as `user` (anonymous when None)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def rollup_world() -> dict:
    """A small roll-up dataset: strategy 01 with targets 0101 and 0102; ministry `min` and its division `div`; three
    projects of FY 2568 (two accepted, one approved) with reports in its first two quarters. Figures by hand:
    evaluation/tests/test_rollups.py. Call `rollups_rebuild()` after building on it."""
    version = FrameworkVersionFactory(levels=TARGET_LEVELS)
    strategy = NodeFactory(framework_version=version, code="01")
    t1 = NodeFactory(framework_version=version, parent=strategy, code="0101")
    t2 = NodeFactory(framework_version=version, parent=strategy, code="0102")
    ministry = OrganisationFactory(code="min")
    division = OrganisationFactory(code="div", parent=ministry)
    q1 = RoundFactory(fiscal_year=2568, quarter=1)
    q2 = RoundFactory(
        fiscal_year=2568,
        quarter=2,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 3, 31),
        opens_on=date(2025, 3, 15),
        deadline=date(2025, 4, 30),
    )

    def project(owner, status, budget, primary, *secondary):
        p = ProjectFactory(owner=owner, status=status)
        BudgetLine.objects.create(project=p, fiscal_year=2568, source="budget", amount=Decimal(budget))
        Contribution.objects.create(project=p, node=primary, is_primary=True)
        for node in secondary:
            Contribution.objects.create(project=p, node=node)
        return p

    def report(p, round_, status, progress, *amounts):
        r = ReportFactory(project=p, round=round_, status=status, physical_progress=progress)
        for month, amount in enumerate(amounts, start=round_.period_start.month):
            ReportDisbursement.objects.create(
                report=r, month=date(round_.period_start.year, month, 1), amount=Decimal(amount)
            )
        return r

    p1 = project(division, S.ACCEPTED, "1000000", t1)
    p2 = project(ministry, S.ACCEPTED, "500000", t2, t1)
    p3 = project(ministry, S.APPROVED, "200000", t2)
    reports = [
        report(p1, q1, S.ACCEPTED, 20, "100000", "50000"),
        report(p1, q2, S.APPROVED, 45, "200000"),
        report(p2, q1, S.ACCEPTED, 60, "300000"),
    ]
    return {
        "version": version,
        "nodes": {"01": strategy, "0101": t1, "0102": t2},
        "orgs": {"min": ministry, "div": division},
        "projects": [p1, p2, p3],
        "reports": reports,
    }
