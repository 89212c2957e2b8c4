"""The audit log is append-only and every service write lands in it with actor, request id and before/after."""

from decimal import Decimal

import pytest
from django.test import Client

from tidtam.accounts.choices import Role
from tidtam.core.audit import audit_record, snapshot
from tidtam.core.errors import Conflict
from tidtam.core.middleware import current_request_id
from tidtam.core.models import AuditEntry
from tidtam.core.services import versioned_update
from tidtam.core.testing import IndicatorFactory, OrganisationFactory, member

pytestmark = pytest.mark.django_db


def test_entries_cannot_be_changed_or_deleted():
    organisation = OrganisationFactory()
    entry = audit_record(actor=None, action="create", obj=organisation)
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="x")
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == 1


def test_entry_carries_request_id_and_state():
    organisation = OrganisationFactory(name_th="กระทรวงทดสอบ")
    token = current_request_id.set("req-12345678")
    try:
        entry = audit_record(actor=None, action="create", obj=organisation, reason="เหตุผล")
    finally:
        current_request_id.reset(token)
    assert entry.request_id == "req-12345678"
    assert entry.object_type == "organisation"
    assert entry.object_id == str(organisation.pk)
    assert entry.after["name_th"] == "กระทรวงทดสอบ"
    assert entry.reason == "เหตุผล"


def test_request_id_header_is_echoed_or_generated():
    response = Client().get("/api/v1/openapi.json", HTTP_X_REQUEST_ID="abcdef123456")
    assert response["X-Request-ID"] == "abcdef123456"
    generated = Client().get("/api/v1/openapi.json", HTTP_X_REQUEST_ID="bad id!")["X-Request-ID"]
    assert generated != "bad id!" and len(generated) == 32


def test_snapshot_normalises_decimals():
    indicator = IndicatorFactory(baseline_value=Decimal("80.0000"))
    assert snapshot(indicator)["baseline_value"] == "80"


def test_versioned_update_records_before_and_after_and_bumps_version():
    organisation = OrganisationFactory(name_en="Old name")
    actor = member(Role.ADMIN, organisation)
    versioned_update(actor=actor, obj=organisation, version=1, changes={"name_en": "New name"}, reason="rename")
    organisation.refresh_from_db()
    assert organisation.version == 2
    entry = AuditEntry.objects.get(object_type="organisation", action="update")
    assert entry.actor == actor
    assert entry.before["name_en"] == "Old name"
    assert entry.after["name_en"] == "New name"
    assert entry.changed_fields == ["name_en", "version"]


def test_no_change_writes_nothing():
    organisation = OrganisationFactory(name_en="Same")
    versioned_update(actor=None, obj=organisation, version=1, changes={"name_en": "Same"})
    organisation.refresh_from_db()
    assert organisation.version == 1
    assert not AuditEntry.objects.exists()


def test_stale_version_is_a_conflict_and_changes_nothing():
    organisation = OrganisationFactory(name_en="Original")
    stale_copy = type(organisation).objects.get(pk=organisation.pk)
    versioned_update(actor=None, obj=organisation, version=1, changes={"name_en": "First writer"})
    with pytest.raises(Conflict) as raised:
        versioned_update(actor=None, obj=stale_copy, version=1, changes={"name_en": "Second writer"})
    assert raised.value.status == 409
    assert raised.value.details == {"expected_version": 1, "current_version": 2}
    organisation.refresh_from_db()
    assert organisation.name_en == "First writer"
    assert AuditEntry.objects.filter(action="update").count() == 1


def test_racing_writer_that_read_the_same_version_loses():
    """The version check is in the UPDATE itself, so an object read before another write cannot overwrite it."""
    organisation = OrganisationFactory(name_en="Original")
    racer = type(organisation).objects.get(pk=organisation.pk)
    type(organisation).objects.filter(pk=organisation.pk).update(version=2, name_en="Written meanwhile")
    racer.version = 1
    with pytest.raises(Conflict):
        versioned_update(actor=None, obj=racer, version=1, changes={"name_en": "Lost write"})
    organisation.refresh_from_db()
    assert organisation.name_en == "Written meanwhile"
