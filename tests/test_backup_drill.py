"""The backup drill (PostgreSQL): dump the test database after a realistic run with the real
`pg_dump --format=custom`, restore it with `pg_restore` into a new database, and prove the copy is
the same: every table's row count, the comment-tree sequence, and `check_trees` on the restored
copy. The commands are the ones docs/operations.md gives."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections

from campaigns.models import Support
from forum import services
from forum.models import Comment, CommentVote, Post
from tests.conftest import make_member, on_postgres
from tests.forum.factories import comment, post

pytestmark = [
    pytest.mark.skipif(
        not on_postgres,
        reason="the backup drill runs pg_dump and pg_restore against PostgreSQL; "
        "set DATABASE_URL=postgres://... to run it",
    ),
    pytest.mark.postgres,
    # Real commits, so pg_dump (another connection) sees the rows; start from the migrations'
    # rows (sections, groups) even if an earlier transactional test flushed them.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The project's apps, and allauth's email addresses: each must have rows in the dump.
APPS = ["accounts", "forum", "campaigns", "conversations", "account"]
RESTORED = "backup_drill_restored"


def libpq_env(settings_dict: dict) -> dict[str, str]:
    """The libpq environment for a Django database's settings (what docs/operations.md sets)."""
    env = {**os.environ}
    for key, var in [("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")]:
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return env


def run(*command: str, env: dict[str, str]) -> None:
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=120)


def table_counts(alias: str) -> dict[str, int]:
    """Row counts of every table in the public schema."""
    db = connections[alias]
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [name for (name,) in cursor.fetchall()]
        found = {}
        for table in tables:
            # A table name from the catalogue, quoted: no outside input reaches the query.
            cursor.execute(f"SELECT count(*) FROM {db.ops.quote_name(table)}")  # noqa: S608
            found[table] = cursor.fetchone()[0]
    return found


def app_tables() -> set[str]:
    return {
        model._meta.db_table
        for label in APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def sequence_value(alias: str) -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT last_value FROM forum_comment_tree_id_seq")
        return cursor.fetchone()[0]


def realistic_run(settings) -> None:
    """The demo community (members, sections, posts, threads up to 2,000 comments deep, votes,
    recommendations, reports, moderation, campaigns with supporters, a conversation), then some
    ordinary use through the services on top of it."""
    settings.DEBUG = True
    call_command("demo_data", stdout=StringIO())
    writer, voter = make_member("drill-writer"), make_member("drill-voter")
    thread = post(writer, title="Backup drill thread")
    root = comment(thread, writer)
    parent = root
    for _ in range(5):
        parent = comment(thread, voter, parent=parent)
    reply = comment(thread, writer, parent=root)
    services.comment_vote(comment=reply, actor=voter, value=1)
    services.comment_delete(comment=comment(thread, writer, parent=reply), actor=writer)


@pytest.fixture
def restored_alias():
    """A Django alias for the database the drill restores into, dropped afterwards."""
    source = connection.settings_dict
    name = f"{source['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    # Outside any transaction (a transactional test runs in autocommit), as CREATE DATABASE must.
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
    # A connection of the default's kind to the new database, made here rather than through
    # settings.DATABASES: Django's test case allows such dynamically created connections.
    restored = type(connections[DEFAULT_DB_ALIAS])({**source, "NAME": name}, RESTORED)
    connections[RESTORED] = restored
    try:
        yield RESTORED, name, libpq_env(source)
    finally:
        try:
            restored.close()
            del connections[RESTORED]
        finally:
            with connection.cursor() as cursor:  # FORCE: whatever still holds a connection to it
                cursor.execute(
                    f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)} WITH (FORCE)"
                )


@pytest.mark.skipif(
    not (shutil.which("pg_dump") and shutil.which("pg_restore")),
    reason="needs pg_dump and pg_restore on PATH",
)
def test_a_dump_restores_into_a_new_database_with_every_row_and_sound_trees(
    settings, tmp_path: Path, restored_alias
):
    alias, restored_name, env = restored_alias
    realistic_run(settings)
    # The run really is realistic: every app has rows, deep trees, votes, supporters.
    assert Comment.objects.filter(level__gte=10).exists()
    assert CommentVote.objects.exists() and Support.objects.exists()
    assert Post.objects.filter(comment_count__gte=2000).exists()
    assert call_command("check_trees", stdout=StringIO()) is None  # sound before the dump

    source = connection.settings_dict["NAME"]
    dump = tmp_path / "grassroots.dump"
    # docs/operations.md: the nightly dump, and a restore into a new database.
    run("pg_dump", "--format=custom", f"--file={dump}", f"--dbname={source}", env=env)
    assert dump.stat().st_size > 0
    run(
        "pg_restore",
        "--no-owner",
        "--exit-on-error",
        f"--dbname={restored_name}",
        str(dump),
        env=env,
    )

    before = table_counts(DEFAULT_DB_ALIAS)
    after = table_counts(alias)
    assert after == before
    expected = app_tables() | {"account_emailaddress"}
    assert expected <= set(after), f"tables missing from the copy: {expected - set(after)}"
    empty = sorted(
        table
        for table in [
            "accounts_user",
            "account_emailaddress",
            "forum_post",
            "forum_comment",
            "forum_commentvote",
            "campaigns_campaign",
            "campaigns_support",
            "conversations_message",
        ]
        if not after[table]
    )
    assert not empty, f"the drill's run left these empty: {empty}"
    # New top-level comments in the copy get fresh tree ids.
    assert sequence_value(alias) == sequence_value(DEFAULT_DB_ALIAS)

    out = StringIO()
    call_command("check_trees", "--database", alias, verbosity=2, stdout=out)
    comments = Comment.objects.count()
    assert f"{comments} comments, {Post.objects.count()} posts: no defects." in out.getvalue()
    assert Comment.objects.using(alias).count() == comments
