"""Writing the search index: entries built from projects, plan nodes and organisations, kept current after every
committed audited write, and rebuilt in full by `tidtam search reindex`.

Terms come from `tidtam.textkit.segment.index_terms` (Thai word segmentation with the sub-words of compounds, so
"ความมั่นคง" finds "ความมั่นคงทางไซเบอร์"); they are stored space-separated and lower-cased, and the database's own
full-text index reads them (docs/search.md).
"""

import time
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db import models, transaction

from tidtam.documents.models import Document
from tidtam.documents.search import document_entries
from tidtam.organisations.models import Organisation
from tidtam.plans.models import Framework, FrameworkVersion, Indicator, Node
from tidtam.projects.models import Activity, Contribution, Project, ProjectKpi, ProjectPart
from tidtam.search.choices import EntryKind
from tidtam.search.models import SearchEntry

BATCH_SIZE = 500


def terms_of(text: str) -> str:
    """The index terms of a text, lower-cased and space-separated (duplicates kept: frequency counts in ranking)."""
    from tidtam.textkit.segment import index_terms  # imported late: textkit loads its dictionary on first use

    if not text.strip():
        return ""
    return " ".join(term for term in ("".join(t.lower().split()) for t in index_terms(text)) if term)


def _join(*parts: str) -> str:
    return "\n".join(part.strip() for part in parts if part and part.strip())


def _entry(
    *, kind: str, obj: models.Model, code: str, title_th: str, title_en: str, text: str, **fields
) -> SearchEntry:
    return SearchEntry(
        kind=kind,
        object_id=obj.pk,
        code=code,
        title_th=title_th[:500],
        title_en=title_en[:500],
        text=text,
        title_terms=terms_of(_join(code, title_th, title_en)),
        terms=terms_of(text),
        **fields,
    )


def _by_owner(rows: Iterable[tuple[int, str]]) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = defaultdict(list)
    for owner_id, value in rows:
        if value:
            grouped[owner_id].append(value)
    return grouped


def project_entries(ids: Iterable[int]) -> list[SearchEntry]:
    """Entries of these projects (missing ids are skipped): name, code, the narrative fields, KPI and activity names;
    filters from the fiscal years, the owner and the frameworks of the linked nodes. Four queries for any number."""
    ids = list(ids)
    kpis = _by_owner(
        ProjectKpi.objects.filter(project_id__in=ids).order_by("sort_order", "pk").values_list("project_id", "name")
    )
    activities = _by_owner(
        Activity.objects.filter(project_id__in=ids).order_by("sort_order", "pk").values_list("project_id", "name")
    )
    frameworks = _by_owner(
        Contribution.objects.filter(project_id__in=ids)
        .values_list("project_id", "node__framework_version__framework__code")
        .distinct()
    )
    entries = []
    for project in Project.objects.filter(pk__in=ids).order_by("pk"):
        text = _join(
            project.rationale,
            project.objectives,
            project.output_target,
            project.outcome_target,
            *kpis.get(project.pk, ()),
            *activities.get(project.pk, ()),
        )
        entries.append(
            _entry(
                kind=EntryKind.PROJECT,
                obj=project,
                code=project.code,
                title_th=project.name_th,
                title_en=project.name_en,
                text=text,
                fiscal_year_start=project.fiscal_year_start,
                fiscal_year_end=project.fiscal_year_end,
                organisation_id=project.owner_id,
                frameworks=_codes(frameworks.get(project.pk, ())),
                status=project.status,
            )
        )
    return entries


def _codes(codes: Iterable[str]) -> str:
    codes = sorted(set(codes))
    return f" {' '.join(codes)} " if codes else ""


def node_entries(ids: Iterable[int]) -> list[SearchEntry]:
    """Entries of these plan nodes: code, titles, description and the names of their indicators. Two queries."""
    ids = list(ids)
    indicators: dict[int, list[str]] = defaultdict(list)
    for node_id, name_th, name_en in (
        Indicator.objects.filter(node_id__in=ids)
        .order_by("sort_order", "pk")
        .values_list("node_id", "name_th", "name_en")
    ):
        indicators[node_id].append(_join(name_th, name_en))
    nodes = Node.objects.filter(pk__in=ids).select_related("framework_version__framework").order_by("pk")
    return [
        _entry(
            kind=EntryKind.NODE,
            obj=node,
            code=node.code,
            title_th=node.title_th,
            title_en=node.title_en,
            text=_join(node.description, *indicators.get(node.pk, ())),
            frameworks=_codes([node.framework_version.framework.code]),
        )
        for node in nodes
    ]


def organisation_entries(ids: Iterable[int]) -> list[SearchEntry]:
    """Entries of these organisations (active ones only): names, abbreviations and code. One query."""
    organisations = Organisation.objects.filter(pk__in=list(ids), is_active=True).order_by("pk")
    return [
        _entry(
            kind=EntryKind.ORGANISATION,
            obj=organisation,
            code=organisation.code,
            title_th=organisation.name_th,
            title_en=organisation.name_en,
            text=_join(organisation.abbreviation_th, organisation.abbreviation_en),
            organisation_id=organisation.pk,
        )
        for organisation in organisations
    ]


BUILDERS = {
    EntryKind.PROJECT: (Project, project_entries),
    EntryKind.NODE: (Node, node_entries),
    EntryKind.ORGANISATION: (Organisation, organisation_entries),
    EntryKind.DOCUMENT: (Document, document_entries),
}


def _batches(ids: Iterable[int], size: int) -> Iterator[list[int]]:
    batch: list[int] = []
    for pk in ids:
        batch.append(pk)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@transaction.atomic
def reindex(kind: str, ids: Iterable[int]) -> int:
    """Replace the entries of these objects of `kind` with fresh ones (an object gone or hidden loses its entry).
    Returns the number of entries written."""
    written = 0
    _, build = BUILDERS[EntryKind(kind)]
    for batch in _batches(sorted(set(ids)), BATCH_SIZE):
        SearchEntry.objects.filter(kind=kind, object_id__in=batch).delete()
        written += len(SearchEntry.objects.bulk_create(build(batch)))
    return written


def remove_orphans() -> int:
    """Drop the entries of plan nodes deleted without an audit entry of their own (children of a deleted node, the
    nodes of a deleted framework version)."""
    deleted, _ = (
        SearchEntry.objects.filter(kind=EntryKind.NODE).exclude(object_id__in=Node.objects.values("pk")).delete()
    )
    return deleted


@transaction.atomic
def rebuild(*, batch_size: int = BATCH_SIZE, stdout=None) -> dict[str, int]:
    """Rebuild the whole index in one transaction, in batches; progress lines go to `stdout` when given."""
    SearchEntry.objects.all().delete()
    counts = {}
    for kind, (model, build) in BUILDERS.items():
        started, written = time.perf_counter(), 0
        for batch in _batches(model.objects.order_by("pk").values_list("pk", flat=True).iterator(), batch_size):
            written += len(SearchEntry.objects.bulk_create(build(batch)))
            if stdout is not None:
                stdout.write(f"{kind}: {written}\r")
        counts[str(kind)] = written
        if stdout is not None:
            stdout.write(f"{kind}: {written} ({time.perf_counter() - started:.1f} s)\n")
    return counts


def tidy() -> None:
    """After a rebuild has committed: SQLite merges the FTS5 index's segments into one, PostgreSQL reclaims the old
    rows and merges the GIN indexes' pending entries (VACUUM, outside any transaction); both refresh the table's
    statistics (their planners misjudge a table that grew from a few hundred rows to 100k otherwise)."""
    connection = transaction.get_connection()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE search_searchentry")
        elif connection.vendor == "postgresql":
            # VACUUM cannot run inside a transaction (a test's); ANALYZE alone then
            cursor.execute(("" if connection.in_atomic_block else "VACUUM ") + "ANALYZE search_searchentry")


# ------------------------------------------------------------------------------------- kept current after each write


class PendingReindex:
    """The objects touched by the audited writes of one transaction, reindexed once it commits. One per transaction:
    it lives in Django's on-commit list, so a rollback drops it with the writes it noted."""

    def __init__(self):
        self.targets: dict[str, set[int]] = defaultdict(set)
        self.orphans = False
        self.done = False
        self.__qualname__ = "PendingReindex"  # Django names a failing robust callback by it

    def __call__(self) -> None:
        self.done = True  # a later write (in a test that ran the callbacks without committing) starts a new one
        for kind, ids in self.targets.items():
            reindex(kind, ids)
        if self.orphans:
            remove_orphans()


def _target(action: str, obj: models.Model) -> tuple[str, int | None, bool]:
    """(kind, id, whether plan nodes may have vanished unaudited) for an audited object; kind "" when search does not
    care about it."""
    if isinstance(obj, Project):
        return EntryKind.PROJECT, obj.pk, False
    if isinstance(obj, Node):
        return EntryKind.NODE, obj.pk, action == "delete"
    if isinstance(obj, Organisation):
        return EntryKind.ORGANISATION, obj.pk, False
    if isinstance(obj, Indicator):
        return EntryKind.NODE, obj.node_id, False
    if isinstance(obj, Document):
        return EntryKind.DOCUMENT, obj.pk, False
    if isinstance(obj, ProjectPart) and getattr(obj, "project_id", None):
        return EntryKind.PROJECT, obj.project_id, False
    if isinstance(obj, Framework | FrameworkVersion):
        return "", None, action == "delete"
    return "", None, False


def note_audited_write(action: str, obj: models.Model) -> None:
    """`core.audit` listener: remember what the write touched and reindex it after COMMIT (at once outside a
    transaction).

    The callback is registered at the transaction's first audited write, even one search does not care about: the
    audit log registers the data version's bump right after calling us, and callbacks run in order, so the index is
    current before the version moves — anonymous API answers are cached per version (`tidtam.api.http_cache`)."""
    kind, pk, orphans = _target(action, obj)
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        pending = next(
            (cb for _, cb, _ in connection.run_on_commit if isinstance(cb, PendingReindex) and not cb.done), None
        )
        if pending is None:
            pending = PendingReindex()
            transaction.on_commit(pending, robust=True)
    elif kind or orphans:
        pending = PendingReindex()
    else:
        return
    if kind and pk is not None:
        pending.targets[kind].add(pk)
    pending.orphans |= orphans
    if not connection.in_atomic_block:
        pending()
