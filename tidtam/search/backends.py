"""The database's own full-text index, behind one function: `ranked(terms, candidates, limit)`.

- SQLite: the FTS5 table `search_fts` (external content over `search_searchentry`), every term quoted as a phrase and
  all of them required (FTS5's implicit AND), ranked with `bm25()` — title terms weigh `TITLE_WEIGHT` times the rest.
- PostgreSQL: the generated `search_vector` column (`simple` configuration, GIN index), matched with
  `plainto_tsquery('simple', …)` (every term required), ranked with `ts_rank_cd` (title terms are weight A, the rest B).

Both read the terms `tidtam.textkit.segment` made; the database only matches and ranks them. Migration 0002 creates
the index for its own database. Scores are "higher is better" on both, but are not comparable between them.
"""

from django.db import connections
from django.db.models import QuerySet

TITLE_WEIGHT = 4.0


def _fts5_query(terms: list[str]) -> str:
    """`"term one" "term two"`: each term a quoted phrase (quotes doubled), all required."""
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


def ranked(terms: list[str], candidates: QuerySet, limit: int) -> list[tuple[int, float]]:
    """(entry id, score) of the best `limit` entries among `candidates` (a SearchEntry queryset: visibility and
    filters) that hold every term, best first. One query."""
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
        params = [_fts5_query(terms), *visible_params, limit]
    elif connection.vendor == "postgresql":
        sql = (
            "SELECT e.id, ts_rank_cd(e.search_vector, query) AS score "
            "FROM search_searchentry e, plainto_tsquery('simple', %s) query "
            f"WHERE e.search_vector @@ query AND e.id IN ({inner_sql}) "
            "ORDER BY score DESC, e.id LIMIT %s"
        )
        params = [" ".join(terms), *inner_params, limit]
    else:  # no full-text index on this database
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(pk), float(score)) for pk, score in cursor.fetchall()]
