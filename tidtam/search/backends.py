"""The database's own full-text index, behind one function: `ranked(terms, candidates, limit)`.

- SQLite: the FTS5 table `search_fts` (external content over `search_searchentry`), every term quoted as a phrase and
  all of them required (FTS5's implicit AND), ranked with `bm25()` — title terms weigh `TITLE_WEIGHT` times the rest.
- PostgreSQL: the generated `search_vector` column (`simple` configuration, GIN index), matched with
  `to_tsquery('simple', …)` (every term required, or any), ranked with `ts_rank_cd` (title terms are weight A, the
  rest B).

Both read the terms `tidtam.textkit.segment` made; the database only matches and ranks them. Migration 0002 creates
the index for its own database. Scores are "higher is better" on both, but are not comparable between them.
"""

from django.db import connections
from django.db.models import QuerySet

TITLE_WEIGHT = 4.0


def _fts5_query(terms: list[str], *, match_all: bool) -> str:
    """`"term one" "term two"`: each term a quoted phrase (quotes doubled), all required (or any: `… OR …`)."""
    return (" " if match_all else " OR ").join('"' + term.replace('"', '""') + '"' for term in terms)


def _tsquery(terms: list[str], *, match_all: bool) -> str:
    """`'term one' & 'term two'` for `to_tsquery('simple', …)`: each term quoted (quotes doubled), `|` for any."""
    return (" & " if match_all else " | ").join("'" + term.replace("'", "''") + "'" for term in terms)


def ranked(
    terms: list[str], candidates: QuerySet, limit: int, *, match_all: bool = True
) -> list[tuple[int, float]]:
    """(entry id, score) of the best `limit` entries among `candidates` (a SearchEntry queryset: visibility and
    filters) that hold every term (any term with `match_all=False`), best first. One query."""
    if not terms:
        return []
    alias = candidates.db
    connection = connections[alias]
    inner_sql, inner_params = candidates.values("id").query.get_compiler(alias).as_sql()
    if connection.vendor == "sqlite":
        # The matches first (materialised), then each checked against the candidates by primary key. With the
        # condition next to MATCH, SQLite walks every candidate and runs the MATCH for each: seconds at 100k entries.
        visible_sql, visible_params = (
            candidates.extra(where=["search_searchentry.id = matched.id"])
            .values("id")
            .query.get_compiler(alias)
            .as_sql()
        )
        sql = (
            "WITH matched AS MATERIALIZED ("
            f"SELECT rowid AS id, -bm25(search_fts, {TITLE_WEIGHT}, 1.0) AS score FROM search_fts "
            "WHERE search_fts MATCH %s) "
            f"SELECT matched.id, matched.score FROM matched WHERE EXISTS ({visible_sql}) "
            "ORDER BY matched.score DESC, matched.id LIMIT %s"
        )
        params = [_fts5_query(terms, match_all=match_all), *visible_params, limit]
    elif connection.vendor == "postgresql":
        sql = (
            "SELECT e.id, ts_rank_cd(e.search_vector, query) AS score "
            "FROM search_searchentry e, to_tsquery('simple', %s) query "
            f"WHERE e.search_vector @@ query AND e.id IN ({inner_sql}) "
            "ORDER BY score DESC, e.id LIMIT %s"
        )
        params = [_tsquery(terms, match_all=match_all), *inner_params, limit]
    else:  # no full-text index on this database
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(pk), float(score)) for pk, score in cursor.fetchall()]
