"""The optional read replica: which requests read from it, and how DATABASE_REPLICA_URL wires it in."""

import json
import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from tidtam.core.testing import UserFactory
from tidtam.opendata.replica import PublicReadMiddleware, ReplicaRouter, public_read, read_alias


def _seen_by_view(request) -> str:
    """The database a read inside the view would use."""
    seen = []

    def view(request):
        seen.append(read_alias())
        return HttpResponse()

    PublicReadMiddleware(view)(request)
    return seen[0]


def _request(method: str = "GET", user=None, **headers):
    request = RequestFactory().generic(method, "/api/v1/projects", headers=headers)
    request.user = user or AnonymousUser()
    return request


def test_anonymous_reads_go_to_the_replica():
    assert _seen_by_view(_request("GET")) == "replica"
    assert _seen_by_view(_request("HEAD")) == "replica"
    assert public_read.get() is False  # reset after the request
    assert read_alias() == "default"  # outside a request: commands, jobs


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_writes_read_the_primary(method):
    assert _seen_by_view(_request(method)) == "default"


def test_token_callers_read_the_primary():
    assert _seen_by_view(_request("GET", Authorization="Bearer abc")) == "default"


@pytest.mark.django_db
def test_signed_in_users_read_the_primary():
    assert _seen_by_view(_request("GET", user=UserFactory())) == "default"


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_stay_on_the_primary():
    token = public_read.set(True)
    try:
        assert read_alias() == "replica"
        with transaction.atomic():
            assert read_alias() == "default"
    finally:
        public_read.reset(token)


def test_router_writes_and_migrates_on_the_primary_only():
    router = ReplicaRouter()
    assert router.db_for_write(None) == "default"
    assert router.allow_migrate("default", "projects") is True
    assert router.allow_migrate("replica", "projects") is False
    assert router.allow_relation(object(), object()) is True


def test_replica_url_configures_the_alias_router_and_middleware(tmp_path):
    script = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps({'aliases': sorted(s.DATABASES), 'replica': s.DATABASES.get('replica', {}).get('NAME'), "
        "'mirror': s.DATABASES.get('replica', {}).get('TEST', {}).get('MIRROR'), "
        "'cursors': s.DATABASES.get('replica', {}).get('DISABLE_SERVER_SIDE_CURSORS'), "
        "'routers': getattr(s, 'DATABASE_ROUTERS', []), 'middleware': s.MIDDLEWARE}))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    base |= {"DJANGO_SETTINGS_MODULE": "tidtam.settings", "TIDTAM_VAR_DIR": str(tmp_path)}
    with_replica = {
        **base,
        "DATABASE_URL": "postgres://app@primary.internal:6432/tidtam",
        "DATABASE_REPLICA_URL": "postgres://app@replica.internal:6432/tidtam",
        "DISABLE_SERVER_SIDE_CURSORS": "1",
    }
    found = json.loads(subprocess.check_output([sys.executable, "-c", script], env=with_replica, timeout=60))
    assert found["aliases"] == ["default", "replica"]
    assert (found["replica"], found["mirror"], found["cursors"]) == ("tidtam", "default", True)
    assert found["routers"] == ["tidtam.opendata.replica.ReplicaRouter"]
    middleware = found["middleware"]
    auth = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    assert middleware[auth + 1] == "tidtam.opendata.replica.PublicReadMiddleware"

    without = json.loads(subprocess.check_output([sys.executable, "-c", script], env=base, timeout=60))
    assert without["aliases"] == ["default"] and without["routers"] == []
    assert "tidtam.opendata.replica.PublicReadMiddleware" not in without["middleware"]
