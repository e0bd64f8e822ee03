import django.contrib.postgres.search
from django.db import migrations

from forum.search_schema import (
    COMMENT,
    POST,
    postgres_install,
    postgres_uninstall,
    sqlite_ensure,
    sqlite_uninstall,
)

# Full-text search (forum.search): a trigger-kept, GIN-indexed search_vector on PostgreSQL; FTS5
# tables kept by triggers on SQLite. Both fill themselves from the rows already there.


def install(apps, schema_editor):
    for spec in (POST, COMMENT):
        postgres_install(schema_editor, spec)
        sqlite_ensure(schema_editor.connection, spec, create=True)


def uninstall(apps, schema_editor):
    for spec in (POST, COMMENT):
        postgres_uninstall(schema_editor, spec)
        sqlite_uninstall(schema_editor.connection, spec)


class Migration(migrations.Migration):
    dependencies = [("forum", "0006_follow")]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="post",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(install, uninstall),
    ]
