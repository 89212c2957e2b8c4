import pytest
from django.test import Client

from tidtam.accounts.choices import Role
from tidtam.api.tests.helpers import API, LEVELS, assert_error, bearer_client
from tidtam.core.testing import OrganisationFactory, client_for, member
from tidtam.core.thaicalendar import to_thai_digits
from tidtam.organisations.services import organisation_update
from tidtam.plans.services import framework_create, framework_version_create, node_create, node_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(db, users):
    """A framework and a node created and then renamed by the reviewer, through the services."""
    reviewer = users["reviewer"]
    framework = framework_create(actor=reviewer, code="audited", title_th="กรอบแผนที่ตรวจสอบ")
    version = framework_version_create(actor=reviewer, framework=framework, label="1", levels=LEVELS, is_current=True)
    node = node_create(actor=reviewer, framework_version=version, code="1", title_th="ชื่อเดิม")
    node = node_update(actor=reviewer, node=node, version=node.version, title_th="ชื่อใหม่")
    return framework, node


def test_timeline_newest_first_with_actor_hidden_from_the_public(history):
    _, node = history
    body = Client().get(f"{API}/audit?object=node:{node.pk}").json()
    update, create = body["results"]
    assert (update["action"], create["action"]) == ("update", "create")
    assert update["object_type"] == "node" and update["object_id"] == str(node.pk)
    assert update["object"] == "1 ชื่อใหม่"
    assert update["changed_fields"] == ["title_th", "version"]
    assert update["before"]["title_th"] == "ชื่อเดิม" and update["after"]["title_th"] == "ชื่อใหม่"
    assert update["reason"] == ""
    assert update["actor"] is None and create["actor"] is None
    assert set(update) == {
        "at",
        "action",
        "object_type",
        "object_id",
        "object",
        "request_id",
        "actor",
        "changed_fields",
        "before",
        "after",
        "reason",
    }


def test_actor_is_shown_to_a_reviewer(history, users):
    _, node = history
    for client in (client_for(users["reviewer"]), bearer_client(users["reviewer"])):
        results = client.get(f"{API}/audit?object=node:{node.pk}").json()["results"]
        assert [entry["actor"] for entry in results] == ["reviewer", "reviewer"]


def test_actor_is_hidden_from_a_reporter(history, users):
    _, node = history
    results = client_for(users["reporter"]).get(f"{API}/audit?object=node:{node.pk}").json()["results"]
    assert len(results) == 2 and {entry["actor"] for entry in results} == {None}


def test_other_object_types(history, users):
    framework, _ = history
    [entry] = Client().get(f"{API}/audit?object=framework:{framework.pk}").json()["results"]
    assert entry["action"] == "create" and entry["after"]["code"] == "audited"
    admin = member(Role.ADMIN, OrganisationFactory(code="ops"), username="admin-user")
    ministry = OrganisationFactory(code="mfa", name_th="กต.")
    organisation_update(actor=admin, organisation=ministry, version=ministry.version, name_en="MFA")
    [entry] = client_for(users["reviewer"]).get(f"{API}/audit?object=organisation:{ministry.pk}").json()["results"]
    assert entry["changed_fields"] == ["name_en", "version"] and entry["actor"] == "admin-user"


def test_limit(history):
    _, node = history
    [newest] = Client().get(f"{API}/audit?object=node:{node.pk}&limit=1").json()["results"]
    assert newest["action"] == "update"


@pytest.mark.parametrize("ref", ["user:1", "apitoken:1", "node", "node:", "node:abc", ":1", "NODE:1", "node:-1"])
def test_bad_object_reference_is_400(db, ref):
    body = assert_error(Client().get(f"{API}/audit", {"object": ref}), 400, "validation_error")
    assert list(body["details"]) == ["object"]


def test_unknown_object_is_404(history):
    body = assert_error(Client().get(f"{API}/audit?object=node:987654"), 404, "object_not_found")
    assert body["details"] == {"object": "node:987654"}
    assert_error(Client().get(f"{API}/audit?object=organisation:987654"), 404, "object_not_found")


def test_query_budget(history, users, django_assert_max_num_queries):
    _, node = history
    client = bearer_client(users["reviewer"])
    with django_assert_max_num_queries(5):
        assert len(client.get(f"{API}/audit?object=node:{node.pk}").json()["results"]) == 2


def test_object_id_in_thai_digits(history):
    _, node = history
    assert len(Client().get(f"{API}/audit", {"object": f"node:{to_thai_digits(str(node.pk))}"}).json()["results"]) == 2
