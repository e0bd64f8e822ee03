from django.db import migrations

# django-mptt allocates tree ids as max(tree_id) + 1, which two concurrent new top-level comments can both
# read. On PostgreSQL ids come from this sequence instead (forum.models.CommentManager).


def create_sequence(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS forum_comment_tree_id_seq")
    # Start past any tree id already in use.
    schema_editor.execute(
        "SELECT setval('forum_comment_tree_id_seq', "
        "COALESCE((SELECT MAX(tree_id) FROM forum_comment), 0) + 1, false)"
    )


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS forum_comment_tree_id_seq")


class Migration(migrations.Migration):
    dependencies = [("forum", "0001_initial")]

    operations = [migrations.RunPython(create_sequence, drop_sequence)]
