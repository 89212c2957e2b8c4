"""The database's own full-text index over `SearchEntry.title_terms` and `terms`, each database its own way.

SQLite: an FTS5 table with external content (`search_fts`, rowid = the entry's id), kept in step by triggers; terms
are tokenised by unicode61 without removing diacritics (Thai vowel and tone marks are part of a word).
PostgreSQL: a generated `tsvector` column (`simple` configuration; title terms weighted A, the rest B) with a GIN
index. Other databases get neither, and search finds nothing there.

Beware on SQLite: a later migration that rebuilds `search_searchentry` (Django's SQLite table remake) drops the
triggers; it must run this migration's SQL again and then `tidtam search reindex`.
"""

from django.db import migrations

SQLITE = [
    (
        "CREATE VIRTUAL TABLE search_fts USING fts5(title_terms, terms, content='search_searchentry', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
    ),
    (
        "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_searchentry BEGIN "
        "INSERT INTO search_fts(rowid, title_terms, terms) VALUES (new.id, new.title_terms, new.terms); END"
    ),
    (
        "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_searchentry BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, title_terms, terms) "
        "VALUES ('delete', old.id, old.title_terms, old.terms); END"
    ),
    (
        "CREATE TRIGGER search_fts_update AFTER UPDATE ON search_searchentry BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, title_terms, terms) "
        "VALUES ('delete', old.id, old.title_terms, old.terms); "
        "INSERT INTO search_fts(rowid, title_terms, terms) VALUES (new.id, new.title_terms, new.terms); END"
    ),
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS search_fts_update",
    "DROP TRIGGER IF EXISTS search_fts_delete",
    "DROP TRIGGER IF EXISTS search_fts_insert",
    "DROP TABLE IF EXISTS search_fts",
]
POSTGRESQL = [
    (
        "ALTER TABLE search_searchentry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('simple'::regconfig, title_terms), 'A') || "
        "setweight(to_tsvector('simple'::regconfig, terms), 'B')) STORED"
    ),
    "CREATE INDEX search_searchentry_vector ON search_searchentry USING gin (search_vector)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS search_searchentry_vector",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS search_vector",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        ),
    ]
