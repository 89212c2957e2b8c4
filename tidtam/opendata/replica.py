"""Public reads from a PostgreSQL read replica (optional: only when DATABASE_REPLICA_URL is set; docs/deploy.md).

The anonymous public reads what has been accepted, and may see it a moment late; everyone else must read their own
writes at once (a reporter saves a draft and the next page shows it). So the choice is made per request, not per
model: `PublicReadMiddleware` marks a request as a public read when it is a safe method (GET, HEAD, OPTIONS) from an
anonymous visitor without an `Authorization` header, and `ReplicaRouter` sends that request's reads to the `replica`
database. Writes always go to `default`, and so do the reads of a request that is not marked, of code outside a
request (commands, jobs) and of anything inside a transaction on `default` (it must see its own writes and locks).
"""

from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

public_read: ContextVar[bool] = ContextVar("tidtam_public_read", default=False)


def read_alias() -> str:
    """Where a read goes now: the replica during a public read outside a transaction on the primary, else default."""
    if public_read.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return REPLICA
    return DEFAULT_DB_ALIAS


def is_public_read(request) -> bool:
    """A safe request from an anonymous visitor (no session user, no bearer token)."""
    return (
        request.method in SAFE_METHODS and "Authorization" not in request.headers and not request.user.is_authenticated
    )


class PublicReadMiddleware:
    """Marks public reads for `ReplicaRouter`; placed after AuthenticationMiddleware (it looks at the user)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = public_read.set(is_public_read(request))
        try:
            return self.get_response(request)
        finally:
            public_read.reset(token)


class ReplicaRouter:
    """Reads of public requests → `replica`; every write and every other read → `default`; migrations on `default`
    only (the replica follows the primary by replication)."""

    def db_for_read(self, model, **hints) -> str:
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
