import django.contrib.postgres.search
from django.db import migrations

from forum.search_schema import (
    CAMPAIGN,
    postgres_install,
    postgres_uninstall,
    sqlite_ensure,
    sqlite_uninstall,
)

# Campaigns in the forum's search (forum.search_schema): the same trigger-kept index as posts.


def install(apps, schema_editor):
    postgres_install(schema_editor, CAMPAIGN)
    sqlite_ensure(schema_editor.connection, CAMPAIGN, create=True)


def uninstall(apps, schema_editor):
    postgres_uninstall(schema_editor, CAMPAIGN)
    sqlite_uninstall(schema_editor.connection, CAMPAIGN)


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0005_supporter_send"), ("forum", "0007_search")]

    operations = [
        migrations.AddField(
            model_name="campaign",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(install, uninstall),
    ]
