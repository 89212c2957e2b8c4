"""HTTP behaviour of the open-data API (tidtam.api.http_cache): ETag / Last-Modified and 304 answers, the response
cache, the anonymous rate limit, private answers for signed-in callers, lists without COUNT(*), and the data version
(tidtam.core.datachange) behind them.

Conditional answers and the response cache are off for a request served inside a transaction (it may see writes not
yet committed), and a normal test runs inside one; so the tests of them commit for real (`transaction=True`), which
also runs the after-commit hook of the audit log as production does.
"""

import math
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.test import Client
from django.test.client import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tidtam.accounts.choices import Role
from tidtam.api.http_cache import last_modified, not_modified, parse_rate
from tidtam.api.tests.helpers import API, assert_error, bearer_client
from tidtam.core.audit import audit_record, audit_record_many
from tidtam.core.datachange import EPOCH, KEY, DataVersion, data_changed, data_version, version_from_audit_log
from tidtam.core.models import AuditEntry
from tidtam.core.testing import (
    FrameworkFactory,
    OrganisationFactory,
    ProjectFactory,
    ReportFactory,
    client_for,
    member,
    submittable_project,
)
from tidtam.organisations.choices import OrganisationKind
from tidtam.organisations.models import Organisation
from tidtam.organisations.services import organisation_create, organisation_update
from tidtam.workflow.choices import WorkflowStatus as S

committed = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    """Tests of the limit set their own rate."""
    settings.API_ANON_RATE = "0"
    settings.API_CACHE_SECONDS = 60


def _org(code: str = "mfa", name: str = "กระทรวงการต่างประเทศ") -> Organisation:
    """An organisation written through its service (so the audit log, and the data version, know of it)."""
    return organisation_create(actor=None, code=code, name_th=name, kind=OrganisationKind.MINISTRY)


def _rename(organisation: Organisation, name: str) -> Organisation:
    organisation.refresh_from_db()
    return organisation_update(actor=None, organisation=organisation, version=organisation.version, name_th=name)


def _settle() -> None:
    """Wait until the second of the last change is over: only then is `Last-Modified` sent (see `last_modified`)."""
    changed = data_version().changed_at.timestamp()
    time.sleep(max(0.0, math.floor(changed) + 1 - time.time()) + 0.01)


def _queries_on(table: str, context: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in context.captured_queries if table in query["sql"]]


def _answer_key(response) -> str:
    """The response-cache key of an anonymous answer: its ETag's digest."""
    return "tidtam:api-answer:" + response["ETag"].removeprefix("W/").strip('"')


def _get(client: Client, url: str, **headers):
    return client.get(f"{API}{url}", headers=headers or None)


# -------------------------------------------------------------------------------------------- conditional requests


@committed
def test_anonymous_answers_carry_validators_and_public_cache_control():
    FrameworkFactory(code="ns")
    _org()
    _settle()
    response = _get(Client(), "/frameworks")
    assert response.status_code == 200
    assert response["ETag"].startswith('W/"') and response["ETag"].endswith('"')
    changed = math.floor(AuditEntry.objects.latest("at").at.timestamp())
    assert response["Last-Modified"] == http_date(changed)
    assert response["Cache-Control"] == "public, max-age=60"
    vary = {part.strip() for part in response["Vary"].split(",")}
    assert {"Authorization", "Cookie"} <= vary
    # The same request, the same answer, the same validators.
    again = _get(Client(), "/frameworks")
    assert again["ETag"] == response["ETag"] and again.content == response.content
    # Another query, another language: other representations.
    assert _get(Client(), "/frameworks?x=1")["ETag"] != response["ETag"]
    english = Client()
    english.cookies["django_language"] = "en"
    assert _get(english, "/frameworks")["ETag"] != response["ETag"]


@committed
def test_if_none_match_answers_304_without_running_the_view():
    FrameworkFactory(code="ns")
    _org()
    etag = _get(Client(), "/frameworks")["ETag"]
    with CaptureQueriesContext(connection) as queries:
        response = _get(Client(), "/frameworks", If_None_Match=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"] == "public, max-age=60"
    assert _queries_on("plans_framework", queries) == []
    # Also as a strong tag, or in a list of tags; another tag or `*` gets the answer.
    strong = etag.removeprefix("W/")
    assert _get(Client(), "/frameworks", If_None_Match=strong).status_code == 304
    assert _get(Client(), "/frameworks", If_None_Match=f'"other", {etag}').status_code == 304
    assert _get(Client(), "/frameworks", If_None_Match='W/"other"').status_code == 200
    assert _get(Client(), "/frameworks", If_None_Match="*").status_code == 200


@committed
def test_if_modified_since_answers_304_until_the_next_change():
    organisation = _org()
    _settle()
    first = _get(Client(), f"/organisations/{organisation.code}")
    since = first["Last-Modified"]
    with CaptureQueriesContext(connection) as queries:
        response = _get(Client(), f"/organisations/{organisation.code}", If_Modified_Since=since)
    assert response.status_code == 304
    assert response["Last-Modified"] == since
    assert _queries_on("organisations_organisation", queries) == []
    earlier = http_date(math.floor(organisation.created_at.timestamp()) - 10)
    assert _get(Client(), f"/organisations/{organisation.code}", If_Modified_Since=earlier).status_code == 200
    future = http_date(time.time() + 3600)  # a date in the future is not a valid validator
    assert _get(Client(), f"/organisations/{organisation.code}", If_Modified_Since=future).status_code == 200
    # If-None-Match decides when both are sent.
    mismatch = {"If_None_Match": 'W/"other"', "If_Modified_Since": since}
    assert _get(Client(), f"/organisations/{organisation.code}", **mismatch).status_code == 200

    _rename(organisation, "ชื่อใหม่")
    changed = _get(Client(), f"/organisations/{organisation.code}", If_Modified_Since=since)
    assert changed.status_code == 200
    assert changed.json()["name"] == "ชื่อใหม่"


@committed
def test_a_committed_write_changes_the_etag_and_the_cached_answer():
    organisation = _org()
    before = _get(Client(), f"/organisations/{organisation.code}")
    assert cache.get(_answer_key(before)) is not None  # stored
    assert _get(Client(), f"/organisations/{organisation.code}", If_None_Match=before["ETag"]).status_code == 304

    _rename(organisation, "ชื่อใหม่")

    after = _get(Client(), f"/organisations/{organisation.code}")
    assert after["ETag"] != before["ETag"]
    assert after.json()["name"] == "ชื่อใหม่"
    assert _get(Client(), f"/organisations/{organisation.code}", If_None_Match=before["ETag"]).status_code == 200
    # Every cached answer is keyed by the data version: the list too shows the new name at once.
    assert "ชื่อใหม่" in {row["name"] for row in _get(Client(), "/organisations").json()["results"]}


@committed
def test_an_accepted_project_shows_to_the_public_at_once():
    central = OrganisationFactory(code="nesdc", kind=OrganisationKind.CENTRAL_AGENCY)
    reviewer = member(Role.REVIEWER, central, username="reviewer")
    project = submittable_project(status=S.APPROVED)
    _org()  # an audited write, so the version is not the empty log's
    before = _get(Client(), "/projects")
    assert before.json()["results"] == []

    accepted = bearer_client(reviewer).post(
        f"{API}/projects/{project.pk}/accept", {"version": project.version}, content_type="application/json"
    )
    assert accepted.status_code == 200, accepted.content

    after = _get(Client(), "/projects", If_None_Match=before["ETag"])
    assert after.status_code == 200
    assert [row["id"] for row in after.json()["results"]] == [project.pk]


# -------------------------------------------------------------------------------------------- the response cache


@committed
def test_a_cached_answer_is_identical_to_the_uncached_one(settings):
    for index in range(3):
        _org(f"org-{index}", f"หน่วยงาน {index}")
    url = "/organisations?limit=2"
    fresh = _get(Client(), url)
    with CaptureQueriesContext(connection) as queries:
        cached = _get(Client(), url)
    assert _queries_on("organisations_organisation", queries) == []  # served from the cache

    def same(response):
        return response.status_code, response.content, {k: v for k, v in response.items() if k != "X-Request-ID"}

    assert same(cached) == same(fresh)
    assert cached.json()["next"] is not None  # a real list page, with its cursor

    settings.API_CACHE_SECONDS = 0
    uncached = _get(Client(), url)
    assert uncached.content == fresh.content
    assert uncached["ETag"] == fresh["ETag"]
    assert uncached["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert cache.get(_answer_key(uncached)) is not None  # the entry stored earlier, untouched
    cache.delete(_answer_key(uncached))
    _get(Client(), url)
    assert cache.get(_answer_key(uncached)) is None  # 0: nothing stored


@committed
def test_errors_and_downloads_are_not_stored():
    _org()
    missing = _get(Client(), "/organisations/nope")
    assert missing.status_code == 404
    assert not missing.has_header("ETag")
    download = _get(Client(), "/exports/projects.csv")
    assert download.status_code == 200
    assert download.streaming
    assert cache.get(_answer_key(download)) is None  # streamed: never stored …
    again = _get(Client(), "/exports/projects.csv", If_None_Match=download["ETag"])
    assert again.status_code == 304  # … but a client holding it need not download it again


@committed
def test_signed_in_answers_are_private_and_never_shared():
    ministry = _org()
    reporter = member(Role.REPORTER, ministry, username="reporter")
    draft = ProjectFactory(owner=ministry, status=S.DRAFT)
    accepted = ProjectFactory(owner=ministry, status=S.ACCEPTED)
    _rename(ministry, "กระทรวง")  # a committed change after the projects exist

    public = _get(Client(), "/projects")
    assert [row["id"] for row in public.json()["results"]] == [accepted.pk]

    for client in (bearer_client(reporter), client_for(reporter)):
        mine = _get(client, "/projects")
        assert {row["id"] for row in mine.json()["results"]} == {draft.pk, accepted.pk}
        assert "private" in mine["Cache-Control"] and "public" not in mine["Cache-Control"]
        assert not mine.has_header("ETag")
        assert "Authorization" in mine["Vary"]
        again = _get(client, "/projects", If_None_Match=public["ETag"])
        assert again.status_code == 200
        assert {row["id"] for row in again.json()["results"]} == {draft.pk, accepted.pk}

    # The signed-in answers were not stored for the public either.
    assert [row["id"] for row in _get(Client(), "/projects").json()["results"]] == [accepted.pk]


def test_inside_a_transaction_nothing_is_conditional_or_cached(db):
    """Only tests serve requests inside a transaction; there the answer may hold uncommitted writes."""
    _org()
    response = _get(Client(), "/organisations")
    assert response.status_code == 200
    assert not response.has_header("ETag")
    assert not response.has_header("Cache-Control")


# -------------------------------------------------------------------------------------------- the rate limit


def test_anonymous_clients_are_limited_per_address(settings, db):
    settings.API_ANON_RATE = "3/60"
    client = Client(REMOTE_ADDR="198.51.100.7")
    assert [_get(client, "/frameworks").status_code for _ in range(3)] == [200, 200, 200]
    limited = _get(client, "/frameworks")
    body = assert_error(limited, 429, "rate_limited")
    retry_after = int(limited["Retry-After"])
    assert 1 <= retry_after <= 60
    assert body["details"] == {"retry_after": retry_after}
    assert limited["Cache-Control"] == "no-store"
    assert _get(client, "/projects").status_code == 429  # every endpoint, writes and errors alike
    assert client.post(f"{API}/auth/token", {}, content_type="application/json").status_code == 429
    assert _get(Client(REMOTE_ADDR="198.51.100.8"), "/frameworks").status_code == 200  # another address
    assert Client(REMOTE_ADDR="198.51.100.7").get("/").status_code != 429  # pages are not limited


def test_signed_in_callers_are_not_limited_and_bad_tokens_are_counted(settings, db):
    settings.API_ANON_RATE = "2/60"
    ministry = OrganisationFactory(code="mfa")
    reporter = member(Role.REPORTER, ministry, username="reporter")
    address = {"REMOTE_ADDR": "198.51.100.9"}
    garbage = Client(headers={"Authorization": "Bearer tdt_garbage"}, **address)
    assert [_get(garbage, "/frameworks").status_code for _ in range(2)] == [401, 401]
    assert _get(Client(**address), "/frameworks").status_code == 429  # the failed tokens used the allowance
    assert _get(garbage, "/frameworks").status_code == 429  # and a bad token does not get past it

    token_client = bearer_client(reporter)
    session_client = client_for(reporter)
    for client in (token_client, session_client):
        client.defaults.update(address)
        assert [_get(client, "/frameworks").status_code for _ in range(5)] == [200] * 5


def test_the_limit_can_be_turned_off(settings, db):
    settings.API_ANON_RATE = "0"
    client = Client(REMOTE_ADDR="198.51.100.10")
    assert {_get(client, "/frameworks").status_code for _ in range(30)} == {200}


@given(limit=st.integers(1, 10**6), seconds=st.integers(1, 10**5))
def test_rates_parse(limit, seconds):
    assert parse_rate(f"{limit}/{seconds}") == (limit, seconds)
    assert parse_rate(f" {limit}/{seconds} ") == (limit, seconds)


@pytest.mark.parametrize("text", ["0", "", " ", "0/60"])
def test_a_zero_rate_is_no_limit(text):
    assert parse_rate(text) is None


@pytest.mark.parametrize("text", ["many", "10/x", "1.5/60", "10/0", "10/-5"])
def test_a_malformed_rate_is_a_configuration_error(text):
    with pytest.raises(ImproperlyConfigured, match="API_ANON_RATE"):
        parse_rate(text)


# -------------------------------------------------------------------------------------------- validators, exactly

MICROSECOND = timedelta(microseconds=1)


def _version(counter: int, microseconds: int) -> DataVersion:
    return DataVersion(counter, datetime(1970, 1, 1, tzinfo=UTC) + microseconds * MICROSECOND)


@given(
    change=st.integers(10**15, 17 * 10**14),  # 2001 … 2023, in microseconds
    served_after=st.integers(0, 3_000_000),
    next_change_after=st.integers(1, 3_000_000),
)
@hypothesis_settings(max_examples=300)
def test_last_modified_never_hides_a_later_change(change, served_after, next_change_after):
    """A client given `Last-Modified` for one state never gets 304 from it once the data changed again."""
    served = (change + served_after) / 1e6
    given_to_client = last_modified(_version(1, change), now=served)
    if given_to_client is None:
        return  # not sent while the change's second lasts
    assert given_to_client == math.floor(change / 1e6)
    later = _version(2, change + served_after + next_change_after)
    request = RequestFactory().get("/api/v1/frameworks", headers={"If-Modified-Since": http_date(given_to_client)})
    for asked_after in (0, 500_000, 5_000_000):
        now = (change + served_after + next_change_after + asked_after) / 1e6
        assert not not_modified(request, 'W/"x"', last_modified(later, now=now))


def test_no_last_modified_before_the_first_change():
    assert last_modified(DataVersion(0, EPOCH)) is None


# -------------------------------------------------------------------------------------------- the data version


def test_one_after_commit_callback_per_transaction(db, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            audit_record(actor=None, action="update", obj=organisation)
            audit_record(actor=None, action="update", obj=organisation)
            audit_record_many(actor=None, action="create", objects=[organisation, organisation])
    assert callbacks.count(data_changed) == 1


def test_a_rolled_back_savepoint_takes_its_callback_and_the_next_write_registers_again(
    db, django_capture_on_commit_callbacks
):
    organisation = OrganisationFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                audit_record(actor=None, action="update", obj=organisation)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        assert callbacks.count(data_changed) == 0
        audit_record(actor=None, action="update", obj=organisation)
    assert callbacks.count(data_changed) == 1


def test_writing_nothing_registers_nothing(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        audit_record_many(actor=None, action="create", objects=[])
    assert callbacks == []


def test_an_entry_committed_late_with_a_lower_id_changes_the_version(db):
    """On PostgreSQL ids are handed out at insert, so a transaction may commit an entry below the newest id."""
    organisation = OrganisationFactory()
    first = audit_record(actor=None, action="update", obj=organisation)

    def entry(pk: int) -> AuditEntry:
        return AuditEntry(
            id=pk, object_type="organisation", object_id=str(organisation.pk), object_repr="x", action="x"
        )

    AuditEntry.objects.bulk_create([entry(first.pk + 10)])
    before = version_from_audit_log()
    AuditEntry.objects.bulk_create([entry(first.pk + 5)])
    after = version_from_audit_log()
    assert after.counter != before.counter
    assert after.token != before.token


@committed
def test_a_fresh_process_takes_the_version_from_the_audit_log():
    _org()
    cache.clear()  # a new process: nothing cached
    version = data_version()
    assert version.changed_at == AuditEntry.objects.latest("at").at
    assert version == version_from_audit_log()
    assert cache.get(KEY) == version  # kept for the next requests


@committed
def test_commits_move_the_version_in_a_shared_cache(settings, tmp_path):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}
    }
    organisation = _org()
    first = data_version()
    assert cache.get(KEY) == first

    _rename(organisation, "ชื่อใหม่")
    second = data_version()
    assert second.counter == first.counter + 1
    assert second.changed_at >= first.changed_at

    cache.delete(KEY)  # Redis flushed or restarted
    reseeded = data_version()
    assert reseeded == version_from_audit_log()
    assert reseeded.token not in {first.token, second.token}


# -------------------------------------------------------------------------------------------- cheap counts


def test_list_pages_never_count(db):
    ministry = OrganisationFactory(code="mfa")
    for index in range(3):
        OrganisationFactory(code=f"div-{index}", parent=ministry)
        project = ProjectFactory(owner=ministry, status=S.ACCEPTED)
        ReportFactory(project=project, status=S.ACCEPTED)
    for url in ("/projects?limit=2", "/reports?limit=2", "/organisations?limit=2"):
        with CaptureQueriesContext(connection) as queries:
            first = _get(Client(), url).json()
            assert first["next"] is not None
            second = _get(Client(), f"{url}&cursor={first['next']}").json()
        assert second["results"]
        counting = [query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"].upper()]
        assert counting == [], url
