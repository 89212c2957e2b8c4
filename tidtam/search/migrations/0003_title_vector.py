"""PostgreSQL: the title terms alone in their own generated `tsvector` column with a GIN index, so a search can find
and rank the title matches first without reading every matching entry's whole text (`search.backends`); and rows
kept narrow (`toast_tuple_target`: the text, the terms and the full vector are stored out of line), so reading the
thousands of entries whose titles hold a common word reads few pages. SQLite needs nothing: its FTS5 table already
keeps `title_terms` as a column of its own."""

from django.db import migrations

POSTGRESQL = [
    (
        "ALTER TABLE search_searchentry ADD COLUMN title_vector tsvector GENERATED ALWAYS AS ("
        "to_tsvector('simple'::regconfig, title_terms)) STORED"
    ),
    "CREATE INDEX search_searchentry_title_vector ON search_searchentry USING gin (title_vector)",
    "ALTER TABLE search_searchentry SET (toast_tuple_target = 256)",
]
POSTGRESQL_REVERSE = [
    "ALTER TABLE search_searchentry RESET (toast_tuple_target)",
    "DROP INDEX IF EXISTS search_searchentry_title_vector",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS title_vector",
]


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_full_text_index")]

    operations = [migrations.RunPython(_run(POSTGRESQL), _run(POSTGRESQL_REVERSE))]
