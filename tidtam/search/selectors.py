"""Searching the index: what the user may find, filtered, ranked by the database's full-text index, with snippets.

Visibility is `project_list`'s: the same `restrict` over the same grants, on the entry's copy of the project's
workflow status and owner; plan nodes and organisations are public.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.safestring import SafeString

from tidtam.core.permissions import Action, restrict
from tidtam.organisations.selectors import organisation_get
from tidtam.search import backends
from tidtam.search.choices import PUBLIC_KINDS, EntryKind
from tidtam.search.models import SearchEntry
from tidtam.search.snippets import highlight, snippet

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_QUERY_CHARS = 200


@dataclass(frozen=True)
class SearchHit:
    """One result: the entry, its score (higher is better), the text around the match and the title with the
    matches marked (both HTML-escaped), and the object's page."""

    entry: SearchEntry
    score: float
    snippet: SafeString
    title_html: SafeString
    url: str

    @property
    def frameworks(self) -> list[str]:
        return self.entry.frameworks.split()


def visible_entries(*, user) -> QuerySet[SearchEntry]:
    """Entries the user may find: every plan node and organisation, and the projects `project_list(user=user)`
    shows (the same `restrict` call, on the entry's status and owner); documents follow the same rule (a confirmed
    document's entry is "accepted", a pending one's "draft")."""
    projects = restrict(
        user,
        Action.VIEW,
        SearchEntry.objects.filter(kind__in=(EntryKind.PROJECT, EntryKind.DOCUMENT)),
        organisation_field="organisation",
        status_field="status",
    )
    return SearchEntry.objects.filter(kind__in=PUBLIC_KINDS) | projects


def _url(entry: SearchEntry) -> str:
    if entry.kind == EntryKind.PROJECT:
        return reverse("projects:detail", args=[entry.object_id])
    if entry.kind == EntryKind.NODE:
        return reverse("plans:node", args=[entry.object_id])
    if entry.kind == EntryKind.DOCUMENT:
        return reverse("documents:detail", args=[entry.object_id])
    return reverse("organisations:detail", args=[entry.code])


def search_terms(q: str) -> list[str]:
    """The query's terms as the index holds them (lower-cased, no stop words, no repeats)."""
    from tidtam.textkit.segment import query_terms

    return list(dict.fromkeys(term.lower() for term in query_terms(q[:MAX_QUERY_CHARS]) if term.strip()))


def term_groups(terms: list[str]) -> list[tuple[str, ...]]:
    """Each term with the phrase of the words it is made of, when it has one ("ค้ามนุษย์", "ค้า มนุษย์"): a
    search matches either."""
    from tidtam.textkit.segment import split_phrase

    return [(term, *filter(None, [split_phrase(term)])) for term in terms]


def search(
    *,
    user,
    q: str,
    kind: str | None = None,
    framework: str | None = None,
    organisation: str | None = None,
    fiscal_year: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[SearchHit]:
    """The best `limit` entries the user may find that hold every term of `q`, best first.

    `kind` keeps one kind; `framework` (a code) nodes of that framework and projects linked to it; `organisation` (a
    code; `organisation_not_found` when unknown) projects of that organisation's subtree and the organisations in it;
    `fiscal_year` (BE) projects active that year. A query with no terms (only stop words or punctuation) finds
    nothing. Two queries (three for a signed-in user whose memberships are not loaded yet).
    """
    terms = search_terms(q)
    if not terms:
        return []
    candidates = visible_entries(user=user)
    if kind:
        candidates = candidates.filter(kind=kind)
    if framework:
        candidates = candidates.filter(frameworks__contains=f" {framework} ")
    if organisation:
        found = organisation_get(user=user, code=organisation)
        candidates = candidates.filter(organisation__path__startswith=found.path)
    if fiscal_year is not None:
        candidates = candidates.filter(fiscal_year_start__lte=fiscal_year, fiscal_year_end__gte=fiscal_year)
    ranked = backends.ranked(term_groups(terms), candidates, max(1, min(limit, MAX_LIMIT)))
    entries = SearchEntry.objects.in_bulk([pk for pk, _ in ranked])
    return [
        SearchHit(
            entry=entries[pk],
            score=score,
            snippet=snippet(entries[pk].text, terms),
            title_html=highlight(entries[pk].title_th, terms),
            url=_url(entries[pk]),
        )
        for pk, score in ranked
        if pk in entries
    ]
