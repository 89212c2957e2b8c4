"""`Idempotency-Key`: a repeated POST returns the first answer instead of running again."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tidtam.accounts.choices import Role
from tidtam.api import idempotency
from tidtam.api.models import IdempotencyRecord
from tidtam.api.tests.helpers import API, assert_error, bearer_client, send
from tidtam.core.models import AuditEntry
from tidtam.core.testing import PASSWORD, OrganisationFactory, client_for, member, submittable_project
from tidtam.projects.models import Attachment, Project

pytestmark = pytest.mark.django_db

KEY = "3f1c2a9e-7b0d-4c55-9e4a-1b2c3d4e5f60"
NEW = {"owner": "mfa-div", "name": "โครงการทดสอบการส่งซ้ำ", "fiscal_year_start": 2568}


@pytest.fixture
def reporter(db):
    division = OrganisationFactory(code="mfa-div", parent=OrganisationFactory(code="mfa"))
    return member(Role.REPORTER, division, username="reporter")


def _post(client, url, body, key=KEY):
    return send(client, "post", url, body, **({"Idempotency-Key": key} if key is not None else {}))


def test_a_repeat_returns_the_first_answer_without_running_again(reporter):
    client = bearer_client(reporter)
    first = _post(client, "/projects", NEW)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    again = _post(client, "/projects", NEW)
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and again["Content-Type"] == first["Content-Type"]
    assert Project.objects.count() == 1
    assert AuditEntry.objects.filter(object_type="project", action="create").count() == 1


def test_the_same_body_in_another_key_order_or_spacing_is_the_same_request(reporter):
    client = bearer_client(reporter)
    assert _post(client, "/projects", NEW).status_code == 201
    reordered = '{ "fiscal_year_start": 2568,\n "name": "โครงการทดสอบการส่งซ้ำ", "owner": "mfa-div" }'
    again = client.post(f"{API}/projects", reordered, content_type="application/json", headers={"Idempotency-Key": KEY})
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Project.objects.count() == 1


def test_the_same_key_with_another_body_or_path_is_409(reporter):
    client = bearer_client(reporter)
    created = _post(client, "/projects", NEW).json()
    body = assert_error(_post(client, "/projects", {**NEW, "name": "อีกโครงการ"}), 409, "idempotency_key_reused")
    assert body["details"] == {"key": KEY, "method": "POST", "path": "/api/v1/projects"}
    url = f"/projects/{created['id']}/submit"
    assert_error(_post(client, url, {"version": 1}), 409, "idempotency_key_reused")
    assert Project.objects.count() == 1
    assert Project.objects.get().status == "draft"  # the submit did not run


def test_without_a_key_a_repeat_runs_again(reporter):
    client = bearer_client(reporter)
    assert _post(client, "/projects", NEW, key=None).status_code == 201
    assert _post(client, "/projects", NEW, key=None).status_code == 201
    assert Project.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_a_workflow_move_is_replayed_not_refused(reporter):
    project = submittable_project(owner=reporter.memberships.get().organisation)
    client = bearer_client(reporter)
    first = _post(client, f"/projects/{project.pk}/submit", {"version": 1})
    again = _post(client, f"/projects/{project.pk}/submit", {"version": 1})
    assert first.status_code == again.status_code == 200
    assert again.json()["status"]["code"] == "submitted" and again["Idempotent-Replayed"] == "true"
    assert AuditEntry.objects.filter(object_type="project", action="submit").count() == 1
    # Without the key, the repeat is a real second attempt, which the engine refuses.
    assert_error(_post(client, f"/projects/{project.pk}/submit", {"version": 1}, key=None), 409, "not_submittable")


def test_keys_belong_to_their_caller(reporter):
    colleague = member(Role.REPORTER, reporter.memberships.get().organisation, username="colleague")
    assert _post(bearer_client(reporter), "/projects", NEW).status_code == 201
    second = _post(bearer_client(colleague), "/projects", NEW)
    assert second.status_code == 201 and "Idempotent-Replayed" not in second
    assert Project.objects.count() == 2
    # The same user by session and by token is one caller.
    assert _post(client_for(reporter), "/projects", NEW)["Idempotent-Replayed"] == "true"


def test_an_error_is_not_stored_so_a_corrected_retry_runs(reporter):
    client = bearer_client(reporter)
    assert_error(_post(client, "/projects", {**NEW, "fiscal_year_start": "not a year"}), 400)
    assert_error(_post(client, "/projects", {**NEW, "owner": "nowhere"}), 400)
    assert not IdempotencyRecord.objects.exists()
    created = _post(client, "/projects", NEW)
    assert created.status_code == 201 and "Idempotent-Replayed" not in created


def test_records_expire_after_a_day(reporter):
    client = bearer_client(reporter)
    assert _post(client, "/projects", NEW).status_code == 201
    record = IdempotencyRecord.objects.get()
    assert record.caller == f"user:{reporter.pk}" and record.status == 201 and record.method == "POST"
    assert timedelta(hours=23) < record.expires_at - timezone.now() <= timedelta(hours=24)
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    again = _post(client, "/projects", NEW)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Project.objects.count() == 2 and IdempotencyRecord.objects.count() == 1


def test_a_duplicate_of_a_running_request_waits_then_gives_up_with_409(reporter, monkeypatch):
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0.2)
    client = bearer_client(reporter)
    fingerprint = _post(client, "/projects", NEW)  # learn the stored fingerprint, then pretend it is still running
    IdempotencyRecord.objects.update(status=None, body="")
    assert_error(_post(client, "/projects", NEW), 409, "idempotency_in_progress")
    assert fingerprint.status_code == 201 and Project.objects.count() == 1
    # A claim left by a request that died long ago is taken over.
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    assert _post(client, "/projects", NEW).status_code == 201
    assert Project.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "ไทย", "with space"])
def test_a_malformed_key_is_400(reporter, key):
    body = assert_error(_post(bearer_client(reporter), "/projects", NEW, key=key), 400, "validation_error")
    assert list(body["details"]) == ["Idempotency-Key"]
    assert not Project.objects.exists()


def test_a_file_upload_is_replayed(reporter):
    project = submittable_project(owner=reporter.memberships.get().organisation)
    client = bearer_client(reporter)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

    def upload(content=pdf):
        file = SimpleUploadedFile("minutes.pdf", content, "application/pdf")
        return client.post(f"{API}/projects/{project.pk}/attachments", {"file": file}, headers={"Idempotency-Key": KEY})

    first, again = upload(), upload()  # each sent with its own multipart boundary
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Attachment.objects.count() == 1
    assert_error(upload(pdf + b"\n"), 409, "idempotency_key_reused")


def test_gets_and_the_token_endpoint_ignore_the_key(reporter):
    client = bearer_client(reporter)
    assert client.get(f"{API}/projects", headers={"Idempotency-Key": KEY}).status_code == 200
    credentials = {"username": "reporter", "password": PASSWORD}
    for _ in range(2):
        response = _post(Client(), "/auth/token", credentials)
        assert response.status_code == 200 and "Idempotent-Replayed" not in response
    assert not IdempotencyRecord.objects.exists()


def test_a_bad_token_is_401_and_stores_nothing(db):
    response = send(Client(), "post", "/projects", NEW, Authorization="Bearer tdt_nope", **{"Idempotency-Key": KEY})
    assert_error(response, 401, "invalid_token")
    assert_error(_post(Client(), "/projects", NEW), 401, "not_authenticated")
    assert not IdempotencyRecord.objects.exists()


def test_the_header_is_documented_on_every_post_but_the_token_endpoint(db):
    paths = Client().get(f"{API}/openapi.json").json()["paths"]
    posts = {path: item["post"] for path, item in paths.items() if "post" in item}
    assert len(posts) > 10
    for path, operation in posts.items():
        names = [parameter["name"] for parameter in operation.get("parameters", []) if parameter["in"] == "header"]
        assert names == ([] if path == "/api/v1/auth/token" else ["Idempotency-Key"]), path
