"""The database's own full-text index, behind one function: `ranked(groups, candidates, limit)`.

A query is a list of term groups: each group is one query term with its alternatives (a phrase of the words it is
made of, `selectors.term_groups`), and an entry matches a group when it holds any of them. Every group is required
(`match_all`), or any of them.

- SQLite: the FTS5 table `search_fts` (external content over `search_searchentry`), each alternative a quoted phrase,
  ranked with `bm25()` — title terms weigh `TITLE_WEIGHT` times the rest. FTS5 ranks its matches in C from its own
  index; the best `window` are then checked against the candidates (visibility and filters) by primary key, in the
  same query, the window growing while too few pass. When the candidates are few (`NARROW`: the plan nodes, the
  organisations, one organisation's projects), FTS5 checks the query for each candidate instead — for "every term"
  queries only: checking a long "any term" query (duplicate detection) for each of thousands of candidates is slow.
- PostgreSQL: `to_tsquery('simple', …)` against two generated `tsvector` columns with GIN indexes (migrations 0002,
  0003): the title matches first, ranked by `ts_rank_cd` over the short title vector, then — only when they are fewer
  than `limit` — the entries that hold the terms in their text alone, ranked over the whole vector. Ranking reads
  the vector of every match, so reading only the titles' keeps a common word fast.

Both read the terms `tidtam.textkit.segment` made; the database only matches and ranks them. Scores are "higher is
better" on both, but are not comparable between them.
"""

from collections.abc import Sequence

from django.db import connections
from django.db.models import QuerySet

TITLE_WEIGHT = 4.0
# SQLite: the first window of FTS5's best matches is this many times `limit`; it grows `WINDOW_GROWTH` times while
# too few of its entries are candidates, up to `MAX_WINDOW`, after which every match is checked.
WINDOW_FACTOR = 4
WINDOW_GROWTH = 8
MAX_WINDOW = 4000
# SQLite: at most this many candidates make a narrow filter, each checked against the query by FTS5.
NARROW = 3000

Groups = Sequence[str | Sequence[str]]


def _groups(groups: Groups) -> list[tuple[str, ...]]:
    return [(group,) if isinstance(group, str) else tuple(group) for group in groups if group]


def _fts5_query(groups: list[tuple[str, ...]], *, match_all: bool) -> str:
    """`("a" OR "b c") AND "d"`: each alternative a quoted phrase (quotes doubled)."""

    def phrase(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    return (" AND " if match_all else " OR ").join(
        "(" + " OR ".join(phrase(text) for text in group) + ")" for group in groups
    )


def _tsquery(groups: list[tuple[str, ...]], *, match_all: bool) -> str:
    """`('a' | 'b' <-> 'c') & 'd'` for `to_tsquery('simple', …)`: each word quoted (quotes and backslashes
    escaped), the words of a phrase next to each other."""

    def word(text: str) -> str:
        return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"

    return (" & " if match_all else " | ").join(
        "(" + " | ".join(" <-> ".join(word(w) for w in text.split()) for text in group) + ")" for group in groups
    )


def ranked(groups: Groups, candidates: QuerySet, limit: int, *, match_all: bool = True) -> list[tuple[int, float]]:
    """(entry id, score) of the best `limit` entries among `candidates` (a SearchEntry queryset: visibility and
    filters) that match every group of terms (any group with `match_all=False`), best first. A group is a term, or a
    sequence of alternatives (a phrase is words separated by spaces)."""
    groups = _groups(groups)
    if not groups:
        return []
    vendor = connections[candidates.db].vendor
    if vendor == "sqlite":
        return _sqlite(_fts5_query(groups, match_all=match_all), candidates, limit, narrow=match_all)
    if vendor == "postgresql":
        return _postgresql(_tsquery(groups, match_all=match_all), candidates, limit)
    return []  # no full-text index on this database


def _sqlite(match: str, candidates: QuerySet, limit: int, *, narrow: bool) -> list[tuple[int, float]]:
    connection = connections[candidates.db]
    # Each candidate checked by primary key next to the matches (a `… AND id IN (<matches>)` would let SQLite's
    # planner scan the whole table). The row with id 0 says how many matches the window held.
    visible_sql, visible_params = (
        candidates.extra(where=["search_searchentry.id = matched.id"])
        .values("id")
        .query.get_compiler(candidates.db)
        .as_sql()
    )
    with connection.cursor() as cursor:
        if narrow and candidates.order_by()[: NARROW + 1].count() <= NARROW:
            # A narrow filter (plan nodes, organisations, one organisation's projects): FTS5 checks each candidate.
            inner_sql, inner_params = candidates.values("id").query.get_compiler(candidates.db).as_sql()
            cursor.execute(
                f"SELECT rowid, -bm25(search_fts, {TITLE_WEIGHT}, 1.0) AS score FROM search_fts "
                f"WHERE search_fts MATCH %s AND rowid IN ({inner_sql}) ORDER BY score DESC, rowid LIMIT %s",
                [match, *inner_params, limit],
            )
            return [(int(pk), float(score)) for pk, score in cursor.fetchall()]
        window = limit * WINDOW_FACTOR
        while True:
            every = window > MAX_WINDOW  # then every match
            cursor.execute(
                "WITH matched AS MATERIALIZED ("
                f"SELECT rowid AS id, -bm25(search_fts, {TITLE_WEIGHT}, 1.0) AS score FROM search_fts "
                f"WHERE search_fts MATCH %s ORDER BY score DESC, rowid {'' if every else 'LIMIT %s'}) "
                "SELECT 0, count(*) FROM matched UNION ALL SELECT * FROM ("
                f"SELECT matched.id, matched.score FROM matched WHERE EXISTS ({visible_sql}) "
                "ORDER BY matched.score DESC, matched.id LIMIT %s)",
                [match, *([] if every else [window]), *visible_params, limit],
            )
            rows = cursor.fetchall()
            matches = next(count for pk, count in rows if pk == 0)
            hits = sorted(((int(pk), float(score)) for pk, score in rows if pk != 0), key=lambda hit: (-hit[1], hit[0]))
            if every or len(hits) == limit or matches < window:
                return hits
            window *= WINDOW_GROWTH


def _postgresql(tsquery: str, candidates: QuerySet, limit: int) -> list[tuple[int, float]]:
    query = "to_tsquery('simple', %s)"
    # Title matches score 1 + their title rank; text-only matches rank / (1 + rank) < 1: titles always come first.
    titles = list(
        candidates.extra(
            select={"score": f"1 + ts_rank_cd(title_vector, {query})"},
            select_params=[tsquery],
            where=[f"title_vector @@ {query}"],
            params=[tsquery],
        )
        .order_by("-score", "id")
        .values_list("id", "score")[:limit]
    )
    if len(titles) == limit:
        return [(int(pk), float(score)) for pk, score in titles]
    texts = list(
        candidates.extra(
            select={"score": f"ts_rank_cd(search_vector, {query}) / (1 + ts_rank_cd(search_vector, {query}))"},
            select_params=[tsquery, tsquery],
            where=[f"search_vector @@ {query}", f"NOT title_vector @@ {query}"],
            params=[tsquery, tsquery],
        )
        .order_by("-score", "id")
        .values_list("id", "score")[: limit - len(titles)]
    )
    return [(int(pk), float(score)) for pk, score in titles + texts]
