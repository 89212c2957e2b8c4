"""The data version: a counter and the time of the last committed change to the data, kept in the cache.

Every audited write (`core.audit.audit_record` / `audit_record_many`) asks for `data_changed` to run after its
transaction commits, once per transaction. The open-data HTTP layer (`tidtam.api.http_cache`) builds its ETags,
`Last-Modified` headers and response-cache keys from the version, so one cache read tells whether anything public may
have changed, without looking at the data.

Where the version lives:

- **Shared cache** (Redis, when `REDIS_URL` is set): one key, bumped after each commit and kept without expiry. When
  the key is missing (a flushed or restarted Redis) it is seeded from the audit log (below).
- **Per-process cache** (locmem, the default): another process's commits cannot bump this process's copy, so the copy
  is trusted for `LOCAL_TTL` seconds and then read again from the audit log; a commit in this process drops it at
  once.
- **Inside a transaction** the cached version counts committed changes only, while the connection already sees its own
  uncommitted writes; the version is then read from the audit log as this connection sees it (tests run this way).

Read from the audit log, the counter is built from the newest entry's id and the number of entries among the last
`RECENT_WINDOW` ids, so an entry committed late with a lower id (two overlapping transactions on PostgreSQL) still
changes it; the time is the newest entry's. Two indexed queries on the primary key, whatever the size of the log.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

KEY = "tidtam:data-version"
LOCAL_TTL = 1.0  # seconds a per-process cache trusts its copy before reading the audit log again
RECENT_WINDOW = 1000  # audit ids below the newest that are re-counted to notice late commits
_LOCAL_BACKENDS = ("django.core.cache.backends.locmem.", "django.core.cache.backends.dummy.")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class DataVersion:
    """What the data looks like, in two numbers: `counter` moves on with every committed change, `changed_at` is when
    the last one happened (the epoch when nothing has been written yet)."""

    counter: int
    changed_at: datetime

    @property
    def token(self) -> str:
        """A text that differs for every version (the time makes a counter re-seeded after a cache flush unique)."""
        return f"{self.counter}.{self.changed_at.timestamp():.6f}"


def _shared_cache() -> bool:
    from django.conf import settings

    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.startswith(_LOCAL_BACKENDS)


def version_from_audit_log() -> DataVersion:
    """The version as the audit log shows it to this connection (see the module's docstring)."""
    from tidtam.core.models import AuditEntry

    newest = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    if newest is None:
        return DataVersion(0, EPOCH)
    recent = AuditEntry.objects.filter(id__gt=newest - RECENT_WINDOW).aggregate(count=Count("id"), at=Max("at"))
    # Injective in (newest id, recent count): the count is at most RECENT_WINDOW.
    return DataVersion(newest * (RECENT_WINDOW + 1) + recent["count"], recent["at"] or EPOCH)


def data_version() -> DataVersion:
    """The current data version (one cache read in the common case)."""
    if transaction.get_connection().in_atomic_block:
        return version_from_audit_log()
    found = cache.get(KEY)
    if found is not None:
        return found
    found = version_from_audit_log()
    if _shared_cache():
        if not cache.add(KEY, found, None):  # another process seeded or bumped it meanwhile: theirs wins
            found = cache.get(KEY) or found
    else:
        cache.set(KEY, found, LOCAL_TTL)
    return found


def data_changed() -> None:
    """Record that committed data changed: the version moves on. Called after COMMIT (see `data_changed_on_commit`).
    A command that writes without the audit log may call it too, but with a per-process cache it reaches only its own
    process: such a command should rather write one audit entry for its bulk write, which every process sees."""
    if not _shared_cache():
        cache.delete(KEY)  # the next read takes the version from the audit log, which has the new entries
        return
    # Read-modify-write: two concurrent bumps may both write counter + 1, but each writes a fresh time, and each runs
    # after its own commit, so every version written is newer than every commit that preceded it.
    current = cache.get(KEY) or version_from_audit_log()
    cache.set(KEY, DataVersion(current.counter + 1, max(timezone.now(), current.changed_at)), None)


def data_changed_on_commit() -> None:
    """Bump the data version once the current transaction commits (at once outside a transaction). However many
    audited writes a transaction makes, it registers one callback; a savepoint rolled back takes its callback with it,
    and the next write registers it again."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(callback is data_changed for _, callback, _ in connection.run_on_commit):
        return
    transaction.on_commit(data_changed, robust=True)
