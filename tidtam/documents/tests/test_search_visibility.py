"""Who finds a document in search: the same people who may open it (documents follow the project rule in the index:
a confirmed document counts as accepted, a pending one as a draft)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from tidtam.accounts.choices import Role
from tidtam.core.testing import OrganisationFactory, member
from tidtam.documents.tests.factories import make_document
from tidtam.search.indexing import rebuild
from tidtam.search.selectors import search

pytestmark = pytest.mark.django_db


def test_pending_documents_are_found_by_their_organisation_and_reviewers_only():
    owner, central = OrganisationFactory(code="owner"), OrganisationFactory(code="central")
    make_document(owner, title="บันทึกรอตรวจเรื่องท่าเรือน้ำลึก", status="pending")
    make_document(owner, title="รายงานยืนยันเรื่องท่าเรือน้ำลึก", status="confirmed")
    rebuild()
    callers = {
        "anonymous": AnonymousUser(),
        "reviewer": member(Role.REVIEWER, central),
        "owner's reporter": member(Role.REPORTER, owner),
        "another reporter": member(Role.REPORTER, central),
        "oversight": member(Role.OVERSIGHT, central),
    }
    found = {
        name: {hit.entry.title_th[:6] for hit in search(user=user, q="ท่าเรือ", kind="document")}
        for name, user in callers.items()
    }
    assert found == {
        "anonymous": {"รายงาน"},
        "reviewer": {"รายงาน", "บันทึก"},
        "owner's reporter": {"รายงาน", "บันทึก"},
        "another reporter": {"รายงาน"},
        "oversight": {"รายงาน"},
    }
