"""The database side of search: what keeps each searchable table's index current on every write.

PostgreSQL: a stored `search_vector` column (title weighted A, the rest B or C, English
configuration), filled by a BEFORE INSERT OR UPDATE trigger in the writing transaction, under a GIN
index. SQLite (`make run`): an FTS5 table over the same columns ("external content": it stores the
index, not a second copy of the text), kept by triggers. Both are the databases' own engines.

Migrations call `postgres_install`; SQLite's tables and triggers are (re)made after every migrate
(`sqlite_ensure`, from forum.apps), because SQLite drops a table's triggers when Django's schema
editor rebuilds the table for a later migration, which would silently stop the index from
following writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

CONFIG = "english"


@dataclass(frozen=True)
class IndexedTable:
    table: str
    # (column, weight): A is the heaviest. The first A column is the title.
    columns: tuple[tuple[str, str], ...]

    @property
    def fts(self) -> str:
        return f"{self.table}_fts"

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]


# Kept here, not beside the models, so migrations that name them stay as they were written.
POST = IndexedTable("forum_post", (("title", "A"), ("body", "B")))
COMMENT = IndexedTable("forum_comment", (("body", "B"),))
CAMPAIGN = IndexedTable(
    "campaigns_campaign",
    (("title", "A"), ("summary", "B"), ("target", "B"), ("ask", "C"), ("body", "C")),
)

# bm25() column weights on SQLite, by PostgreSQL's weight letter (ts_rank's defaults are
# D 0.1, C 0.2, B 0.4, A 1.0: the same proportions).
SQLITE_WEIGHTS = {"A": 10.0, "B": 4.0, "C": 2.0, "D": 1.0}


def _vector_sql(spec: IndexedTable, row: str) -> str:
    parts = [
        f"setweight(to_tsvector('{CONFIG}', coalesce({row}.{name}, '')), '{weight}')"
        for name, weight in spec.columns
    ]
    return " || ".join(parts)


def postgres_install(schema_editor: Any, spec: IndexedTable) -> None:
    """The trigger, the backfill and the GIN index for one table (PostgreSQL only)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    changed = " OR ".join(f"NEW.{name} IS DISTINCT FROM OLD.{name}" for name in spec.column_names)
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {spec.table}_search_vector() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            -- Recomputed only when the text changes: a vote or a counter update costs nothing.
            IF TG_OP = 'INSERT' OR {changed} OR OLD.search_vector IS NULL THEN
                NEW.search_vector := {_vector_sql(spec, "NEW")};
            ELSE
                NEW.search_vector := OLD.search_vector;
            END IF;
            RETURN NEW;
        END
        $$;
        """
    )
    schema_editor.execute(
        f"CREATE TRIGGER {spec.table}_search_vector BEFORE INSERT OR UPDATE ON {spec.table} "
        f"FOR EACH ROW EXECUTE FUNCTION {spec.table}_search_vector()"
    )
    schema_editor.execute(
        f"UPDATE {spec.table} SET search_vector = {_vector_sql(spec, spec.table)}"
    )
    schema_editor.execute(
        f"CREATE INDEX {spec.table}_search ON {spec.table} USING GIN (search_vector)"
    )


def postgres_uninstall(schema_editor: Any, spec: IndexedTable) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {spec.table}_search")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {spec.table}_search_vector ON {spec.table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {spec.table}_search_vector()")


def _sqlite_triggers(spec: IndexedTable) -> dict[str, str]:
    cols = ", ".join(spec.column_names)
    new = ", ".join(f"new.{name}" for name in spec.column_names)
    old = ", ".join(f"old.{name}" for name in spec.column_names)
    insert = f"INSERT INTO {spec.fts}(rowid, {cols}) VALUES (new.id, {new});"
    delete = f"INSERT INTO {spec.fts}({spec.fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    return {
        f"{spec.fts}_ai": f"AFTER INSERT ON {spec.table} BEGIN {insert} END",
        f"{spec.fts}_ad": f"AFTER DELETE ON {spec.table} BEGIN {delete} END",
        f"{spec.fts}_au": f"AFTER UPDATE OF {cols} ON {spec.table} BEGIN {delete} {insert} END",
    }


def sqlite_ensure(connection: BaseDatabaseWrapper, spec: IndexedTable, *, create: bool) -> bool:
    """Make the FTS5 table and its triggers if any is missing, and then index every row again.
    With create False (after a migrate), only repair a table that exists. True when it rebuilt."""
    if connection.vendor != "sqlite":
        return False
    triggers = _sqlite_triggers(spec)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE name = %s OR (type = 'trigger' AND tbl_name = %s)",
            [spec.fts, spec.table],
        )
        present = {row[0] for row in cursor.fetchall()}
        if spec.table not in connection.introspection.table_names(cursor):
            return False  # migrated backwards, or not yet
        if {spec.fts, *triggers} <= present or (spec.fts not in present and not create):
            return False
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {spec.fts} USING fts5("
            f"{', '.join(spec.column_names)}, content='{spec.table}', content_rowid='id', "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )
        for name, body in triggers.items():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"CREATE TRIGGER {name} {body}")
        cursor.execute(f"INSERT INTO {spec.fts}({spec.fts}) VALUES ('rebuild')")
    return True


def sqlite_uninstall(connection: BaseDatabaseWrapper, spec: IndexedTable) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in _sqlite_triggers(spec):
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {spec.fts}")
