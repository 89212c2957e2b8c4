"""The grant table and the one permission check, scoped to organisation subtrees."""

import pytest

from tidtam.accounts.choices import Role
from tidtam.core.errors import Forbidden
from tidtam.core.models import AuditEntry
from tidtam.core.permissions import GRANTS, Action, Reach, can, require, restrict
from tidtam.core.testing import OrganisationFactory, member
from tidtam.organisations.models import Organisation
from tidtam.plans.models import Framework

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    mfa = OrganisationFactory(code="mfa")
    mfa_dept = OrganisationFactory(code="mfa-dept", parent=mfa)
    mfa_div = OrganisationFactory(code="mfa-div", parent=mfa_dept)
    mod = OrganisationFactory(code="mod")
    mod_div = OrganisationFactory(code="mod-div", parent=mod)
    return {"mfa": mfa, "mfa_dept": mfa_dept, "mfa_div": mfa_div, "mod": mod, "mod_div": mod_div}


def test_every_role_has_a_grant():
    assert set(GRANTS) == set(Role)


def test_anonymous_may_view_public_kinds_and_nothing_else(tree):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert can(anonymous, Action.VIEW, Framework)
    assert can(anonymous, Action.VIEW, tree["mfa"])
    assert not can(anonymous, Action.EDIT, tree["mfa"])
    assert not can(anonymous, Action.CREATE, Framework)
    assert not can(anonymous, Action.VIEW, AuditEntry)


def test_subtree_reach_covers_descendants_only(tree):
    coordinator = member(Role.COORDINATOR, tree["mfa_dept"])
    from tidtam.accounts.models import Membership

    inside = Membership(user=coordinator, organisation=tree["mfa_div"], role=Role.REPORTER)
    above = Membership(user=coordinator, organisation=tree["mfa"], role=Role.REPORTER)
    other = Membership(user=coordinator, organisation=tree["mod_div"], role=Role.REPORTER)
    assert can(coordinator, Action.VIEW, inside)
    assert not can(coordinator, Action.VIEW, above)
    assert not can(coordinator, Action.VIEW, other)


def test_reviewer_manages_plans_everywhere_and_reporter_does_not(tree):
    reviewer = member(Role.REVIEWER, tree["mod"])
    reporter = member(Role.REPORTER, tree["mfa"])
    assert can(reviewer, Action.CREATE, Framework)
    assert not can(reporter, Action.CREATE, Framework)
    with pytest.raises(Forbidden) as raised:
        require(reporter, Action.CREATE, Framework)
    assert raised.value.code == "forbidden"
    assert "ไม่มีสิทธิ์" in raised.value.message


def test_admin_reach_is_all_and_inactive_users_lose_everything(tree):
    admin = member(Role.ADMIN, tree["mod"])
    assert GRANTS[Role.ADMIN].reach is Reach.ALL
    assert can(admin, Action.EDIT, tree["mfa_div"])
    admin.is_active = False
    admin._tidtam_memberships = None
    assert not can(admin, Action.EDIT, tree["mfa_div"])


def test_restrict_filters_to_the_subtree(tree):
    coordinator = member(Role.COORDINATOR, tree["mfa"])
    member(Role.REPORTER, tree["mfa_div"])
    member(Role.REPORTER, tree["mod_div"])
    from tidtam.accounts.models import Membership

    visible = restrict(coordinator, Action.VIEW, Membership.objects.all(), organisation_field="organisation")
    assert {m.organisation.code for m in visible} == {"mfa", "mfa-div"}
    reporter = member(Role.REPORTER, tree["mfa"])
    assert not restrict(reporter, Action.VIEW, Membership.objects.all(), organisation_field="organisation").exists()
    assert restrict(reporter, Action.VIEW, Organisation.objects.all(), organisation_field=None).count() == 5


def test_membership_lookup_is_one_query_per_user(tree, django_assert_num_queries):
    reviewer = member(Role.REVIEWER, tree["mod"])
    with django_assert_num_queries(1):
        for _ in range(10):
            can(reviewer, Action.CREATE, Framework)
