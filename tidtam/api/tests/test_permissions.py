"""The permission harness: every endpoint × anonymous / reporter / reviewer, by session and by bearer token.

In this version all plan and organisation data (and their audit timelines) is public; only `/me` needs a sign-in.
"""

import pytest
from django.test import Client

from tidtam.api.tests.helpers import API, ISSUE3_GET_PATHS, bearer_client
from tidtam.core.testing import ProjectFactory, client_for
from tidtam.documents.tests.factories import make_document

pytestmark = pytest.mark.django_db

ANONYMOUS, REPORTER, REVIEWER = "anonymous", "reporter", "reviewer"

# (OpenAPI path, URL builder, expected status per caller)
ENDPOINTS = [
    ("/api/v1/frameworks", lambda p: "/frameworks", {ANONYMOUS: 200, REPORTER: 200, REVIEWER: 200}),
    ("/api/v1/frameworks/{code}", lambda p: "/frameworks/ns", {ANONYMOUS: 200, REPORTER: 200, REVIEWER: 200}),
    (
        "/api/v1/frameworks/{code}/nodes",
        lambda p: "/frameworks/ns/nodes",
        {ANONYMOUS: 200, REPORTER: 200, REVIEWER: 200},
    ),
    ("/api/v1/nodes/{id}", lambda p: f"/nodes/{p.nodes['01'].pk}", {ANONYMOUS: 200, REPORTER: 200, REVIEWER: 200}),
    (
        "/api/v1/indicators/{id}",
        lambda p: f"/indicators/{p.indicator.pk}",
        {ANONYMOUS: 200, REPORTER: 200, REVIEWER: 200},
    ),
    ("/api/v1/organisations", lambda p: "/organisations", {ANONYMOUS: 200, REPORTER: 200, REVIEWER: 200}),
    ("/api/v1/organisations/{code}", lambda p: "/organisations/mfa", {ANONYMOUS: 200, REPORTER: 200, REVIEWER: 200}),
    (
        "/api/v1/audit",
        lambda p: f"/audit?object=node:{p.nodes['01'].pk}",
        {ANONYMOUS: 200, REPORTER: 200, REVIEWER: 200},
    ),
    ("/api/v1/dashboard", lambda p: "/dashboard?framework=ns&fy=2568", {ANONYMOUS: 200, REPORTER: 200, REVIEWER: 200}),
    ("/api/v1/me", lambda p: "/me", {ANONYMOUS: 401, REPORTER: 200, REVIEWER: 200}),
    ("/api/v1/search", lambda p: "/search?q=ความมั่นคง", {ANONYMOUS: 200, REPORTER: 200, REVIEWER: 200}),
    (
        "/api/v1/projects/{id}/similar",
        lambda p: f"/projects/{ProjectFactory(owner=p.ministry, status='accepted').pk}/similar",
        {ANONYMOUS: 200, REPORTER: 200, REVIEWER: 200},
    ),
    ("/api/v1/documents", lambda p: "/documents", {ANONYMOUS: 200, REPORTER: 200, REVIEWER: 200}),
    # a pending document of an organisation the reporter is not in: reviewers only (tidtam/documents/tests covers
    # the other cases)
    (
        "/api/v1/documents/{id}",
        lambda p: f"/documents/{make_document(p.ministry).pk}",
        {ANONYMOUS: 404, REPORTER: 404, REVIEWER: 200},
    ),
]


def _clients(users) -> list[tuple[str, Client]]:
    return [
        (ANONYMOUS, Client()),
        (REPORTER, client_for(users["reporter"])),
        (REPORTER, bearer_client(users["reporter"])),
        (REVIEWER, client_for(users["reviewer"])),
        (REVIEWER, bearer_client(users["reviewer"])),
    ]


def test_harness_covers_every_get_endpoint(db):
    spec = Client().get(f"{API}/openapi.json").json()
    documented = {path for path, item in spec["paths"].items() if "get" in item}
    # Downloads are files, not JSON: test_anonymous_visibility covers them for every caller.
    documented = {path for path in documented if not path.startswith(f"{API}/exports/")}
    assert documented == {path for path, _, _ in ENDPOINTS} | ISSUE3_GET_PATHS


@pytest.mark.parametrize("path, url, expected", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_every_caller_gets_the_expected_status(plan, users, path, url, expected):
    for role, client in _clients(users):
        response = client.get(f"{API}{url(plan)}")
        assert response.status_code == expected[role], (role, response.content)
        assert response["Content-Type"].startswith("application/json")


def test_me_lists_memberships(users):
    body = bearer_client(users["reporter"]).get(f"{API}/me").json()
    assert body["username"] == "reporter"
    assert body["memberships"] == [
        {
            "organisation": "home-ministry",
            "organisation_name": users["reporter"].memberships.get().organisation.name_th,
            "role": "reporter",
        }
    ]
    assert set(body) == {"username", "name", "memberships"}
