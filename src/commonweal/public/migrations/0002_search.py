"""The decisions register's full-text index, in the database's own search engine.

SQLite: an FTS5 table over `text` with the Porter stemmer, kept in step by triggers.
PostgreSQL: a stored tsvector column (English configuration) with a GIN index.
Both stem, so a search for "commissioning" finds "commissioned".
"""

from typing import Any

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE public_decision_search USING fts5("
    "text, content='public_registerdecision', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER public_decision_search_ai AFTER INSERT ON public_registerdecision BEGIN "
    "INSERT INTO public_decision_search(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER public_decision_search_ad AFTER DELETE ON public_registerdecision BEGIN "
    "INSERT INTO public_decision_search(public_decision_search, rowid, text) "
    "VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER public_decision_search_au AFTER UPDATE ON public_registerdecision BEGIN "
    "INSERT INTO public_decision_search(public_decision_search, rowid, text) "
    "VALUES ('delete', old.id, old.text); "
    "INSERT INTO public_decision_search(rowid, text) VALUES (new.id, new.text); END",
]
SQLITE_UNDO = [
    "DROP TRIGGER IF EXISTS public_decision_search_au",
    "DROP TRIGGER IF EXISTS public_decision_search_ad",
    "DROP TRIGGER IF EXISTS public_decision_search_ai",
    "DROP TABLE IF EXISTS public_decision_search",
]
POSTGRESQL = [
    "ALTER TABLE public_registerdecision ADD COLUMN search tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', text)) STORED",
    "CREATE INDEX public_registerdecision_search ON public_registerdecision USING gin (search)",
]
POSTGRESQL_UNDO = [
    "DROP INDEX IF EXISTS public_registerdecision_search",
    "ALTER TABLE public_registerdecision DROP COLUMN IF EXISTS search",
]


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("public", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_UNDO, "postgresql": POSTGRESQL_UNDO}),
        )
    ]
