import pytest

from tidtam.accounts.choices import Role
from tidtam.core.errors import Forbidden, ValidationFailed
from tidtam.core.models import AuditEntry
from tidtam.core.testing import OrganisationFactory, member
from tidtam.organisations.choices import OrganisationKind
from tidtam.organisations.models import Organisation
from tidtam.organisations.selectors import organisation_list
from tidtam.organisations.services import organisation_create, organisation_update

pytestmark = pytest.mark.django_db


def test_create_places_the_organisation_in_the_tree_and_audits_it():
    admin = member(Role.ADMIN, OrganisationFactory(code="nesdc"))
    mfa = organisation_create(actor=admin, code="mfa", name_th="กระทรวงการต่างประเทศ", kind=OrganisationKind.MINISTRY)
    division = organisation_create(
        actor=admin, code="mfa-plan", name_th="กองนโยบายและแผน", kind=OrganisationKind.DIVISION, parent=mfa
    )
    assert division.path == "/mfa/mfa-plan/" and division.depth == 2
    assert AuditEntry.objects.filter(object_type="organisation", action="create", actor=admin).count() == 2


def test_invalid_organisation_names_the_field_and_writes_nothing():
    with pytest.raises(ValidationFailed) as raised:
        organisation_create(actor=None, code="bad code!", name_th="", kind="planet")
    assert {"code", "name_th", "kind"} <= set(raised.value.details)
    assert not Organisation.objects.exists() and not AuditEntry.objects.exists()


def test_only_admins_create_or_edit_organisations():
    ministry = OrganisationFactory(code="mfa")
    reporter = member(Role.REPORTER, ministry)
    with pytest.raises(Forbidden):
        organisation_create(actor=reporter, code="x", name_th="x", kind=OrganisationKind.MINISTRY)
    with pytest.raises(Forbidden):
        organisation_update(actor=reporter, organisation=ministry, version=1, name_en="Hijacked")
    ministry.refresh_from_db()
    assert ministry.name_en != "Hijacked"


def test_moving_an_organisation_repaths_its_subtree():
    a = OrganisationFactory(code="a")
    b = OrganisationFactory(code="b")
    child = OrganisationFactory(code="child", parent=a)
    grandchild = OrganisationFactory(code="grandchild", parent=child)
    organisation_update(actor=None, organisation=child, version=1, parent=b)
    grandchild.refresh_from_db()
    assert grandchild.path == "/b/child/grandchild/" and grandchild.depth == 3
    assert AuditEntry.objects.filter(object_type="organisation", action="move").count() == 1


def test_an_organisation_cannot_move_below_itself():
    a = OrganisationFactory(code="a")
    child = OrganisationFactory(code="child", parent=a)
    with pytest.raises(ValidationFailed) as raised:
        organisation_update(actor=None, organisation=a, version=1, parent=child)
    assert raised.value.code == "cycle"


def test_selector_filters_by_subtree_kind_and_text():
    mfa = OrganisationFactory(code="mfa", name_th="กระทรวงการต่างประเทศ")
    OrganisationFactory(code="mfa-asean", name_th="กรมอาเซียน", parent=mfa, kind=OrganisationKind.DEPARTMENT)
    OrganisationFactory(code="mod", name_th="กระทรวงกลาโหม")
    assert [o.code for o in organisation_list(user=None, parent_code="mfa")] == ["mfa", "mfa-asean"]
    assert [o.code for o in organisation_list(user=None, kind=OrganisationKind.DEPARTMENT)] == ["mfa-asean"]
    assert [o.code for o in organisation_list(user=None, q="อาเซียน")] == ["mfa-asean"]
    assert not organisation_list(user=None, parent_code="nowhere").exists()
